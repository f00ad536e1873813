"""SSH public keys of IAM users (for CodeCommit): RSA of 2048 bits or more, at most five per user.

A key arrives in OpenSSH (``ssh-rsa AAAA… comment``) or PEM form and is stored as uploaded,
beside its OpenSSH form, so GetSSHPublicKey can answer in either encoding.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import Connection, RowMapping, delete, insert, select, update

from credo import ids
from credo.call import Call, Operation, Result
from credo.errors import (
    DuplicateSSHPublicKey,
    InvalidInput,
    InvalidPublicKey,
    LimitExceeded,
    NoSuchEntity,
    UnrecognizedPublicKeyEncoding,
)
from credo.iam.paging import decode_marker, limit_of, page
from credo.iam.users import DEPENDENTS, find_user
from credo.store.schema import ssh_public_keys

DEPENDENTS.append((ssh_public_keys.c.user_id, "Cannot delete entity, must delete SSH public keys first."))

MAX_KEYS_PER_USER = 5
MIN_RSA_BITS = 2048
SSH_PUBLIC_KEY = "APKA"
_PEM_BEGIN = "-----BEGIN "
_INVALID = "The public key is malformed or otherwise invalid."
_UNRECOGNIZED = "The public key encoding format is unsupported or unrecognized."


@dataclass(frozen=True)
class ParsedKey:
    """An accepted RSA public key: its OpenSSH line (no comment) and AWS's fingerprint."""

    openssh: str
    fingerprint: str


def _load(body: str) -> object:
    """The key object, or the AWS error for an encoding we do not take or a broken key."""
    if body.startswith(_PEM_BEGIN):
        try:
            return serialization.load_pem_public_key(body.encode("latin-1"))
        except (ValueError, UnsupportedAlgorithm):
            raise InvalidPublicKey(_INVALID) from None
    # Only the ssh-rsa OpenSSH encoding is taken; ssh-ed25519, ecdsa-… and anything else are not.
    if body.split(maxsplit=1)[0] != "ssh-rsa":
        raise UnrecognizedPublicKeyEncoding(_UNRECOGNIZED)
    try:
        return serialization.load_ssh_public_key(body.encode("latin-1"))
    except (ValueError, UnsupportedAlgorithm):
        raise InvalidPublicKey(_INVALID) from None


def parse_ssh_public_key(body: str) -> ParsedKey:
    """Validate ``body`` as AWS does: ssh-rsa or PEM encoding, an RSA key of at least 2048 bits."""
    text = body.strip()
    if not text:
        raise UnrecognizedPublicKeyEncoding(_UNRECOGNIZED)
    key = _load(text)
    if not isinstance(key, rsa.RSAPublicKey):
        raise InvalidPublicKey(_INVALID)
    if key.key_size < MIN_RSA_BITS:
        raise InvalidPublicKey(f"The public key is invalid: it must be at least {MIN_RSA_BITS} bits long.")
    openssh = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    blob = base64.b64decode(openssh.split()[1])
    # MD5 of the key blob, as ``ssh-keygen -l -E md5`` prints it (and as AWS shows it).
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ParsedKey(openssh, ":".join(digest[i : i + 2] for i in range(0, len(digest), 2)))


def _pem_of(openssh: str) -> str:
    key = serialization.load_ssh_public_key(openssh.encode())
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem.decode()


def _status(row: RowMapping) -> str:
    return "Active" if row["active"] else "Inactive"


def _metadata(row: RowMapping, user_name: str) -> dict[str, Any]:
    """The ``SSHPublicKeyMetadata`` shape."""
    return {
        "UserName": user_name,
        "SSHPublicKeyId": row["id"],
        "Status": _status(row),
        "UploadDate": row["uploaded_at"],
    }


def _describe(row: RowMapping, user_name: str, body: str) -> dict[str, Any]:
    """The ``SSHPublicKey`` shape, with ``body`` in the encoding asked for."""
    return {
        "UserName": user_name,
        "SSHPublicKeyId": row["id"],
        "Fingerprint": row["fingerprint"],
        "SSHPublicKeyBody": body,
        "Status": _status(row),
        "UploadDate": row["uploaded_at"],
    }


