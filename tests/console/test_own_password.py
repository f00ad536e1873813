"""My security credentials → Update console password: ChangePassword as the signed-in user."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from tests.conftest import DEV_ACCOUNT, Server, allow
from tests.console.conftest import USER_PASSWORD, console_user, csrf_of, set_root_login, sign_in, sign_in_root

PAGE = "/console/security-credentials/password"
NEW_PASSWORD = "Another-Pass-2"


def change(browser: httpx.Client, current: str, new: str, confirm: str | None = None) -> httpx.Response:
    fields = {
        "current_password": current,
        "new_password": new,
        "confirm_password": new if confirm is None else confirm,
    }
    return browser.post(PAGE, data={"csrf_token": csrf_of(browser.get(PAGE)), **fields})


def signs_in(server: Server, password: str) -> bool:
    with httpx.Client(base_url=server.endpoint, follow_redirects=False) as other:
        return sign_in(other, DEV_ACCOUNT, "alice", password).status_code == 303


@pytest.fixture
def alice(iam: Any, browser: httpx.Client) -> str:
    """alice, signed in, in an account whose password policy lets users change their password."""
    iam.update_account_password_policy(MinimumPasswordLength=10, AllowUsersToChangePassword=True)
    console_user(iam, "alice")
    assert sign_in(browser, DEV_ACCOUNT, "alice", USER_PASSWORD).headers["location"] == "/console/home"
    return "alice"


def test_change_keeps_this_session_and_ends_the_others(
    server: Server, browser: httpx.Client, alice: str
) -> None:
    """Success: this session goes on, alice's other session ends, the new password signs in, the old does not."""
    page = browser.get("/console/security-credentials")
    assert 'href="/console/security-credentials/password">Update console password<' in page.text
    form = browser.get(PAGE)
    for label in ("Current password", "New password", "Confirm new password", "Update password"):
        assert label in form.text
    with httpx.Client(base_url=server.endpoint, follow_redirects=False) as elsewhere:
        sign_in(elsewhere, DEV_ACCOUNT, "alice", USER_PASSWORD)
        assert elsewhere.get("/console/home").status_code == 200
        changed = change(browser, USER_PASSWORD, NEW_PASSWORD)
        assert changed.status_code == 303 and changed.headers["location"] == "/console/security-credentials"
        # Still signed in (alice may not list access keys, so that part of the page is refused).
        still = browser.get("/console/security-credentials")
        assert "location" not in still.headers and "Update console password" in still.text
        assert elsewhere.get("/console/home").headers["location"] == "/signin"
    assert signs_in(server, NEW_PASSWORD) and not signs_in(server, USER_PASSWORD)
    assert NEW_PASSWORD not in server.log()


@pytest.mark.parametrize(
    ("current", "new", "confirm", "status", "shown"),
    [
        (
            "Not-The-Password-1",
            NEW_PASSWORD,
            None,
            403,
            '<p class="error" role="alert">The old password is incorrect.</p>',
        ),
        (
            USER_PASSWORD,
            "Short-1",
            None,
            400,
            'id="new-password-error">Password should have a minimum length of 10</p>',
        ),
        (
            USER_PASSWORD,
            NEW_PASSWORD,
            "Something-Else-3",
            400,
            'id="confirm-password-error">The new password and the confirmation do not match.</p>',
        ),
    ],
)
def test_refusals_are_shown_and_change_nothing(
    server: Server,
    browser: httpx.Client,
    alice: str,
    current: str,
    new: str,
    confirm: str | None,
    status: int,
    shown: str,
) -> None:
    """Wrong current password, a policy violation, a mismatch: the message, and the old password still works."""
    refused = change(browser, current, new, confirm)
    assert refused.status_code == status and shown in refused.text
    assert signs_in(server, USER_PASSWORD)


def test_without_csrf_token_nothing_changes(server: Server, browser: httpx.Client, alice: str) -> None:
    """A POST without or with a wrong token is refused with 403; the password stays."""
    fields = {
        "current_password": USER_PASSWORD,
        "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
    }
    for token in ({}, {"csrf_token": "wrong"}):
        assert browser.post(PAGE, data={**fields, **token}).status_code == 403
    assert signs_in(server, USER_PASSWORD)


def test_user_who_may_not_change_it_sees_access_denied(
    server: Server, iam: Any, browser: httpx.Client
) -> None:
    """Neither iam:ChangePassword nor AllowUsersToChangePassword: AWS's AccessDenied message, 403."""
    console_user(iam, "alice", policy=json.dumps(allow("iam:ListAccessKeys")))
    sign_in(browser, DEV_ACCOUNT, "alice", USER_PASSWORD)
    refused = change(browser, USER_PASSWORD, NEW_PASSWORD)
    assert refused.status_code == 403
    assert re.search(
        rf"User: arn:aws:iam::{DEV_ACCOUNT}:user/alice is not authorized to perform: iam:ChangePassword on resource: "
        rf"arn:aws:iam::{DEV_ACCOUNT}:user/alice",
        refused.text,
    )
    assert signs_in(server, USER_PASSWORD)


def test_root_is_told_there_is_no_api_for_its_password(server: Server, browser: httpx.Client) -> None:
    """Root: the page explains that no IAM API changes the root password; a POST changes nothing."""
    set_root_login(server)
    sign_in_root(browser)
    page = browser.get(PAGE)
    assert "no IAM API changes it" in page.text and 'name="new_password"' not in page.text
    posted = browser.post(
        PAGE, data={"csrf_token": csrf_of(browser.get("/console/home")), "new_password": "x"}
    )
    assert posted.status_code == 400
    assert sign_in_root(browser).status_code == 303
