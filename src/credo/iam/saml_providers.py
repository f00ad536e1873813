"""SAML identity providers: create from an IdP's metadata, read, list, update, tag, delete.

The metadata is checked by ``credo.federation.saml_metadata`` (entity id, signing certificates,
validity) and kept as given. Private keys that decrypt encrypted assertions are sealed under
the master key; operations show only their ids and dates.
"""

from __future__ import annotations

import secrets
import string
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from credo import arn
from credo.call import Call, Operation, Result
from credo.errors import EntityAlreadyExists, InvalidInput, LimitExceeded, NoSuchEntity
from credo.federation.saml_metadata import SamlMetadata, parse_metadata, refuse
from credo.iam import entity_tags, tags
from credo.keyring import Keyring, Sealed
from credo.store.schema import saml_provider_keys as keys
from credo.store.schema import saml_providers as providers

MAX_PER_ACCOUNT = 100
MAX_PRIVATE_KEYS = 2
MIN_KEY_BITS = 2048
# Without a validUntil in its metadata, AWS shows a provider valid for 100 years from creation.
DEFAULT_VALIDITY_YEARS = 100
_ID_ALPHABET = string.ascii_uppercase + string.digits


def _new_id() -> str:
    """A SAMLProviderUUID or private key id: the model's ``[A-Z0-9]+``, 22 to 64 long."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(26))


def _years_later(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def _checked_metadata(document: str, now: datetime) -> SamlMetadata:
    metadata = parse_metadata(document)
    if metadata.valid_until is not None and metadata.valid_until <= now:
        raise refuse(f"The metadata's validUntil ({metadata.valid_until.isoformat()}) has passed.")
    return metadata


def _checked_private_key(pem: str) -> bytes:
    """The key as given, once it parses as an unencrypted RSA private key of 2,048 bits or more."""
    try:
        key = serialization.load_pem_private_key(pem.strip().encode(), password=None)
    except (ValueError, TypeError):
        raise InvalidInput(
            "The private key is not valid.", detail="AddPrivateKey must be an unencrypted PEM private key."
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < MIN_KEY_BITS:
        raise InvalidInput(
            "The private key is not valid.",
            detail=f"Encrypted assertions need an RSA key of at least {MIN_KEY_BITS} bits.",
        )
    return pem.strip().encode()


def find_saml_provider(conn: Connection, account_id: str, provider_arn: str) -> RowMapping:
    """The provider an ARN names, or NoSuchEntity as AWS words it."""
    parsed = arn.parse_arn(provider_arn)
    if parsed is None or parsed.service != "iam" or not parsed.resource.startswith("saml-provider/"):
        raise InvalidInput(f"ARN {provider_arn} is not valid.")
    name = parsed.resource.removeprefix("saml-provider/")
    row = None
    if parsed.account == account_id:
        query = select(providers).where(
            providers.c.account_id == account_id, providers.c.name_lower == name.lower()
        )
        row = conn.execute(query).mappings().first()
    if row is None:
        raise NoSuchEntity(f"Manifest not found for arn {provider_arn}")
    return row


def private_keys(conn: Connection, keyring: Keyring, provider_id: str) -> tuple[bytes, ...]:
    """The provider's private keys (PEM), unsealed, newest first: what decrypts its assertions."""
    query = select(keys).where(keys.c.provider_id == provider_id).order_by(keys.c.created_at.desc())
    return tuple(
        keyring.open(Sealed(row["key_key_id"], row["key_sealed"]), context=row["id"].encode())
        for row in conn.execute(query).mappings()
    )


def _add_key(conn: Connection, call: Call, provider_id: str, pem: bytes, now: datetime) -> None:
    key_id = _new_id()
    sealed = call.services.keyring.seal(pem, context=key_id.encode())
    conn.execute(
        insert(keys).values(
            id=key_id,
            provider_id=provider_id,
            key_key_id=sealed.key_id,
            key_sealed=sealed.blob,
            created_at=now,
        )
    )


def _key_rows(conn: Connection, provider_id: str) -> list[RowMapping]:
    query = select(keys.c.id, keys.c.created_at).where(keys.c.provider_id == provider_id)
    return list(conn.execute(query.order_by(keys.c.created_at, keys.c.id)).mappings())


def _check_encryption(mode: str, key_count: int) -> None:
    if mode == "Required" and key_count == 0:
        raise InvalidInput(
            "AssertionEncryptionMode Required needs a private key.",
            detail="Add a private key (AddPrivateKey) to decrypt assertions, or choose Allowed.",
        )


