"""Console pages: the dashboard's recommendations, as the signed-in principal (Users: test_users.py)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Server
from tests.console.conftest import console_user, set_root_login, sign_in_root


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


def test_pages_carry_security_headers(server: Server, browser: httpx.Client) -> None:
    """Console pages forbid framing, inline scripts, other origins and caching."""
    set_root_login(server)
    sign_in_root(browser)
    headers = browser.get("/console/home").headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"
    assert browser.get("/console/static/console.css").status_code == 200


def test_dashboard_asks_to_rotate_active_keys_older_than_90_days(
    server: Server, iam: Any, browser: httpx.Client, clock: Any
) -> None:
    """An active user key past 90 days is named; an inactive one, a younger one and an 89-day-old one are not."""
    set_root_login(server)
    keys = {}
    for name in ("old", "idle"):
        iam.create_user(UserName=name)
        keys[name] = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
    iam.update_access_key(UserName="idle", AccessKeyId=keys["idle"], Status="Inactive")
    clock.move(89 * 86400)
    assert "older than 90 days" not in dashboard(browser)
    clock.move(2 * 86400)
    iam.create_user(UserName="fresh")
    keys["fresh"] = iam.create_access_key(UserName="fresh")["AccessKey"]["AccessKeyId"]
    page = dashboard(browser)
    assert f"Rotate 1 active access key(s) older than 90 days: old ({keys['old']})." in page
    assert keys["idle"] not in page and keys["fresh"] not in page


def dashboard(browser: httpx.Client) -> str:
    """Root's dashboard, signed in afresh (moving the clock ended the earlier session)."""
    browser.cookies.clear()
    assert sign_in_root(browser).headers["location"] == "/console/home"
    return browser.get("/console/home").text
