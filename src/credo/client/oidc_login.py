"""Sign in at an OpenID Connect provider as a native app: authorization code with PKCE.

The flow RFC 8252 prescribes for command-line tools: the provider's endpoints come from its
discovery document; the browser is sent to the authorization endpoint with a PKCE challenge
(S256), a ``state`` and a ``nonce``, and comes back to a loopback redirect URI
(``credo.client.loopback_redirect``), whose ``state`` (and ``iss``, RFC 9207, when the provider
sends it) must be this request's; the code is exchanged, with the verifier, for an ID token whose
``nonce`` must be this request's. The token's signature is not verified here: STS's
``AssumeRoleWithWebIdentity`` verifies it against the provider's keys, which is the check that
counts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from credo.client.loopback_redirect import LoopbackRedirect, RedirectTimeout

# Discovery documents and token responses are small; a bigger answer is not a provider's.
MAX_RESPONSE_BYTES = 1024 * 1024
HTTP_TIMEOUT = 15.0


class OidcLoginError(Exception):
    """The sign-in could not finish; the message says at which step and why."""


@dataclass(frozen=True)
class ProviderEndpoints:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str


@dataclass(frozen=True)
class Pkce:
    """A PKCE verifier and its S256 challenge (RFC 7636)."""

    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        return cls.of(secrets.token_urlsafe(48))  # 64 characters of the unreserved alphabet

    @classmethod
    def of(cls, verifier: str) -> Pkce:
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"))


def _request(url: str, data: bytes | None = None) -> urllib.request.Request:
    """A request to an http(s) URL (checked by the caller; never ``file:`` or another scheme)."""
    if not url.startswith(("https://", "http://")):
        raise OidcLoginError(f"{url} is not an http(s) URL")
    headers = {"Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return urllib.request.Request(url, data=data, headers=headers)  # noqa: S310


def _read_json(request: urllib.request.Request, step: str) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as error:
        body = error.read(MAX_RESPONSE_BYTES + 1)
        raise OidcLoginError(
            f"{step}: the provider answered HTTP {error.code}: {_error_text(body)}"
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise OidcLoginError(f"{step}: cannot reach {request.full_url}: {error}") from None
    if len(body) > MAX_RESPONSE_BYTES:
        raise OidcLoginError(f"{step}: the answer from {request.full_url} is larger than 1 MiB")
    try:
        document = json.loads(body)
    except ValueError:
        raise OidcLoginError(f"{step}: the answer from {request.full_url} is not JSON") from None
    if not isinstance(document, dict):
        raise OidcLoginError(f"{step}: the answer from {request.full_url} is not a JSON object")
    return document


def _error_text(body: bytes) -> str:
    """An OAuth error response's ``error`` and ``error_description``, else the start of the body."""
    try:
        document = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace")
    if isinstance(document, dict) and "error" in document:
        return " - ".join(str(document[key]) for key in ("error", "error_description") if key in document)
    return body[:200].decode("utf-8", "replace")


def _checked_url(value: object, name: str, allow_http: bool) -> str:
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise OidcLoginError(f"discovery: {name} is missing or not an http(s) URL")
    if value.startswith("http://") and not allow_http:
        raise OidcLoginError(f"discovery: {name} {value} is not https")
    return value


def is_loopback_http(url: str) -> bool:
    """Whether ``url`` is plain http to this machine (allowed for issuers run locally)."""
    return any(url.startswith(f"http://{host}") for host in ("127.0.0.1", "localhost", "[::1]"))


def discover(issuer: str) -> ProviderEndpoints:
    """The provider's endpoints from ``ISSUER/.well-known/openid-configuration``."""
    allow_http = is_loopback_http(issuer)
    _checked_url(issuer, "the issuer", allow_http)
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    document = _read_json(_request(url), "discovery")
    if document.get("issuer") != issuer.rstrip("/") and document.get("issuer") != issuer:
        raise OidcLoginError(
            f"discovery: the document at {url} names issuer {document.get('issuer')!r}, not {issuer}"
        )
    return ProviderEndpoints(
        issuer=str(document["issuer"]),
        authorization_endpoint=_checked_url(
            document.get("authorization_endpoint"), "authorization_endpoint", allow_http
        ),
        token_endpoint=_checked_url(document.get("token_endpoint"), "token_endpoint", allow_http),
    )


@dataclass(frozen=True)
class AuthorizationRequest:
    """What the browser is sent to, and what must come back."""

    url: str
    issuer: str
    state: str
    nonce: str
    redirect_uri: str
    pkce: Pkce


