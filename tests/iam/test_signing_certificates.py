"""X.509 signing certificates through boto3 against a real server: parsing, validity, quota, lifecycle."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import botocore.exceptions
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.conftest import Server, allow, error_of

UNKNOWN_ID = "A" * 32


@cache
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@cache
def certificate(name: str = "test", valid_from_days: int = -1, valid_for_days: int = 365) -> str:
    """A self-signed PEM certificate for ``name``, valid from ``valid_from_days`` (relative to now)."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = datetime.now(UTC) + timedelta(days=valid_from_days)
    built = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(signing_key().public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=valid_for_days))
        .sign(signing_key(), hashes.SHA256())
    )
    return built.public_bytes(serialization.Encoding.PEM).decode()


def test_upload_returns_certificate_shape(iam: Any) -> None:
    """A new certificate has a 32-character id, is Active, and carries the body as uploaded."""
    iam.create_user(UserName="alice")
    body = certificate("alice")
    uploaded = iam.upload_signing_certificate(UserName="alice", CertificateBody=body)["Certificate"]
    assert re.fullmatch(r"[A-Z0-9]{32}", uploaded["CertificateId"])
    assert uploaded["UserName"] == "alice"
    assert uploaded["Status"] == "Active"
    assert uploaded["CertificateBody"] == body
    assert uploaded["UploadDate"].tzinfo is not None
    listed = iam.list_signing_certificates(UserName="alice")["Certificates"]
    assert listed == [uploaded]


REFUSED = [
    (
        "not-pem",
        lambda: "just some text",
        "MalformedCertificate",
        "Unable to parse certificate. Please ensure the certificate is in PEM format.",
    ),
    (
        "broken-pem",
        lambda: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        "MalformedCertificate",
        "Unable to parse certificate. Please ensure the certificate is in PEM format.",
    ),
    (
        "expired",
        lambda: certificate("old", valid_from_days=-30, valid_for_days=10),
        "MalformedCertificate",
        None,
    ),
    (
        "not-yet-valid",
        lambda: certificate("future", valid_from_days=30),
        "InvalidCertificate",
        None,
    ),
]


@pytest.mark.parametrize(
    ("make_body", "code", "message"), [case[1:] for case in REFUSED], ids=[case[0] for case in REFUSED]
)
def test_refused_certificates(iam: Any, make_body: Any, code: str, message: str | None) -> None:
    """Unparseable, expired and not-yet-valid certificates are refused and not stored."""
    iam.create_user(UserName="bob")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.upload_signing_certificate(UserName="bob", CertificateBody=make_body())
    got_code, got_message = error_of(caught)
    assert got_code == code
    if message is not None:
        assert got_message == message
    elif code == "MalformedCertificate":
        assert re.fullmatch(r"The certificate expired on \S+\.", got_message)
    else:
        assert re.fullmatch(r"The certificate is not valid before \S+\.", got_message)
    assert iam.list_signing_certificates(UserName="bob")["Certificates"] == []


@pytest.mark.parametrize("second_owner", ["same-user", "other-user", "root"])
def test_same_certificate_twice_is_duplicate(iam: Any, second_owner: str) -> None:
    """A certificate already held by anyone in the account is DuplicateCertificate (409)."""
    iam.create_user(UserName="carol")
    iam.create_user(UserName="dave")
    body = certificate("shared")
    iam.upload_signing_certificate(UserName="carol", CertificateBody=body)
    owner = {"same-user": {"UserName": "carol"}, "other-user": {"UserName": "dave"}, "root": {}}[second_owner]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.upload_signing_certificate(CertificateBody=body, **owner)
    assert error_of(caught) == (
        "DuplicateCertificate",
        "The same certificate is already associated with an IAM user in the account.",
    )
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_at_most_two_certificates(iam: Any) -> None:
    """A third certificate is LimitExceeded with AWS's quota message."""
    iam.create_user(UserName="erin")
    for n in range(2):
        iam.upload_signing_certificate(UserName="erin", CertificateBody=certificate(f"erin-{n}"))
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.upload_signing_certificate(UserName="erin", CertificateBody=certificate("erin-2"))
    assert error_of(caught) == ("LimitExceeded", "Cannot exceed quota for CertificatesPerUser: 2")


def test_list_paginates(iam: Any) -> None:
    """ListSigningCertificates pages with Marker/MaxItems and returns every certificate once."""
    iam.create_user(UserName="fay")
    uploaded = {
        iam.upload_signing_certificate(UserName="fay", CertificateBody=certificate(f"fay-{n}"))[
            "Certificate"
        ]["CertificateId"]
        for n in range(2)
    }
    first = iam.list_signing_certificates(UserName="fay", MaxItems=1)
    assert first["IsTruncated"] is True
    second = iam.list_signing_certificates(UserName="fay", MaxItems=1, Marker=first["Marker"])
    assert second["IsTruncated"] is False
    assert {c["CertificateId"] for c in first["Certificates"] + second["Certificates"]} == uploaded


def test_without_user_name_is_the_callers(make_user: Any) -> None:
    """Without UserName, upload and list act on the calling user."""
    _, client_for = make_user(
        "gus", policy=allow("iam:UploadSigningCertificate", "iam:ListSigningCertificates")
    )
    gus = client_for("iam")
    uploaded = gus.upload_signing_certificate(CertificateBody=certificate("gus"))["Certificate"]
    assert uploaded["UserName"] == "gus"
    assert [c["UserName"] for c in gus.list_signing_certificates()["Certificates"]] == ["gus"]


