"""Replacing an account's root access key: the way back from a lost or leaked root secret.

Run by the operator on the server's machine (``credo account rotate-root-key``), since whoever
lost the root key cannot sign a request. The new key is made in the same transaction that
deletes or deactivates the old ones, and that transaction bumps the store's epoch, so every
server sharing the store refuses an old key from its next request on (the credential cache
drops itself when the epoch moves; see ``credo.auth.credentials``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Connection, delete, select, update

from credo import ids
from credo.iam.access_keys import MAX_KEYS_PER_USER, store_access_key
from credo.keyring import Keyring
from credo.store.schema import access_keys, account_aliases, accounts

OldKeys = Literal["delete", "deactivate", "keep"]
_DONE: dict[OldKeys, str] = {"delete": "deleted", "deactivate": "deactivated", "keep": "kept active"}


class RootKeyRotationError(ValueError):
    """No such account, no account named where several exist, or no room for another key."""


@dataclass(frozen=True)
class RotatedRootKey:
    """The new root key (its secret, to show once) and what became of each old key, by id."""

    account_id: str
    access_key_id: str
    secret_access_key: str
    old_keys: tuple[tuple[str, str], ...]


def find_account(conn: Connection, ref: str | None) -> str:
    """The account named by 12-digit id or alias; without a name, the store's only account."""
    if ref is None:
        found = conn.execute(select(accounts.c.id).order_by(accounts.c.id).limit(2)).scalars().all()
        if len(found) == 1:
            return str(found[0])
        if not found:
            raise RootKeyRotationError("this store has no account yet")
        raise RootKeyRotationError("this store has several accounts: name one by id or alias")
    by_id = conn.execute(select(accounts.c.id).where(accounts.c.id == ref)).scalar()
    if by_id is not None:
        return str(by_id)
    by_alias = conn.execute(
        select(account_aliases.c.account_id).where(account_aliases.c.alias == ref)
    ).scalar()
    if by_alias is not None:
        return str(by_alias)
    raise RootKeyRotationError(f"no account has the id or alias {ref!r}")


def rotate_root_key(
    conn: Connection, keyring: Keyring, now: datetime, account_id: str, old_keys: OldKeys
) -> RotatedRootKey:
    """Give the root user of ``account_id`` a new access key; delete, deactivate or keep the old ones.

    Run inside ``Store.write()``. A root user holds at most two keys, as on AWS
    (AccessKeysPerUser), inactive ones included: keeping old keys needs room for one more.
    """
    root_keys = access_keys.c.account_id == account_id, access_keys.c.user_id.is_(None)
    old = tuple(
        conn.execute(select(access_keys.c.id).where(*root_keys).order_by(access_keys.c.created_at))
        .scalars()
        .all()
    )
    if old_keys != "delete" and len(old) >= MAX_KEYS_PER_USER:
        raise RootKeyRotationError(
            f"the root user of account {account_id} has {len(old)} access keys, the most it may "
            f"hold (AccessKeysPerUser: {MAX_KEYS_PER_USER}), so none can be added beside them"
        )
    if old_keys == "delete":
        conn.execute(delete(access_keys).where(*root_keys))
    elif old_keys == "deactivate":
        conn.execute(update(access_keys).where(*root_keys).values(active=False))
    key_id, secret = ids.access_key_id(), ids.secret_access_key()
    store_access_key(
        conn, keyring, account_id=account_id, user_id=None, key_id=key_id, secret=secret, created_at=now
    )
    return RotatedRootKey(account_id, key_id, secret, tuple((key, _DONE[old_keys]) for key in old))
