"""Console SAML sign-in (``POST /saml``): pysaml2's signed responses → AWS's role chooser → a console session as the role.

The IdP is pysaml2 signing with xmlsec1 (``tests.saml_idp``); the browser is httpx. The chooser is
read with the selectors tools that scrape AWS's page use (``fieldset > div.saml-account``…).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import lxml.html
import pytest
from sqlalchemy import create_engine, select

from credo.store.db import normalize_url
from credo.store.schema import sign_in_attempts
from tests.conftest import DEV_ACCOUNT, Server, allow
from tests.saml_idp import AWS_SIGNIN, OTHER_AUDIENCE, SamlIdP, aws_attributes
from tests.sts.test_saml_encrypted import SP_KEY, encrypted_response, register
from tests.sts.test_saml_hostile import forged_assertion_with_genuine_signature

PROVIDER_NAME = "Pysaml2"
PROVIDER = f"arn:aws:iam::{DEV_ACCOUNT}:saml-provider/{PROVIDER_NAME}"
ADMINS = f"arn:aws:iam::{DEV_ACCOUNT}:role/SamlAdmins"
READERS = f"arn:aws:iam::{DEV_ACCOUNT}:role/teams/SamlReaders"
OUTSIDER = f"arn:aws:iam::{DEV_ACCOUNT}:role/SamlOutsiders"
INVALID = "Your request included an invalid SAML response. To logout, click"
NOT_AUTHORIZED = (
    "Not authorized to perform sts:AssumeRoleWithSAML (Service: AWSSecurityTokenService; "
    "Status Code: 403; Error Code: AccessDenied)"
)


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> SamlIdP:
    return SamlIdP(tmp_path_factory.mktemp("idp"))


def trust(server: Server, audience: str | None = None) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": PROVIDER},
        "Action": "sts:AssumeRoleWithSAML",
        "Condition": {"StringEquals": {"SAML:aud": audience or server.endpoint + "/saml"}},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def federate(server: Server, iam: Any, idp: SamlIdP, **max_duration: int) -> None:
    """The IdP as a SAML provider; three roles trusting it (admins may list IAM); readers under a path."""
    iam.create_saml_provider(Name=PROVIDER_NAME, SAMLMetadataDocument=idp.metadata())
    for role in (ADMINS, READERS, OUTSIDER):
        path, name = role.split(":role", 1)[1].rsplit("/", 1)
        iam.create_role(
            RoleName=name, Path=path + "/", AssumeRolePolicyDocument=trust(server), **max_duration
        )
    iam.put_role_policy(
        RoleName="SamlAdmins", PolicyName="list", PolicyDocument=json.dumps(allow("iam:List*"))
    )


def response(server: Server, idp: SamlIdP, *roles: str, **kwargs: Any) -> str:
    """pysaml2's signed response for credo's /saml, offering ``roles`` (ADMINS by default)."""
    attributes = aws_attributes(ADMINS, PROVIDER, **kwargs.pop("more", {}))
    attributes["https://aws.amazon.com/SAML/Attributes/Role"] = [
        f"{role},{PROVIDER}" for role in roles or (ADMINS,)
    ]
    kwargs.setdefault("recipient", server.endpoint + "/saml")
    return idp.response(attributes=attributes, **kwargs)


def post(browser: httpx.Client, saml_response: str, relay_state: str = "", **more: str) -> httpx.Response:
    """What the IdP's auto-submitting page sends (plus the chooser's fields when given)."""
    return browser.post("/saml", data={"SAMLResponse": saml_response, "RelayState": relay_state, **more})


def who(browser: httpx.Client) -> str:
    """The identity shown in the dashboard's top bar."""
    home = browser.get("/console/home")
    assert home.status_code == 200, home.headers.get("location")
    return home.text.split("</header>")[0]


def session_arn(role: str, session: str = "alice") -> str:
    return f"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/{role.rsplit('/', 1)[1]}/{session}"


