"""Fill a fresh credo store with N IAM users in bulk, each row as credo's own operations write it.

Creating a million users through the API would take hours, so the rows go in directly: the
schema made by credo's migrations, the account made by ``credo.iam.accounts.create_account``
(with its root key) and the Identity Center instance as ``credo serve`` makes them on a first
start, then users, access keys, groups, memberships, customer managed policies, attachments and
tags in chunks of ``CHUNK`` users, one transaction each: SQLAlchemy Core ``executemany`` on
SQLite, and on PostgreSQL ``COPY`` through psycopg (``--pg-load insert`` for Core there too).

What makes the rows indistinguishable from credo's: ids drawn from ``credo.ids``'s alphabets
(``AIDA`` + 17, ``AKIA`` + 16, 40-character secrets) from the OS's CSPRNG, secrets sealed by
``Keyring.seal`` bound to the key id (what ``store_access_key`` does), ARNs by ``credo.arn``,
timestamps whole-second aware UTC datetimes (``Clock.now()``) written through the same column
types, names lower-cased into ``name_lower``, tag positions in order, policy documents checked
by ``validate_managed_document``.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, insert, text

from credo import arn, ids
from credo.clock import Clock
from credo.iam import accounts
from credo.iam.policy_lookup import validate_managed_document
from credo.keyring import Keyring
from credo.sso.instances import ensure_instance
from credo.store.db import Store
from credo.store.migrate import upgrade
from credo.store.schema import (
    access_keys,
    group_members,
    groups,
    managed_policies,
    policy_attachments,
    policy_versions,
    tags,
    users,
)

CHUNK = 20_000
USERS_PER_GROUP = 1_000
POLICIES_PER_GROUP = 2
# Of the users: every 10th in a second group, every 10th tagged, every 100th with a policy of
# its own attached.
SECOND_GROUP_EVERY = 10
TAGGED_EVERY = 10
DIRECT_POLICY_EVERY = 100
# Users were created over the last two years, one after another.
HISTORY = timedelta(days=730)

ADMIN_NAME = "scale-admin"
ADMIN_GROUP = "scale-admins"
ADMIN_POLICY = "ScaleAdminReadOnly"

_KEY_ID_LENGTH = 20
_SECRET_LENGTH = 40


def _translation(alphabet: str) -> bytes:
    """A byte → character table giving each character of ``alphabet`` equally often."""
    if 256 % len(alphabet):
        raise ValueError("the alphabet must divide 256 for uniform draws")
    return bytes.maketrans(bytes(range(256)), bytes(ord(alphabet[b % len(alphabet)]) for b in range(256)))


# credo draws with ``secrets.choice`` one character at a time; the same alphabets, drawn from
# ``os.urandom`` in bulk, give the same distribution a hundred times faster.
_ID_CHARS = _translation(ids._ID_ALPHABET)
_SECRET_CHARS = _translation(ids._SECRET_ALPHABET)


def random_chars(count: int, length: int, table: bytes) -> list[str]:
    """``count`` random strings of ``length`` characters."""
    drawn = os.urandom(count * length).translate(table).decode()
    return [drawn[i : i + length] for i in range(0, count * length, length)]


@dataclass(frozen=True)
class Identity:
    """A user and its access key."""

    name: str
    key_id: str
    secret: str


class UserKeys:
    """Every user's key id and secret, 60 bytes a user (a million users: 60 MB, not 300)."""

    def __init__(self, count: int) -> None:
        self.key_ids = bytearray(count * _KEY_ID_LENGTH)
        self.secrets = bytearray(count * _SECRET_LENGTH)

    def put(self, index: int, key_id: str, secret: str) -> None:
        self.key_ids[index * _KEY_ID_LENGTH : (index + 1) * _KEY_ID_LENGTH] = key_id.encode()
        self.secrets[index * _SECRET_LENGTH : (index + 1) * _SECRET_LENGTH] = secret.encode()

    def get(self, index: int) -> tuple[str, str]:
        key_id = self.key_ids[index * _KEY_ID_LENGTH : (index + 1) * _KEY_ID_LENGTH].decode()
        return key_id, self.secrets[index * _SECRET_LENGTH : (index + 1) * _SECRET_LENGTH].decode()


