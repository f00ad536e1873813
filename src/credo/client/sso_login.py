"""Sign in to an SSO access portal as the aws CLI's ``sso login`` does, and cache the token for botocore.

Both of AWS's flows, through botocore's own ``sso-oidc`` client (so the endpoint comes from the
same settings botocore's SSO providers use): authorization code with PKCE, the browser coming
back to a loopback ``/oauth/callback`` (the default, as in the aws CLI v2), or the device code
flow (a code to confirm on the portal's page, for machines without a browser; the caller falls
back to it when no browser opens). The token, with the refresh token and the client registration,
is cached where botocore's SSO token provider reads and refreshes it (``credo.client.sso_cache``).
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from credo.client import sso_cache
from credo.client.aws_errors import aws_error_text
from credo.client.loopback_redirect import LoopbackRedirect, RedirectTimeout
from credo.client.oidc_login import Pkce

DEFAULT_SCOPES = ("sso:account:access",)
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CALLBACK_PATH = "/oauth/callback"
# A cached registration is used until this close to its expiry.
REGISTRATION_MARGIN = timedelta(minutes=15)


def now() -> datetime:
    return datetime.now(UTC)


class SsoLoginError(Exception):
    """The sign-in could not finish; the message says why, in AWS's words where it has them."""


class NoBrowserError(SsoLoginError):
    """No web browser took the authorization URL: the authorization code flow cannot go on here."""


@dataclass(frozen=True)
class DeviceAuthorization:
    """What the person needs to approve a device code sign-in: the page, and the code to type
    there (``complete_uri`` carries the code already)."""

    uri: str
    user_code: str
    complete_uri: str


@dataclass(frozen=True)
class SsoSession:
    """What an ``[sso-session NAME]`` section (or a legacy profile) says about the portal."""

    name: str
    start_url: str
    region: str
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    # Legacy profiles (sso_start_url in the profile) key their token by the start URL.
    legacy: bool = False

    @property
    def token_path(self) -> Path:
        return sso_cache.token_path(self.start_url if self.legacy else self.name)


def oidc_client(profile: str | None, region: str, endpoint_url: str | None = None) -> Any:
    """botocore's ``sso-oidc`` client, reaching the portal the way botocore's SSO providers do."""
    import botocore.config
    import botocore.session

    session = botocore.session.Session(profile=profile)
    config = botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=10, read_timeout=30)
    return session.create_client("sso-oidc", region_name=region, endpoint_url=endpoint_url, config=config)


def portal_client(profile: str | None, region: str, endpoint_url: str | None = None) -> Any:
    """botocore's ``sso`` (portal) client, reached likewise."""
    import botocore.config
    import botocore.session

    session = botocore.session.Session(profile=profile)
    config = botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=10, read_timeout=30)
    return session.create_client("sso", region_name=region, endpoint_url=endpoint_url, config=config)


def _call(operation: str, method: Callable[..., Any], **params: Any) -> Any:
    import botocore.exceptions

    try:
        return method(**params)
    except botocore.exceptions.ClientError as error:
        raise SsoLoginError(aws_error_text(error.response, operation)) from None
    except botocore.exceptions.BotoCoreError as error:
        raise SsoLoginError(f"Cannot call {operation}: {error}") from None