def create_saml_provider(call: Call) -> Result:
    params = call.params
    account_id = call.principal.account_id
    name: str = params["Name"]
    new_tags = params.get("Tags", [])
    tags.validate_new_tags(new_tags)
    now = call.services.clock.now()
    metadata = _checked_metadata(params["SAMLMetadataDocument"], now)
    pem = _checked_private_key(params["AddPrivateKey"]) if params.get("AddPrivateKey") else None
    mode = params.get("AssertionEncryptionMode") or "Allowed"
    _check_encryption(mode, int(pem is not None))
    with call.services.store.write() as conn:
        taken = select(providers.c.id).where(
            providers.c.account_id == account_id, providers.c.name_lower == name.lower()
        )
        if conn.execute(taken).first() is not None:
            raise EntityAlreadyExists(f"Provider with name {name} already exists.")
        count = select(func.count()).select_from(providers).where(providers.c.account_id == account_id)
        if conn.execute(count).scalar_one() >= MAX_PER_ACCOUNT:
            raise LimitExceeded(f"Cannot exceed quota for SAMLProvidersPerAccount: {MAX_PER_ACCOUNT}")
        provider_id = _new_id()
        conn.execute(
            insert(providers).values(
                id=provider_id,
                account_id=account_id,
                name=name,
                name_lower=name.lower(),
                metadata_document=params["SAMLMetadataDocument"],
                entity_id=metadata.entity_id,
                valid_until=metadata.valid_until or _years_later(now, DEFAULT_VALIDITY_YEARS),
                encryption_mode=mode,
                created_at=now,
            )
        )
        if pem is not None:
            _add_key(conn, call, provider_id, pem, now)
        tags.put_tags(conn, provider_id, new_tags)
        tag_list = tags.read_tags(conn, provider_id)
    result: dict[str, Any] = {"SAMLProviderArn": arn.saml_provider_arn(account_id, name)}
    if tag_list:
        result["Tags"] = tag_list
    return result


def get_saml_provider(call: Call) -> Result:
    with call.services.store.read() as conn:
        row = find_saml_provider(conn, call.principal.account_id, call.params["SAMLProviderArn"])
        key_rows = _key_rows(conn, row["id"])
        tag_list = tags.read_tags(conn, row["id"])
    return {
        "SAMLProviderUUID": row["id"],
        "SAMLMetadataDocument": row["metadata_document"],
        "CreateDate": row["created_at"],
        "ValidUntil": row["valid_until"],
        "Tags": tag_list,
        "AssertionEncryptionMode": row["encryption_mode"],
        "PrivateKeyList": [{"KeyId": key["id"], "Timestamp": key["created_at"]} for key in key_rows],
    }


def _list_entry(row: RowMapping) -> dict[str, Any]:
    return {
        "Arn": arn.saml_provider_arn(row["account_id"], row["name"]),
        "ValidUntil": row["valid_until"],
        "CreateDate": row["created_at"],
    }


def list_saml_providers(call: Call) -> Result:
    query = select(providers).where(providers.c.account_id == call.principal.account_id)
    with call.services.store.read() as conn:
        rows = conn.execute(query.order_by(providers.c.name_lower)).mappings().all()
    return {"SAMLProviderList": [_list_entry(row) for row in rows]}


def update_saml_provider(call: Call) -> Result:
    params = call.params
    account_id = call.principal.account_id
    now = call.services.clock.now()
    document = params.get("SAMLMetadataDocument")
    metadata = _checked_metadata(document, now) if document is not None else None
    pem = _checked_private_key(params["AddPrivateKey"]) if params.get("AddPrivateKey") else None
    with call.services.store.write() as conn:
        row = find_saml_provider(conn, account_id, params["SAMLProviderArn"])
        changes: dict[str, Any] = {}
        if metadata is not None:
            changes.update(
                metadata_document=document,
                entity_id=metadata.entity_id,
                valid_until=metadata.valid_until or _years_later(row["created_at"], DEFAULT_VALIDITY_YEARS),
            )
        if params.get("AssertionEncryptionMode"):
            changes["encryption_mode"] = params["AssertionEncryptionMode"]
        key_ids = [key["id"] for key in _key_rows(conn, row["id"])]
        removed = params.get("RemovePrivateKey")
        if removed is not None and removed not in key_ids:
            raise NoSuchEntity(f"The private key {removed} does not exist.")
        remaining = len(key_ids) - (removed is not None) + (pem is not None)
        if remaining > MAX_PRIVATE_KEYS:
            raise LimitExceeded(f"Cannot exceed quota for PrivateKeysPerSAMLProvider: {MAX_PRIVATE_KEYS}")
        _check_encryption(changes.get("encryption_mode", row["encryption_mode"]), remaining)
        if removed is not None:
            conn.execute(delete(keys).where(keys.c.id == removed))
        if pem is not None:
            _add_key(conn, call, row["id"], pem, now)
        if changes:
            conn.execute(update(providers).where(providers.c.id == row["id"]).values(**changes))
    return {"SAMLProviderArn": arn.saml_provider_arn(account_id, row["name"])}


def delete_saml_provider(call: Call) -> Result:
    with call.services.store.write() as conn:
        row = find_saml_provider(conn, call.principal.account_id, call.params["SAMLProviderArn"])
        conn.execute(delete(keys).where(keys.c.provider_id == row["id"]))
        tags.drop_all_tags(conn, row["id"])
        conn.execute(delete(providers).where(providers.c.id == row["id"]))
    return {}


SAML_PROVIDER = entity_tags.TaggedKind("SAMLProviderArn", find_saml_provider)

OPERATIONS = {
    "CreateSAMLProvider": Operation(create_saml_provider),
    "GetSAMLProvider": Operation(get_saml_provider),
    "ListSAMLProviders": Operation(list_saml_providers),
    "UpdateSAMLProvider": Operation(update_saml_provider),
    "DeleteSAMLProvider": Operation(delete_saml_provider),
    "TagSAMLProvider": Operation(entity_tags.tag_entity(SAML_PROVIDER)),
    "UntagSAMLProvider": Operation(entity_tags.untag_entity(SAML_PROVIDER)),
    "ListSAMLProviderTags": Operation(entity_tags.list_entity_tags(SAML_PROVIDER)),
}
