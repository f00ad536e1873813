"""Console sign-in: browsers sent from / to /signin, IAM users and root, MFA, forced password change."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import DEV_ACCOUNT, Server
from tests.console.conftest import (
    INCORRECT,
    ROOT_EMAIL,
    USER_PASSWORD,
    console_user,
    csrf_of,
    set_root_login,
    sign_in,
    sign_in_root,
)
from tests.mfa_support import code, create_device, enable, wrong_code

THROTTLED = "Too many failed sign-in attempts. Wait a few minutes, then try again."


@pytest.mark.parametrize(
    ("headers", "query", "to_signin"),
    [
        ({"Accept": "text/html,application/xhtml+xml"}, "", True),
        ({"Accept": "text/html", "Authorization": "AWS4-HMAC-SHA256 Credential=x"}, "", False),
        ({"Accept": "text/html"}, "?X-Amz-Credential=x&Action=ListUsers", False),
        ({"Accept": "*/*"}, "", False),
    ],
)
def test_browser_get_root_goes_to_signin(
    server: Server, headers: dict[str, str], query: str, to_signin: bool
) -> None:
    """A browser's unsigned GET / is redirected to /signin; API clients still reach the Query endpoint."""
    response = httpx.get(server.endpoint + "/" + query, headers=headers)
    if to_signin:
        assert response.status_code == 303
        assert response.headers["location"] == "/signin"
    else:
        assert response.status_code != 303
        assert response.headers["content-type"].startswith("text/xml")


def test_root_signs_in_by_email(server: Server, browser: httpx.Client) -> None:
    """The root user signs in with the account's email and root password and sees the dashboard."""
    set_root_login(server)
    response = sign_in_root(browser, ROOT_EMAIL.upper())
    assert response.status_code == 303
    assert response.headers["location"] == "/console/home"
    page = browser.get("/console/home")
    assert page.status_code == 200
    assert DEV_ACCOUNT in page.text
    assert "<title>IAM Dashboard | credo</title>" in page.text
    assert f"/signin?account={DEV_ACCOUNT}" in page.text


@pytest.mark.parametrize("by_alias", [True, False])
def test_user_signs_in_with_account_url(
    server: Server, iam: Any, browser: httpx.Client, by_alias: bool
) -> None:
    """An IAM user signs in through /signin?account=<alias or id>; the form is prefilled from the URL."""
    iam.create_account_alias(AccountAlias="my-team")
    console_user(iam, "alice")
    account = "my-team" if by_alias else DEV_ACCOUNT
    form = browser.get("/signin", params={"account": account})
    assert f'value="{account}"' in form.text
    for label in ("Account ID or alias", "IAM username", "Password", "Sign in as root user"):
        assert label in form.text
    response = sign_in(browser, account, "alice", USER_PASSWORD)
    assert response.headers["location"] == "/console/home"
    assert "arn:aws:iam::123456789012:user/alice" in browser.get("/console/home").text


@pytest.mark.parametrize(
    ("account", "user", "password"),
    [
        ("no-such-alias", "alice", USER_PASSWORD),
        (DEV_ACCOUNT, "bob", USER_PASSWORD),
        (DEV_ACCOUNT, "alice", "Wrong-Password-1"),
        (DEV_ACCOUNT, "nopassword", USER_PASSWORD),
    ],
)
def test_wrong_details_get_one_message(
    server: Server, iam: Any, browser: httpx.Client, account: str, user: str, password: str
) -> None:
    """A wrong account, user, or password (or a user without one) all get AWS's one generic message."""
    console_user(iam, "alice")
    iam.create_user(UserName="nopassword")
    response = sign_in(browser, account, user, password)
    assert response.status_code == 401
    assert INCORRECT in response.text
    assert browser.get("/console/home").headers["location"] == "/signin"


def test_wrong_root_password_gets_the_message(server: Server, browser: httpx.Client) -> None:
    """A wrong root password gets the same generic message and no session."""
    set_root_login(server)
    response = sign_in_root(browser, password="Not-The-Password-1")
    assert response.status_code == 401
    assert INCORRECT in response.text


@pytest.mark.parametrize(("tries", "vary_user"), [(5, False), (20, True)])
def test_failed_sign_ins_are_throttled(
    server: Server, iam: Any, browser: httpx.Client, tries: int, vary_user: bool
) -> None:
    """After 5 failures for one user (or 20 from one address) even the right password is refused."""
    console_user(iam, "alice")
    for attempt in range(tries):
        name = f"guess{attempt}" if vary_user else "alice"
        assert INCORRECT in sign_in(browser, DEV_ACCOUNT, name, "Wrong-Password-1").text
    response = sign_in(browser, DEV_ACCOUNT, "alice", USER_PASSWORD)
    assert response.status_code == 401
    assert THROTTLED in response.text
    assert browser.get("/console/home").headers["location"] == "/signin"