def register(oidc: Any, sso: SsoSession, *, authorization_code: bool, now: datetime) -> dict[str, Any]:
    """A client registration for this session, from the cache while it is good, else RegisterClient."""
    # Registered for refresh_token too, so botocore's token provider can refresh the token
    # (a registration without grant types gets an unrefreshable eight-hour token).
    grants = (
        ["authorization_code", "refresh_token"] if authorization_code else [DEVICE_GRANT, "refresh_token"]
    )
    path = sso_cache.registration_path(sso.start_url, sso.region, list(sso.scopes), sso.name)
    cached = sso_cache.read(path)
    if cached is not None:
        expires = sso_cache.parse_timestamp(str(cached.get("expiresAt", "")))
        has_grants = set(grants) <= set(cached.get("grantTypes") or [])
        if (
            expires is not None
            and expires - REGISTRATION_MARGIN > now
            and has_grants
            and cached.get("clientId")
        ):
            return cached
    params: dict[str, Any] = {
        "clientName": f"credo-{sso.name}",
        "clientType": "public",
        "scopes": list(sso.scopes),
    }
    params["grantTypes"] = grants
    if authorization_code:
        params.update(redirectUris=[f"http://127.0.0.1{CALLBACK_PATH}"], issuerUrl=sso.start_url)
    answer = _call("RegisterClient", oidc.register_client, **params)
    registration = {
        "clientId": answer["clientId"],
        "clientSecret": answer["clientSecret"],
        "expiresAt": sso_cache.timestamp(datetime.fromtimestamp(answer["clientSecretExpiresAt"], UTC)),
        "scopes": list(sso.scopes),
        "grantTypes": grants,
    }
    sso_cache.write(path, registration)
    return registration


