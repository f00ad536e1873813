"""The console in a real browser: Playwright driving Debian's Chromium (installed by .ci/run).

Set ``CREDO_SCREENSHOTS=<dir>`` to save the screenshots shown in docs/console.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEV_ACCOUNT, Server
from tests.console.conftest import ROOT_EMAIL, ROOT_PASSWORD, USER_PASSWORD, console_user, set_root_login

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no /usr/bin/chromium: apt-get install chromium (.ci/run does)"
)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


def _screenshot(page: Any, name: str) -> None:
    folder = os.environ.get("CREDO_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_root_then_new_user_sign_in(server: Server, iam: Any, chromium: Any) -> None:
    """Root signs in by email and sees the dashboard; a new user signs in by alias, changes its password, sees Users."""
    from playwright.sync_api import expect

    set_root_login(server)
    iam.create_account_alias(AccountAlias="my-team")
    iam.update_account_password_policy(MinimumPasswordLength=12, AllowUsersToChangePassword=True)
    admin = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}'
    console_user(iam, "alice", reset=True, policy=admin)

    root = chromium.new_context()
    page = root.new_page()
    page.goto(server.endpoint + "/")
    expect(page).to_have_title("Sign in | credo")
    page.get_by_role("link", name="Sign in as root user").click()
    _screenshot(page, "signin-root")
    page.get_by_label("Root user email address").fill(ROOT_EMAIL)
    page.get_by_label("Password").fill(ROOT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title("IAM Dashboard | credo")
    expect(page.get_by_text(DEV_ACCOUNT, exact=True)).to_be_visible()
    expect(page.get_by_text("Add MFA for the root user.")).to_be_visible()
    _screenshot(page, "dashboard")
    root.close()

    user = chromium.new_context()
    page = user.new_page()
    page.goto(f"{server.endpoint}/signin?account=my-team")
    expect(page.get_by_label("Account ID or alias")).to_have_value("my-team")
    _screenshot(page, "signin")
    page.get_by_label("IAM username").fill("alice")
    page.get_by_label("Password").fill(USER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title("Change password | credo")
    page.get_by_label("Old password").fill(USER_PASSWORD)
    page.get_by_label("New password", exact=True).fill("Brand-New-Pass-42")
    page.get_by_label("Retype new password").fill("Brand-New-Pass-42")
    page.get_by_role("button", name="Confirm password change").click()
    expect(page).to_have_title("IAM Dashboard | credo")
    page.get_by_role("link", name="Users").click()
    expect(page).to_have_title("Users | credo")
    expect(page.get_by_role("cell", name="alice", exact=True)).to_be_visible()
    _screenshot(page, "users")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_title("Sign in | credo")
    user.close()
