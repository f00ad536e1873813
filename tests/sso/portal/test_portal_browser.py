"""The access portal in headless Chromium: `credo sso login`'s default flow (authorization code with
PKCE through /authorize and the loopback redirect), then the portal's Access keys and Management
console for a role."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx

from tests.cli.conftest import AwsFiles
from tests.conftest import Server
from tests.sso.portal.support import (
    PASSWORD,
    Assigned,
    caller_arn,
    credo_process,
    csrf_of,
    read_until,
    sign_in,
    sso_config,
    url_in,
)

ROLE_PREFIX = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_AdministratorAccess_"


def _sign_in(page: Any, user_name: str = "alice") -> None:
    page.get_by_label("Username").fill(user_name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_pkce_login_through_the_browser(
    server: Server, alice: Assigned, aws_files: AwsFiles, new_page: Callable[[], Any]
) -> None:
    """`credo sso login` (no flags): sign in at the portal, Allow, back to the loopback listener;
    then boto3 acts as the role with the cached token."""
    from playwright.sync_api import expect

    aws_files.write(config=sso_config(server, "123456789012"))
    process = credo_process(["sso", "login", "--profile", "dev", "--no-browser"], aws_files.env)
    try:
        lines = read_until(process.stdout, "/authorize?")  # type: ignore[arg-type]
        page = new_page()
        page.goto(url_in(lines, "/authorize?"))
        _sign_in(page)
        expect(page.get_by_role("heading", name="Allow access")).to_be_visible()
        page.get_by_role("button", name="Allow").click()
        expect(page.get_by_role("heading", name="Signed in")).to_be_visible()
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, "".join(lines) + rest
    done = caller_arn("dev", aws_files.env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(ROLE_PREFIX) and done.stdout.strip().endswith("/alice")


def test_access_keys_and_management_console(
    server: Server, alice: Assigned, new_page: Callable[[], Any]
) -> None:
    """Access keys shows copyable export lines that work; Management console opens the console as the role."""
    from playwright.sync_api import expect

    page = new_page()
    page.goto(server.endpoint + "/start")
    _sign_in(page)
    expect(page.get_by_role("heading", name="123456789012")).to_be_visible()
    page.get_by_role("button", name="Access keys for AdministratorAccess in 123456789012").click()
    lines = page.locator("#env-lines").inner_text()
    values = dict(re.findall(r'export (AWS_\w+)="([^"]+)"', lines))
    assert set(values) == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
    assert "[123456789012_AdministratorAccess]" in page.locator("#file-lines").inner_text()
    sts = server.client(
        "sts", values["AWS_ACCESS_KEY_ID"], values["AWS_SECRET_ACCESS_KEY"], values["AWS_SESSION_TOKEN"]
    )
    assert sts.get_caller_identity()["Arn"].startswith(ROLE_PREFIX)
    page.goto(server.endpoint + "/start")
    page.get_by_role("button", name="Management console for AdministratorAccess in 123456789012").click()
    expect(page).to_have_url(re.compile(r"/console/home$"))
    expect(
        page.get_by_text(re.compile("assumed-role/AWSReservedSSO_AdministratorAccess_")).first
    ).to_be_visible()


def test_portal_pages_refuse_forgeries_and_keep_secrets_out_of_caches(
    server: Server, alice: Assigned, browser: Callable[[], httpx.Client]
) -> None:
    """Access keys answers no-store; forms without the sign-in's CSRF token are refused; wrong
    passwords get the console's one sentence."""
    web = browser()
    wrong = web.get("/start")
    refused = web.post(
        "/start/signin",
        data={"csrf_token": csrf_of(wrong.text), "next": "/start", "username": "alice", "password": "no"},
    )
    assert refused.status_code == 401 and "Your authentication information is incorrect" in refused.text
    home = sign_in(web, "/start")
    form = {
        "csrf_token": csrf_of(home.text),
        "account_id": "123456789012",
        "role_name": "AdministratorAccess",
    }
    keys = web.post("/start/access-keys", data=form)
    assert keys.status_code == 200 and keys.headers["cache-control"] == "no-store"
    assert "AWS_SESSION_TOKEN" in keys.text
    assert web.post("/start/access-keys", data={**form, "csrf_token": "forged"}).status_code == 403
    assert web.post("/start/console", data={**form, "csrf_token": "forged"}).status_code == 403
    other = browser()
    assert other.post("/start/signin", data={"username": "alice", "password": PASSWORD}).status_code == 403
    unassigned = web.post("/start/access-keys", data={**form, "role_name": "Nope"})
    assert unassigned.status_code == 403 and "ForbiddenException" in unassigned.text
