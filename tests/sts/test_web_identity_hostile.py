"""Hostile web identity tokens and misbehaving IdPs: each refused with AWS's code, never a 500.

Tokens are signed here with joserfc (or forged by hand) for a stand-in issuer on loopback whose
JWKS the test controls; each test gets an issuer of its own, so no key cache carries over.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import botocore.exceptions
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from joserfc.jwk import ECKey, RSAKey

from tests.conftest import DEV_ACCOUNT, Server, error_of, free_port
from tests.oidc_support import (
    Behaviour,
    JwksServer,
    ec_signing_key,
    hmac_with_public_key,
    public_jwks,
    rsa_signing_key,
    sign,
    unsigned_token,
)
from tests.server.test_query_api import raw_call
from tests.sts.test_unsigned_federation import unsigned_client
from tests.sts.test_web_identity import federated_trust, make_role, register

CLIENT_ID = "my-app"
NO_KEY = (
    "Couldn't retrieve verification key from your identity provider,  please reference "
    "AssumeRoleWithWebIdentity documentation for requirements"
)
NOT_A_JWT = "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"
BAD_SIGNATURE = "The ID Token provided is not a valid JWT. (The signature could not be verified)"


@dataclass
class Issuer:
    """A stand-in issuer registered in the dev account, with its keys and a role trusting it."""

    url: str
    behaviour: Behaviour
    rsa: RSAKey
    ec: ECKey
    role_arn: str

    def claims(self, **changes: Any) -> dict[str, Any]:
        """Valid claims for this issuer; ``None`` values drop a claim."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.url,
            "aud": CLIENT_ID,
            "sub": "repo:org/app:ref:refs/heads/main",
        }
        claims |= {"iat": now, "nbf": now - 5, "exp": now + 600}
        claims |= changes
        return {name: value for name, value in claims.items() if value is not None}


@pytest.fixture
def issuer(server: Server, iam: Any, jwks_server: JwksServer) -> Issuer:
    rsa, ec = rsa_signing_key(), ec_signing_key()
    url, behaviour = jwks_server.add(Behaviour(jwks=public_jwks(rsa, ec)))
    provider_arn = register(iam, url, [CLIENT_ID])
    role_arn = make_role(iam, "CI", federated_trust(provider_arn))
    return Issuer(url, behaviour, rsa, ec, role_arn)


def assume(server: Server, role_arn: str, token: str) -> Any:
    return unsigned_client(server, "sts").assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName="hostile", WebIdentityToken=token
    )


def refused(server: Server, role_arn: str, token: str) -> tuple[str, str, int]:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        assume(server, role_arn, token)
    assert "Traceback" not in server.log()
    code, message = error_of(caught)
    return code, message, caught.value.response["ResponseMetadata"]["HTTPStatusCode"]


def _another_key_same_kid(i: Issuer) -> str:
    impostor = RSAKey.generate_key(2048, parameters={"kid": str(i.rsa.kid)})
    return sign(i.claims(), impostor)


def _critical_header(i: Issuer) -> str:
    """A genuine RS256 signature over a header with a critical extension credo does not know."""
    header = {"alg": "RS256", "kid": i.rsa.kid, "crit": ["x-credo"], "x-credo": 1}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(i.claims()).encode())}"
    private = i.rsa.private_key
    assert isinstance(private, rsa.RSAPrivateKey)
    signature = private.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _tampered(token: str) -> str:
    header, body, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["sub"] = "repo:org/admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