def test_mfa_code_is_asked_and_checked(server: Server, iam: Any, browser: httpx.Client, clock: Any) -> None:
    """A user with an MFA device gives a code after the password; wrong or replayed codes are refused."""
    console_user(iam, "alice")
    serial, seed = create_device(iam)
    enable(iam, clock, "alice", serial, seed)
    clock.move(30)  # the enabling codes used up the current step
    response = sign_in(browser, DEV_ACCOUNT, "alice", USER_PASSWORD)
    assert response.headers["location"] == "/signin/mfa"
    assert browser.get("/console/home").headers["location"] == "/signin/mfa"
    form = browser.get("/signin/mfa")
    assert "MFA code" in form.text
    token = csrf_of(form)
    wrong = browser.post("/signin/mfa", data={"csrf_token": token, "code": wrong_code(seed, clock.step())})
    assert wrong.status_code == 401
    assert INCORRECT in wrong.text
    right = code(seed, clock.step())
    assert browser.post("/signin/mfa", data={"csrf_token": token, "code": right}).headers["location"] == (
        "/console/home"
    )
    assert browser.get("/console/home").status_code == 200
    # The same code again, in a second sign-in, is a replay.
    with httpx.Client(base_url=server.endpoint) as other:
        sign_in(other, DEV_ACCOUNT, "alice", USER_PASSWORD)
        replay = other.post(
            "/signin/mfa", data={"csrf_token": csrf_of(other.get("/signin/mfa")), "code": right}
        )
        assert replay.status_code == 401


def _change(browser: httpx.Client, old: str, new: str, retyped: str | None = None) -> httpx.Response:
    token = csrf_of(browser.get("/signin/password"))
    return browser.post(
        "/signin/password",
        data={
            "csrf_token": token,
            "old_password": old,
            "new_password": new,
            "confirm_password": retyped or new,
        },
    )


def test_must_change_password_first(server: Server, iam: Any, browser: httpx.Client) -> None:
    """PasswordResetRequired leads to the change-password page, which enforces the password policy."""
    iam.update_account_password_policy(MinimumPasswordLength=12, AllowUsersToChangePassword=True)
    console_user(iam, "alice", reset=True)
    assert sign_in(browser, DEV_ACCOUNT, "alice", USER_PASSWORD).headers["location"] == "/signin/password"
    assert browser.get("/console/users").headers["location"] == "/signin/password"
    page = browser.get("/signin/password")
    for label in ("Old password", "New password", "Retype new password", "Confirm password change"):
        assert label in page.text
    assert "do not match" in _change(browser, USER_PASSWORD, "Another-Pass-123", "Other-Pass-1234").text
    assert "Password should have a minimum length of 12" in _change(browser, USER_PASSWORD, "Short-1").text
    assert "The old password is incorrect." in _change(browser, "Wrong-Old-Pass-1", "Another-Pass-123").text
    done = _change(browser, USER_PASSWORD, "Another-Pass-123")
    assert done.headers["location"] == "/console/home"
    assert browser.get("/console/home").status_code == 200
    assert iam.get_login_profile(UserName="alice")["LoginProfile"]["PasswordResetRequired"] is False
    with httpx.Client(base_url=server.endpoint) as other:
        again = sign_in(other, DEV_ACCOUNT, "alice", "Another-Pass-123")
        assert again.headers["location"] == "/console/home"


def test_expired_password_must_be_changed(
    server: Server, iam: Any, browser: httpx.Client, clock: Any
) -> None:
    """A password older than the policy's MaxPasswordAge leads to the change-password page."""
    iam.update_account_password_policy(MaxPasswordAge=1, AllowUsersToChangePassword=True)
    console_user(iam, "alice")
    clock.move(2 * 86400)
    assert sign_in(browser, DEV_ACCOUNT, "alice", USER_PASSWORD).headers["location"] == "/signin/password"


def test_password_change_goes_through_the_authorizer(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Without iam:ChangePassword (and no policy granting it) the change shows AWS's AccessDenied."""
    console_user(iam, "alice", reset=True)
    sign_in(browser, DEV_ACCOUNT, "alice", USER_PASSWORD)
    refused = _change(browser, USER_PASSWORD, "Another-Pass-123")
    assert refused.status_code == 400
    assert (
        "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:ChangePassword"
        in refused.text
    )


def test_dev_banner_prints_the_sign_in_url(server: Server) -> None:
    """``credo serve --dev`` prints the account's console sign-in URL, as the first start does."""
    assert (
        f"console sign-in URL for IAM users: {server.endpoint}/signin?account={DEV_ACCOUNT}" in server.log()
    )
