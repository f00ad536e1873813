"""Switch role: the console acts as an AssumeRole session (trust and MFA rules apply), then switches back."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.conftest import DEV_ACCOUNT, Server, allow
from tests.console.conftest import USER_PASSWORD, console_user, csrf_of, set_root_login, sign_in, sign_in_root
from tests.mfa_support import code, create_device, enable

FORM = "/console/switchrole"
ALIAS = "my-team"
ROLE_ARN = f"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/reader/alice"
USER_ARN = f"arn:aws:iam::{DEV_ACCOUNT}:user/alice"
INVALID = "Invalid information in one or more fields. Check your information or contact your administrator."
# alice may assume roles and read the account summary, but not list users; the role the reverse.
ALICE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            *allow("sts:AssumeRole")["Statement"],
            *allow("iam:GetAccountSummary")["Statement"],
        ],
    }
)


def trust(mfa: bool = False) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{DEV_ACCOUNT}:root"},
        "Action": "sts:AssumeRole",
    }
    if mfa:
        statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def make_role(iam: Any, name: str = "reader", *, mfa: bool = False, path: str = "/") -> None:
    iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=trust(mfa))
    iam.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=json.dumps(allow("iam:List*")))


def alice_signed_in(iam: Any, browser: httpx.Client) -> None:
    iam.create_account_alias(AccountAlias=ALIAS)
    console_user(iam, "alice", policy=ALICE_POLICY)
    sign_in(browser, DEV_ACCOUNT, "alice", USER_PASSWORD)


def switch(browser: httpx.Client, role: str = "reader", account: str = ALIAS, **extra: str) -> httpx.Response:
    data = {"csrf_token": csrf_of(browser.get(FORM)), "account": account, "role": role, **extra}
    return browser.post(FORM, data=data)


def who(browser: httpx.Client) -> str:
    page = browser.get("/console/home")
    assert page.status_code == 200, page.text
    return page.text.split("</header>")[0]


def test_pages_act_as_the_role_until_switch_back(server: Server, iam: Any, browser: httpx.Client) -> None:
    """After Switch Role every page is the role session's (its permissions, not the user's); Switch back undoes it."""
    make_role(iam)
    alice_signed_in(iam, browser)
    assert browser.get("/console/users").status_code == 403
    # The URL form only prefills: nothing changes on GET.
    aws_url = browser.get(f"/switchrole?account={ALIAS}&roleName=reader&displayName=Reader&color=99BCE3")
    assert aws_url.status_code == 303
    form = browser.get(aws_url.headers["location"])
    assert form.status_code == 200
    assert 'name="account" value="my-team"' in form.text and 'value="Reader"' in form.text
    assert 'value="blue" checked' in form.text
    assert browser.get("/console/users").status_code == 403
    old_token = csrf_of(form)

    switched = browser.post(
        FORM,
        data={
            "csrf_token": old_token,
            "account": ALIAS,
            "role": "reader",
            "display_name": "Reader",
            "color": "blue",
        },
    )
    assert switched.status_code == 303 and switched.headers["location"] == "/console/home"
    bar = who(browser)
    assert ROLE_ARN in bar and USER_ARN not in bar
    assert 'class="switched role-color-blue">Reader<' in bar
    assert f"Role: reader · Account: {DEV_ACCOUNT}" in bar and "Switch back" in bar
    assert browser.get("/console/users").status_code == 200  # the role's permission
    dashboard = browser.get("/console/home").text
    assert f"User: {ROLE_ARN} is not authorized to perform: iam:GetAccountSummary" in dashboard  # not alice's

    # A form shown before the switch is not accepted as the role.
    stale = browser.post("/console/switchrole/back", data={"csrf_token": old_token})
    assert stale.status_code == 403 and ROLE_ARN in who(browser)
    back = browser.post("/console/switchrole/back", data={"csrf_token": csrf_of(browser.get(FORM))})
    assert back.status_code == 303
    bar = who(browser)
    assert USER_ARN in bar and "Switch back" not in bar and "switched" not in bar
    assert browser.get("/console/users").status_code == 403


@pytest.mark.parametrize("token", [None, "wrong"])
def test_switch_without_csrf_token_changes_nothing(
    server: Server, iam: Any, browser: httpx.Client, token: str | None
) -> None:
    """Switch Role and Switch back without the form's token are refused (403) and change nothing."""
    make_role(iam)
    alice_signed_in(iam, browser)
    data = {"account": ALIAS, "role": "reader"} | ({} if token is None else {"csrf_token": token})
    assert browser.post(FORM, data=data).status_code == 403
    assert USER_ARN in who(browser)
    assert "LastUsedDate" not in iam.get_role(RoleName="reader")["Role"].get("RoleLastUsed", {})
    switch(browser)
    back = {} if token is None else {"csrf_token": token}
    assert browser.post("/console/switchrole/back", data=back).status_code == 403
    assert ROLE_ARN in who(browser)