Token = Callable[[Issuer], str]
TOKENS: list[tuple[str, Token, str, str]] = [
    ("alg none", lambda i: unsigned_token(i.claims()), "InvalidIdentityToken", NOT_A_JWT),
    (
        "HS256 keyed with the public key",
        lambda i: hmac_with_public_key(i.claims(), i.rsa),
        "InvalidIdentityToken",
        NOT_A_JWT,
    ),
    (
        "signed by another key under the issuer's kid",
        _another_key_same_kid,
        "InvalidIdentityToken",
        BAD_SIGNATURE,
    ),
    (
        "signed by another key, its own kid",
        lambda i: sign(i.claims(), rsa_signing_key()),
        "InvalidIdentityToken",
        NO_KEY,
    ),
    (
        "RS256 header on the EC key",
        lambda i: sign(i.claims(), i.rsa, kid=i.ec.kid),
        "InvalidIdentityToken",
        NO_KEY,
    ),
    (
        "tampered after signing",
        lambda i: _tampered(sign(i.claims(), i.rsa)),
        "InvalidIdentityToken",
        BAD_SIGNATURE,
    ),
    (
        "wrong audience",
        lambda i: sign(i.claims(aud="someone-else"), i.rsa),
        "InvalidIdentityToken",
        "Incorrect token audience",
    ),
    (
        "no audience",
        lambda i: sign(i.claims(aud=None), i.rsa),
        "InvalidIdentityToken",
        "Missing a required claim: aud",
    ),
    (
        "audience of the wrong type",
        lambda i: sign(i.claims(aud=[1, 2]), i.rsa),
        "InvalidIdentityToken",
        NOT_A_JWT,
    ),
    (
        "no subject",
        lambda i: sign(i.claims(sub=None), i.rsa),
        "InvalidIdentityToken",
        "Missing a required claim: sub",
    ),
    (
        "no expiry",
        lambda i: sign(i.claims(exp=None), i.rsa),
        "InvalidIdentityToken",
        "Missing a required claim: exp",
    ),
    (
        "expiry not a number",
        lambda i: sign(i.claims(exp="tomorrow"), i.rsa),
        "InvalidIdentityToken",
        NOT_A_JWT,
    ),
    ("critical header", _critical_header, "InvalidIdentityToken", NOT_A_JWT),
    ("garbage", lambda i: "garbage-garbage", "InvalidIdentityToken", NOT_A_JWT),
    ("three parts of junk", lambda i: "a.b.c", "InvalidIdentityToken", NOT_A_JWT),
    ("JSON array claims", lambda i: "eyJhbGciOiJSUzI1NiJ9.WzFd.c2ln", "InvalidIdentityToken", NOT_A_JWT),
    ("five parts (a JWE)", lambda i: "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d", "InvalidIdentityToken", NOT_A_JWT),
    (
        "no issuer",
        lambda i: sign(i.claims(iss=None), i.rsa),
        "InvalidIdentityToken",
        "Missing a required claim: iss",
    ),
    (
        "unregistered issuer",
        lambda i: sign(i.claims(iss="https://evil.example.com"), i.rsa),
        "InvalidIdentityToken",
        "No OpenIDConnect provider found in your account for https://evil.example.com",
    ),
    (
        "issuer with a trailing slash",
        lambda i: sign(i.claims(iss=i.url + "/"), i.rsa),
        "InvalidIdentityToken",
        "",
    ),
    (
        "tags claim not an object",
        lambda i: sign(i.claims(**{"https://aws.amazon.com/tags": ["x"]}), i.rsa),
        "InvalidIdentityToken",
        "The web identity token has an invalid session tag or source identity claim.",
    ),
]


@pytest.mark.parametrize(
    ("make_token", "code", "message"),
    [pytest.param(make, code, message, id=name) for name, make, code, message in TOKENS],
)
def test_hostile_tokens_are_refused(
    server: Server, issuer: Issuer, make_token: Token, code: str, message: str
) -> None:
    """Each forged, tampered or malformed token gets AWS's error code (400), not credentials."""
    got_code, got_message, status = refused(server, issuer.role_arn, make_token(issuer))
    assert (got_code, status) == (code, 400)
    if message:
        assert got_message == message
    else:
        assert got_message.startswith("No OpenIDConnect provider found")


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "PS256"])
def test_good_tokens_of_each_kind_pass(server: Server, issuer: Issuer, algorithm: str) -> None:
    """The same issuer's genuine RS256, PS256 and ES256 tokens are accepted (the cases above fail for their flaw)."""
    key = issuer.ec if algorithm.startswith("ES") else issuer.rsa
    answer = assume(server, issuer.role_arn, sign(issuer.claims(), key, algorithm))
    assert answer["SubjectFromWebIdentityToken"] == "repo:org/app:ref:refs/heads/main"


def test_azp_admits_a_token_whose_aud_is_elsewhere(server: Server, issuer: Issuer) -> None:
    """A token whose azp is a client id passes though its aud is not (as AWS reads Google's tokens)."""
    token = sign(issuer.claims(aud=["api://backend"], azp=CLIENT_ID), issuer.rsa)
    assert assume(server, issuer.role_arn, token)["Audience"] == CLIENT_ID


@pytest.mark.parametrize(
    ("changes", "code", "prefix"),
    [
        ({"exp": -3600}, "ExpiredTokenException", "Token expired: current date/time "),
        ({"nbf": 3600}, "InvalidIdentityToken", "Token is not yet valid"),
        ({"iat": 3600}, "InvalidIdentityToken", "Token was issued in the future"),
    ],
    ids=["expired", "not yet valid", "issued in the future"],
)
def test_tokens_outside_their_time(
    server: Server, issuer: Issuer, changes: dict[str, int], code: str, prefix: str
) -> None:
    """An hour past exp, before nbf or before iat is refused (the skew is a minute)."""
    now = int(time.time())
    claims = issuer.claims(**{name: now + offset for name, offset in changes.items()})
    got_code, message, status = refused(server, issuer.role_arn, sign(claims, issuer.rsa))
    assert (got_code, status) == (code, 400)
    assert message.startswith(prefix)
    if code == "ExpiredTokenException":
        assert message.endswith(f"must be before the expiration date/time {claims['exp']}")


