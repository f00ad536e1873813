"""The authorization code flow with PKCE (RFC 7636, S256 only) as sso-oidc serves it: the code
the portal's ``/authorize`` page hands the browser for a signed-in person, and CreateToken's
``authorization_code`` grant.

A code is good once, for five minutes, for the client and redirect URI it was issued to, and
only with the verifier whose SHA-256 is the challenge; any attempt uses it up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import datetime, timedelta

from sqlalchemy import Connection, RowMapping, delete, insert, select

from credo.iam.password_policy import as_utc
from credo.rest_json_errors import InvalidGrantException, OidcError
from credo.sso import opaque_tokens, portal_sessions
from credo.sso.portal_sessions import PortalSession
from credo.store.schema import sso_authorization_codes

LIFETIME = timedelta(minutes=5)
# RFC 7636: a challenge is the unpadded base64url SHA-256 of the verifier, 43 characters.
CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def issue_code(
    conn: Connection,
    client: RowMapping,
    session: PortalSession,
    redirect_uri: str,
    code_challenge: str,
    scopes: list[str],
    now: datetime,
) -> str:
    """A new authorization code for the signed-in person, to hand to ``redirect_uri``."""
    conn.execute(delete(sso_authorization_codes).where(sso_authorization_codes.c.expires_at <= now))
    code = opaque_tokens.new_token(nbytes=32)
    conn.execute(
        insert(sso_authorization_codes).values(
            id=opaque_tokens.digest(code),
            client_id=client["id"],
            session_id=session.key,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            scopes=json.dumps(scopes),
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    return code


def code_grant(
    conn: Connection, client: RowMapping, code: str, redirect_uri: str, verifier: str, now: datetime
) -> tuple[PortalSession, list[str]] | OidcError:
    """The sign-in and scopes the code was issued for, or the error to raise after commit (the
    code is used up either way)."""
    key = opaque_tokens.digest(code)
    row = (
        conn.execute(select(sso_authorization_codes).where(sso_authorization_codes.c.id == key))
        .mappings()
        .first()
    )
    if row is None:
        return InvalidGrantException(
            "Invalid grant provided", detail="The authorization code is unknown or was used."
        )
    conn.execute(delete(sso_authorization_codes).where(sso_authorization_codes.c.id == key))
    problem = None
    if row["client_id"] != client["id"]:
        problem = "The authorization code was issued to another client."
    elif now >= as_utc(row["expires_at"]):
        problem = "The authorization code has expired."
    elif not hmac.compare_digest(row["redirect_uri"], redirect_uri):
        problem = "redirectUri is not the redirect_uri the code was issued for."
    elif not VERIFIER.fullmatch(verifier) or not hmac.compare_digest(
        challenge_of(verifier), row["code_challenge"]
    ):
        problem = "The code verifier does not match the code challenge."
    session = portal_sessions.load_by_key(conn, row["session_id"], now) if problem is None else None
    if problem is None and session is None:
        problem = "The sign-in that approved the code has ended."
    if problem is not None or session is None:
        return InvalidGrantException("Invalid grant provided", detail=problem)
    return session, list(json.loads(row["scopes"]))
