"""Role sessions in the browser: Switch role under a trust policy requiring MFA, and the federation sign-in link."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx

from tests.browser.console_steps import (
    current_code,
    enabling_codes,
    enter_mfa_code,
    expect_title,
    go_to,
    screenshot,
    sign_in_user,
)
from tests.conftest import DEV_ACCOUNT, Server, allow
from tests.console.conftest import USER_PASSWORD, console_user
from tests.mfa_support import create_device

EVERYTHING = json.dumps(allow("*"))
READ_IAM = json.dumps(allow("iam:Get*", "iam:List*"), indent=2)
ROLE_ARN = f"arn:aws:iam::{DEV_ACCOUNT}:role/reader"


def signin_url(server: Server) -> str:
    return f"{server.endpoint}/signin?account={DEV_ACCOUNT}"


def user_with_mfa(server: Server, iam: Any, name: str) -> str:
    """A console user with an enabled virtual MFA device (set up through the API); returns its secret."""
    console_user(iam, name, policy=EVERYTHING)
    serial, secret = create_device(iam, f"{name}-phone")
    first, second = enabling_codes(secret, server)
    iam.enable_mfa_device(
        UserName=name, SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second
    )
    return secret


def create_read_policy(page: Any) -> None:
    """Policies → Create policy: a customer managed policy written in the policy editor."""
    go_to(page, "Policies")
    screenshot(page, "policies")
    page.get_by_role("link", name="Create policy").click()
    page.get_by_label("Policy editor").fill(READ_IAM)
    page.get_by_label("Policy name").fill("ReadIAM")
    page.get_by_label("Description - optional").fill("Read users, groups, roles and policies.")
    screenshot(page, "policy-editor")
    page.get_by_role("button", name="Create policy").click()


def create_role_requiring_mfa(page: Any) -> None:
    """Roles → Create role: trusted by this account with Require MFA, permissions from ReadIAM."""
    from playwright.sync_api import expect

    go_to(page, "Roles")
    page.get_by_role("link", name="Create role").click()
    page.get_by_label("AWS account", exact=True).check()
    page.get_by_label(f"This account ({DEV_ACCOUNT})").check()
    page.get_by_label("Require MFA").check()
    boundaries = page.get_by_role("group", name="Set permissions boundary - optional")
    expect(boundaries.get_by_role("radio")).to_have_count(11)  # None, then a page of ten policies
    expect(boundaries.get_by_text(re.compile(r"^1–10 of \d+$"))).to_be_visible()  # the pager counts that page
    policies = page.get_by_role("group", name="Permissions policies", exact=True)
    policies.get_by_label("Search policies").fill("ReadIAM")
    policies.get_by_role("button", name="Search").click()
    page.get_by_role("group", name="Permissions policies", exact=True).get_by_label(
        "ReadIAM", exact=True
    ).check()
    page.get_by_label("Role name").fill("reader")
    page.get_by_label("Description").fill("Read-only IAM, for people signed in with MFA.")
    screenshot(page, "role-create")
    page.get_by_role("button", name="Create role").click()
    go_to(page, "Roles")
    screenshot(page, "roles")
    page.get_by_role("link", name="reader", exact=True).click()
    page.get_by_role("link", name="Trust relationships").click()
    expect(page.get_by_text('"aws:MultiFactorAuthPresent": "true"')).to_be_visible()
    screenshot(page, "role-detail")


def switch_to_reader(page: Any, shot: str | None = None) -> None:
    go_to(page, "Switch role", "Switch Role")
    page.get_by_label("Account").fill(DEV_ACCOUNT)
    page.get_by_label("Role").fill("reader")
    page.get_by_label("Display name").fill("Reader")
    page.get_by_label("Blue").check()
    if shot:
        screenshot(page, shot)
    page.get_by_role("button", name="Switch Role").click()


def test_switch_role_requiring_mfa(server: Server, iam: Any, new_page: Callable[[], Any]) -> None:
    """A user signed in with MFA makes a role requiring MFA, switches to it and back; one signed in without MFA is refused."""
    from playwright.sync_api import expect

    secret = user_with_mfa(server, iam, "alice")
    console_user(iam, "bob", policy=EVERYTHING)
    server.advance_clock(60)  # past the steps the enabling codes used
    page = new_page()
    sign_in_user(page, signin_url(server), "alice", USER_PASSWORD)
    enter_mfa_code(page, current_code(secret, server))
    create_read_policy(page)
    create_role_requiring_mfa(page)

    switch_to_reader(page, shot="switch-role")
    expect_title(page, "IAM Dashboard")
    go_to(page, "Users")
    expect(page.get_by_text("Reader", exact=True)).to_be_visible()
    expect(page.get_by_text(f"Role: reader · Account: {DEV_ACCOUNT}")).to_be_visible()
    expect(page.get_by_text(f"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/reader/alice")).to_be_visible()
    expect(page.get_by_role("cell", name="bob", exact=True)).to_be_visible()  # ReadIAM lists users
    # The header's extra role details wrap inside the window rather than pushing Sign out off it.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "role-session")
    page.get_by_role("button", name="Switch back").click()
    expect(page.get_by_text(f"arn:aws:iam::{DEV_ACCOUNT}:user/alice", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Switch back")).to_have_count(0)

    page = new_page()
    sign_in_user(page, signin_url(server), "bob", USER_PASSWORD)
    expect_title(page, "IAM Dashboard")
    switch_to_reader(page)
    expect(page.get_by_role("alert")).to_contain_text(
        f"User: arn:aws:iam::{DEV_ACCOUNT}:user/bob is not authorized to perform: sts:AssumeRole"
        f" on resource: {ROLE_ARN}"
    )
    expect(page.get_by_role("button", name="Switch back")).to_have_count(0)


def test_federation_link_opens_role_session(
    server: Server, iam: Any, make_user: Callable[..., tuple[str, Any]], new_page: Callable[[], Any]
) -> None:
    """AssumeRole credentials → getSigninToken → the login link, opened in the browser, is a console session as the role."""
    from playwright.sync_api import expect

    trust = allow("sts:AssumeRole")["Statement"][0] | {
        "Principal": {"AWS": f"arn:aws:iam::{DEV_ACCOUNT}:root"}
    }
    del trust["Resource"]
    iam.create_role(
        RoleName="reader",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]}),
    )
    iam.put_role_policy(RoleName="reader", PolicyName="read", PolicyDocument=READ_IAM)
    _name, client = make_user("broker", allow("sts:AssumeRole"))
    credentials = client("sts").assume_role(RoleArn=ROLE_ARN, RoleSessionName="broker-session")["Credentials"]
    session = {
        "sessionId": credentials["AccessKeyId"],
        "sessionKey": credentials["SecretAccessKey"],
        "sessionToken": credentials["SessionToken"],
    }
    answer = httpx.get(
        f"{server.endpoint}/federation", params={"Action": "getSigninToken", "Session": json.dumps(session)}
    )
    assert answer.status_code == 200, answer.text
    link = httpx.URL(
        f"{server.endpoint}/federation",
        params={
            "Action": "login",
            "Issuer": "https://example.com",
            "Destination": f"{server.endpoint}/console/users",
            "SigninToken": answer.json()["SigninToken"],
        },
    )
    page = new_page()
    page.goto(str(link))
    expect_title(page, "Users")
    expect(page.get_by_text(f"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/reader/broker-session")).to_be_visible()
    expect(page.get_by_role("cell", name="broker", exact=True)).to_be_visible()