def authorization_request(
    endpoints: ProviderEndpoints, client_id: str, redirect_uri: str, scopes: str = "openid"
) -> AuthorizationRequest:
    pkce = Pkce.new()
    state = secrets.token_urlsafe(24)
    nonce = secrets.token_urlsafe(24)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": pkce.challenge,
            "code_challenge_method": "S256",
        }
    )
    separator = "&" if "?" in endpoints.authorization_endpoint else "?"
    return AuthorizationRequest(
        f"{endpoints.authorization_endpoint}{separator}{query}",
        endpoints.issuer,
        state,
        nonce,
        redirect_uri,
        pkce,
    )


def code_from_redirect(request: AuthorizationRequest, params: dict[str, str]) -> str:
    """The authorization code, once the redirect is known to answer this very request."""
    if not hmac.compare_digest(params.get("state", ""), request.state):
        raise OidcLoginError(
            "sign-in: the redirect's state does not match this login (a stale or forged redirect)"
        )
    if "iss" in params and params["iss"] != request.issuer:  # RFC 9207: another provider's answer
        raise OidcLoginError(
            f"sign-in: the redirect comes from issuer {params['iss']!r}, not {request.issuer}"
        )
    if "error" in params:
        description = params.get("error_description", "")
        raise OidcLoginError(
            f"sign-in: the provider refused: {params['error']}{' - ' + description if description else ''}"
        )
    code = params.get("code", "")
    if not code:
        raise OidcLoginError("sign-in: the redirect carries no authorization code")
    return code


def exchange_code(
    endpoints: ProviderEndpoints, client_id: str, request: AuthorizationRequest, code: str
) -> str:
    """The ID token the token endpoint gives for ``code`` (a public client: no secret, PKCE)."""
    body = urlencode(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": request.redirect_uri,
            "client_id": client_id,
            "code_verifier": request.pkce.verifier,
        }
    ).encode("ascii")
    answer = _read_json(_request(endpoints.token_endpoint, body), "token")
    token = answer.get("id_token")
    if not isinstance(token, str) or not token:
        raise OidcLoginError("token: the provider's answer has no id_token (is the openid scope allowed?)")
    nonce = unverified_claims(token).get("nonce")
    if not isinstance(nonce, str) or not hmac.compare_digest(nonce, request.nonce):
        raise OidcLoginError("token: the ID token's nonce is not this login's (a replayed or foreign token)")
    return token


def sign_in(
    issuer: str,
    client_id: str,
    open_browser: Callable[[str], None],
    timeout: float = 300.0,
    redirect_port: int = 0,
) -> str:
    """The whole flow: an ID token for the person who signs in through the browser.

    ``redirect_port`` 0 listens on a port the system picks; providers that follow RFC 8252
    section 7.3 accept ``http://127.0.0.1:<any port>/callback`` for a native client.
    """
    endpoints = discover(issuer)
    request: AuthorizationRequest | None = None

    def judge(params: dict[str, str]) -> str | None:
        """What the browser is told: nothing is wrong, or the refusal the terminal shows too."""
        try:
            if request is None:  # no browser was sent yet: this is not its answer
                raise OidcLoginError("sign-in: no sign-in was started yet")
            code_from_redirect(request, params)
        except OidcLoginError as error:
            return str(error)
        return None

    try:
        redirect = LoopbackRedirect(judge, redirect_port)
    except OSError as error:
        raise OidcLoginError(
            f"sign-in: cannot listen on 127.0.0.1:{redirect_port} for the redirect: {error.strerror or error}"
        ) from None
    try:
        request = authorization_request(endpoints, client_id, redirect.uri)
        open_browser(request.url)
        params = redirect.wait(timeout)
    except RedirectTimeout:
        raise OidcLoginError(
            f"sign-in: nobody signed in within {timeout:g} seconds (the browser did not come back to "
            f"{redirect.uri}); run the command again to start a new sign-in"
        ) from None
    finally:
        redirect.close()
    return exchange_code(endpoints, client_id, request, code_from_redirect(request, params))


def unverified_claims(token: str) -> dict[str, Any]:
    """A JWT's payload, read but not verified (empty when it is not a JWT).

    Only for what the client compares or shows: the token came straight from the provider's
    token endpoint, and STS verifies its signature before it grants anything.
    """
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def subject_of(token: str) -> str:
    """Who the token names (``preferred_username``, ``email`` or ``sub``), to label the session.

    Read without verifying: the name only labels the role session, and STS verifies the token
    itself before anything is granted.
    """
    claims = unverified_claims(token)
    for claim in ("preferred_username", "email", "sub"):
        if isinstance(claims.get(claim), str) and claims[claim]:
            return str(claims[claim])
    return ""