def chooser(page: httpx.Response) -> dict[str, Any]:
    """The chooser as scrapers read AWS's: accounts, their roles (ARN from the radio's value and the label's for)."""
    doc = lxml.html.fromstring(page.text)
    (form,) = doc.cssselect("form#saml_form")
    accounts = []
    for account in doc.cssselect("fieldset > div.saml-account"):
        roles = []
        for role in account.cssselect("div.saml-role"):
            (radio,) = role.cssselect("input.saml-radio")
            (label,) = role.cssselect("label.saml-role-description")
            assert (radio.get("type"), radio.get("name")) == ("radio", "roleIndex")
            assert radio.get("id") == radio.get("value") == label.get("for")
            roles.append((radio.get("value"), label.text_content().strip()))
        (name,) = account.cssselect("div.saml-account-name")
        accounts.append((name.text_content().strip(), roles))
    hidden = {field.get("name"): field.get("value") for field in form.cssselect("input[type=hidden]")}
    (button,) = form.cssselect("#signin_button")
    return {
        "action": (form.get("method"), form.get("action")),
        "title": doc.findtext(".//title"),
        "accounts": accounts,
        "hidden": hidden,
        "button": button.text_content().strip(),
    }


def attempts(server: Server) -> list[tuple[str, str | None, str]]:
    engine = create_engine(normalize_url(server.extra["database_url"]))
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                sign_in_attempts.c.user_name, sign_in_attempts.c.account_id, sign_in_attempts.c.outcome
            ).order_by(sign_in_attempts.c.id)
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_one_role_signs_in_at_once(server: Server, iam: Any, idp: SamlIdP, browser: httpx.Client) -> None:
    """An assertion naming one role lands in the console acting as assumed-role/ROLE/SESSION, no chooser."""
    federate(server, iam, idp)
    saml_response = response(server, idp)
    signed_in = post(browser, saml_response)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/console/home"
    cookie = signed_in.headers["set-cookie"].lower()
    assert "credo-console=" in cookie and "samesite=lax" in cookie and "httponly" in cookie
    assert session_arn(ADMINS) in who(browser)
    assert browser.get("/console/users").status_code == 200  # the role's own permission
    assert saml_response not in server.log()


def test_several_roles_show_aws_chooser(
    server: Server, iam: Any, idp: SamlIdP, browser: httpx.Client
) -> None:
    """Several roles: AWS's chooser markup (account with its alias, a radio per role ARN); the choice signs in."""
    federate(server, iam, idp)
    iam.create_account_alias(AccountAlias="saml-team")
    saml_response = response(server, idp, ADMINS, READERS)
    page = post(browser, saml_response)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    shown = chooser(page)
    assert shown["title"] == "Select a role | credo"
    assert shown["action"] == ("post", "/saml")
    assert shown["accounts"] == [
        (f"Account: saml-team ({DEV_ACCOUNT})", [(ADMINS, "SamlAdmins"), (READERS, "SamlReaders")])
    ]
    assert shown["hidden"]["SAMLResponse"] == saml_response and shown["hidden"]["csrf_token"]
    assert shown["button"] == "Sign in"
    assert "credo-console" not in browser.cookies
    chosen = post(browser, saml_response, roleIndex=READERS, csrf_token=shown["hidden"]["csrf_token"])
    assert chosen.status_code == 303 and chosen.headers["location"] == "/console/home"
    assert session_arn(READERS) in who(browser)


def test_account_without_alias_is_named_by_id(
    server: Server, iam: Any, idp: SamlIdP, browser: httpx.Client
) -> None:
    """Without an alias the account is shown as AWS shows it, by its id alone."""
    federate(server, iam, idp)
    shown = chooser(post(browser, response(server, idp, READERS, ADMINS)))
    assert shown["accounts"] == [
        (f"Account: {DEV_ACCOUNT}", [(READERS, "SamlReaders"), (ADMINS, "SamlAdmins")])
    ]


def test_a_role_the_assertion_does_not_offer_is_refused(
    server: Server, iam: Any, idp: SamlIdP, browser: httpx.Client
) -> None:
    """Choosing a role not in the assertion (even one trusting the IdP) is refused; the response is not used up."""
    federate(server, iam, idp)
    saml_response = response(server, idp, ADMINS, READERS)
    token = chooser(post(browser, saml_response))["hidden"]["csrf_token"]
    refused = post(browser, saml_response, roleIndex=OUTSIDER, csrf_token=token)
    assert refused.status_code == 403 and NOT_AUTHORIZED in refused.text
    assert "credo-console" not in browser.cookies
    assert post(browser, saml_response, roleIndex=ADMINS, csrf_token=token).status_code == 303
    assert session_arn(ADMINS) in who(browser)


