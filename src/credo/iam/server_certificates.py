"""Server certificates (for load balancers and CloudFront): upload, read, list, rename, tag, delete.

The certificate must parse as PEM, its private key must match the certificate's public key,
and an optional chain must run from the certificate's issuer upwards. The private key is
sealed under the master key at rest and is never returned by any operation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cryptography import exceptions as crypto_errors
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from credo import arn, ids
from credo.call import Call, Operation, Result
from credo.errors import (
    EntityAlreadyExists,
    KeyPairMismatch,
    LimitExceeded,
    MalformedCertificate,
    NoSuchEntity,
)
from credo.iam import tags as entity_tags
from credo.iam.paging import decode_marker, limit_of, page
from credo.store.schema import server_certificates as certificates

SERVER_CERTIFICATE_ID_PREFIX = "ASCA"
MAX_PER_ACCOUNT = 20
_CHAIN_ORDER = (
    "Unable to validate certificate chain. The certificate chain must start with the immediate "
    "signing certificate, followed by any intermediaries in order. "
    "The index within the chain of the invalid certificate is: {index}"
)


def parse_certificate(body: str) -> x509.Certificate:
    """The certificate in ``body``, or MalformedCertificate as AWS words it."""
    try:
        return x509.load_pem_x509_certificate(body.strip().encode())
    except ValueError:
        raise MalformedCertificate(
            "Unable to parse certificate. Please ensure the certificate is in PEM format."
        ) from None


def check_private_key(certificate: x509.Certificate, private_key: str) -> None:
    """Raise unless ``private_key`` is an unencrypted PEM key for the certificate's public key."""
    try:
        key = serialization.load_pem_private_key(private_key.strip().encode(), password=None)
    except (ValueError, TypeError):
        raise MalformedCertificate("Unable to parse private key.") from None
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(*spki) != certificate.public_key().public_bytes(*spki):
        raise KeyPairMismatch("The private key does not match the public key in the certificate.")


def split_chain(chain: str) -> list[str]:
    """The PEM blocks of a chain, in order."""
    end = "-----END CERTIFICATE-----"
    return [part.strip() + "\n" + end + "\n" for part in chain.split(end) if part.strip()]


def check_chain(certificate: x509.Certificate, chain: str) -> None:
    """Each certificate of the chain must have signed the one before it (the first: ``certificate``)."""
    child = certificate
    for index, block in enumerate(split_chain(chain)):
        try:
            issuer = x509.load_pem_x509_certificate(block.encode())
            child.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, crypto_errors.InvalidSignature):
            raise MalformedCertificate(_CHAIN_ORDER.format(index=index)) from None
        child = issuer


def check_validity(certificate: x509.Certificate, now: datetime) -> None:
    if certificate.not_valid_after_utc <= now:
        raise MalformedCertificate("The certificate has expired.")


