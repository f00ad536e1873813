"""Access and refresh tokens of the access portal: issued by CreateToken for a sign-in, presented
to the portal API as ``x-amz-sso_bearer_token``, refreshed, revoked.

A token belongs to the sign-in (``portal_sessions``) that approved it and never outlives it.
Clients registered for the ``refresh_token`` grant get an access token good for an hour and a
refresh token good until the sign-in ends; every refresh replaces both (the old pair stops
working at once). Other clients get one access token lasting the rest of the sign-in (AWS's
8 hours by default) and no refresh token. Only SHA-256 digests are stored.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, delete, insert, or_, select

from credo.iam.password_policy import as_utc
from credo.rest_json_errors import InvalidGrantException, UnauthorizedException
from credo.sso import oidc_clients, opaque_tokens, portal_sessions
from credo.sso.portal_sessions import PortalSession
from credo.store.schema import sso_tokens

REFRESHABLE_ACCESS_LIFETIME = timedelta(hours=1)
TOKEN_TYPE = "Bearer"


def _drop_expired(conn: Connection, now: datetime) -> None:
    conn.execute(
        delete(sso_tokens).where(
            sso_tokens.c.expires_at <= now,
            or_(sso_tokens.c.refresh_expires_at.is_(None), sso_tokens.c.refresh_expires_at <= now),
        )
    )


def issue(
    conn: Connection, client: RowMapping, session: PortalSession, scopes: list[str], now: datetime
) -> dict[str, Any]:
    """A new access token (and refresh token, if the client may refresh): CreateToken's answer."""
    _drop_expired(conn, now)
    refreshable = oidc_clients.allows(client, oidc_clients.REFRESH_TOKEN)
    expires = (
        min(session.expires_at, now + REFRESHABLE_ACCESS_LIFETIME) if refreshable else session.expires_at
    )
    access = opaque_tokens.new_token(opaque_tokens.ACCESS_TOKEN_PREFIX)
    refresh = opaque_tokens.new_token(opaque_tokens.REFRESH_TOKEN_PREFIX) if refreshable else None
    conn.execute(
        insert(sso_tokens).values(
            id=opaque_tokens.digest(access),
            session_id=session.key,
            client_id=client["id"],
            refresh_hash=opaque_tokens.digest(refresh) if refresh is not None else None,
            scopes=json.dumps(scopes),
            created_at=now,
            expires_at=expires,
            refresh_expires_at=session.expires_at if refresh is not None else None,
        )
    )
    answer: dict[str, Any] = {
        "accessToken": access,
        "tokenType": TOKEN_TYPE,
        "expiresIn": max(int((expires - now).total_seconds()), 0),
    }
    if refresh is not None:
        answer["refreshToken"] = refresh
    return answer


def refresh(
    conn: Connection, client: RowMapping, refresh_token: str, now: datetime
) -> dict[str, Any] | InvalidGrantException:
    """The refresh-token grant: a new pair for the same sign-in, the presented pair gone; or the
    refusal to raise once this transaction has committed."""
    row = (
        conn.execute(
            select(sso_tokens).where(sso_tokens.c.refresh_hash == opaque_tokens.digest(refresh_token))
        )
        .mappings()
        .first()
    )
    if row is None or row["client_id"] != client["id"]:
        return InvalidGrantException(
            "Invalid grant provided", detail="The refresh token is unknown, used or revoked."
        )
    conn.execute(delete(sso_tokens).where(sso_tokens.c.id == row["id"]))
    session = portal_sessions.load_by_key(conn, row["session_id"], now)
    if session is None or now >= as_utc(row["refresh_expires_at"]):
        return InvalidGrantException(
            "Invalid grant provided", detail="The sign-in this token belonged to has ended."
        )
    return issue(conn, client, session, list(json.loads(row["scopes"])), now)


def resolve(conn: Connection, access_token: str, now: datetime) -> PortalSession:
    """The live sign-in an access token belongs to, or UnauthorizedException."""
    row = conn.execute(
        select(sso_tokens.c.session_id).where(
            and_(sso_tokens.c.id == opaque_tokens.digest(access_token), sso_tokens.c.expires_at > now)
        )
    ).first()
    session = portal_sessions.load_by_key(conn, row.session_id, now) if row is not None else None
    if session is None or session.stage != "active":
        raise UnauthorizedException()
    return session


def revoke_sign_in(conn: Connection, access_token: str, now: datetime) -> bool:
    """Logout: the sign-in the token belongs to ends, with every token it issued."""
    row = conn.execute(
        select(sso_tokens.c.session_id).where(sso_tokens.c.id == opaque_tokens.digest(access_token))
    ).first()
    if row is None:
        return False
    portal_sessions.end(conn, row.session_id)
    return True