@pytest.mark.parametrize("token", ["missing", "wrong", "another browser's"])
def test_the_chooser_needs_its_csrf_token(
    server: Server, iam: Any, idp: SamlIdP, browser: httpx.Client, token: str
) -> None:
    """The chooser's form is refused (403, nothing done) without this browser's token; then it still works."""
    federate(server, iam, idp)
    saml_response = response(server, idp, ADMINS, READERS)
    good = chooser(post(browser, saml_response))["hidden"]["csrf_token"]
    fields = {"roleIndex": ADMINS}
    if token == "wrong":
        fields["csrf_token"] = good[:-2] + ("00" if not good.endswith("00") else "11")
    with httpx.Client(base_url=server.endpoint) as other:
        if token == "another browser's":
            fields["csrf_token"] = chooser(post(other, saml_response))["hidden"]["csrf_token"]
        refused = post(browser, saml_response, **fields)
    assert refused.status_code == 403 and "Request refused" in refused.text
    assert "credo-console" not in browser.cookies
    assert post(browser, saml_response, roleIndex=ADMINS, csrf_token=good).status_code == 303


def test_a_used_response_is_refused(server: Server, iam: Any, idp: SamlIdP, browser: httpx.Client) -> None:
    """A response works once: replayed (with one role or several) it gets AWS's invalid-response page."""
    federate(server, iam, idp)
    one = response(server, idp)
    several = response(server, idp, ADMINS, READERS)
    assert post(browser, one).status_code == 303
    token = chooser(post(browser, several))["hidden"]["csrf_token"]
    assert post(browser, several, roleIndex=READERS, csrf_token=token).status_code == 303
    with httpx.Client(base_url=server.endpoint) as other:
        for replayed in (post(other, one), post(other, several)):
            assert replayed.status_code == 400 and INVALID in replayed.text
            assert "already used" in replayed.text
        assert "credo-console" not in other.cookies


HOSTILE = {
    "unsigned": lambda server, idp: response(server, idp, sign_response=False, sign_assertion=False),
    "tampered": lambda server, idp: _encode(
        forged_assertion_with_genuine_signature(
            idp.response_xml(
                recipient=server.endpoint + "/saml",
                attributes=aws_attributes(ADMINS, PROVIDER),
                sign_response=False,
            )
        )
    ),
    "expired": lambda server, idp: response(server, idp, shift_seconds=-1800),
    "wrong recipient": lambda server, idp: response(server, idp, recipient="https://sp.example.com/saml"),
    "wrong audience": lambda server, idp: response(server, idp, audience=OTHER_AUDIENCE),
    "no RoleSessionName": lambda server, idp: _without_session_name(server, idp),
    "not base64": lambda server, idp: "%%% not base64 %%%",
    "not XML": lambda server, idp: _encode("<samlp:Response"),
    "empty": lambda server, idp: "",
}


def _encode(xml: str) -> str:
    return base64.b64encode(xml.encode()).decode()


def _without_session_name(server: Server, idp: SamlIdP) -> str:
    attributes = {"https://aws.amazon.com/SAML/Attributes/Role": [f"{ADMINS},{PROVIDER}"]}
    return idp.response(recipient=server.endpoint + "/saml", attributes=attributes)


@pytest.mark.parametrize("case", list(HOSTILE))
def test_bad_responses_get_aws_invalid_response_page(
    server: Server, iam: Any, idp: SamlIdP, browser: httpx.Client, case: str
) -> None:
    """Unsigned, tampered, expired, misaddressed or junk responses: 400 with AWS's sentence, never a 500 or a session."""
    federate(server, iam, idp)
    refused = post(browser, HOSTILE[case](server, idp))
    assert refused.status_code == 400, refused.text
    assert INVALID in refused.text and 'role="alert"' in refused.text
    assert refused.headers["content-security-policy"].startswith("default-src 'self'")
    assert "credo-console" not in browser.cookies
    if case == "no RoleSessionName":
        assert "RoleSessionName is required in AuthnResponse" in refused.text
    if case == "expired":
        assert "Assertion is expired" in refused.text


def test_trust_policy_refusal_shows_sts_message(
    server: Server, iam: Any, idp: SamlIdP, browser: httpx.Client
) -> None:
    """A trust policy that does not allow this audience refuses with STS's AccessDenied, as AWS's page shows it."""
    federate(server, iam, idp)
    iam.update_assume_role_policy(RoleName="SamlAdmins", PolicyDocument=trust(server, AWS_SIGNIN))
    refused = post(browser, response(server, idp))
    assert refused.status_code == 403 and NOT_AUTHORIZED in refused.text
    assert "credo-console" not in browser.cookies


