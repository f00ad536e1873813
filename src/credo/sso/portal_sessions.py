"""Sign-ins to the access portal: a row per sign-in, named by the SHA-256 of a random id that the
browser holds in its ``credo-portal`` cookie.

A sign-in lasts the instance's session duration (``portal_settings``) and ends at sign-out, at
Logout with any token it issued, when the user is deleted or disabled, or when an administrator
sets the user's password. Everything approved while signed in (device codes, authorization
codes, access and refresh tokens) belongs to the sign-in and goes with it. Rows are written with
``write_quietly``: a sign-in changes no permission, so no process needs to drop its caches.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Connection, delete, insert, select, update

from credo.iam.password_policy import as_utc
from credo.sso import opaque_tokens, portal_settings
from credo.sso.instances import Instance
from credo.store.schema import sso_portal_sessions, sso_users

Stage = Literal["mfa", "active"]


@dataclass(frozen=True)
class PortalSession:
    """A live sign-in, as one request sees it."""

    key: str
    user_id: str
    user_name: str
    display_name: str
    stage: Stage
    csrf_token: str
    expires_at: datetime
    mfa_authenticated_at: datetime | None


def key_of(cookie_id: str) -> str:
    """The row id of the sign-in a cookie's random id names."""
    return opaque_tokens.digest(cookie_id)


def start(
    conn: Connection, instance: Instance, cookie_id: str, user_id: str, stage: Stage, now: datetime
) -> None:
    """A new sign-in named by ``cookie_id``, lasting the instance's session duration."""
    conn.execute(delete(sso_portal_sessions).where(sso_portal_sessions.c.expires_at <= now))
    conn.execute(
        insert(sso_portal_sessions).values(
            id=key_of(cookie_id),
            user_id=user_id,
            stage=stage,
            csrf_token=secrets.token_hex(32),
            mfa_authenticated_at=None,
            created_at=now,
            last_seen_at=now,
            expires_at=now + portal_settings.session_duration(conn, instance),
        )
    )


def load_by_key(conn: Connection, key: str, now: datetime) -> PortalSession | None:
    """The live sign-in stored under ``key``; an ended one (expired, user gone or disabled) is deleted."""
    row = (
        conn.execute(
            select(
                sso_portal_sessions,
                sso_users.c.user_name,
                sso_users.c.display_name,
                sso_users.c.status,
            )
            .select_from(sso_portal_sessions.join(sso_users, sso_users.c.id == sso_portal_sessions.c.user_id))
            .where(sso_portal_sessions.c.id == key)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    expires = as_utc(row["expires_at"])
    if now >= expires or row["status"] != "ENABLED":
        end(conn, key)
        return None
    mfa_at = row["mfa_authenticated_at"]
    return PortalSession(
        key=key,
        user_id=row["user_id"],
        user_name=row["user_name"],
        display_name=row["display_name"] or row["user_name"],
        stage=row["stage"],
        csrf_token=row["csrf_token"],
        expires_at=expires,
        mfa_authenticated_at=as_utc(mfa_at) if mfa_at is not None else None,
    )


def load(conn: Connection, cookie_id: str, now: datetime) -> PortalSession | None:
    return load_by_key(conn, key_of(cookie_id), now)


def complete_mfa(conn: Connection, session: PortalSession, now: datetime) -> None:
    """The MFA step passed: the sign-in is active, under a new CSRF token."""
    conn.execute(
        update(sso_portal_sessions)
        .where(sso_portal_sessions.c.id == session.key)
        .values(stage="active", mfa_authenticated_at=now, csrf_token=secrets.token_hex(32))
    )


def end(conn: Connection, key: str) -> None:
    """End a sign-in and everything it approved (the rows below it cascade)."""
    conn.execute(delete(sso_portal_sessions).where(sso_portal_sessions.c.id == key))


def end_for_user(conn: Connection, user_id: str) -> int:
    """End every sign-in of a user; how many there were."""
    return int(
        conn.execute(delete(sso_portal_sessions).where(sso_portal_sessions.c.user_id == user_id)).rowcount
    )
