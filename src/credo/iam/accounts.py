"""Accounts and their root users: the bootstrap on first start, and ``credo init``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select, update

from credo import ids
from credo.iam.access_keys import store_access_key
from credo.keyring import Keyring, KeyringError, Sealed
from credo.store.schema import access_keys, accounts, metadata, store_epoch

_ROOT_KEY_ID = re.compile(r"[\x21-\x7e]{3,128}")
_ROOT_SECRET = re.compile(r"[\x20-\x7e]{4,128}")
# One @, something on each side, a dot in the domain; the column holds 256 characters.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_MAX_EMAIL = 256


class BootstrapError(ValueError):
    """A configured account id or root key pair breaks the rules."""


def check_master_key(conn: Connection, keyring: Keyring) -> None:
    """Refuse a master key that does not open the secrets already stored.

    Processes sharing a store must share its master key; one started with another key would
    answer every signed call with a failure. One sealed secret, opened, tells.
    """
    row = conn.execute(
        select(access_keys.c.id, access_keys.c.secret_key_id, access_keys.c.secret_sealed).limit(1)
    ).first()
    if row is None:
        return
    try:
        keyring.open(Sealed(row.secret_key_id, row.secret_sealed), row.id.encode())
    except KeyringError:
        raise BootstrapError(
            f"the master key (id {keyring.current_id}) does not open this store's secrets (sealed "
            f"under key id {row.secret_key_id}): every process sharing a store must use the same "
            "master key; copy master.key from the data dir of the process that created the store, "
            "or set CREDO_MASTER_KEY to it"
        ) from None


@dataclass(frozen=True)
class RootCredentials:
    """A new account and its root key; ``generated`` says whether credo made the key up (print it once)."""

    account_id: str
    access_key_id: str
    secret_access_key: str
    generated: bool


def check_root_key_pair(key_id: str | None, secret: str | None) -> None:
    """MinIO-style rules: an id of 3–128 printable characters without spaces, a secret of 4–128."""
    if (key_id is None) != (secret is None):
        raise BootstrapError("CREDO_ROOT_ACCESS_KEY_ID and CREDO_ROOT_SECRET_ACCESS_KEY must be set together")
    if key_id is not None and not _ROOT_KEY_ID.fullmatch(key_id):
        raise BootstrapError("the root access key id must be 3-128 printable characters without spaces")
    if secret is not None and not _ROOT_SECRET.fullmatch(secret):
        raise BootstrapError("the root secret access key must be 4-128 printable characters")


def has_accounts(conn: Connection) -> bool:
    return bool(conn.execute(select(func.count()).select_from(accounts)).scalar_one())


def create_account(
    conn: Connection,
    keyring: Keyring,
    now: datetime,
    *,
    account_id: str | None = None,
    email: str | None = None,
    root_access_key_id: str | None = None,
    root_secret_access_key: str | None = None,
) -> RootCredentials:
    """An account whose root user has one access key (the given pair, or a new one)."""
    check_root_key_pair(root_access_key_id, root_secret_access_key)
    if account_id is not None and not ids.is_account_id(account_id):
        raise BootstrapError(f"account id {account_id!r} must be 12 digits")
    account_id = account_id or ids.account_id()
    conn.execute(insert(accounts).values(id=account_id, email=email, created_at=now))
    generated = root_access_key_id is None
    key_id = root_access_key_id or ids.access_key_id()
    secret = root_secret_access_key or ids.secret_access_key()
    store_access_key(
        conn, keyring, account_id=account_id, user_id=None, key_id=key_id, secret=secret, created_at=now
    )
    return RootCredentials(account_id, key_id, secret, generated)


class RootEmailRefused(ValueError):
    """A new root email address that cannot be used (malformed, or another account's)."""


@dataclass(frozen=True)
class RootLogin:
    """How the root user signs in to the console: email address and password hash (either unset)."""

    email: str | None
    password_hash: str | None


def root_login(conn: Connection, account_id: str) -> RootLogin:
    row = conn.execute(
        select(accounts.c.email, accounts.c.root_password_hash).where(accounts.c.id == account_id)
    ).one()
    return RootLogin(row.email, row.root_password_hash)


def change_root_email(conn: Connection, account_id: str, email: str) -> str:
    """Give the root user a new sign-in email address; returns it as stored.

    There is no IAM API for this: AWS changes it in its console, after the current password.
    Root signs in by email, case-insensitively, so no two accounts may share one.
    """
    email = email.strip()
    if len(email) > _MAX_EMAIL or not _EMAIL.fullmatch(email):
        raise RootEmailRefused("Enter a valid email address.")
    taken = conn.execute(
        select(accounts.c.id).where(
            func.lower(accounts.c.email) == email.lower(), accounts.c.id != account_id
        )
    ).first()
    if taken is not None:
        raise RootEmailRefused("This email address is already in use by another account.")
    conn.execute(update(accounts).where(accounts.c.id == account_id).values(email=email))
    return email


def wipe(conn: Connection) -> None:
    """Delete every row of every table but ``store_epoch`` (dev mode's reset), children first.

    Run inside ``Store.write()``, which marks the store as changed. On PostgreSQL the sixty
    DELETEs go as one round trip (a reset took 25 ms, now 5: test suites reset before each test);
    SQLite's driver takes one statement per call, each in microseconds.
    """
    tables = [table for table in reversed(metadata.sorted_tables) if table is not store_epoch]
    if conn.dialect.name == "postgresql":
        quote = conn.dialect.identifier_preparer.format_table
        conn.exec_driver_sql("; ".join(f"DELETE FROM {quote(table)}" for table in tables))
        return
    for table in tables:
        conn.execute(delete(table))