def test_trust_policy_requiring_mfa(server: Server, iam: Any, browser: httpx.Client, clock: Any) -> None:
    """A trust policy requiring MFA refuses a password-only console session and admits one signed in with MFA."""
    make_role(iam, mfa=True)
    alice_signed_in(iam, browser)
    refused = switch(browser, display_name="Typed")
    assert refused.status_code == 403
    assert f"User: {USER_ARN} is not authorized to perform: sts:AssumeRole on resource: " in refused.text
    assert 'value="Typed"' in refused.text  # what the user typed is kept
    assert USER_ARN in who(browser)

    serial, seed = create_device(iam)
    enable(iam, clock, "alice", serial, seed)
    clock.move(30)
    with httpx.Client(base_url=server.endpoint, follow_redirects=False) as mfa_browser:
        sign_in(mfa_browser, DEV_ACCOUNT, "alice", USER_PASSWORD)
        page = mfa_browser.get("/signin/mfa")
        mfa_browser.post("/signin/mfa", data={"csrf_token": csrf_of(page), "code": code(seed, clock.step())})
        assert switch(mfa_browser).status_code == 303
        clock.move(11 * 60)  # past the 10 minutes a half-done sign-in may wait: this one is done
        assert ROLE_ARN in who(mfa_browser)
        assert mfa_browser.get("/console/users").status_code == 200


def test_session_ends_with_the_role_credentials(server: Server, iam: Any, browser: httpx.Client) -> None:
    """After an hour (AssumeRole's default) the console is back to the user, saying so; an old form is refused."""
    make_role(iam)
    alice_signed_in(iam, browser)
    switch(browser)
    server.advance_clock(1800)
    token = csrf_of(browser.get(FORM))  # the role's form; the visit also keeps the session from idling out
    server.advance_clock(1801)
    assert (
        browser.post(FORM, data={"csrf_token": token, "account": ALIAS, "role": "reader"}).status_code == 403
    )
    page = browser.get("/console/users")
    assert page.status_code == 403 and "Switch back" not in page.text
    assert USER_ARN in page.text.split("</header>")[0]


def test_deleted_role_ends_the_switch(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Deleting the role ends the switched session at the next request, with a notice; the user stays signed in."""
    make_role(iam)
    alice_signed_in(iam, browser)
    switch(browser, display_name="Reader")
    iam.delete_role_policy(RoleName="reader", PolicyName="read")
    iam.delete_role(RoleName="reader")
    page = browser.get("/console/home")
    assert page.status_code == 200
    assert "Your session as Reader has ended" in page.text
    assert USER_ARN in page.text.split("</header>")[0]
    assert "has ended" not in browser.get("/console/home").text


@pytest.mark.parametrize(
    ("account", "role", "status", "message"),
    [
        (DEV_ACCOUNT, "team/ops", 303, None),  # an id, and a role with a path
        ("no-such-alias", "team/ops", 400, INVALID),
        (ALIAS, "ops", 403, "is not authorized to perform: sts:AssumeRole"),  # the path is part of the name
        (ALIAS, "team//ops", 400, INVALID),
    ],
)
def test_account_and_role_are_resolved(
    server: Server, iam: Any, browser: httpx.Client, account: str, role: str, status: int, message: str | None
) -> None:
    """The account is an id or an alias; the role a name with its path; anything else is refused on the form."""
    make_role(iam, "ops", path="/team/")
    alice_signed_in(iam, browser)
    response = switch(browser, role=role, account=account)
    assert response.status_code == status
    if message is not None:
        assert message in response.text
        assert f'value="{role}"' in response.text
    else:
        assert f"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/ops/alice" in who(browser)


def test_root_cannot_switch_and_strangers_are_sent_to_sign_in(
    server: Server, iam: Any, browser: httpx.Client
) -> None:
    """Root gets AWS's refusal on the form; signed out, AWS's switch-role URL leads to sign-in and back."""
    assert (
        browser.get("/switchrole?account=a&roleName=r").headers["location"] == f"{FORM}?account=a&roleName=r"
    )
    assert browser.get(f"{FORM}?account=a&roleName=r").headers["location"] == "/signin"
    assert browser.post(FORM, data={}).headers["location"] == "/signin"
    assert browser.post(f"{FORM}/back", data={}).headers["location"] == "/signin"
    make_role(iam)
    set_root_login(server)
    sign_in_root(browser)
    refused = switch(browser, account=DEV_ACCOUNT)
    assert refused.status_code == 403 and "Roles may not be assumed by root accounts." in refused.text
