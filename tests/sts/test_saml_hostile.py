"""AssumeRoleWithSAML refuses broken and hostile assertions with AWS's codes, never a 500.

Each case starts from a genuine response of the pysaml2 IdP and breaks it one way: no
signature, another key, tampering after signing, signature wrapping, wrong audience or
recipient, outside its validity, replayed, naming a role it may not, XML attacks, junk. The
IdP's own refusal (a Response whose status is not Success) is AWS's ``IDPRejectedClaim``.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.error import HTTPError

import pytest

from tests.conftest import DEV_ACCOUNT, Server
from tests.saml_idp import OTHER_AUDIENCE, SamlIdP, aws_attributes
from tests.sts.test_assume_role_with_saml import PROVIDER, PROVIDER_NAME, ROLE, ROLE_NAME, saml_trust

OTHER_ROLE = f"arn:aws:iam::{DEV_ACCOUNT}:role/Other"
OTHER_PROVIDER = f"arn:aws:iam::{DEV_ACCOUNT}:saml-provider/OtherIdP"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"


@dataclass(frozen=True)
class World:
    server: Server
    idp: SamlIdP
    rogue: SamlIdP
    other: SamlIdP

    @property
    def endpoint(self) -> str:
        return self.server.endpoint + "/saml"

    def xml(
        self, idp: SamlIdP | None = None, role: str = ROLE, provider: str = PROVIDER, **kwargs: Any
    ) -> str:
        kwargs.setdefault("recipient", self.endpoint)
        return (idp or self.idp).response_xml(attributes=aws_attributes(role, provider), **kwargs)


@pytest.fixture(scope="module")
def idps(tmp_path_factory: pytest.TempPathFactory) -> tuple[SamlIdP, SamlIdP, SamlIdP]:
    base = tmp_path_factory.mktemp("idps")
    idp = SamlIdP(base / "idp")
    # The same entity id with another key: what an attacker who copied the metadata could sign.
    rogue = SamlIdP(base / "rogue", key_index=8)
    other = SamlIdP(base / "other", entity_id="https://other-idp.credo.test/saml", key_index=9)
    return idp, rogue, other


@pytest.fixture
def world(server: Server, iam: Any, idps: tuple[SamlIdP, SamlIdP, SamlIdP]) -> World:
    idp, rogue, other = idps
    iam.create_saml_provider(Name=PROVIDER_NAME, SAMLMetadataDocument=idp.metadata())
    iam.create_saml_provider(Name="OtherIdP", SAMLMetadataDocument=other.metadata())
    iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=saml_trust())
    other_trust = json.loads(saml_trust())
    other_trust["Statement"][0]["Principal"]["Federated"] = OTHER_PROVIDER
    iam.create_role(RoleName="Other", AssumeRolePolicyDocument=json.dumps(other_trust))
    return World(server, idp, rogue, other)


def encode(xml: str) -> str:
    return base64.b64encode(xml.encode()).decode()


def call(server: Server, assertion: str, role: str = ROLE, provider: str = PROVIDER) -> tuple[int, str]:
    """POST AssumeRoleWithSAML unsigned, as botocore does; (status, body)."""
    body = urllib.parse.urlencode(
        {
            "Action": "AssumeRoleWithSAML",
            "Version": "2011-06-15",
            "RoleArn": role,
            "PrincipalArn": provider,
            "SAMLAssertion": assertion,
        }
    ).encode()
    request = urllib.request.Request(server.endpoint + "/", data=body, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except HTTPError as error:
        return error.code, error.read().decode()


def second_assertion_before(xml: str) -> str:
    """Wrapping: an unsigned copy of the Assertion (another session name, another ID) put first."""
    match = re.search(r"<ns1:Assertion .*?</ns1:Assertion>", xml, re.S)
    assert match is not None
    evil = re.sub(r'ID="[^"]+"', 'ID="evil-assertion"', match.group(0), count=1)
    evil = re.sub(r"<ns2:Signature .*?</ns2:Signature>", "", evil, flags=re.S).replace(">alice<", ">mallory<")
    return xml[: match.start()] + evil + xml[match.start() :]


def signed_assertion_moved(xml: str) -> str:
    """Wrapping: the signed Assertion moved into Extensions, a forged one (same ID) in its place."""
    match = re.search(r"<ns1:Assertion .*?</ns1:Assertion>", xml, re.S)
    assert match is not None
    signed = match.group(0)
    forged = re.sub(r"<ns2:Signature .*?</ns2:Signature>", "", signed, flags=re.S).replace(
        ">alice<", ">mallory<"
    )
    head = xml[: match.start()].replace(
        "<ns0:Status>", f"<ns0:Extensions>{signed}</ns0:Extensions><ns0:Status>", 1
    )
    return head + forged + xml[match.end() :]


def forged_assertion_with_genuine_signature(xml: str) -> str:
    """Wrapping: the genuine Assertion's content changed, its signature (and ID) kept."""
    match = re.search(r"<ns1:Assertion .*?</ns1:Assertion>", xml, re.S)
    assert match is not None
    forged = match.group(0).replace(">alice<", ">mallory<")
    return xml[: match.start()] + forged + xml[match.end() :]