@dataclass
class Population:
    """What was filled: the account, its root and admin keys, and every user's key."""

    account_id: str
    root: tuple[str, str]
    admin: Identity
    users: int
    groups: int
    policies: int
    keys: UserKeys
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def name_width(self) -> int:
        return name_width(self.users)

    def user_name(self, index: int) -> str:
        return user_name(index, self.name_width)

    def user(self, index: int) -> Identity:
        key_id, secret = self.keys.get(index)
        return Identity(self.user_name(index), key_id, secret)


def name_width(users: int) -> int:
    return max(7, len(str(users - 1)))


def user_name(index: int, width: int) -> str:
    """``user-0000042``: zero-padded, so that name order is index order."""
    return f"user-{index:0{width}d}"


def policy_document(account_id: str, team: int) -> str:
    """A team's policy: self-service on one's own user (GetUser on itself), the team's bucket, no deletes."""
    return (
        '{"Version":"2012-10-17","Statement":['
        '{"Sid":"SelfService","Effect":"Allow","Action":["iam:GetUser","iam:ListAccessKeys",'
        '"iam:GetAccessKeyLastUsed","iam:ListGroupsForUser","iam:ListUserTags"],'
        f'"Resource":"arn:aws:iam::{account_id}:user/${{aws:username}}"}},'
        '{"Sid":"TeamData","Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:ListBucket"],'
        f'"Resource":["arn:aws:s3:::team-{team:04d}","arn:aws:s3:::team-{team:04d}/*"]}},'
        '{"Sid":"NoIdentityDeletes","Effect":"Deny","Action":"iam:Delete*","Resource":"*"}]}'
    )


ADMIN_DOCUMENT = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
    '"Action":["iam:Get*","iam:List*","sts:GetCallerIdentity"],"Resource":"*"}]}'
)

Rows = list[tuple[Any, ...]]


class Loader:
    """Puts rows into tables in one transaction per chunk."""

    def __init__(self, store: Store, method: str) -> None:
        if method not in {"insert", "copy"}:
            raise ValueError(f"unknown load method {method!r}")
        if method == "copy" and store.is_sqlite:
            raise ValueError("COPY is PostgreSQL's")
        self.store = store
        self.method = method
        # PostgreSQL checks each foreign key by a trigger per row, which halves a bulk load's
        # speed; a superuser may skip them (the rows are consistent by construction).
        self.skip_triggers = False
        if not store.is_sqlite:
            with store.engine.connect() as conn:
                self.skip_triggers = conn.execute(text("SHOW is_superuser")).scalar() == "on"

    @contextmanager
    def transaction(self) -> Iterator[Callable[[Table, Sequence[str], Rows], None]]:
        """A function that loads (table, columns, rows) within one committed transaction."""
        with self.store.engine.connect() as conn:
            # On SQLite, BEGIN IMMEDIATE with synchronous=NORMAL, as Store.write_quietly() does.
            conn.info["write"] = True
            with conn.begin():
                if self.store.is_sqlite:
                    conn.exec_driver_sql("PRAGMA cache_size=-262144")
                elif self.skip_triggers:
                    conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                yield lambda table, columns, rows: self._put(conn, table, columns, rows)

    def _put(self, conn: Connection, table: Table, columns: Sequence[str], rows: Rows) -> None:
        if not rows:
            return
        if self.method == "insert":
            conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
            return
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


USER_COLUMNS = ("id", "account_id", "name", "name_lower", "path", "created_at")
KEY_COLUMNS = ("id", "account_id", "user_id", "secret_key_id", "secret_sealed", "active", "created_at")
MEMBER_COLUMNS = ("group_id", "user_id")
ATTACHMENT_COLUMNS = ("entity_id", "policy_arn", "account_id", "entity_kind", "policy_name", "policy_path")
TAG_COLUMNS = ("entity_id", "key_lower", "key", "value", "position")


@dataclass(frozen=True)
class _Named:
    id: str
    name: str
    arn: str


def _groups(
    put: Callable[[Table, Sequence[str], Rows], None], account_id: str, names: list[str], now: datetime
) -> list[_Named]:
    """Groups with the given names (path ``/``)."""
    made = [
        _Named(ids.entity_id(ids.GROUP), name, arn.iam_arn(account_id, "group", "/", name)) for name in names
    ]
    rows = [(g.id, account_id, g.name, g.name.lower(), "/", now) for g in made]
    put(groups, ("id", "account_id", "name", "name_lower", "path", "created_at"), rows)
    return made