def test_an_unknown_kid_refetches_the_keys_once(server: Server, issuer: Issuer) -> None:
    """A kid not in the cached JWKS makes credo fetch it again: a rotated-in key works, a bogus one fails."""
    assume(server, issuer.role_arn, sign(issuer.claims(), issuer.rsa))
    assert issuer.behaviour.fetches == 1
    rotated = rsa_signing_key()
    issuer.behaviour.jwks = public_jwks(issuer.rsa, rotated)
    assume(server, issuer.role_arn, sign(issuer.claims(), rotated))
    assert issuer.behaviour.fetches == 2
    code, message, _status = refused(server, issuer.role_arn, sign(issuer.claims(), rsa_signing_key()))
    assert (code, message) == ("InvalidIdentityToken", NO_KEY)
    # The refresh just above was too recent: this unknown kid is refused without a new fetch.
    assert issuer.behaviour.fetches == 2


def test_a_key_that_names_another_algorithm_is_not_used(
    server: Server, iam: Any, jwks_server: JwksServer
) -> None:
    """A JWK with alg RS384 does not verify an RS256 token, though the signature would match."""
    key = rsa_signing_key()
    published = key.as_dict(private=False) | {"alg": "RS384"}
    url, _behaviour = jwks_server.add(Behaviour(jwks={"keys": [published]}))
    role_arn = make_role(iam, "CI", federated_trust(register(iam, url, [CLIENT_ID])))
    now = int(time.time())
    token = sign({"iss": url, "aud": CLIENT_ID, "sub": "someone", "exp": now + 600}, key)
    assert refused(server, role_arn, token)[:2] == ("InvalidIdentityToken", NO_KEY)


@pytest.mark.parametrize(
    "behaviour",
    [
        Behaviour(status=500),
        Behaviour(body=b"<html>not json</html>"),
        Behaviour(body=b'{"no": "keys"}'),
        Behaviour(body=b'{"keys": [' + b'{"kty": "RSA"},' * 30_000 + b"{}]}"),
    ],
    ids=["JWKS answers 500", "JWKS not JSON", "JWKS without keys", "JWKS over the size cap"],
)
def test_a_misbehaving_idp_is_a_communication_error(
    server: Server, iam: Any, jwks_server: JwksServer, behaviour: Behaviour
) -> None:
    """When the issuer's keys cannot be had, the answer is IDPCommunicationError (400)."""
    url, _behaviour = jwks_server.add(behaviour)
    role_arn = make_role(iam, "CI", federated_trust(register(iam, url, [CLIENT_ID])))
    key = rsa_signing_key()
    token = sign({"iss": url, "aud": CLIENT_ID, "sub": "someone", "exp": int(time.time()) + 600}, key)
    code, _message, status = refused(server, role_arn, token)
    assert (code, status) == ("IDPCommunicationError", 400)


def test_an_idp_that_is_down_is_a_communication_error(server: Server, iam: Any) -> None:
    """An issuer nobody listens for: IDPCommunicationError."""
    url = f"http://127.0.0.1:{free_port()}/down"
    role_arn = make_role(iam, "CI", federated_trust(register(iam, url, [CLIENT_ID])))
    token = sign(
        {"iss": url, "aud": CLIENT_ID, "sub": "someone", "exp": int(time.time()) + 600}, rsa_signing_key()
    )
    assert refused(server, role_arn, token)[0] == "IDPCommunicationError"


def test_a_slow_jwks_times_out_without_stalling_other_clients(
    server: Server, iam: Any, sts: Any, jwks_server: JwksServer
) -> None:
    """While credo waits for a JWKS that never comes, other calls are answered; the wait is bounded."""
    hold = threading.Event()
    url, behaviour = jwks_server.add(Behaviour(hold=hold))
    role_arn = make_role(iam, "CI", federated_trust(register(iam, url, [CLIENT_ID])))
    token = sign(
        {"iss": url, "aud": CLIENT_ID, "sub": "someone", "exp": int(time.time()) + 600}, rsa_signing_key()
    )
    outcome: list[tuple[str, str, int]] = []
    waiting = threading.Thread(target=lambda: outcome.append(refused(server, role_arn, token)))
    waiting.start()
    try:
        assert behaviour.asked.wait(30)
        assert sts.get_caller_identity()["Account"] == DEV_ACCOUNT
        assert waiting.is_alive()  # the slow call is still waiting on the IdP
        waiting.join(60)
        assert not waiting.is_alive()
    finally:
        hold.set()
        waiting.join(60)
    assert outcome[0][0] == "IDPCommunicationError"
    assert outcome[0][1] == "The identity provider could not be reached to verify the web identity token."


def test_an_oversized_token_is_a_validation_error(server: Server, issuer: Issuer) -> None:
    """A token over STS's 20,000 characters is refused before any parsing."""
    body = (
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleSessionName=s1"
        f"&RoleArn={issuer.role_arn}&WebIdentityToken=" + "a" * 20_001
    )
    status, text, _ = raw_call(server, body, sign=False)
    assert status == 400
    assert "<Code>ValidationError</Code>" in text
