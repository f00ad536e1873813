"""Server-side console sessions: created at sign-in, checked on every request, ended at sign-out.

A session row names the account and (for IAM users) the user; each request re-reads it joined
with the user and login profile, so deleting the user or its login profile, or changing its
password anywhere (the stored hash's fingerprint moves), ends the session at its next request.
Rows are written with ``write_quietly``: a session is no permission change, and bumping the
store's generation would flush every process's policy and key caches.

A session may also act as temporary credentials: those of the federation endpoint (the session
is then nothing else) and those of a switched role. Their session tokens are sealed in the row
and resolved on every request by the API's own resolver, so the session acts exactly as those
credentials would at the API, and stops when the API would refuse them (expired, or the role or
user behind them deleted). Every change of identity gives the session a new CSRF token, so a
form shown as one identity is never accepted as another.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Connection, RowMapping, delete, insert, select, update

from credo import arn
from credo.auth.principal import Principal
from credo.call import Services
from credo.console import session_credentials
from credo.iam.password_policy import as_utc
from credo.keyring import Keyring
from credo.store.schema import accounts, console_sessions, login_profiles, users

Stage = Literal["mfa", "password", "active"]
Origin = Literal["signin", "federation"]

IDLE_TIMEOUT = timedelta(hours=1)
# AWS: a console session of an IAM user lasts at most 12 hours.
ABSOLUTE_TIMEOUT = timedelta(hours=12)
# A half-done sign-in (waiting for an MFA code or a new password) does not wait long.
PENDING_TIMEOUT = timedelta(minutes=10)
# ``last_seen_at`` is written at most this often, not on every page view.
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class SwitchedRole:
    """The role a session switched to, as the top bar shows it."""

    display_name: str
    color: str | None
    role_name: str
    account_id: str


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
    origin: Origin = "signin"
    # A federation session's own credentials, resolved for this request.
    federated: Principal | None = None
    # The switched role's session, resolved for this request.
    role: Principal | None = None
    switched: SwitchedRole | None = None
    # Said once, on the request that found the switched role's session over.
    notice: str | None = None

    @property
    def is_root(self) -> bool:
        """Signed in as the account's root user (a federation session never is)."""
        return self.origin == "signin" and self.user_id is None

    def principal(self) -> Principal:
        """The caller the console acts as: the switched role's session, else ``base_principal``."""
        return self.role if self.role is not None else self.base_principal()

    def base_principal(self) -> Principal:
        """Who signed in: the federation credentials' principal, or root or the IAM user (no key)."""
        if self.federated is not None:
            return self.federated
        if self.is_root:
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
        # A federation session without its credentials never gets here (``load`` ends it).
        assert self.user_id is not None and self.user_name is not None and self.user_path is not None
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


def start_federated(
    conn: Connection,
    keyring: Keyring,
    cookie_id: str,
    *,
    account_id: str,
    token: str,
    expires_at: datetime,
    now: datetime,
) -> None:
    """A session acting as temporary credentials only, until ``expires_at`` (the federation endpoint)."""
    key = row_key(cookie_id)
    sealed = session_credentials.seal(keyring, token, sealing_context(key, "base"))
    conn.execute(
        insert(console_sessions).values(
            id=key,
            account_id=account_id,
            user_id=None,
            stage="active",
            credential_stamp="",
            csrf_token=secrets.token_hex(32),
            mfa_authenticated_at=None,
            created_at=now,
            last_seen_at=now,
            origin="federation",
            expires_at=expires_at,
            base_key_id=sealed.key_id,
            base_sealed=sealed.blob,
        )
    )


def sealing_context(key: str, purpose: str) -> str:
    """Binds a sealed token to its row and slot: it cannot be moved elsewhere."""
    return f"console-session:{key}:{purpose}"


def _acting_as(
    conn: Connection, services: Services, key: str, purpose: str, row: RowMapping
) -> Principal | None:
    found = session_credentials.resolve_sealed(
        conn, services, row[f"{purpose}_key_id"], row[f"{purpose}_sealed"], sealing_context(key, purpose)
    )
    return found.principal if found is not None else None


