"""Server certificates through boto3: upload checks, sealed private keys, renames, tags, authorization."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import create_engine, select

from credo.store.db import normalize_url
from credo.store.schema import server_certificates
from tests.conftest import Server, allow, error_of

_KEYS: list[rsa.RSAPrivateKey] = []


def rsa_key(index: int) -> rsa.RSAPrivateKey:
    """RSA 2048 keys, made once per test session (key generation is the slow part)."""
    while len(_KEYS) <= index:
        _KEYS.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _KEYS[index]


def key_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def certificate(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer: tuple[str, rsa.RSAPrivateKey] | None = None,
    days: int = 365,
) -> x509.Certificate:
    """A certificate for ``key``, self-signed or signed by ``issuer`` (name, key)."""
    issuer_name, issuer_key = issuer if issuer is not None else (subject, key)
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=2))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


def cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def leaf() -> tuple[str, str, x509.Certificate]:
    """(certificate PEM, private key PEM, certificate) of a self-signed web certificate."""
    cert = certificate("www.example.com", rsa_key(0))
    return cert_pem(cert), key_pem(rsa_key(0)), cert


def upload(iam: Any, name: str, path: str = "/", **extra: Any) -> dict[str, Any]:
    body, key, _ = leaf()
    result: dict[str, Any] = iam.upload_server_certificate(
        ServerCertificateName=name, Path=path, CertificateBody=body, PrivateKey=key, **extra
    )
    return result


def test_upload_and_get(iam: Any) -> None:
    """Upload returns ASCA id, ARN with path, expiration from the cert; Get returns body but no key."""
    body, key, cert = leaf()
    metadata = iam.upload_server_certificate(
        ServerCertificateName="web", Path="/prod/", CertificateBody=body, PrivateKey=key
    )["ServerCertificateMetadata"]
    assert re.fullmatch(r"ASCA[A-Z2-7]{17}", metadata["ServerCertificateId"])
    assert metadata["Arn"] == "arn:aws:iam::123456789012:server-certificate/prod/web"
    assert metadata["Path"] == "/prod/"
    assert metadata["Expiration"] == cert.not_valid_after_utc.replace(microsecond=0)
    got = iam.get_server_certificate(ServerCertificateName="web")["ServerCertificate"]
    assert got["ServerCertificateMetadata"] == metadata
    assert got["CertificateBody"] == body
    assert "CertificateChain" not in got
    assert "PRIVATE KEY" not in repr(got)


def test_upload_with_chain_and_tags(iam: Any) -> None:
    """A chain starting at the certificate's issuer is accepted and returned; tags come back too."""
    ca = certificate("Example CA", rsa_key(1))
    cert = certificate("www.example.com", rsa_key(0), issuer=("Example CA", rsa_key(1)))
    tags = [{"Key": "team", "Value": "web"}]
    uploaded = iam.upload_server_certificate(
        ServerCertificateName="chained",
        CertificateBody=cert_pem(cert),
        PrivateKey=key_pem(rsa_key(0)),
        CertificateChain=cert_pem(ca),
        Tags=tags,
    )
    assert uploaded["Tags"] == tags
    got = iam.get_server_certificate(ServerCertificateName="chained")["ServerCertificate"]
    assert got["CertificateChain"] == cert_pem(ca)
    assert got["Tags"] == tags


def test_chain_not_issuing_the_certificate_is_malformed(iam: Any) -> None:
    """A chain whose first certificate did not sign the body is MalformedCertificate at index 0."""
    stranger = certificate("Other CA", rsa_key(1))
    body, key, _ = leaf()
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.upload_server_certificate(
            ServerCertificateName="bad-chain",
            CertificateBody=body,
            PrivateKey=key,
            CertificateChain=cert_pem(stranger),
        )
    assert error_of(caught) == (
        "MalformedCertificate",
        "Unable to validate certificate chain. The certificate chain must start with the immediate "
        "signing certificate, followed by any intermediaries in order. "
        "The index within the chain of the invalid certificate is: 0",
    )


