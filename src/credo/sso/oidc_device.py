"""The device code flow (RFC 8628) as sso-oidc serves it: StartDeviceAuthorization, the person's
answer on the portal's device page, and CreateToken's device-code grant.

The client shows the person a user code (``ABCD-EFGH``) and the portal's page; the person signs
in there and allows (or denies) the request; meanwhile the client polls CreateToken, told
``authorization_pending`` until the answer, ``slow_down`` when it polls faster than ``interval``,
``expired_token`` after ten minutes, ``access_denied`` if denied. An allowed device code is good
for one token; used again it is ``invalid_grant``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

from sqlalchemy import Connection, RowMapping, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from credo.call import Call, Operation, Result
from credo.iam.password_policy import as_utc
from credo.rest_json_errors import (
    AuthorizationPendingException,
    InvalidGrantException,
    InvalidRequestException,
    OidcAccessDeniedException,
    OidcError,
    OidcExpiredTokenException,
    SlowDownException,
)
from credo.sso import oidc_clients, opaque_tokens, portal_sessions
from credo.sso.portal_sessions import PortalSession
from credo.store.schema import sso_device_authorizations, sso_oidc_clients

LIFETIME = timedelta(minutes=10)
INTERVAL_SECONDS = 1
START_PATH = "/start"
DEVICE_PATH = "/start/device"


def is_start_url(url: str) -> bool:
    """Whether ``url`` names this server's access portal (``<endpoint>/start``, any host)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and parts.path.rstrip("/") == START_PATH


def start_device_authorization(call: Call) -> Result:
    params = call.params
    now = call.services.clock.now()
    device_code = opaque_tokens.new_token(nbytes=48)
    with call.services.store.write_quietly() as conn:
        client = oidc_clients.authenticate(conn, params["clientId"], params["clientSecret"], now)
        oidc_clients.require_grant(client, oidc_clients.DEVICE_CODE)
        if not is_start_url(params["startUrl"]):
            raise InvalidRequestException(
                "Invalid start url", detail="The start URL of a credo portal is <endpoint>/start."
            )
        conn.execute(delete(sso_device_authorizations).where(sso_device_authorizations.c.expires_at <= now))
        user_code = _insert(conn, client["id"], opaque_tokens.digest(device_code), now)
    base = call.extra["base_url"]
    return {
        "deviceCode": device_code,
        "userCode": user_code,
        "verificationUri": f"{base}{DEVICE_PATH}",
        "verificationUriComplete": f"{base}{DEVICE_PATH}?{urlencode({'user_code': user_code})}",
        "expiresIn": int(LIFETIME.total_seconds()),
        "interval": INTERVAL_SECONDS,
    }


def _insert(conn: Connection, client_id: str, key: str, now: datetime) -> str:
    """Store the request under a user code no live request has; the code."""
    while True:
        user_code = opaque_tokens.new_user_code()
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(sso_device_authorizations).values(
                        id=key,
                        client_id=client_id,
                        user_code=user_code,
                        status="pending",
                        session_id=None,
                        interval_seconds=INTERVAL_SECONDS,
                        polled_at=None,
                        created_at=now,
                        expires_at=now + LIFETIME,
                    )
                )
        except IntegrityError:
            continue
        return user_code


@dataclass(frozen=True)
class PendingRequest:
    """A device request as the portal's page shows it before the person answers."""

    user_code: str
    client_name: str


def find_pending(conn: Connection, typed_code: str, now: datetime) -> PendingRequest | None:
    """The live, unanswered request with this user code."""
    user_code = opaque_tokens.normalize_user_code(typed_code)
    if not user_code:
        return None
    row = (
        conn.execute(
            select(sso_device_authorizations, sso_oidc_clients.c.name)
            .select_from(
                sso_device_authorizations.join(
                    sso_oidc_clients, sso_oidc_clients.c.id == sso_device_authorizations.c.client_id
                )
            )
            .where(sso_device_authorizations.c.user_code == user_code)
        )
        .mappings()
        .first()
    )
    if row is None or row["status"] != "pending" or now >= as_utc(row["expires_at"]):
        return None
    return PendingRequest(user_code, row["name"])


def answer(conn: Connection, typed_code: str, session: PortalSession, allow: bool, now: datetime) -> bool:
    """The signed-in person allows or denies the request; false when there is none to answer."""
    request = find_pending(conn, typed_code, now)
    if request is None:
        return False
    conn.execute(
        update(sso_device_authorizations)
        .where(sso_device_authorizations.c.user_code == request.user_code)
        .values(status="allowed" if allow else "denied", session_id=session.key if allow else None)
    )
    return True


def device_grant(
    conn: Connection, client: RowMapping, device_code: str, now: datetime
) -> PortalSession | OidcError:
    """The sign-in that allowed the device code, or the error for the client (raised by the
    caller once this transaction, which records the poll, has committed)."""
    row = (
        conn.execute(
            select(sso_device_authorizations).where(
                sso_device_authorizations.c.id == opaque_tokens.digest(device_code)
            )
        )
        .mappings()
        .first()
    )
    if row is None or row["client_id"] != client["id"]:
        return InvalidGrantException(
            "Invalid grant provided", detail="The device code is unknown or was used already."
        )
    if now >= as_utc(row["expires_at"]):
        return OidcExpiredTokenException("Device code has expired")
    if row["status"] == "denied":
        return OidcAccessDeniedException(
            "Access denied", detail="The request was denied on the portal's device page."
        )
    if row["status"] == "pending":
        polled = row["polled_at"]
        conn.execute(
            update(sso_device_authorizations)
            .where(sso_device_authorizations.c.id == row["id"])
            .values(polled_at=now)
        )
        too_soon = polled is not None and (now - as_utc(polled)).total_seconds() < row["interval_seconds"] / 2
        return (
            SlowDownException("Client is polling too quickly")
            if too_soon
            else AuthorizationPendingException(
                "Authorization pending",
                detail="Waiting for the request to be allowed on the portal's device page.",
            )
        )
    conn.execute(delete(sso_device_authorizations).where(sso_device_authorizations.c.id == row["id"]))
    session = portal_sessions.load_by_key(conn, row["session_id"], now) if row["session_id"] else None
    if session is None:
        return InvalidGrantException(
            "Invalid grant provided", detail="The sign-in that allowed the request has ended."
        )
    return session


OPERATIONS = {"StartDeviceAuthorization": Operation(start_device_authorization)}
