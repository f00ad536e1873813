"""Console pages: the dashboard's recommendations and the Users list, as the signed-in principal."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import DEV_ACCOUNT, Server
from tests.console.conftest import USER_PASSWORD, console_user, set_root_login, sign_in, sign_in_root
from tests.mfa_support import create_device, enable


def test_dashboard_shows_account_and_recommendations(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Root sees the alias, the alias sign-in URL, and AWS's security recommendations that apply."""
    set_root_login(server)
    iam.create_account_alias(AccountAlias="my-team")
    console_user(iam, "alice")
    sign_in_root(browser)
    page = browser.get("/console/home").text
    assert "my-team" in page
    assert f"{server.endpoint}/signin?account=my-team" in page
    assert "Copy sign-in URL" in page
    assert "Add MFA for the root user." in page
    assert "root user&#39;s access keys" in page
    assert "Add MFA for 1 IAM user(s) without it: alice." in page


def test_users_page_lists_users(server: Server, iam: Any, browser: httpx.Client, clock: Any) -> None:
    """The Users page lists name, path, creation date and whether each user has MFA."""
    set_root_login(server)
    console_user(iam, "alice")
    iam.create_user(UserName="bob", Path="/team/")
    serial, seed = create_device(iam)
    enable(iam, clock, "bob", serial, seed)
    sign_in_root(browser)
    page = browser.get("/console/users")
    assert page.status_code == 200
    assert "<title>Users | credo</title>" in page.text
    rows = page.text.split("<tbody>")[1]
    assert "<td>alice</td><td>/</td>" in rows
    assert "<td>bob</td><td>/team/</td>" in rows
    assert rows.index("<td>No</td>") < rows.index("<td>Yes</td>")


def test_users_page_shows_access_denied(server: Server, iam: Any, browser: httpx.Client) -> None:
    """A user without iam:ListUsers sees AWS's AccessDenied message on the page, not a failure."""
    console_user(iam, "alice")
    sign_in(browser, DEV_ACCOUNT, "alice", USER_PASSWORD)
    page = browser.get("/console/users")
    assert page.status_code == 403
    assert (
        "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:ListUsers on resource: "
        "arn:aws:iam::123456789012:user/ because no identity-based policy allows the iam:ListUsers action"
    ) in page.text
    dashboard = browser.get("/console/home")
    assert dashboard.status_code == 200
    assert "not authorized to perform: iam:GetAccountSummary" in dashboard.text


def test_pages_carry_security_headers(server: Server, browser: httpx.Client) -> None:
    """Console pages forbid framing, inline scripts, other origins and caching."""
    set_root_login(server)
    sign_in_root(browser)
    headers = browser.get("/console/home").headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"
    assert browser.get("/console/static/console.css").status_code == 200