def test_mismatched_private_key(iam: Any) -> None:
    """A private key that is not the certificate's is KeyPairMismatch."""
    body, _, _ = leaf()
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.upload_server_certificate(
            ServerCertificateName="mm", CertificateBody=body, PrivateKey=key_pem(rsa_key(1))
        )
    assert error_of(caught)[0] == "KeyPairMismatch"


GARBAGE = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"


@pytest.mark.parametrize(
    ("member", "message"),
    [
        ("CertificateBody", "Unable to parse certificate. Please ensure the certificate is in PEM format."),
        ("PrivateKey", "Unable to parse private key."),
    ],
)
def test_garbage_pem_is_malformed(iam: Any, member: str, message: str) -> None:
    """A body or key that does not parse is MalformedCertificate."""
    body, key, _ = leaf()
    params = {"CertificateBody": body, "PrivateKey": key, member: GARBAGE}
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.upload_server_certificate(ServerCertificateName="junk", **params)
    assert error_of(caught) == ("MalformedCertificate", message)


def test_expired_certificate_is_malformed(iam: Any) -> None:
    """A certificate already past its end date is MalformedCertificate."""
    cert = certificate("old.example.com", rsa_key(0), days=-1)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.upload_server_certificate(
            ServerCertificateName="old", CertificateBody=cert_pem(cert), PrivateKey=key_pem(rsa_key(0))
        )
    assert error_of(caught)[0] == "MalformedCertificate"


def test_name_taken_ignoring_case(iam: Any) -> None:
    """A second certificate with the same name (any case) is EntityAlreadyExists."""
    upload(iam, "dup")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        upload(iam, "DUP")
    assert error_of(caught) == ("EntityAlreadyExists", "The Server Certificate with name DUP already exists.")


@pytest.mark.parametrize("operation", ["get", "update", "delete", "tag", "untag", "list_tags"])
def test_unknown_certificate_is_no_such_entity(iam: Any, operation: str) -> None:
    """Every operation on a missing certificate is NoSuchEntity with AWS's wording."""
    name = {"ServerCertificateName": "nope"}
    calls = {
        "get": lambda: iam.get_server_certificate(**name),
        "update": lambda: iam.update_server_certificate(**name, NewPath="/x/"),
        "delete": lambda: iam.delete_server_certificate(**name),
        "tag": lambda: iam.tag_server_certificate(**name, Tags=[{"Key": "k", "Value": "v"}]),
        "untag": lambda: iam.untag_server_certificate(**name, TagKeys=["k"]),
        "list_tags": lambda: iam.list_server_certificate_tags(**name),
    }
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        calls[operation]()
    assert error_of(caught) == ("NoSuchEntity", "The Server Certificate with name nope cannot be found.")


def test_list_with_prefix_and_pages(iam: Any) -> None:
    """ListServerCertificates filters by PathPrefix and pages by name."""
    for name, path in (("a", "/web/"), ("b", "/web/"), ("c", "/api/")):
        upload(iam, name, path)
    names = [
        m["ServerCertificateName"]
        for m in iam.list_server_certificates(PathPrefix="/web/")["ServerCertificateMetadataList"]
    ]
    assert names == ["a", "b"]
    first = iam.list_server_certificates(MaxItems=2)
    assert first["IsTruncated"] is True
    rest = iam.list_server_certificates(MaxItems=2, Marker=first["Marker"])
    assert [
        m["ServerCertificateName"]
        for m in first["ServerCertificateMetadataList"] + rest["ServerCertificateMetadataList"]
    ] == ["a", "b", "c"]


