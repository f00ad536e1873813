"""Temporary credentials a console session acts as: sealed at rest, resolved as the API resolves them.

A session token is sealed with the keyring, bound to the row and slot that hold it, so a sealed
token copied into another row does not open. Resolving goes through the API's own
``CredentialResolver`` (an expired or unreadable token is refused there) and then checks that the
role or user behind the credentials still exists: once deleted it has no permissions left, and
the console stops acting as it rather than fail on every page.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from credo.auth.credentials import ResolvedKey
from credo.call import Services
from credo.errors import AwsError
from credo.keyring import Keyring, KeyringError, Sealed
from credo.store.schema import roles, users


def seal(keyring: Keyring, token: str, context: str) -> Sealed:
    return keyring.seal(token.encode(), context.encode())


def unseal(keyring: Keyring, key_id: str, blob: bytes, context: str) -> str | None:
    """The sealed token; ``None`` when it was sealed under a master key no longer configured."""
    try:
        return keyring.open(Sealed(key_id, blob), context.encode()).decode()
    except KeyringError:
        return None


def resolve(conn: Connection, services: Services, access_key_id: str, token: str) -> ResolvedKey | None:
    """The key and principal of temporary credentials, or ``None`` where the API would refuse them."""
    try:
        found = services.credentials.resolve(access_key_id, token)
    except AwsError:
        return None  # not a token of this server, not this key's, or expired
    principal = found.principal
    table = roles if principal.identity_kind == "role" else users
    exists = conn.execute(select(table.c.id).where(table.c.id == principal.identity_id)).first()
    return found if exists is not None else None


def resolve_token(conn: Connection, services: Services, token: str) -> ResolvedKey | None:
    """``resolve`` for a session token alone (it names its own access key id)."""
    try:
        access_key_id = services.credentials.session_tokens.open(token).access_key_id
    except AwsError:
        return None
    return resolve(conn, services, access_key_id, token)


def resolve_sealed(
    conn: Connection, services: Services, key_id: str, blob: bytes, context: str
) -> ResolvedKey | None:
    """``resolve_token`` for a token sealed in the store."""
    token = unseal(services.keyring, key_id, blob, context)
    return resolve_token(conn, services, token) if token is not None else None