def destination_rewritten(xml: str, endpoint: str) -> str:
    """An assertion for another SP whose (unsigned) Response Destination is rewritten to credo's."""
    return re.sub(r'Destination="[^"]+"', f'Destination="{endpoint}"', xml, count=1)


def response_wrapped(xml: str) -> str:
    """Wrapping: a forged Response around the genuine signed one (hidden in Extensions)."""
    inner = xml.split("?>", 1)[1]
    forged = re.sub(r"<ns2:Signature .*?</ns2:Signature>", "", inner, flags=re.S).replace(
        ">alice<", ">mallory<"
    )
    head, _, tail = forged.partition("<ns0:Status>")
    return head + f"<ns0:Extensions>{inner}</ns0:Extensions><ns0:Status>" + tail


def error_response(w: World, signed: bool) -> str:
    """The IdP's own refusal: pysaml2's error Response (Responder / AuthnFailed), without assertion."""
    from saml2.samlp import STATUS_AUTHN_FAILED
    from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pysaml2's deprecations, not ours
        response = w.idp.server.create_error_response(
            None,
            w.endpoint,
            (STATUS_AUTHN_FAILED, "Wrong password for alice"),
            sign=signed,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
    return str(response)


def status_changed(xml: str) -> str:
    """A genuine signed assertion in a Response whose status says the requester failed."""
    success = 'Value="urn:oasis:names:tc:SAML:2.0:status:Success"'
    assert success in xml
    return xml.replace(success, 'Value="urn:oasis:names:tc:SAML:2.0:status:Requester"', 1)


LAUGHS = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 12))


@dataclass(frozen=True)
class Case:
    name: str
    assertion: Callable[[World], str]
    code: str
    status: int = 400
    role: str = ROLE
    provider: str = PROVIDER
    # AWS's message, where AWS documents one for the case.
    message: str | None = None


SIGNATURE_INVALID = "Response signature invalid"
IDP_REJECTED = "The identity provider (IdP) reported that authentication failed."