def _lifetime_over(row: RowMapping, now: datetime) -> bool:
    created, seen = as_utc(row["created_at"]), as_utc(row["last_seen_at"])
    if row["expires_at"] is not None:  # a federation session's own end
        ends = as_utc(row["expires_at"])
    else:
        ends = created + (ABSOLUTE_TIMEOUT if row["stage"] == "active" else PENDING_TIMEOUT)
    return now >= ends or now >= seen + IDLE_TIMEOUT


def _password_revoked(row: RowMapping) -> bool:
    """A password sign-in whose user, login profile or password is no longer the one signed in with."""
    if row["user_id"] is None:
        current_hash = row["root_password_hash"]
        gone = current_hash is None
    else:
        current_hash = row["password_hash"]
        gone = row["name"] is None or current_hash is None
    return gone or credential_stamp(current_hash) != row["credential_stamp"]


def load(conn: Connection, services: Services, cookie_id: str) -> ConsoleSession | None:
    """The live session named by ``cookie_id``; an expired or revoked one is deleted."""
    now = services.clock.now()
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
    federated = None
    if row["origin"] == "federation":
        federated = _acting_as(conn, services, key, "base", row)
    ended = federated is None if row["origin"] == "federation" else _password_revoked(row)
    if ended or _lifetime_over(row, now):
        end(conn, key)
        return None
    values: dict[str, object] = {}
    if now >= as_utc(row["last_seen_at"]) + TOUCH_INTERVAL:
        values["last_seen_at"] = now
    role, switched, notice, csrf_token = None, None, None, row["csrf_token"]
    if row["role_sealed"] is not None:
        role = _acting_as(conn, services, key, "role", row)
        if role is None:
            # Back to who signed in, under a new CSRF token: a form shown as the role is refused.
            notice = (
                f"Your session as {row['role_display_name']} has ended (its credentials expired or "
                "the role is no longer available). You are back to your own identity."
            )
            csrf_token = secrets.token_hex(32)
            values.update(_SWITCHED_BACK, csrf_token=csrf_token)
        else:
            switched = _switched(row, role)
    if values:
        conn.execute(update(console_sessions).where(console_sessions.c.id == key).values(**values))
    mfa_at = row["mfa_authenticated_at"]
    if federated is not None:
        mfa_at = federated.mfa_authenticated_at
    return ConsoleSession(
        key=key,
        account_id=row["account_id"],
        user_id=row["user_id"],
        user_name=row["name"],
        user_path=row["path"],
        stage=row["stage"],
        csrf_token=csrf_token,
        mfa_authenticated_at=as_utc(mfa_at) if mfa_at is not None else None,
        origin=row["origin"],
        federated=federated,
        role=role,
        switched=switched,
        notice=notice,
    )


_SWITCHED_BACK = {"role_key_id": None, "role_sealed": None, "role_display_name": None, "role_color": None}


def _switched(row: RowMapping, role: Principal) -> SwitchedRole:
    parsed = arn.parse_arn(role.arn)
    role_name = parsed.resource.split("/")[1] if parsed is not None else role.arn
    return SwitchedRole(row["role_display_name"] or role_name, row["role_color"], role_name, role.account_id)


def switch_to(
    conn: Connection,
    keyring: Keyring,
    session: ConsoleSession,
    token: str,
    display_name: str,
    color: str | None,
) -> None:
    """Act as the role session of ``token`` from the next request on, under a new CSRF token."""
    sealed = session_credentials.seal(keyring, token, sealing_context(session.key, "role"))
    conn.execute(
        update(console_sessions)
        .where(console_sessions.c.id == session.key)
        .values(
            role_key_id=sealed.key_id,
            role_sealed=sealed.blob,
            role_display_name=display_name,
            role_color=color,
            csrf_token=secrets.token_hex(32),
        )
    )


def switch_back(conn: Connection, session: ConsoleSession) -> None:
    """Act as who signed in again, under a new CSRF token."""
    conn.execute(
        update(console_sessions)
        .where(console_sessions.c.id == session.key)
        .values(**_SWITCHED_BACK, csrf_token=secrets.token_hex(32))
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
