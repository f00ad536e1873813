"""Account settings: the password policy (edit, AWS's messages, IAM default), the account alias and the
sign-in URL it makes, the root user's email (current password required; root only), CSRF, AccessDenied."""

from __future__ import annotations

import html
import json
from typing import Any

import botocore.exceptions
import httpx
import pytest

from tests.conftest import DEV_ACCOUNT, Server, allow, error_of
from tests.console.conftest import (
    INCORRECT,
    ROOT_EMAIL,
    ROOT_PASSWORD,
    USER_PASSWORD,
    console_user,
    csrf_of,
    set_root_login,
    sign_in,
    sign_in_root,
)

PAGE = "/console/account-settings"
POLICY = f"{PAGE}/password-policy"
NEW_EMAIL = "new-owner@example.com"


def as_root(server: Server, browser: httpx.Client) -> str:
    set_root_login(server)
    sign_in_root(browser)
    return csrf_of(browser.get(PAGE))


def text_of(page: httpx.Response) -> str:
    return html.unescape(page.text)


def test_password_policy_edit_refusal_and_iam_default(
    server: Server, iam: Any, browser: httpx.Client
) -> None:
    """Default policy shown; a bad length gets AWS's message with the form kept; a custom policy is set;
    IAM default deletes it."""
    token = as_root(server, browser)
    assert "This AWS account uses the following default password policy" in browser.get(PAGE).text
    custom = {
        "csrf_token": token,
        "policy": "custom",
        "minimum_length": "200",
        "require_uppercase": "on",
        "require_numbers": "on",
        "expire": "on",
        "max_age": "90",
        "hard_expiry": "on",
        "allow_change": "on",
        "prevent_reuse": "on",
        "reuse_count": "5",
    }
    refused = browser.post(POLICY, data=custom)
    assert refused.status_code == 400
    assert (
        "1 validation error detected: Value '200' at 'minimumPasswordLength' failed to satisfy constraint: "
        "Member must have value less than or equal to 128"
    ) in text_of(refused)
    assert 'value="200"' in refused.text and 'id="hard_expiry" name="hard_expiry" checked' in refused.text
    with pytest.raises(botocore.exceptions.ClientError):
        iam.get_account_password_policy()

    assert browser.post(POLICY, data={**custom, "minimum_length": "12"}).status_code == 303
    assert iam.get_account_password_policy()["PasswordPolicy"] == {
        "MinimumPasswordLength": 12,
        "RequireSymbols": False,
        "RequireNumbers": True,
        "RequireUppercaseCharacters": True,
        "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": True,
        "ExpirePasswords": True,
        "MaxPasswordAge": 90,
        "PasswordReusePrevention": 5,
        "HardExpiry": True,
    }
    shown = browser.get(PAGE).text
    assert "Minimum password length is 12 characters" in shown and "Remember last 5 password(s)" in shown
    assert 'value="12"' in browser.get(POLICY).text

    assert browser.post(POLICY, data={"csrf_token": token, "policy": "default"}).status_code == 303
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.get_account_password_policy()
    assert error_of(caught)[0] == "NoSuchEntity"


def test_alias_create_change_delete_moves_the_signin_url(
    server: Server, iam: Any, browser: httpx.Client
) -> None:
    """Create, change (a refused new alias keeps the old one) and delete the alias; the sign-in URL follows,
    and an IAM user signs in through the new alias."""
    token = as_root(server, browser)
    base = server.endpoint
    assert f"{base}/signin?account={DEV_ACCOUNT}" in browser.get(PAGE).text
    assert (
        browser.post(f"{PAGE}/alias", data={"csrf_token": token, "alias": "first-alias"}).status_code == 303
    )
    assert f"{base}/signin?account=first-alias" in browser.get(PAGE).text
    assert 'value="first-alias"' in browser.get(f"{PAGE}/alias").text

    assert (
        browser.post(f"{PAGE}/alias", data={"csrf_token": token, "alias": "second-alias"}).status_code == 303
    )
    assert iam.list_account_aliases()["AccountAliases"] == ["second-alias"]
    assert f"{base}/signin?account=second-alias" in browser.get(PAGE).text
    console_user(iam, "alice")
    for alias, signed_in in (("second-alias", True), ("first-alias", False)):
        with httpx.Client(base_url=base, follow_redirects=False) as other:
            answer = sign_in(other, alias, "alice", USER_PASSWORD)
            assert (answer.headers.get("location") == "/console/home") is signed_in
            assert (INCORRECT in answer.text) is not signed_in

    bad = browser.post(f"{PAGE}/alias", data={"csrf_token": token, "alias": "Bad_Alias"})
    assert bad.status_code == 400
    assert "Value 'Bad_Alias' at 'accountAlias' failed to satisfy constraint" in text_of(bad)
    assert iam.list_account_aliases()["AccountAliases"] == ["second-alias"]

    deleted = browser.post(f"{PAGE}/alias/delete", data={"csrf_token": token, "alias": "second-alias"})
    assert deleted.status_code == 303
    assert iam.list_account_aliases()["AccountAliases"] == []
    assert f"{base}/signin?account={DEV_ACCOUNT}" in browser.get(PAGE).text


