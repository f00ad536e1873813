"""AssumeRoleWithWebIdentity with an https issuer whose certificate a private CA signed.

The stand-in issuer serves its discovery document and JWKS over TLS, with a certificate for
127.0.0.1 from a CA the test makes. credo checks issuers' certificates against the system's
trust store: the dev server does not know the CA and refuses (``IDPCommunicationError``); a
server started with ``SSL_CERT_FILE`` naming the CA fetches the keys and grants the role.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from tests.conftest import POSTGRES_URL, Server, error_of, start_server, stop_server
from tests.oidc_support import Behaviour, JwksServer, public_jwks, rsa_signing_key, sign
from tests.server.test_tls import make_certificates
from tests.sts.test_unsigned_federation import unsigned_client
from tests.sts.test_web_identity import federated_trust, make_role, register

CLIENT_ID = "my-app"


@pytest.fixture(scope="module")
def tls_issuers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[JwksServer, Path]]:
    """The stand-in IdP over https, and the PEM file of the CA that signed its certificate."""
    ca, cert, key = make_certificates(tmp_path_factory.mktemp("tls-idp"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    issuers = JwksServer(tls=context)
    yield issuers, ca
    issuers.close()


def token_for(issuers: JwksServer, server: Server) -> tuple[str, str]:
    """A new issuer on the https IdP, its provider and a role trusting it on ``server``: (role, token)."""
    key = rsa_signing_key()
    url, _behaviour = issuers.add(Behaviour(jwks=public_jwks(key)))
    assert url.startswith("https://127.0.0.1:")
    iam = server.client("iam")
    role_arn = make_role(iam, "CI", federated_trust(register(iam, url, [CLIENT_ID])))
    now = int(time.time())
    claims = {"iss": url, "aud": CLIENT_ID, "sub": "build-7", "iat": now, "exp": now + 600}
    return role_arn, sign(claims, key)


def assume(server: Server, role_arn: str, token: str) -> Any:
    return unsigned_client(server, "sts").assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName="tls", WebIdentityToken=token
    )


def test_an_issuer_certificate_of_an_unknown_ca_is_refused(
    server: Server, tls_issuers: tuple[JwksServer, Path]
) -> None:
    """Without the CA in its trust store, credo cannot verify the issuer: IDPCommunicationError."""
    role_arn, token = token_for(tls_issuers[0], server)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        assume(server, role_arn, token)
    assert error_of(caught)[0] == "IDPCommunicationError"
    detail = caught.value.response["Error"]["Detail"]
    assert "its TLS certificate is not trusted (unable to get local issuer certificate)" in detail
    assert "SSL_CERT_FILE" in detail
    assert "Traceback" not in server.log()


def test_ssl_cert_file_naming_the_ca_makes_the_issuer_trusted(
    server: Server, store_kind: str, tmp_path: Path, tls_issuers: tuple[JwksServer, Path]
) -> None:
    """A server whose SSL_CERT_FILE names the CA fetches the issuer's keys over https and grants the role."""
    issuers, ca = tls_issuers
    trusting = start_server(
        tmp_path,
        "--dev",
        "--data-dir",
        str(tmp_path / "data"),
        env={"SSL_CERT_FILE": str(ca)},
        database_url=POSTGRES_URL if store_kind == "postgresql" else None,
    )
    try:
        role_arn, token = token_for(issuers, trusting)
        answer = assume(trusting, role_arn, token)
        assert answer["AssumedRoleUser"]["Arn"].endswith(":assumed-role/CI/tls")
        assert answer["SubjectFromWebIdentityToken"] == "build-7"
    finally:
        stop_server(trusting)