def device_code_sign_in(
    oidc: Any,
    sso: SsoSession,
    registration: dict[str, Any],
    show: Callable[[DeviceAuthorization], None],
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """StartDeviceAuthorization, ``show`` its URLs and code, then CreateToken until it is approved."""
    client = {"clientId": registration["clientId"], "clientSecret": registration["clientSecret"]}
    started = _call(
        "StartDeviceAuthorization", oidc.start_device_authorization, **client, startUrl=sso.start_url
    )
    uri = started["verificationUri"]
    show(DeviceAuthorization(uri, started["userCode"], started.get("verificationUriComplete") or uri))
    interval = float(started.get("interval") or 5)
    deadline = time.monotonic() + float(started.get("expiresIn") or 600)
    errors = oidc.exceptions
    while time.monotonic() < deadline:
        try:
            answer: dict[str, Any] = oidc.create_token(
                **client, grantType=DEVICE_GRANT, deviceCode=started["deviceCode"]
            )
            return answer
        except errors.AuthorizationPendingException:
            sleep(interval)
        except errors.SlowDownException:
            interval += 5
            sleep(interval)
        except errors.ExpiredTokenException:
            break
        except errors.AccessDeniedException:
            raise SsoLoginError("The sign-in request was denied on the portal.") from None
        except Exception as error:  # any other refusal, in AWS's words
            response = getattr(error, "response", None)
            if response is None:
                raise SsoLoginError(f"Cannot call CreateToken: {error}") from None
            raise SsoLoginError(aws_error_text(response, "CreateToken")) from None
    raise SsoLoginError("The sign-in request expired before it was approved; run the command again.")


def authorize_url(
    oidc: Any, registration: dict[str, Any], sso: SsoSession, redirect_uri: str, state: str, pkce: Pkce
) -> str:
    """The portal's ``/authorize`` URL the browser is sent to, as the aws CLI builds it."""
    query = {
        "response_type": "code",
        "client_id": registration["clientId"],
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge_method": "S256",
        "scopes": " ".join(sso.scopes),
        "code_challenge": pkce.challenge,
    }
    return f"{oidc.meta.endpoint_url.rstrip('/')}/authorize?{urlencode(query)}"


def browser_sign_in(
    oidc: Any,
    sso: SsoSession,
    registration: dict[str, Any],
    open_browser: Callable[[str], bool],
    timeout: float = 300.0,
) -> dict[str, Any]:
    """Authorization code with PKCE: the browser signs in and comes back to a loopback port.

    ``open_browser(url)`` says whether a browser took the URL (or the person was shown it to open
    themselves); ``False`` ends the attempt with ``NoBrowserError``, so the caller can fall back
    to the device code flow, which needs no browser on this machine.
    """
    state = secrets.token_urlsafe(32)
    pkce = Pkce.new()

    def judge(params: dict[str, str]) -> str | None:
        if not hmac.compare_digest(params.get("state", ""), state):
            return "The redirect's state does not match this sign-in (a stale or forged redirect)."
        if "error" in params:
            return f"The portal refused: {params['error']} {params.get('error_description', '')}".strip()
        return None if params.get("code") else "The redirect carries no authorization code."

    try:
        redirect = LoopbackRedirect(judge, path=CALLBACK_PATH)
    except OSError as error:
        raise SsoLoginError(
            f"Cannot listen on 127.0.0.1 for the redirect: {error.strerror or error}"
        ) from None
    try:
        if not open_browser(authorize_url(oidc, registration, sso, redirect.uri, state, pkce)):
            raise NoBrowserError("No web browser could be opened on this machine.")
        params = redirect.wait(timeout)
    except RedirectTimeout:
        raise SsoLoginError(
            f"Nobody signed in within {timeout:g} seconds; run the command again "
            "(or use --use-device-code on a machine without a browser)."
        ) from None
    finally:
        redirect.close()
    problem = judge(params)
    if problem is not None:
        raise SsoLoginError(problem)
    answer: dict[str, Any] = _call(
        "CreateToken",
        oidc.create_token,
        clientId=registration["clientId"],
        clientSecret=registration["clientSecret"],
        grantType="authorization_code",
        code=params["code"],
        redirectUri=redirect.uri,
        codeVerifier=pkce.verifier,
    )
    return answer


def cache_token(sso: SsoSession, registration: dict[str, Any], answer: dict[str, Any], now: datetime) -> Path:
    """Write the token where botocore's SSO token provider reads it, with what it needs to refresh."""
    token: dict[str, Any] = {
        "startUrl": sso.start_url,
        "region": sso.region,
        "accessToken": answer["accessToken"],
        "expiresAt": sso_cache.timestamp(now + timedelta(seconds=int(answer["expiresIn"]))),
        "clientId": registration["clientId"],
        "clientSecret": registration["clientSecret"],
        "registrationExpiresAt": registration["expiresAt"],
    }
    if answer.get("refreshToken"):
        token["refreshToken"] = answer["refreshToken"]
    sso_cache.write(sso.token_path, token)
    return sso.token_path


def cached_access_token(sso: SsoSession, now: datetime) -> str | None:
    """The cached access token while it has not expired."""
    token = sso_cache.read(sso.token_path)
    if token is None:
        return None
    expires = sso_cache.parse_timestamp(str(token.get("expiresAt", "")))
    access = token.get("accessToken")
    return access if isinstance(access, str) and expires is not None and expires > now else None


def sign_out(portal: Any, sso: SsoSession) -> bool:
    """Logout at the portal (the token stops working at once) and forget the cached token."""
    import botocore.exceptions

    token = sso_cache.read(sso.token_path)
    if token is None:
        return False
    access = token.get("accessToken")
    if isinstance(access, str):
        # Already invalid, or the portal unreachable: the cached copy goes anyway.
        with contextlib.suppress(botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError):
            portal.logout(accessToken=access)
    return sso_cache.remove(sso.token_path)


@dataclass(frozen=True)
class RoleChoice:
    account_id: str
    account_name: str
    role_name: str


def reachable_roles(portal: Any, access_token: str) -> list[RoleChoice]:
    """Every account and role the signed-in user is assigned, as the portal lists them."""
    import botocore.exceptions

    try:
        return _reachable_roles(portal, access_token)
    except botocore.exceptions.ClientError as error:
        raise SsoLoginError(aws_error_text(error.response, "ListAccounts")) from None
    except botocore.exceptions.BotoCoreError as error:
        raise SsoLoginError(f"Cannot reach the SSO portal: {error}") from None


def _reachable_roles(portal: Any, access_token: str) -> list[RoleChoice]:
    accounts = []
    for page in portal.get_paginator("list_accounts").paginate(accessToken=access_token):
        accounts.extend(page.get("accountList", []))
    choices = []
    for account in sorted(accounts, key=lambda entry: str(entry.get("accountName", ""))):
        roles = portal.get_paginator("list_account_roles").paginate(
            accessToken=access_token, accountId=account["accountId"]
        )
        for page in roles:
            for role in page.get("roleList", []):
                choices.append(
                    RoleChoice(account["accountId"], account.get("accountName", ""), role["roleName"])
                )
    return choices
