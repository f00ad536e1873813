"""sso-oidc CreateToken: the client proves its registration, then one of three grants gives an
access token for a sign-in: the device code (``oidc_device``), the authorization code with PKCE
(``oidc_codes``) or a refresh token (``portal_tokens``, which rotates it).

Refusals that record something (a device code's poll, a code used up) are raised only after
the transaction that records it has committed.
"""

from __future__ import annotations

from typing import Any

from credo.call import Call, Operation, Result
from credo.rest_json_errors import InvalidRequestException, OidcError, UnsupportedGrantTypeException
from credo.sso import oidc_clients, oidc_codes, oidc_device, portal_tokens
from credo.sso.portal_sessions import PortalSession

_REQUIRED = {
    oidc_clients.DEVICE_CODE: ("deviceCode",),
    oidc_clients.AUTHORIZATION_CODE: ("code", "redirectUri", "codeVerifier"),
    oidc_clients.REFRESH_TOKEN: ("refreshToken",),
}


def create_token(call: Call) -> Result:
    params = call.params
    grant = params["grantType"]
    if grant not in _REQUIRED:
        raise UnsupportedGrantTypeException(
            "Unsupported grant type", detail=f"credo's grants: {', '.join(sorted(_REQUIRED))}."
        )
    missing = [name for name in _REQUIRED[grant] if not params.get(name)]
    if missing:
        raise InvalidRequestException(f"Missing {missing[0]} for the {grant} grant")
    now = call.services.clock.now()
    outcome: dict[str, Any] | OidcError
    with call.services.store.write_quietly() as conn:
        client = oidc_clients.authenticate(conn, params["clientId"], params["clientSecret"], now)
        oidc_clients.require_grant(client, grant)
        if grant == oidc_clients.REFRESH_TOKEN:
            outcome = portal_tokens.refresh(conn, client, params["refreshToken"], now)
        else:
            found: PortalSession | tuple[PortalSession, list[str]] | OidcError
            if grant == oidc_clients.DEVICE_CODE:
                found = oidc_device.device_grant(conn, client, params["deviceCode"], now)
            else:
                found = oidc_codes.code_grant(
                    conn, client, params["code"], params["redirectUri"], params["codeVerifier"], now
                )
            if isinstance(found, OidcError):
                outcome = found
            else:
                session, scopes = (
                    found if isinstance(found, tuple) else (found, oidc_clients.scopes_of(client))
                )
                outcome = portal_tokens.issue(conn, client, session, scopes, now)
    if isinstance(outcome, OidcError):
        raise outcome
    return outcome


OPERATIONS = {"CreateToken": Operation(create_token)}
