"""sso-oidc RegisterClient, and checking the client id and secret every other call presents.

Clients are public (the aws CLI, ``credo sso login``, other tools on a laptop): registering needs
no credentials and yields a client id and a secret that only identifies the registration. The
secret is random and kept as its SHA-256; the registration expires after 90 days, as AWS's do.
Grant types: none listed means the device code grant alone (AWS's original clients, whose tokens
cannot be refreshed); ``authorization_code`` needs loopback redirect URIs (RFC 8252: any port is
accepted later, the rest must match).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, RowMapping, delete, insert, select

from credo.call import Call, Operation, Result
from credo.iam.password_policy import as_utc
from credo.rest_json_errors import (
    InvalidClientException,
    InvalidClientMetadataException,
    InvalidRedirectUriException,
    InvalidRequestException,
    InvalidScopeException,
    UnauthorizedClientException,
    UnsupportedGrantTypeException,
)
from credo.sso import opaque_tokens
from credo.sso.instances import load
from credo.store.schema import sso_oidc_clients

REGISTRATION_LIFETIME = timedelta(days=90)
DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
AUTHORIZATION_CODE = "authorization_code"
REFRESH_TOKEN = "refresh_token"
GRANT_TYPES = frozenset({DEVICE_CODE, AUTHORIZATION_CODE, REFRESH_TOKEN})
MAX_SCOPES = 25
MAX_REDIRECT_URIS = 10
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _scopes(values: list[str]) -> list[str]:
    if len(values) > MAX_SCOPES or any(
        not value or len(value) > 256 or not value.isprintable() or " " in value for value in values
    ):
        raise InvalidScopeException("Invalid scope requested")
    return list(dict.fromkeys(values))


def is_loopback_redirect(uri: str) -> bool:
    """An ``http`` URI on a loopback address, without fragment (RFC 8252 section 7.3)."""
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return False
    del port  # read only to refuse a malformed one
    return (
        parts.scheme == "http"
        and (parts.hostname or "") in LOOPBACK_HOSTS
        and not parts.fragment
        and uri.isprintable()
    )


def redirect_matches(registered: list[str], uri: str) -> bool:
    """Whether ``uri`` is one of the registered loopback URIs, on any port."""
    if not is_loopback_redirect(uri):
        return False
    given = urlsplit(uri)
    for candidate in registered:
        wanted = urlsplit(candidate)
        if (wanted.scheme, wanted.hostname, wanted.path or "/", wanted.query) == (
            given.scheme,
            given.hostname,
            given.path or "/",
            given.query,
        ):
            return True
    return False


def register_client(call: Call) -> Result:
    params = call.params
    if params["clientType"] != "public":
        raise InvalidClientMetadataException(
            "Invalid client type", detail="credo registers public clients only."
        )
    scopes = _scopes(list(params.get("scopes") or []))
    grants = list(dict.fromkeys(params.get("grantTypes") or []))
    unknown = [grant for grant in grants if grant not in GRANT_TYPES]
    if unknown:
        raise UnsupportedGrantTypeException(
            f"Unsupported grant type: {unknown[0][:128]}",
            detail="credo's grant types: authorization_code, refresh_token and "
            "urn:ietf:params:oauth:grant-type:device_code.",
        )
    redirects = list(params.get("redirectUris") or [])
    if len(redirects) > MAX_REDIRECT_URIS or not all(is_loopback_redirect(uri) for uri in redirects):
        raise InvalidRedirectUriException(
            "Invalid redirect uri", detail="Redirect URIs must be http URIs on 127.0.0.1, localhost or [::1]."
        )
    if AUTHORIZATION_CODE in grants and not redirects:
        raise InvalidRedirectUriException(
            "Invalid redirect uri", detail="authorization_code needs redirectUris."
        )
    issuer = params.get("issuerUrl")
    if issuer is not None and urlsplit(issuer).scheme not in ("http", "https"):
        raise InvalidRequestException("Invalid issuer url")
    now = call.services.clock.now()
    client_id = opaque_tokens.new_token(nbytes=24)
    secret = opaque_tokens.new_token(nbytes=64)
    expires = now + REGISTRATION_LIFETIME
    with call.services.store.write_quietly() as conn:
        instance = load(conn)
        if instance is None:
            raise InvalidRequestException("No Identity Center instance is set up on this server.")
        conn.execute(delete(sso_oidc_clients).where(sso_oidc_clients.c.expires_at <= now))
        conn.execute(
            insert(sso_oidc_clients).values(
                id=client_id,
                instance_id=instance.id,
                name=params["clientName"][:512],
                secret_hash=opaque_tokens.digest(secret),
                scopes=json.dumps(scopes),
                grant_types=json.dumps(grants),
                redirect_uris=json.dumps(redirects),
                issuer_url=issuer,
                created_at=now,
                expires_at=expires,
            )
        )
    result: dict[str, Any] = {
        "clientId": client_id,
        "clientSecret": secret,
        "clientIdIssuedAt": int(now.timestamp()),
        "clientSecretExpiresAt": int(expires.timestamp()),
    }
    if AUTHORIZATION_CODE in grants:
        base = call.extra["base_url"]
        result.update(authorizationEndpoint=f"{base}/authorize", tokenEndpoint=f"{base}/token")
    return result


def find_client(conn: Connection, client_id: str, now: datetime) -> RowMapping | None:
    """A registration that has not expired."""
    row = conn.execute(select(sso_oidc_clients).where(sso_oidc_clients.c.id == client_id)).mappings().first()
    if row is None or now >= as_utc(row["expires_at"]):
        return None
    return row


def authenticate(conn: Connection, client_id: str, secret: str, now: datetime) -> RowMapping:
    """The registration ``client_id`` and ``secret`` prove, or InvalidClientException."""
    row = find_client(conn, client_id, now)
    # Hash even for an unknown client, so a wrong id and a wrong secret cost the same.
    if not opaque_tokens.matches(row["secret_hash"] if row is not None else "0" * 64, secret) or row is None:
        raise InvalidClientException(
            "Invalid client", detail="The client id or secret is wrong, or the registration expired."
        )
    return row


def grants_of(client: RowMapping) -> list[str]:
    return list(json.loads(client["grant_types"]))


def redirect_uris_of(client: RowMapping) -> list[str]:
    return list(json.loads(client["redirect_uris"]))


def scopes_of(client: RowMapping) -> list[str]:
    return list(json.loads(client["scopes"]))


def allows(client: RowMapping, grant: str) -> bool:
    """Whether the registration may use ``grant`` (no list: the device code grant alone)."""
    grants = grants_of(client)
    return grant == DEVICE_CODE if not grants else grant in grants


def require_grant(client: RowMapping, grant: str) -> None:
    if not allows(client, grant):
        raise UnauthorizedClientException(
            "Unauthorized client", detail=f"This client was not registered for the {grant} grant."
        )


OPERATIONS = {"RegisterClient": Operation(register_client)}
