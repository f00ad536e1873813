"""The access portal's external SAML identity provider: `credo sso admin set-identity-source`, then
pysaml2's signed IdP-initiated responses posted to /start/saml sign the identity store user in
(by UserName or primary email), once; wrong audience, unknown users and a removed source refused."""

from __future__ import annotations

import subprocess
import warnings
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from saml2 import BINDING_HTTP_REDIRECT

from tests.conftest import CREDO, Server
from tests.saml_idp import AWS_AUDIENCE, SamlIdP
from tests.sso.portal.support import Assigned

ACCOUNTS = "123456789012"


def admin(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CREDO, "sso", "admin", "set-identity-source", *args, "--database-url", server.extra["database_url"]],
        capture_output=True,
        text=True,
        timeout=60,
    )


def trusted_idp(server: Server, tmp_path: Path) -> SamlIdP:
    """pysaml2's IdP knowing the portal as a service provider, set as the portal's identity source."""
    acs = server.endpoint + "/start/saml"
    idp = SamlIdP(tmp_path / "idp", service_providers={acs: acs})
    metadata = tmp_path / "idp.xml"
    metadata.write_text(idp.metadata())
    done = admin(server, "--saml-metadata", str(metadata))
    assert done.returncode == 0, done.stderr
    assert f"trusts {idp.entity_id}" in done.stdout and "<endpoint>/start/saml" in done.stdout
    return idp


def post(web: httpx.Client, response: str, relay_state: str = "") -> httpx.Response:
    return web.post("/start/saml", data={"SAMLResponse": response, "RelayState": relay_state})


def test_idp_initiated_sign_in_once(
    server: Server, alice: Assigned, browser: Callable[[], httpx.Client], tmp_path: Path
) -> None:
    idp = trusted_idp(server, tmp_path)
    acs = server.endpoint + "/start/saml"
    page = browser().get("/start?next=/start/mfa-devices")
    assert "Sign in with your identity provider" in page.text
    # SP-initiated: the link leads to the IdP's redirect endpoint with an AuthnRequest pysaml2 reads.
    sent = browser().get("/start/saml/login", params={"next": "/start/mfa-devices"}, follow_redirects=False)
    assert sent.status_code == 303
    target = urlsplit(sent.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == idp.entity_id + "/sso"
    query = parse_qs(target.query)
    assert query["RelayState"] == ["/start/mfa-devices"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = idp.server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
    assert parsed.message.assertion_consumer_service_url == acs
    assert parsed.message.issuer.text == acs
    response = idp.response(recipient=acs, audience=acs, subject="alice", attributes={})
    web = browser()
    done = post(web, response, "/start/mfa-devices")
    assert done.status_code == 200 and done.url.path == "/start/mfa-devices", done.text
    assert ACCOUNTS in web.get("/start").text

    replayed = post(browser(), response)
    assert replayed.status_code == 403 and "already used" in replayed.text

    by_email = post(
        browser(), idp.response(recipient=acs, audience=acs, subject="ALICE@example.com", attributes={})
    )
    assert by_email.status_code == 200 and ACCOUNTS in by_email.text

    for refused, said in (
        (
            idp.response(recipient=acs, audience=AWS_AUDIENCE, subject="alice", attributes={}),
            "InvalidIdentityToken",
        ),
        (
            idp.response(recipient=acs, audience=acs, subject="mallory", attributes={}),
            "names no enabled user",
        ),
        ("not a saml response", "InvalidIdentityToken"),
    ):
        answer = post(browser(), refused)
        assert answer.status_code == 403 and said in answer.text, answer.text
        assert "/start/signin" in browser().get("/start").text


def test_identity_store_again_refuses_the_idp(
    server: Server, alice: Assigned, browser: Callable[[], httpx.Client], tmp_path: Path
) -> None:
    idp = trusted_idp(server, tmp_path)
    bad = tmp_path / "bad.xml"
    bad.write_text("<not-metadata/>")
    refused = admin(server, "--saml-metadata", str(bad))
    assert refused.returncode == 1 and "Could not parse metadata: " in refused.stderr
    cleared = admin(server, "--identity-store")
    assert cleared.returncode == 0, cleared.stderr
    acs = server.endpoint + "/start/saml"
    answer = post(browser(), idp.response(recipient=acs, audience=acs, subject="alice", attributes={}))
    assert answer.status_code == 403 and "no external identity provider" in answer.text
    assert "Sign in with your identity provider" not in browser().get("/start").text
