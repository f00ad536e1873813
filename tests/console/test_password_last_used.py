"""A console sign-in sets the user's PasswordLastUsed, as AWS does, and the console pages show it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.conftest import DEV_ACCOUNT, Server
from tests.console.conftest import USER_PASSWORD, console_user, csrf_of, sign_in
from tests.console.test_users import as_root, rows_of
from tests.mfa_support import DeviceClock, code, create_device, enable

NEW_PASSWORD = "Another-Pass-123"


def server_time(server: Server) -> datetime:
    """The server's clock now (tests move it), to bracket the time it records."""
    return datetime.fromtimestamp(server.post("/_credo/clock", {"seconds": 0})["time"], UTC)


def last_used(iam: Any) -> Any:
    """alice's PasswordLastUsed as GetUser returns it (None when absent)."""
    return iam.get_user(UserName="alice")["User"].get("PasswordLastUsed")


def listed_alice(iam: Any) -> Any:
    """alice as ListUsers shows her."""
    return {user["UserName"]: user for user in iam.list_users()["Users"]}["alice"]


def finish_step(browser: httpx.Client, step: str, seed: str, clock: DeviceClock) -> httpx.Response:
    """The page a sign-in goes on to after the password: the MFA code, or the forced new password."""
    if step == "mfa":
        token = csrf_of(browser.get("/signin/mfa"))
        return browser.post("/signin/mfa", data={"csrf_token": token, "code": code(seed, clock.step())})
    token = csrf_of(browser.get("/signin/password"))
    fields = {"old_password": USER_PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    return browser.post("/signin/password", data={"csrf_token": token, **fields})


@pytest.mark.parametrize("step", ["password", "mfa", "new-password"])
def test_sign_in_sets_password_last_used_when_complete(
    server: Server, iam: Any, browser: httpx.Client, clock: DeviceClock, step: str
) -> None:
    """GetUser and ListUsers carry PasswordLastUsed once the sign-in is done (after MFA or a new password), not before."""
    iam.update_account_password_policy(AllowUsersToChangePassword=True)
    console_user(iam, "alice", reset=step == "new-password")
    seed = ""
    if step == "mfa":
        serial, seed = create_device(iam)
        enable(iam, clock, "alice", serial, seed)
        clock.move(30)  # the enabling codes used up the current step
    assert sign_in(browser, DEV_ACCOUNT, "alice", "Wrong-Password-1").status_code == 401
    assert last_used(iam) is None
    assert "PasswordLastUsed" not in listed_alice(iam)  # and ListUsers' page is cached now
    before = server_time(server)
    signed_in = sign_in(browser, DEV_ACCOUNT, "alice", USER_PASSWORD)
    if step != "password":
        assert signed_in.headers["location"] == ("/signin/mfa" if step == "mfa" else "/signin/password")
        assert last_used(iam) is None  # the password alone is not a sign-in yet
        signed_in = finish_step(browser, step, seed, clock)
    assert signed_in.headers["location"] == "/console/home"
    used = last_used(iam)
    assert used is not None
    assert before.replace(microsecond=0) <= used <= server_time(server)
    assert listed_alice(iam)["PasswordLastUsed"] == used


def test_users_list_and_user_page_show_the_sign_in(server: Server, iam: Any, browser: httpx.Client) -> None:
    """After alice signs in, the Users list's Last activity and her Last console sign-in are no longer Never."""
    console_user(iam, "alice")
    iam.create_user(UserName="bob")
    with httpx.Client(base_url=server.endpoint, follow_redirects=False, timeout=30) as alice:
        assert sign_in(alice, DEV_ACCOUNT, "alice", USER_PASSWORD).headers["location"] == "/console/home"
    used = last_used(iam)
    as_root(server, browser)
    rows = rows_of(browser.get("/console/users").text).split("</tr>")
    alice_row, bob_row = rows[0], rows[1]
    assert "<td>Today</td>" in alice_row and "Never" not in alice_row
    assert "<td>Never</td>" in bob_row
    page = browser.get("/console/users/alice").text
    shown = used.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    assert re.findall(r"Last console sign-in</dt>\s*<dd>([^<]*)</dd>", page) == [shown]


def test_root_sign_in_sets_roots_password_last_used(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Root's own GetUser and the credential report's <root_account> row carry its console sign-in."""
    assert "PasswordLastUsed" not in iam.get_user()["User"]
    before = server_time(server)
    as_root(server, browser)
    used = iam.get_user()["User"]["PasswordLastUsed"]
    assert before.replace(microsecond=0) <= used <= server_time(server)
    states = [iam.generate_credential_report()["State"] for _ in range(2)]
    assert states[-1] == "COMPLETE"
    report = iam.get_credential_report()["Content"].decode().splitlines()
    root_row = dict(zip(report[0].split(","), report[1].split(","), strict=True))
    assert root_row["user"] == "<root_account>"
    assert datetime.fromisoformat(root_row["password_last_used"]) == used