def _policies(
    put: Callable[[Table, Sequence[str], Rows], None],
    account_id: str,
    names_and_documents: list[tuple[str, str]],
    now: datetime,
) -> list[_Named]:
    made = []
    policy_rows: Rows = []
    version_rows: Rows = []
    for name, document in names_and_documents:
        validate_managed_document(document)
        policy = _Named(ids.entity_id(ids.POLICY), name, arn.iam_arn(account_id, "policy", "/", name))
        made.append(policy)
        policy_rows.append((policy.id, account_id, name, name.lower(), "/", None, now, now, 1, 2))
        version_rows.append((policy.id, 1, document, now))
    put(
        managed_policies,
        (
            "id",
            "account_id",
            "name",
            "name_lower",
            "path",
            "description",
            "created_at",
            "updated_at",
            "default_version",
            "next_version",
        ),
        policy_rows,
    )
    put(policy_versions, ("policy_id", "number", "document", "created_at"), version_rows)
    return made


def _attachment(entity_id: str, kind: str, policy: _Named, account_id: str) -> tuple[Any, ...]:
    return (entity_id, policy.arn, account_id, kind, policy.name, "/")


def fill(
    url: str,
    user_count: int,
    keyring: Keyring,
    *,
    method: str = "insert",
    seed: int = 0,
    progress: Callable[[str], None] = print,
) -> Population:
    """Migrate a fresh store at ``url`` and fill it with ``user_count`` users (plus one admin)."""
    rng = random.Random(seed)
    store = Store(url)
    loader = Loader(store, method)
    try:
        started = time.perf_counter()
        upgrade(store)
        seconds = {"schema": time.perf_counter() - started}
        clock = Clock()
        now = clock.now()
        with store.write() as conn:
            root = accounts.create_account(conn, keyring, now)
        ensure_instance(store, clock)
        account_id = root.account_id
        group_count = max(1, user_count // USERS_PER_GROUP)
        policy_count = max(4, group_count // 10)

        started = time.perf_counter()
        with loader.transaction() as put:
            team_policies = _policies(
                put,
                account_id,
                [(f"team-policy-{k:04d}", policy_document(account_id, k)) for k in range(policy_count)],
                now,
            )
            (admin_policy,) = _policies(put, account_id, [(ADMIN_POLICY, ADMIN_DOCUMENT)], now)
            team_groups = _groups(put, account_id, [f"group-{g:04d}" for g in range(group_count)], now)
            (admin_group,) = _groups(put, account_id, [ADMIN_GROUP], now)
            attachments: Rows = [_attachment(admin_group.id, "group", admin_policy, account_id)]
            for group in team_groups:
                chosen = rng.sample(range(policy_count), min(POLICIES_PER_GROUP, policy_count))
                attachments += [
                    _attachment(group.id, "group", team_policies[p], account_id) for p in sorted(chosen)
                ]
            put(policy_attachments, ATTACHMENT_COLUMNS, attachments)
            admin = _admin(put, keyring, account_id, admin_group, now)
        seconds["groups and policies"] = time.perf_counter() - started

        keys = UserKeys(user_count)
        rows = {"users": 0, "access_keys": 0, "group_members": 0, "policy_attachments": 0, "tags": 0}
        started = time.perf_counter()
        width = name_width(user_count)
        oldest = now - HISTORY
        for first in range(0, user_count, CHUNK):
            count = min(CHUNK, user_count - first)
            chunk = _user_chunk(
                first,
                count,
                width,
                account_id,
                keyring,
                keys,
                rng,
                team_groups,
                team_policies,
                oldest,
                user_count,
            )
            with loader.transaction() as put:
                put(users, USER_COLUMNS, chunk.users)
                put(access_keys, KEY_COLUMNS, chunk.keys)
                put(group_members, MEMBER_COLUMNS, chunk.members)
                put(policy_attachments, ATTACHMENT_COLUMNS, chunk.attachments)
                put(tags, TAG_COLUMNS, chunk.tags)
            rows["users"] += len(chunk.users)
            rows["access_keys"] += len(chunk.keys)
            rows["group_members"] += len(chunk.members)
            rows["policy_attachments"] += len(chunk.attachments)
            rows["tags"] += len(chunk.tags)
            done = first + count
            if done == user_count or (done // CHUNK) % 10 == 0:
                elapsed = time.perf_counter() - started
                progress(f"  {done:,} users in {elapsed:.1f} s ({done / elapsed:,.0f}/s)")
        seconds["users"] = time.perf_counter() - started

        started = time.perf_counter()
        _settle(store)
        seconds["analyze"] = time.perf_counter() - started
        return Population(
            account_id=account_id,
            root=(root.access_key_id, root.secret_access_key),
            admin=admin,
            users=user_count,
            groups=group_count,
            policies=policy_count,
            keys=keys,
            rows=rows,
            seconds=seconds,
        )
    finally:
        store.dispose()


def _admin(
    put: Callable[[Table, Sequence[str], Rows], None],
    keyring: Keyring,
    account_id: str,
    group: _Named,
    now: datetime,
) -> Identity:
    """The account's read-only administrator: ``scale-admin`` in ``scale-admins``."""
    user_id = ids.entity_id(ids.USER)
    key_id, secret = ids.access_key_id(), ids.secret_access_key()
    sealed = keyring.seal(secret.encode(), key_id.encode())
    put(users, USER_COLUMNS, [(user_id, account_id, ADMIN_NAME, ADMIN_NAME, "/", now)])
    put(access_keys, KEY_COLUMNS, [(key_id, account_id, user_id, sealed.key_id, sealed.blob, True, now)])
    put(group_members, MEMBER_COLUMNS, [(group.id, user_id)])
    return Identity(ADMIN_NAME, key_id, secret)


@dataclass
class _Chunk:
    users: Rows = field(default_factory=list)
    keys: Rows = field(default_factory=list)
    members: Rows = field(default_factory=list)
    attachments: Rows = field(default_factory=list)
    tags: Rows = field(default_factory=list)


def _user_chunk(
    first: int,
    count: int,
    width: int,
    account_id: str,
    keyring: Keyring,
    keys: UserKeys,
    rng: random.Random,
    team_groups: list[_Named],
    team_policies: list[_Named],
    oldest: datetime,
    total: int,
) -> _Chunk:
    """The rows of users ``first`` … ``first + count - 1``."""
    chunk = _Chunk()
    user_ids = [ids.USER + tail for tail in random_chars(count, 17, _ID_CHARS)]
    key_ids = [ids.ACCESS_KEY + tail for tail in random_chars(count, 16, _ID_CHARS)]
    secrets = random_chars(count, _SECRET_LENGTH, _SECRET_CHARS)
    step = HISTORY.total_seconds() / total
    base = oldest.timestamp()
    for offset in range(count):
        index = first + offset
        user_id, key_id, secret = user_ids[offset], key_ids[offset], secrets[offset]
        name = user_name(index, width)
        created = datetime.fromtimestamp(int(base + index * step), UTC)
        chunk.users.append((user_id, account_id, name, name, "/", created))
        sealed = keyring.seal(secret.encode(), key_id.encode())
        chunk.keys.append((key_id, account_id, user_id, sealed.key_id, sealed.blob, True, created))
        keys.put(index, key_id, secret)
        group = rng.randrange(len(team_groups))
        chunk.members.append((team_groups[group].id, user_id))
        if index % SECOND_GROUP_EVERY == 0 and len(team_groups) > 1:
            other = (group + 1 + rng.randrange(len(team_groups) - 1)) % len(team_groups)
            chunk.members.append((team_groups[other].id, user_id))
        if index % DIRECT_POLICY_EVERY == 0:
            policy = team_policies[rng.randrange(len(team_policies))]
            chunk.attachments.append(_attachment(user_id, "user", policy, account_id))
        if index % TAGGED_EVERY == 0:
            chunk.tags.append((user_id, "team", "team", f"team-{group:04d}", 0))
            chunk.tags.append((user_id, "costcenter", "CostCenter", f"cc-{rng.randrange(10_000):04d}", 1))
    return chunk


def _settle(store: Store) -> None:
    """What a database that has lived a while has: statistics (PostgreSQL's autovacuum would
    gather them within minutes) and, for SQLite, a checkpointed write-ahead log."""
    if store.is_sqlite:
        # Outside any transaction (SQLAlchemy would begin one): pysqlite's raw connection.
        raw = store.engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        finally:
            raw.close()
        return
    with store.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