CASES = [
    Case(
        "unsigned", lambda w: encode(w.xml(sign_response=False, sign_assertion=False)), "InvalidIdentityToken"
    ),
    Case(
        "signed by another key",
        lambda w: encode(w.xml(w.rogue)),
        "InvalidIdentityToken",
        message=SIGNATURE_INVALID,
    ),
    Case(
        "signed with SHA-1",
        lambda w: encode(w.xml(sha1=True)),
        "InvalidIdentityToken",
        message=SIGNATURE_INVALID,
    ),
    Case(
        "tampered after signing",
        lambda w: encode(w.xml().replace(">alice<", ">mallory<")),
        "InvalidIdentityToken",
        message=SIGNATURE_INVALID,
    ),
    Case(
        "the IdP's error response, signed",
        lambda w: encode(error_response(w, signed=True)),
        "IDPRejectedClaim",
        403,
        message=IDP_REJECTED,
    ),
    Case(
        "the IdP's error response, unsigned",
        lambda w: encode(error_response(w, signed=False)),
        "IDPRejectedClaim",
        403,
        message=IDP_REJECTED,
    ),
    Case(
        "a genuine assertion, status not Success",
        lambda w: encode(status_changed(w.xml(sign_response=False))),
        "IDPRejectedClaim",
        403,
        message=IDP_REJECTED,
    ),
    Case(
        "tampered, only the response signed",
        lambda w: encode(w.xml(sign_assertion=False).replace(">alice<", ">mallory<")),
        "InvalidIdentityToken",
    ),
    Case(
        "wrapping: a second unsigned assertion",
        lambda w: encode(second_assertion_before(w.xml(sign_response=False))),
        "InvalidIdentityToken",
    ),
    Case(
        "wrapping: signed assertion moved, forged one in its place",
        lambda w: encode(signed_assertion_moved(w.xml(sign_response=False))),
        "InvalidIdentityToken",
    ),
    Case(
        "wrapping: forged response around the signed one",
        lambda w: encode(response_wrapped(w.xml(sign_assertion=False))),
        "InvalidIdentityToken",
    ),
    Case(
        "wrapping: forged assertion keeping the genuine signature",
        lambda w: encode(forged_assertion_with_genuine_signature(w.xml(sign_response=False))),
        "InvalidIdentityToken",
    ),
    Case(
        "wrong recipient, Destination rewritten",
        lambda w: encode(
            destination_rewritten(
                w.xml(recipient="https://sp.attacker.example/saml", sign_response=False), w.endpoint
            )
        ),
        "InvalidIdentityToken",
    ),
    Case(
        "wrong audience",
        lambda w: encode(w.xml(audience=OTHER_AUDIENCE)),
        "InvalidIdentityToken",
        message="Response does not contain the required audience.",
    ),
    Case(
        "wrong recipient",
        lambda w: encode(w.xml(recipient="https://sp.attacker.example/saml")),
        "InvalidIdentityToken",
    ),
    Case("expired", lambda w: encode(w.xml(shift_seconds=-3_600)), "ExpiredTokenException"),
    Case("not yet valid", lambda w: encode(w.xml(shift_seconds=3_600)), "InvalidIdentityToken"),
    Case(
        "a role of another provider",
        lambda w: encode(w.xml(role=OTHER_ROLE)),
        "AccessDenied",
        403,
        role=OTHER_ROLE,
    ),
    Case("role pair naming another role", lambda w: encode(w.xml(role=OTHER_ROLE)), "AccessDenied", 403),
    Case(
        "assertion of another IdP for this provider",
        lambda w: encode(w.xml(w.other)),
        "InvalidIdentityToken",
    ),
    Case(
        "unknown provider",
        lambda w: encode(w.xml()),
        "InvalidIdentityToken",
        provider=f"arn:aws:iam::{DEV_ACCOUNT}:saml-provider/Nobody",
    ),
    Case(
        "provider of another account",
        lambda w: encode(w.xml()),
        "InvalidIdentityToken",
        provider=f"arn:aws:iam::210987654321:saml-provider/{PROVIDER_NAME}",
    ),
    Case(
        "XXE",
        lambda w: encode(
            '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + w.xml().split("?>", 1)[1]
        ),
        "InvalidIdentityToken",
    ),
    Case(
        "billion laughs",
        lambda w: encode(f'<!DOCTYPE r [<!ENTITY l0 "lol">{LAUGHS}]><r>&l11;</r>'),
        "InvalidIdentityToken",
    ),
    Case("huge input", lambda w: "A" * 150_000, "ValidationError"),
    Case("not base64", lambda w: "not base64 at all!" * 10, "InvalidIdentityToken"),
    Case("not XML", lambda w: encode("hello, I am not XML" * 10), "InvalidIdentityToken"),
    Case("XML but not SAML", lambda w: encode("<html><body>login</body></html>"), "InvalidIdentityToken"),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_assertion_is_refused(world: World, case: Case) -> None:
    """Each hostile assertion is refused with AWS's code and status; nothing fails inside."""
    status, body = call(world.server, case.assertion(world), case.role, case.provider)
    code = re.search(r"<Code>(.*?)</Code>", body)
    assert (status, code.group(1) if code else body[:300]) == (case.status, case.code)
    if case.message is not None:
        assert f"<Message>{case.message}</Message>" in body
    assert "Traceback" not in world.server.log()


def test_idp_refusal_names_its_status_in_detail(world: World) -> None:
    """The IdP's status codes and message are repeated in the Detail, beside AWS's code and message."""
    status, body = call(world.server, encode(error_response(world, signed=True)))
    assert status == 403
    detail = re.search(r"<Detail>(.*?)</Detail>", body)
    assert detail is not None
    assert detail.group(1) == (
        "The Response's StatusCode is urn:oasis:names:tc:SAML:2.0:status:Responder / "
        "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed, not Success: 'Wrong password for alice'."
    )


def test_replayed_assertion_is_refused(world: World) -> None:
    """An assertion is accepted once; presenting it again is InvalidIdentityToken."""
    assertion = encode(world.xml())
    assert call(world.server, assertion)[0] == 200
    status, body = call(world.server, assertion)
    assert status == 400
    assert "<Code>InvalidIdentityToken</Code>" in body
    assert "already used" in body