@pytest.mark.parametrize(
    ("relay_state", "lands"),
    [
        ("/console/users?page=1", "/console/users?page=1"),
        ("{endpoint}/console/roles", "/console/roles"),
        ("https://evil.example/console/users", "/console/home"),
        ("//evil.example/console/users", "/console/home"),
        ("/console/../signin", "/console/home"),
        ("https://console.aws.amazon.com/", "/console/home"),
        ("", "/console/home"),
    ],
)
def test_relay_state_only_to_own_console_pages(
    server: Server, iam: Any, idp: SamlIdP, browser: httpx.Client, relay_state: str, lands: str
) -> None:
    """RelayState is followed (through the chooser too) only when it is a console page of this server."""
    federate(server, iam, idp)
    relay_state = relay_state.format(endpoint=server.endpoint)
    assert post(browser, response(server, idp), relay_state).headers["location"] == lands
    several = response(server, idp, ADMINS, READERS)
    hidden = chooser(post(browser, several, relay_state))["hidden"]
    assert hidden["RelayState"] == relay_state
    chosen = post(browser, several, relay_state, roleIndex=ADMINS, csrf_token=hidden["csrf_token"])
    assert chosen.headers["location"] == lands


def test_session_ends_when_the_role_is_deleted(
    server: Server, iam: Any, idp: SamlIdP, browser: httpx.Client
) -> None:
    """The console session acts as the role session: deleting the role ends it."""
    federate(server, iam, idp)
    post(browser, response(server, idp))
    assert session_arn(ADMINS) in who(browser)
    iam.delete_role_policy(RoleName="SamlAdmins", PolicyName="list")
    iam.delete_role(RoleName="SamlAdmins")
    assert browser.get("/console/home").headers["location"] == "/signin"


@pytest.mark.parametrize(
    ("session_duration", "role_max", "alive_at", "over_at"),
    [
        (None, 43200, 3500, 3700),
        ("900", 43200, 800, 1000),
        ("7200", 43200, 7100, 7300),
        ("7200", 3600, 3500, 3700),
    ],
)
def test_session_lasts_session_duration_within_the_role_maximum(
    server: Server,
    iam: Any,
    idp: SamlIdP,
    browser: httpx.Client,
    session_duration: str | None,
    role_max: int,
    alive_at: int,
    over_at: int,
) -> None:
    """SessionDuration sets the console session's length (an hour without it), never past the role's maximum."""
    federate(server, iam, idp, MaxSessionDuration=role_max)
    more = {"SessionDuration": [session_duration]} if session_duration else {}
    assert post(browser, response(server, idp, more=more)).status_code == 303
    for _step in range(alive_at // 1800):  # a page now and then: the session is never idle for an hour
        server.advance_clock(1800)
        assert session_arn(ADMINS) in who(browser)
    server.advance_clock(alive_at % 1800)
    assert session_arn(ADMINS) in who(browser)
    server.advance_clock(over_at - alive_at)
    assert browser.get("/console/home").headers["location"] == "/signin"


def test_sign_in_attempts_are_recorded(server: Server, iam: Any, idp: SamlIdP, browser: httpx.Client) -> None:
    """Successes and failures are rows of sign_in_attempts: saml-success as the role session, saml-failure."""
    federate(server, iam, idp)
    post(browser, HOSTILE["unsigned"](server, idp))
    post(browser, response(server, idp))
    several = response(server, idp, ADMINS, READERS)
    token = chooser(post(browser, several))["hidden"]["csrf_token"]
    post(browser, several, roleIndex=OUTSIDER, csrf_token=token)
    assert attempts(server) == [
        ("(saml)", None, "saml-failure"),
        (session_arn(ADMINS), DEV_ACCOUNT, "saml-success"),
        ("(saml)", None, "saml-failure"),
    ]


def test_encrypted_assertion_signs_in(server: Server, iam: Any, idp: SamlIdP, browser: httpx.Client) -> None:
    """An assertion encrypted to the provider's key (sent to AWS's own sign-in URL) is decrypted and signs in."""
    register(iam, idp, SP_KEY)
    xml = encrypted_response(idp)
    assert "EncryptedAssertion" in xml and ">alice<" not in xml
    assert post(browser, _encode(xml)).headers["location"] == "/console/home"
    assert f"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/Encrypted/alice" in who(browser)