def test_root_changes_email_with_current_password(server: Server, browser: httpx.Client) -> None:
    """A wrong current password or a malformed address changes nothing; the right one moves root's sign-in."""
    token = as_root(server, browser)
    page = browser.get(PAGE).text
    assert ROOT_EMAIL in page and 'href="/console/security-credentials"' in page
    wrong = browser.post(f"{PAGE}/email", data={"csrf_token": token, "email": NEW_EMAIL, "password": "nope"})
    assert wrong.status_code == 400 and "The password you entered is incorrect." in wrong.text
    assert f'value="{NEW_EMAIL}"' in wrong.text and "nope" not in wrong.text
    malformed = browser.post(
        f"{PAGE}/email", data={"csrf_token": token, "email": "not-an-email", "password": ROOT_PASSWORD}
    )
    assert malformed.status_code == 400 and "Enter a valid email address." in malformed.text
    assert ROOT_EMAIL in browser.get(PAGE).text

    done = browser.post(
        f"{PAGE}/email", data={"csrf_token": token, "email": NEW_EMAIL, "password": ROOT_PASSWORD}
    )
    assert done.status_code == 303 and NEW_EMAIL in browser.get(PAGE).text
    with httpx.Client(base_url=server.endpoint, follow_redirects=False) as other:
        assert INCORRECT in sign_in_root(other, ROOT_EMAIL).text
        assert sign_in_root(other, NEW_EMAIL).headers["location"] == "/console/home"


def test_iam_user_has_no_root_section_and_is_refused(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Even with every IAM permission, a user sees no root section; the email form answers 403, changes nothing."""
    set_root_login(server)
    console_user(iam, "admin", policy=json.dumps(allow("*")))
    sign_in(browser, DEV_ACCOUNT, "admin", USER_PASSWORD)
    page = browser.get(PAGE)
    assert page.status_code == 200 and "Update account email" not in page.text
    assert browser.get(f"{PAGE}/email").status_code == 403
    refused = browser.post(
        f"{PAGE}/email", data={"csrf_token": csrf_of(page), "email": NEW_EMAIL, "password": USER_PASSWORD}
    )
    assert refused.status_code == 403 and "Only the root user" in refused.text
    with httpx.Client(base_url=server.endpoint, follow_redirects=False) as other:
        assert sign_in_root(other, ROOT_EMAIL).headers["location"] == "/console/home"


@pytest.mark.parametrize("token", [None, "forged"])
def test_csrf_refused(server: Server, iam: Any, browser: httpx.Client, token: str | None) -> None:
    """Password policy, alias and email changes without the session's token: 403, nothing changed."""
    as_root(server, browser)
    sent = {} if token is None else {"csrf_token": token}
    policy = browser.post(POLICY, data={**sent, "policy": "custom", "minimum_length": "10"})
    alias = browser.post(f"{PAGE}/alias", data={**sent, "alias": "some-alias"})
    email = browser.post(f"{PAGE}/email", data={**sent, "email": NEW_EMAIL, "password": ROOT_PASSWORD})
    assert [policy.status_code, alias.status_code, email.status_code] == [403, 403, 403]
    with pytest.raises(botocore.exceptions.ClientError):
        iam.get_account_password_policy()
    assert iam.list_account_aliases()["AccountAliases"] == []
    assert ROOT_EMAIL in browser.get(PAGE).text


def test_user_without_permissions_sees_access_denied(server: Server, iam: Any, browser: httpx.Client) -> None:
    """A user without IAM permissions sees AWS's AccessDenied messages (403), and cannot set a policy."""
    console_user(iam, "alice")
    sign_in(browser, DEV_ACCOUNT, "alice", USER_PASSWORD)
    page = browser.get(PAGE)
    assert page.status_code == 403
    user = f"User: arn:aws:iam::{DEV_ACCOUNT}:user/alice is not authorized to perform"
    assert (
        f"{user}: iam:GetAccountPasswordPolicy" in page.text
        and f"{user}: iam:ListAccountAliases" in page.text
    )
    refused = browser.post(
        POLICY, data={"csrf_token": csrf_of(page), "policy": "custom", "minimum_length": "10"}
    )
    assert refused.status_code == 403 and f"{user}: iam:UpdateAccountPasswordPolicy" in text_of(refused)
    assert 'value="10"' in refused.text
    with pytest.raises(botocore.exceptions.ClientError):
        iam.get_account_password_policy()