def test_update_renames_and_moves(iam: Any) -> None:
    """UpdateServerCertificate changes name and path; a taken new name is EntityAlreadyExists."""
    upload(iam, "old-name")
    upload(iam, "other")
    iam.update_server_certificate(
        ServerCertificateName="old-name", NewServerCertificateName="new-name", NewPath="/moved/"
    )
    metadata = iam.get_server_certificate(ServerCertificateName="new-name")["ServerCertificate"][
        "ServerCertificateMetadata"
    ]
    assert metadata["Arn"] == "arn:aws:iam::123456789012:server-certificate/moved/new-name"
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.update_server_certificate(ServerCertificateName="new-name", NewServerCertificateName="other")
    assert error_of(caught) == (
        "EntityAlreadyExists",
        "The Server Certificate with name other already exists.",
    )


def test_delete(iam: Any) -> None:
    """A deleted certificate is gone from Get and List."""
    upload(iam, "gone")
    iam.delete_server_certificate(ServerCertificateName="gone")
    assert iam.list_server_certificates()["ServerCertificateMetadataList"] == []


def test_tags(iam: Any) -> None:
    """Tag, list (sorted by key) and untag; AWS's tag rules apply."""
    upload(iam, "tagged")
    iam.tag_server_certificate(
        ServerCertificateName="tagged", Tags=[{"Key": "zeta", "Value": "1"}, {"Key": "alpha", "Value": "2"}]
    )
    listed = iam.list_server_certificate_tags(ServerCertificateName="tagged")
    assert [t["Key"] for t in listed["Tags"]] == ["alpha", "zeta"]
    iam.untag_server_certificate(ServerCertificateName="tagged", TagKeys=["zeta"])
    assert iam.list_server_certificate_tags(ServerCertificateName="tagged")["Tags"] == [
        {"Key": "alpha", "Value": "2"}
    ]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.tag_server_certificate(ServerCertificateName="tagged", Tags=[{"Key": "aws:x", "Value": "1"}])
    assert error_of(caught)[0] == "InvalidInput"


def test_at_most_twenty_per_account(iam: Any) -> None:
    """The 21st certificate is LimitExceeded."""
    for index in range(20):
        upload(iam, f"cert-{index}")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        upload(iam, "one-too-many")
    assert error_of(caught) == ("LimitExceeded", "Cannot exceed quota for ServerCertificatesPerAccount: 20")


def test_private_key_is_sealed_at_rest(iam: Any, server: Server) -> None:
    """Neither the row nor (on SQLite) the database file contains the private key."""
    _, key, _ = leaf()
    upload(iam, "secret")
    secret_line = key.splitlines()[1].encode()
    url = server.extra["database_url"]
    engine = create_engine(normalize_url(url))
    with engine.connect() as conn:
        row = conn.execute(select(server_certificates)).mappings().one()
    engine.dispose()
    assert secret_line not in repr(dict(row)).encode()
    assert secret_line not in bytes(row["private_key_sealed"])
    if url.startswith("sqlite:///"):
        database = Path(url.removeprefix("sqlite:///"))
        content = b"".join(
            p.read_bytes() for p in [database, *database.parent.glob(database.name + "-*")] if p.exists()
        )
        assert secret_line not in content


def test_authorized_against_the_certificates_arn(iam: Any, make_user: Any) -> None:
    """A user allowed only server-certificate/web/* may read those and no others."""
    upload(iam, "site", "/web/")
    upload(iam, "internal", "/ops/")
    _, client_for = make_user(
        "reader", policy=allow("iam:GetServerCertificate", resource="arn:aws:iam::*:server-certificate/web/*")
    )
    reader = client_for("iam")
    assert reader.get_server_certificate(ServerCertificateName="site")["ServerCertificate"]["CertificateBody"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        reader.get_server_certificate(ServerCertificateName="internal")
    assert error_of(caught) == (
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/reader is not authorized to perform: iam:GetServerCertificate "
        "on resource: arn:aws:iam::123456789012:server-certificate/ops/internal "
        "because no identity-based policy allows the iam:GetServerCertificate action",
    )
