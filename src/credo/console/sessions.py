"""Server-side console sessions: created at sign-in, checked on every request, ended at sign-out.

A session row names the account and (for IAM users) the user; each request re-reads it joined
with the user and login profile, so deleting the user or its login profile, or changing its
password anywhere (the stored hash's fingerprint moves), ends the session at its next request.
Rows are written with ``write_quietly``: a session is no permission change, and bumping the
store's generation would flush every process's policy and key caches.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Connection, delete, insert, select, update

from credo import arn
from credo.auth.principal import Principal
from credo.iam.password_policy import as_utc
from credo.store.schema import accounts, console_sessions, login_profiles, users

Stage = Literal["mfa", "password", "active"]

IDLE_TIMEOUT = timedelta(hours=1)
# AWS: a console session of an IAM user lasts at most 12 hours.
ABSOLUTE_TIMEOUT = timedelta(hours=12)
# A half-done sign-in (waiting for an MFA code or a new password) does not wait long.
PENDING_TIMEOUT = timedelta(minutes=10)
# ``last_seen_at`` is written at most this often, not on every page view.
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class ConsoleSession:
    """A live session, as one request sees it."""

    key: str  # the row id: SHA-256 of the cookie's random id
    account_id: str
    user_id: str | None
    user_name: str | None
    user_path: str | None
    stage: Stage
    csrf_token: str
    mfa_authenticated_at: datetime | None

    @property
    def is_root(self) -> bool:
        return self.user_id is None

    def principal(self) -> Principal:
        """The caller the console acts as: the root user or the IAM user, with no access key."""
        if self.user_id is None:
            return Principal(
                account_id=self.account_id,
                kind="root",
                arn=arn.root_arn(self.account_id),
                user_id=self.account_id,
                user_name=None,
                access_key_id="",
                identity_kind="root",
                identity_id=self.account_id,
                mfa_authenticated=self.mfa_authenticated_at is not None,
                mfa_authenticated_at=self.mfa_authenticated_at,
            )
        assert self.user_name is not None and self.user_path is not None
        return Principal(
            account_id=self.account_id,
            kind="user",
            arn=arn.iam_arn(self.account_id, "user", self.user_path, self.user_name),
            user_id=self.user_id,
            user_name=self.user_name,
            access_key_id="",
            identity_kind="user",
            identity_id=self.user_id,
            mfa_authenticated=self.mfa_authenticated_at is not None,
            mfa_authenticated_at=self.mfa_authenticated_at,
        )


def row_key(cookie_id: str) -> str:
    return hashlib.sha256(cookie_id.encode()).hexdigest()


def credential_stamp(password_hash: str | None) -> str:
    """A fingerprint of the password hash signed in with (argon2 salts each hash: any change shows)."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()


def start(
    conn: Connection,
    cookie_id: str,
    *,
    account_id: str,
    user_id: str | None,
    stage: Stage,
    stamp: str,
    now: datetime,
) -> None:
    conn.execute(
        insert(console_sessions).values(
            id=row_key(cookie_id),
            account_id=account_id,
            user_id=user_id,
            stage=stage,
            credential_stamp=stamp,
            csrf_token=secrets.token_hex(32),
            mfa_authenticated_at=None,
            created_at=now,
            last_seen_at=now,
        )
    )


def load(conn: Connection, cookie_id: str, now: datetime) -> ConsoleSession | None:
    """The live session named by ``cookie_id``; an expired or revoked one is deleted."""
    key = row_key(cookie_id)
    query = (
        select(
            console_sessions,
            users.c.name,
            users.c.path,
            login_profiles.c.password_hash,
            accounts.c.root_password_hash,
        )
        .select_from(
            console_sessions.join(accounts, accounts.c.id == console_sessions.c.account_id)
            .outerjoin(users, users.c.id == console_sessions.c.user_id)
            .outerjoin(login_profiles, login_profiles.c.user_id == console_sessions.c.user_id)
        )
        .where(console_sessions.c.id == key)
    )
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    created, seen = as_utc(row["created_at"]), as_utc(row["last_seen_at"])
    lifetime = ABSOLUTE_TIMEOUT if row["stage"] == "active" else PENDING_TIMEOUT
    if row["user_id"] is None:
        current_hash = row["root_password_hash"]
        revoked = current_hash is None
    else:
        current_hash = row["password_hash"]
        revoked = row["name"] is None or current_hash is None
    if (
        revoked
        or credential_stamp(current_hash) != row["credential_stamp"]
        or now >= created + lifetime
        or now >= seen + IDLE_TIMEOUT
    ):
        conn.execute(delete(console_sessions).where(console_sessions.c.id == key))
        return None
    if now >= seen + TOUCH_INTERVAL:
        conn.execute(update(console_sessions).where(console_sessions.c.id == key).values(last_seen_at=now))
    mfa_at = row["mfa_authenticated_at"]
    return ConsoleSession(
        key=key,
        account_id=row["account_id"],
        user_id=row["user_id"],
        user_name=row["name"],
        user_path=row["path"],
        stage=row["stage"],
        csrf_token=row["csrf_token"],
        mfa_authenticated_at=as_utc(mfa_at) if mfa_at is not None else None,
    )


def advance(
    conn: Connection,
    session: ConsoleSession,
    stage: Stage,
    *,
    mfa_at: datetime | None = None,
    stamp: str | None = None,
) -> None:
    """Move a session to its next stage (after an MFA code, after a new password)."""
    values: dict[str, object] = {"stage": stage}
    if mfa_at is not None:
        values["mfa_authenticated_at"] = mfa_at
    if stamp is not None:
        values["credential_stamp"] = stamp
    conn.execute(update(console_sessions).where(console_sessions.c.id == session.key).values(**values))


def end(conn: Connection, key: str) -> None:
    conn.execute(delete(console_sessions).where(console_sessions.c.id == key))