def _find_key(conn: Connection, call: Call) -> tuple[RowMapping, str]:
    """The key row named by ``SSHPublicKeyId`` of the user ``UserName``, and the user's name."""
    user = find_user(conn, call.principal.account_id, call.params["UserName"])
    key_id = call.params["SSHPublicKeyId"]
    row = (
        conn.execute(
            select(ssh_public_keys).where(
                ssh_public_keys.c.user_id == user["id"], ssh_public_keys.c.id == key_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NoSuchEntity(f"The Public Key with id {key_id} cannot be found.")
    return row, user["name"]


def upload_ssh_public_key(call: Call) -> Result:
    body: str = call.params["SSHPublicKeyBody"]
    account_id = call.principal.account_id
    with call.services.store.write() as conn:
        user = find_user(conn, account_id, call.params["UserName"])
        parsed = parse_ssh_public_key(body)
        owned = select(ssh_public_keys.c.fingerprint).where(ssh_public_keys.c.user_id == user["id"])
        fingerprints = set(conn.execute(owned).scalars())
        if parsed.fingerprint in fingerprints:
            raise DuplicateSSHPublicKey(
                "The SSH public key is already associated with the specified IAM user."
            )
        if len(fingerprints) >= MAX_KEYS_PER_USER:
            raise LimitExceeded(f"Cannot exceed quota for SSHPublicKeysPerUser: {MAX_KEYS_PER_USER}")
        key_id = ids.access_key_id(SSH_PUBLIC_KEY)
        conn.execute(
            insert(ssh_public_keys).values(
                id=key_id,
                account_id=account_id,
                user_id=user["id"],
                body=body,
                openssh=parsed.openssh,
                fingerprint=parsed.fingerprint,
                active=True,
                uploaded_at=call.services.clock.now(),
            )
        )
        row = conn.execute(select(ssh_public_keys).where(ssh_public_keys.c.id == key_id)).mappings().one()
    return {"SSHPublicKey": _describe(row, user["name"], body)}


def get_ssh_public_key(call: Call) -> Result:
    with call.services.store.read() as conn:
        row, user_name = _find_key(conn, call)
    if call.params["Encoding"] == "PEM":
        body = row["body"] if row["body"].lstrip().startswith(_PEM_BEGIN) else _pem_of(row["openssh"])
    else:
        body = row["body"] if not row["body"].lstrip().startswith(_PEM_BEGIN) else row["openssh"]
    return {"SSHPublicKey": _describe(row, user_name, body)}


def list_ssh_public_keys(call: Call) -> Result:
    params = call.params
    after = decode_marker(params.get("Marker"))
    name = params.get("UserName")
    if name is None and call.principal.is_root:
        # The root user has no SSH public keys.
        return {"SSHPublicKeys": [], "IsTruncated": False}
    with call.services.store.read() as conn:
        user = find_user(conn, call.principal.account_id, name or call.principal.user_name or "")
        query = select(ssh_public_keys).where(ssh_public_keys.c.user_id == user["id"])
        if after is not None:
            query = query.where(ssh_public_keys.c.id > after)
        query = query.order_by(ssh_public_keys.c.id).limit(limit_of(params.get("MaxItems")))
        rows = conn.execute(query).mappings().all()
    result = page(rows, params.get("MaxItems"), lambda row: row["id"], "SSHPublicKeys")
    result["SSHPublicKeys"] = [_metadata(row, user["name"]) for row in result["SSHPublicKeys"]]
    return result


def update_ssh_public_key(call: Call) -> Result:
    status = call.params["Status"]
    if status not in ("Active", "Inactive"):
        raise InvalidInput(
            f"Invalid status: {status}. The status of an SSH public key is Active or Inactive."
        )
    with call.services.store.write() as conn:
        row, _user_name = _find_key(conn, call)
        conn.execute(
            update(ssh_public_keys).where(ssh_public_keys.c.id == row["id"]).values(active=status == "Active")
        )
    return {}


def delete_ssh_public_key(call: Call) -> Result:
    with call.services.store.write() as conn:
        row, _user_name = _find_key(conn, call)
        conn.execute(delete(ssh_public_keys).where(ssh_public_keys.c.id == row["id"]))
    return {}


OPERATIONS = {
    "UploadSSHPublicKey": Operation(upload_ssh_public_key),
    "GetSSHPublicKey": Operation(get_ssh_public_key),
    "ListSSHPublicKeys": Operation(list_ssh_public_keys),
    "UpdateSSHPublicKey": Operation(update_ssh_public_key),
    "DeleteSSHPublicKey": Operation(delete_ssh_public_key),
}