def find_server_certificate(conn: Connection, account_id: str, name: str) -> RowMapping:
    """The certificate row, or NoSuchEntity worded as AWS words it."""
    row = (
        conn.execute(
            select(certificates).where(
                certificates.c.account_id == account_id, certificates.c.name_lower == name.lower()
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NoSuchEntity(f"The Server Certificate with name {name} cannot be found.")
    return row


def _name_taken(conn: Connection, account_id: str, name: str) -> bool:
    query = select(certificates.c.id).where(
        certificates.c.account_id == account_id, certificates.c.name_lower == name.lower()
    )
    return conn.execute(query).first() is not None


def describe_metadata(row: RowMapping) -> dict[str, Any]:
    """The ``ServerCertificateMetadata`` shape."""
    return {
        "Path": row["path"],
        "ServerCertificateName": row["name"],
        "ServerCertificateId": row["id"],
        "Arn": arn.iam_arn(row["account_id"], "server-certificate", row["path"], row["name"]),
        "UploadDate": row["uploaded_at"],
        "Expiration": row["expires_at"],
    }


def upload_server_certificate(call: Call) -> Result:
    params = call.params
    account_id = call.principal.account_id
    name: str = params["ServerCertificateName"]
    new_tags: Sequence[dict[str, Any]] = params.get("Tags", [])
    entity_tags.validate_new_tags(new_tags)
    now = call.services.clock.now()
    certificate = parse_certificate(params["CertificateBody"])
    check_private_key(certificate, params["PrivateKey"])
    if params.get("CertificateChain") is not None:
        check_chain(certificate, params["CertificateChain"])
    check_validity(certificate, now)
    with call.services.store.write() as conn:
        if _name_taken(conn, account_id, name):
            raise EntityAlreadyExists(f"The Server Certificate with name {name} already exists.")
        count = conn.execute(
            select(func.count()).select_from(certificates).where(certificates.c.account_id == account_id)
        ).scalar_one()
        if count >= MAX_PER_ACCOUNT:
            raise LimitExceeded(f"Cannot exceed quota for ServerCertificatesPerAccount: {MAX_PER_ACCOUNT}")
        certificate_id = ids.entity_id(SERVER_CERTIFICATE_ID_PREFIX)
        sealed = call.services.keyring.seal(params["PrivateKey"].encode(), context=certificate_id.encode())
        conn.execute(
            insert(certificates).values(
                id=certificate_id,
                account_id=account_id,
                name=name,
                name_lower=name.lower(),
                path=params.get("Path", "/"),
                body=params["CertificateBody"],
                chain=params.get("CertificateChain"),
                private_key_key_id=sealed.key_id,
                private_key_sealed=sealed.blob,
                expires_at=certificate.not_valid_after_utc,
                uploaded_at=now,
            )
        )
        entity_tags.put_tags(conn, certificate_id, new_tags)
        row = conn.execute(select(certificates).where(certificates.c.id == certificate_id)).mappings().one()
        tag_list = entity_tags.read_tags(conn, certificate_id)
    result: dict[str, Any] = {"ServerCertificateMetadata": describe_metadata(row)}
    if tag_list:
        result["Tags"] = tag_list
    return result


def get_server_certificate(call: Call) -> Result:
    with call.services.store.read() as conn:
        row = find_server_certificate(conn, call.principal.account_id, call.params["ServerCertificateName"])
        tag_list = entity_tags.read_tags(conn, row["id"])
    certificate: dict[str, Any] = {
        "ServerCertificateMetadata": describe_metadata(row),
        "CertificateBody": row["body"],
    }
    if row["chain"] is not None:
        certificate["CertificateChain"] = row["chain"]
    if tag_list:
        certificate["Tags"] = tag_list
    return {"ServerCertificate": certificate}


def list_server_certificates(call: Call) -> Result:
    params = call.params
    after = decode_marker(params.get("Marker"))
    query = select(certificates).where(certificates.c.account_id == call.principal.account_id)
    if params.get("PathPrefix"):
        query = query.where(certificates.c.path.startswith(params["PathPrefix"], autoescape=True))
    if after is not None:
        query = query.where(certificates.c.name_lower > after)
    query = query.order_by(certificates.c.name_lower).limit(limit_of(params.get("MaxItems")))
    with call.services.store.read() as conn:
        rows = conn.execute(query).mappings().all()
    result = page(
        rows, params.get("MaxItems"), lambda row: row["name_lower"], "ServerCertificateMetadataList"
    )
    result["ServerCertificateMetadataList"] = [
        describe_metadata(row) for row in result["ServerCertificateMetadataList"]
    ]
    return result


def update_server_certificate(call: Call) -> Result:
    params = call.params
    account_id = call.principal.account_id
    with call.services.store.write() as conn:
        row = find_server_certificate(conn, account_id, params["ServerCertificateName"])
        changes: dict[str, Any] = {}
        new_name = params.get("NewServerCertificateName")
        if new_name is not None and new_name != row["name"]:
            if new_name.lower() != row["name_lower"] and _name_taken(conn, account_id, new_name):
                raise EntityAlreadyExists(f"The Server Certificate with name {new_name} already exists.")
            changes.update(name=new_name, name_lower=new_name.lower())
        if params.get("NewPath") is not None:
            changes["path"] = params["NewPath"]
        if changes:
            conn.execute(update(certificates).where(certificates.c.id == row["id"]).values(**changes))
    return {}


def delete_server_certificate(call: Call) -> Result:
    with call.services.store.write() as conn:
        row = find_server_certificate(conn, call.principal.account_id, call.params["ServerCertificateName"])
        entity_tags.drop_all_tags(conn, row["id"])
        conn.execute(delete(certificates).where(certificates.c.id == row["id"]))
    return {}


def tag_server_certificate(call: Call) -> Result:
    new_tags = call.params["Tags"]
    entity_tags.validate_new_tags(new_tags)
    with call.services.store.write() as conn:
        row = find_server_certificate(conn, call.principal.account_id, call.params["ServerCertificateName"])
        entity_tags.put_tags(conn, row["id"], new_tags)
    return {}


def untag_server_certificate(call: Call) -> Result:
    entity_tags.validate_tag_keys(call.params["TagKeys"])
    with call.services.store.write() as conn:
        row = find_server_certificate(conn, call.principal.account_id, call.params["ServerCertificateName"])
        entity_tags.remove_tags(conn, row["id"], call.params["TagKeys"])
    return {}


def list_server_certificate_tags(call: Call) -> Result:
    params = call.params
    after = decode_marker(params.get("Marker"))
    with call.services.store.read() as conn:
        row = find_server_certificate(conn, call.principal.account_id, params["ServerCertificateName"])
        tag_list = entity_tags.read_tags(conn, row["id"])
    # AWS lists these sorted by key.
    tag_list.sort(key=lambda tag: tag["Key"].lower())
    if after is not None:
        tag_list = [tag for tag in tag_list if tag["Key"].lower() > after]
    return page(tag_list, params.get("MaxItems"), lambda tag: tag["Key"].lower(), "Tags")


OPERATIONS = {
    "UploadServerCertificate": Operation(upload_server_certificate),
    "GetServerCertificate": Operation(get_server_certificate),
    "ListServerCertificates": Operation(list_server_certificates),
    "UpdateServerCertificate": Operation(update_server_certificate),
    "DeleteServerCertificate": Operation(delete_server_certificate),
    "TagServerCertificate": Operation(tag_server_certificate),
    "UntagServerCertificate": Operation(untag_server_certificate),
    "ListServerCertificateTags": Operation(list_server_certificate_tags),
}
