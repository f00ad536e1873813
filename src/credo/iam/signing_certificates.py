"""X.509 signing certificates (for SOAP and other legacy APIs): at most two per user or root.

A certificate is stored as uploaded (PEM) and may belong to only one owner in an account,
so it is also kept under the SHA-256 of its DER encoding.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from credo.call import Call, Operation, Result
from credo.errors import (
    DuplicateCertificate,
    InvalidCertificate,
    InvalidInput,
    LimitExceeded,
    MalformedCertificate,
    NoSuchEntity,
)
from credo.iam.paging import decode_marker, limit_of, page
from credo.iam.users import DEPENDENTS, credential_owner
from credo.store.schema import signing_certificates

DEPENDENTS.append(
    (signing_certificates.c.user_id, "Cannot delete entity, must delete signing certificates first.")
)

MAX_CERTIFICATES_PER_USER = 2
CERTIFICATE_ID_LENGTH = 32
_ID_ALPHABET = string.ascii_uppercase + string.digits
_PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----"
_MALFORMED = "Unable to parse certificate. Please ensure the certificate is in PEM format."


def certificate_id() -> str:
    """A 32-character id of uppercase letters and digits, as AWS's signing certificate ids look."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(CERTIFICATE_ID_LENGTH))


def parse_certificate(body: str, now: datetime) -> str:
    """The SHA-256 (hex) of the certificate's DER encoding, once it is well-formed and valid at ``now``."""
    text = body.strip()
    if not text.startswith(_PEM_CERTIFICATE):
        raise MalformedCertificate(_MALFORMED)
    try:
        certificate = x509.load_pem_x509_certificate(text.encode("latin-1"))
    except ValueError:
        raise MalformedCertificate(_MALFORMED) from None
    # AWS documents expiry under MalformedCertificate ("malformed or expired").
    if certificate.not_valid_after_utc < now:
        raise MalformedCertificate(
            f"The certificate expired on {certificate.not_valid_after_utc.isoformat()}."
        )
    if certificate.not_valid_before_utc > now:
        raise InvalidCertificate(
            f"The certificate is not valid before {certificate.not_valid_before_utc.isoformat()}."
        )
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def _owner_filter(account_id: str, user_id: str | None) -> Any:
    column = signing_certificates.c.user_id
    owner = column.is_(None) if user_id is None else column == user_id
    return (signing_certificates.c.account_id == account_id) & owner


def _describe(row: RowMapping, user_name: str | None) -> dict[str, Any]:
    """The ``SigningCertificate`` shape (no ``UserName`` for the root user's certificates)."""
    certificate: dict[str, Any] = {
        "CertificateId": row["id"],
        "CertificateBody": row["body"],
        "Status": "Active" if row["active"] else "Inactive",
        "UploadDate": row["uploaded_at"],
    }
    if user_name is not None:
        certificate["UserName"] = user_name
    return certificate


def _find_certificate(conn: Connection, call: Call) -> RowMapping:
    user_id, _user_name = credential_owner(call, conn)
    certificate = call.params["CertificateId"]
    query = select(signing_certificates).where(
        _owner_filter(call.principal.account_id, user_id), signing_certificates.c.id == certificate
    )
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NoSuchEntity(f"The Certificate with id {certificate} cannot be found.")
    return row


def upload_signing_certificate(call: Call) -> Result:
    body: str = call.params["CertificateBody"]
    account_id = call.principal.account_id
    now = call.services.clock.now()
    with call.services.store.write() as conn:
        user_id, user_name = credential_owner(call, conn)
        fingerprint = parse_certificate(body, now)
        taken = select(signing_certificates.c.id).where(
            signing_certificates.c.account_id == account_id, signing_certificates.c.fingerprint == fingerprint
        )
        if conn.execute(taken).first() is not None:
            raise DuplicateCertificate(
                "The same certificate is already associated with an IAM user in the account."
            )
        count = conn.execute(
            select(func.count()).select_from(signing_certificates).where(_owner_filter(account_id, user_id))
        ).scalar_one()
        if count >= MAX_CERTIFICATES_PER_USER:
            raise LimitExceeded(f"Cannot exceed quota for CertificatesPerUser: {MAX_CERTIFICATES_PER_USER}")
        new_id = certificate_id()
        conn.execute(
            insert(signing_certificates).values(
                id=new_id,
                account_id=account_id,
                user_id=user_id,
                body=body,
                fingerprint=fingerprint,
                active=True,
                uploaded_at=now,
            )
        )
        row = (
            conn.execute(select(signing_certificates).where(signing_certificates.c.id == new_id))
            .mappings()
            .one()
        )
    return {"Certificate": _describe(row, user_name)}


def list_signing_certificates(call: Call) -> Result:
    params = call.params
    after = decode_marker(params.get("Marker"))
    with call.services.store.read() as conn:
        user_id, user_name = credential_owner(call, conn)
        query = select(signing_certificates).where(_owner_filter(call.principal.account_id, user_id))
        if after is not None:
            query = query.where(signing_certificates.c.id > after)
        query = query.order_by(signing_certificates.c.id).limit(limit_of(params.get("MaxItems")))
        rows = conn.execute(query).mappings().all()
    result = page(rows, params.get("MaxItems"), lambda row: row["id"], "Certificates")
    result["Certificates"] = [_describe(row, user_name) for row in result["Certificates"]]
    return result


def update_signing_certificate(call: Call) -> Result:
    status = call.params["Status"]
    if status not in ("Active", "Inactive"):
        raise InvalidInput(
            f"Invalid status: {status}. The status of a signing certificate is Active or Inactive."
        )
    with call.services.store.write() as conn:
        row = _find_certificate(conn, call)
        conn.execute(
            update(signing_certificates)
            .where(signing_certificates.c.id == row["id"])
            .values(active=status == "Active")
        )
    return {}


def delete_signing_certificate(call: Call) -> Result:
    with call.services.store.write() as conn:
        row = _find_certificate(conn, call)
        conn.execute(delete(signing_certificates).where(signing_certificates.c.id == row["id"]))
    return {}


OPERATIONS = {
    "UploadSigningCertificate": Operation(upload_signing_certificate),
    "ListSigningCertificates": Operation(list_signing_certificates),
    "UpdateSigningCertificate": Operation(update_signing_certificate),
    "DeleteSigningCertificate": Operation(delete_signing_certificate),
}
