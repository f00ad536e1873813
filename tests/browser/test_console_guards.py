"""The console's refusals as a person meets them in the browser: AWS's AccessDenied, CSRF, throttling, revoked sessions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.browser.console_steps import expect_title, go_to, sign_in_root, sign_in_user
from tests.conftest import DEV_ACCOUNT, Server
from tests.console.conftest import INCORRECT, USER_PASSWORD, console_user, set_root_login

ADMIN = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}'
THROTTLED = "Too many failed sign-in attempts. Wait a few minutes, then try again."


def signin_url(server: Server) -> str:
    return f"{server.endpoint}/signin?account={DEV_ACCOUNT}"


def test_denied_create_user_shows_aws_message(server: Server, iam: Any, new_page: Callable[[], Any]) -> None:
    """A user without IAM permissions who presses Create user sees AWS's not-authorized message, and no user is made."""
    from playwright.sync_api import expect

    console_user(iam, "bob")
    page = new_page()
    sign_in_user(page, signin_url(server), "bob", USER_PASSWORD)
    go_to(page, "Users")
    page.get_by_role("link", name="Create user").click()
    page.get_by_label("User name").fill("carol")
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_role("button", name="Next", exact=True).click()
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name="Create user").click()
    assert answer.value.status < 500
    expect(
        page.get_by_text(
            f"User: arn:aws:iam::{DEV_ACCOUNT}:user/bob is not authorized to perform: iam:CreateUser"
            f" on resource: arn:aws:iam::{DEV_ACCOUNT}:user/carol"
        )
    ).to_be_visible()
    assert [user["UserName"] for user in iam.list_users()["Users"]] == ["bob"]


def test_tampered_csrf_token_is_refused(server: Server, iam: Any, new_page: Callable[[], Any]) -> None:
    """A form whose hidden csrf_token was changed in the page is refused with 403, and nothing is created."""
    from playwright.sync_api import expect

    set_root_login(server)
    page = new_page()
    sign_in_root(page, server)
    go_to(page, "User groups")
    page.get_by_role("link", name="Create group").click()
    page.get_by_label("User group name").fill("Tampered")
    form = page.get_by_label("User group name").locator("xpath=ancestor::form")
    form.locator("input[name=csrf_token]").evaluate("input => { input.value = 'tampered-token'; }")
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name="Create user group").click()
    assert answer.value.status == 403
    expect_title(page, "Request refused")
    expect(page.get_by_role("alert")).to_contain_text("nothing was changed")
    assert iam.list_groups()["Groups"] == []


def test_throttled_sign_in(server: Server, iam: Any, new_page: Callable[[], Any]) -> None:
    """Repeated wrong passwords get the one generic message; then even the right password is refused."""
    from playwright.sync_api import expect

    console_user(iam, "alice")
    page = new_page()
    for _attempt in range(5):
        sign_in_user(page, signin_url(server), "alice", "Wrong-Password-1")
        expect(page.get_by_role("alert")).to_have_text(INCORRECT)
    sign_in_user(page, signin_url(server), "alice", USER_PASSWORD)
    expect(page.get_by_role("alert")).to_have_text(THROTTLED)
    page.goto(server.endpoint + "/console/home")
    expect_title(page, "Sign in")


def test_deleted_login_profile_ends_browser_session(
    server: Server, iam: Any, new_page: Callable[[], Any]
) -> None:
    """When root deletes the user's login profile through the API, the user's next page load goes to sign-in."""
    from playwright.sync_api import expect

    console_user(iam, "alice", policy=ADMIN)
    page = new_page()
    sign_in_user(page, signin_url(server), "alice", USER_PASSWORD)
    go_to(page, "Users")
    expect(page.get_by_role("cell", name="alice", exact=True)).to_be_visible()
    iam.delete_login_profile(UserName="alice")
    page.get_by_role("navigation", name="Console").get_by_role("link", name="User groups").click()
    expect_title(page, "Sign in")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
