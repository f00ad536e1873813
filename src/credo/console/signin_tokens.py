"""The federation endpoint's sign-in tokens: temporary credentials exchanged for a single-use token.

``issue`` verifies the credentials for real (the session token opens and is current, the
secret matches it, the role or user behind it exists) and accepts only role sessions and
GetFederationToken sessions, as AWS does. The token is 256 random bits, good once for 15
minutes; only its SHA-256 is stored, beside the credentials' session token sealed under the
keyring. ``consume`` deletes the row before anything else, so a token never works twice, even
when two requests race for it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select

from credo.auth.principal import Principal
from credo.call import Services
from credo.console import session_credentials
from credo.iam.password_policy import as_utc
from credo.store.schema import console_signin_tokens

TOKEN_LIFETIME = timedelta(minutes=15)
MIN_SESSION_DURATION = 900
MAX_SESSION_DURATION = 43_200

# AWS's words; the first never says which part of the credentials was wrong.
INVALID_CREDENTIALS = "Invalid credentials parameter"
NOT_TEMPORARY = (
    "Only federation tokens or assume role tokens may be used for federated login. "
    "Please contact your administrator."
)
INVALID_DURATION = "Invalid SessionDuration parameter: it must be a number of seconds from 900 to 43200."
DURATION_FOR_FEDERATION_TOKEN = (
    "SessionDuration cannot be used with credentials from GetFederationToken: "
    "their console session lasts as long as the credentials."
)


class Refused(Exception):
    """A getSigninToken request the endpoint turns down, with the text to answer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SignIn:
    """What a consumed token starts: a console session acting as these credentials until ``ends``."""

    principal: Principal
    session_token: str
    ends: datetime


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sealing_context(token_id: str) -> str:
    return f"console-signin-token:{token_id}"


def _credentials(session: str) -> tuple[str, str, str]:
    """(sessionId, sessionKey, sessionToken) of the ``Session`` parameter's JSON."""
    try:
        parsed = json.loads(session)
    except (ValueError, RecursionError):
        raise Refused(INVALID_CREDENTIALS) from None
    if not isinstance(parsed, dict):
        raise Refused(INVALID_CREDENTIALS)
    fields = (parsed.get("sessionId"), parsed.get("sessionKey"), parsed.get("sessionToken"))
    if not all(isinstance(field, str) and field for field in fields):
        raise Refused(INVALID_CREDENTIALS)
    key_id, secret, token = (str(field) for field in fields)
    return key_id, secret, token


def _duration(text: str | None) -> int | None:
    if text is None:
        return None
    if not text.isdigit() or not MIN_SESSION_DURATION <= int(text) <= MAX_SESSION_DURATION:
        raise Refused(INVALID_DURATION)
    return int(text)


def issue(services: Services, session: str, session_duration: str | None) -> str:
    """A new sign-in token for the temporary credentials in ``session``; ``Refused`` otherwise."""
    key_id, secret, token = _credentials(session)
    duration = _duration(session_duration)
    now = services.clock.now()
    with services.store.write_quietly() as conn:
        found = session_credentials.resolve(conn, services, key_id, token)
        # Compared in constant time, and only after the token opened: nothing says which part was wrong.
        if found is None or not hmac.compare_digest(found.secret.encode(), secret.encode()):
            raise Refused(INVALID_CREDENTIALS)
        principal = found.principal
        if principal.kind not in ("assumed-role", "federated-user"):
            raise Refused(NOT_TEMPORARY)  # GetSessionToken's credentials, as AWS refuses them
        if duration is not None and principal.kind == "federated-user":
            raise Refused(DURATION_FOR_FEDERATION_TOKEN)
        assert principal.expires_at is not None  # every session token has its expiry
        # The console acts through these very credentials: it cannot outlast them.
        ends = principal.expires_at
        if duration is not None:
            ends = min(ends, now + timedelta(seconds=duration))
        signin_token = secrets.token_urlsafe(32)
        token_id = _token_id(signin_token)
        sealed = session_credentials.seal(services.keyring, token, sealing_context(token_id))
        conn.execute(delete(console_signin_tokens).where(console_signin_tokens.c.expires_at <= now))
        conn.execute(
            insert(console_signin_tokens).values(
                id=token_id,
                account_id=principal.account_id,
                token_key_id=sealed.key_id,
                token_sealed=sealed.blob,
                session_expires_at=ends,
                created_at=now,
                expires_at=now + TOKEN_LIFETIME,
            )
        )
    return signin_token


def consume(services: Services, signin_token: str) -> SignIn | None:
    """The sign-in a token grants, once; ``None`` for an unknown, used or expired token."""
    if not signin_token or len(signin_token) > 256:
        return None
    token_id = _token_id(signin_token)
    now = services.clock.now()
    with services.store.write_quietly() as conn:
        row = (
            conn.execute(select(console_signin_tokens).where(console_signin_tokens.c.id == token_id))
            .mappings()
            .first()
        )
        if row is None:
            return None
        taken = conn.execute(delete(console_signin_tokens).where(console_signin_tokens.c.id == token_id))
        if taken.rowcount != 1 or now >= as_utc(row["expires_at"]):
            return None  # another request took it first, or too late
        session_token = session_credentials.unseal(
            services.keyring, row["token_key_id"], row["token_sealed"], sealing_context(token_id)
        )
        if session_token is None:
            return None
        found = session_credentials.resolve_token(conn, services, session_token)
        if found is None:
            return None  # expired (or the role or user deleted) since the token was issued
        ends = as_utc(row["session_expires_at"])
        if now >= ends:
            return None
        return SignIn(found.principal, session_token, ends.astimezone(UTC))