def test_root_has_its_own_certificates(iam: Any) -> None:
    """The root user's certificates carry no UserName and are not any IAM user's."""
    iam.create_user(UserName="hal")
    uploaded = iam.upload_signing_certificate(CertificateBody=certificate("root"))["Certificate"]
    assert "UserName" not in uploaded
    assert [c["CertificateId"] for c in iam.list_signing_certificates()["Certificates"]] == [
        uploaded["CertificateId"]
    ]
    assert iam.list_signing_certificates(UserName="hal")["Certificates"] == []
    iam.update_signing_certificate(CertificateId=uploaded["CertificateId"], Status="Inactive")
    iam.delete_signing_certificate(CertificateId=uploaded["CertificateId"])
    assert iam.list_signing_certificates()["Certificates"] == []


def test_update_and_delete(iam: Any) -> None:
    """A certificate can be made Inactive and Active again, then deleted."""
    iam.create_user(UserName="ian")
    cert_id = iam.upload_signing_certificate(UserName="ian", CertificateBody=certificate("ian"))[
        "Certificate"
    ]["CertificateId"]
    for status in ("Inactive", "Active"):
        iam.update_signing_certificate(UserName="ian", CertificateId=cert_id, Status=status)
        listed = iam.list_signing_certificates(UserName="ian")["Certificates"]
        assert [c["Status"] for c in listed] == [status]
    iam.delete_signing_certificate(UserName="ian", CertificateId=cert_id)
    assert iam.list_signing_certificates(UserName="ian")["Certificates"] == []


def test_expired_status_is_invalid_input(iam: Any) -> None:
    """Status Expired is in the model's enum but cannot be set: InvalidInput."""
    iam.create_user(UserName="jo")
    cert_id = iam.upload_signing_certificate(UserName="jo", CertificateBody=certificate("jo"))["Certificate"][
        "CertificateId"
    ]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.update_signing_certificate(UserName="jo", CertificateId=cert_id, Status="Expired")
    assert error_of(caught) == (
        "InvalidInput",
        "Invalid status: Expired. The status of a signing certificate is Active or Inactive.",
    )


@pytest.mark.parametrize("operation", ["update", "delete"])
def test_unknown_certificate_is_no_such_entity(iam: Any, operation: str) -> None:
    """Updating or deleting a certificate the owner does not have is NoSuchEntity."""
    iam.create_user(UserName="kim")
    iam.create_user(UserName="other")
    foreign = iam.upload_signing_certificate(UserName="other", CertificateBody=certificate("other"))
    for cert_id in (UNKNOWN_ID, foreign["Certificate"]["CertificateId"]):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            if operation == "update":
                iam.update_signing_certificate(UserName="kim", CertificateId=cert_id, Status="Inactive")
            else:
                iam.delete_signing_certificate(UserName="kim", CertificateId=cert_id)
        assert error_of(caught) == ("NoSuchEntity", f"The Certificate with id {cert_id} cannot be found.")


@pytest.mark.parametrize("operation", ["upload", "list", "update", "delete"])
def test_unknown_user_is_no_such_entity(iam: Any, operation: str) -> None:
    """Naming a user that does not exist is NoSuchEntity with AWS's user message."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        if operation == "upload":
            iam.upload_signing_certificate(UserName="nobody", CertificateBody=certificate("nobody"))
        elif operation == "list":
            iam.list_signing_certificates(UserName="nobody")
        elif operation == "update":
            iam.update_signing_certificate(UserName="nobody", CertificateId=UNKNOWN_ID, Status="Active")
        else:
            iam.delete_signing_certificate(UserName="nobody", CertificateId=UNKNOWN_ID)
    assert error_of(caught) == ("NoSuchEntity", "The user with name nobody cannot be found.")


def test_user_with_certificates_cannot_be_deleted(iam: Any) -> None:
    """DeleteUser is DeleteConflict while the user has signing certificates."""
    iam.create_user(UserName="lou")
    cert_id = iam.upload_signing_certificate(UserName="lou", CertificateBody=certificate("lou"))[
        "Certificate"
    ]["CertificateId"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.delete_user(UserName="lou")
    assert error_of(caught) == (
        "DeleteConflict",
        "Cannot delete entity, must delete signing certificates first.",
    )
    iam.delete_signing_certificate(UserName="lou", CertificateId=cert_id)
    iam.delete_user(UserName="lou")


def test_credential_report_shows_certificates(server: Server, iam: Any) -> None:
    """The credential report's cert_1/cert_2 columns show each owner's certificates, oldest first."""
    iam.create_user(UserName="max")
    iam.create_user(UserName="ned")
    first = iam.upload_signing_certificate(UserName="max", CertificateBody=certificate("max-0"))[
        "Certificate"
    ]
    server.advance_clock(60)  # upload times have a one-second resolution
    iam.upload_signing_certificate(UserName="max", CertificateBody=certificate("max-1"))
    iam.update_signing_certificate(UserName="max", CertificateId=first["CertificateId"], Status="Inactive")
    iam.upload_signing_certificate(CertificateBody=certificate("root-0"))
    iam.generate_credential_report()
    content = iam.get_credential_report()["Content"].decode()
    rows = {row["user"]: row for row in csv.DictReader(io.StringIO(content))}
    assert (rows["max"]["cert_1_active"], rows["max"]["cert_2_active"]) == ("false", "true")
    assert rows["max"]["cert_1_last_rotated"] == first["UploadDate"].isoformat(timespec="seconds")
    assert rows["max"]["cert_2_last_rotated"] != "N/A"
    assert (rows["<root_account>"]["cert_1_active"], rows["<root_account>"]["cert_2_active"]) == (
        "true",
        "false",
    )
    assert [rows["ned"][f"cert_{n}_{field}"] for n in (1, 2) for field in ("active", "last_rotated")] == [
        "false",
        "N/A",
        "false",
        "N/A",
    ]
