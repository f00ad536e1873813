"""SAML sign-in in Chromium: an IdP on another site posts its signed response to /saml, the person picks a role.

The IdP is pysaml2 behind a web sign-in form (``tests.saml_idp_web``), reached as ``localhost`` while
credo is ``127.0.0.1``: two sites, so the IdP's auto-submitted POST is cross-site, as it is at AWS.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.console_steps import expect_title, screenshot
from tests.conftest import DEV_ACCOUNT, Server, allow
from tests.saml_idp import SamlIdP
from tests.saml_idp_web import running_web_idp

PROVIDER = f"arn:aws:iam::{DEV_ACCOUNT}:saml-provider/Corporate"
ROLES = ("SamlAdmins", "SamlReaders")
ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/"


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> SamlIdP:
    return SamlIdP(tmp_path_factory.mktemp("idp"))


def federate(server: Server, iam: Any, idp: SamlIdP) -> dict[str, list[str]]:
    """The IdP registered as a SAML provider, two roles trusting it; the attributes it sends for alice."""
    iam.create_saml_provider(Name="Corporate", SAMLMetadataDocument=idp.metadata())
    iam.create_account_alias(AccountAlias="example-corp")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": PROVIDER},
                "Action": "sts:AssumeRoleWithSAML",
                "Condition": {"StringEquals": {"SAML:aud": server.endpoint + "/saml"}},
            }
        ],
    }
    for name in ROLES:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        iam.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=json.dumps(allow("iam:List*")))
    return {
        ROLE_ATTRIBUTE + "Role": [f"arn:aws:iam::{DEV_ACCOUNT}:role/{name},{PROVIDER}" for name in ROLES],
        ROLE_ATTRIBUTE + "RoleSessionName": ["alice@example.com"],
    }


def test_idp_initiated_sign_in_through_the_role_chooser(
    server: Server, iam: Any, idp: SamlIdP, new_page: Callable[[], Any]
) -> None:
    """Sign in at the IdP, its page posts to /saml, pick a role on AWS's chooser, land on the dashboard as it."""
    from playwright.sync_api import expect

    attributes = federate(server, iam, idp)
    with running_web_idp(idp, acs=server.endpoint + "/saml") as web:
        web.users["alice"] = ("Idp-Password-1", lambda: attributes)
        page = new_page()
        page.goto(web.sign_in_url.replace("127.0.0.1", "localhost"))
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill("Idp-Password-1")
        page.get_by_role("button", name="Login").click()
        expect_title(page, "Select a role")
        expect(page.get_by_text(f"Account: example-corp ({DEV_ACCOUNT})")).to_be_visible()
        screenshot(page, "saml-chooser")
        page.get_by_label("SamlReaders").check()
        page.get_by_role("button", name="Sign in").click()
        expect_title(page, "IAM Dashboard")
    session = f"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/SamlReaders/alice@example.com"
    expect(page.locator("header")).to_contain_text(session)
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Roles", exact=True).click()
    expect(page.get_by_role("link", name="SamlAdmins")).to_be_visible()


def test_one_role_lands_on_the_relay_state_page(
    server: Server, iam: Any, idp: SamlIdP, new_page: Callable[[], Any]
) -> None:
    """One role: the cross-site POST signs in at once, and the session cookie it sets opens RelayState's page."""
    from playwright.sync_api import expect

    attributes = federate(server, iam, idp)
    attributes[ROLE_ATTRIBUTE + "Role"] = attributes[ROLE_ATTRIBUTE + "Role"][:1]
    with running_web_idp(idp, acs=server.endpoint + "/saml", relay_state="/console/roles") as web:
        web.users["alice"] = ("Idp-Password-1", lambda: attributes)
        page = new_page()
        page.goto(web.sign_in_url.replace("127.0.0.1", "localhost"))
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill("Idp-Password-1")
        page.get_by_role("button", name="Login").click()
        expect_title(page, "Roles")
    session = f"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/SamlAdmins/alice@example.com"
    expect(page.locator("header")).to_contain_text(session)
