"""sso-oidc as botocore's client sees it: RegisterClient, the device code flow, the authorization
code flow with PKCE, refresh-token rotation, and AWS's errors for every wrong input, never a 500."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import botocore.exceptions
import httpx
import pytest

from tests.conftest import Server, error_of
from tests.sso.portal.support import (
    DEVICE_GRANT,
    answer_device,
    csrf_of,
    device_token,
    hidden_fields,
    oidc,
    portal,
    sign_in,
)

REDIRECT = "http://127.0.0.1/oauth/callback"


def test_register_client_answers_with_a_secret_good_for_90_days(server: Server) -> None:
    """RegisterClient gives a client id, a secret and AWS's 90-day expiry."""
    answer = oidc(server).register_client(
        clientName="cli", clientType="public", scopes=["sso:account:access"]
    )
    assert answer["clientId"] and len(answer["clientSecret"]) >= 64
    assert answer["clientSecretExpiresAt"] - answer["clientIdIssuedAt"] == 90 * 86400


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"clientType": "confidential"}, "InvalidClientMetadataException"),
        ({"grantTypes": ["password"]}, "UnsupportedGrantTypeException"),
        ({"grantTypes": ["authorization_code"]}, "InvalidRedirectUriException"),
        (
            {"grantTypes": ["authorization_code"], "redirectUris": ["https://evil.example/cb"]},
            "InvalidRedirectUriException",
        ),
        ({"redirectUris": ["http://127.0.0.1/cb#fragment"]}, "InvalidRedirectUriException"),
        ({"scopes": ["two words"]}, "InvalidScopeException"),
        ({"scopes": [f"s{n}" for n in range(30)]}, "InvalidScopeException"),
    ],
)
def test_register_client_refusals(server: Server, extra: dict[str, Any], code: str) -> None:
    """Registrations credo cannot serve are refused with sso-oidc's codes."""
    params = {"clientName": "cli", "clientType": "public", **extra}
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        oidc(server).register_client(**params)
    assert error_of(caught)[0] == code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def _registered(server: Server, **extra: Any) -> dict[str, str]:
    answer = oidc(server).register_client(
        clientName="cli", clientType="public", scopes=["sso:account:access"], **extra
    )
    return {"clientId": answer["clientId"], "clientSecret": answer["clientSecret"]}


def test_device_flow_is_pending_then_slow_then_gives_one_token(
    browser: Callable[[], httpx.Client], server: Server, alice: None
) -> None:
    """Polling before the answer is authorization_pending (slow_down when too fast); once allowed
    the device code gives one token, and again it is invalid_grant."""
    client = oidc(server)
    registration = _registered(server)
    started = client.start_device_authorization(**registration, startUrl=server.endpoint + "/start")
    assert started["expiresIn"] == 600 and started["interval"] == 1
    assert started["verificationUriComplete"].endswith("?user_code=" + started["userCode"])
    assert started["userCode"][4] == "-" and len(started["userCode"]) == 9
    poll = {**registration, "grantType": DEVICE_GRANT, "deviceCode": started["deviceCode"]}
    with pytest.raises(client.exceptions.AuthorizationPendingException):
        client.create_token(**poll)
    with pytest.raises(client.exceptions.SlowDownException):
        client.create_token(**poll)
    answer_device(browser(), started["verificationUriComplete"])
    token = client.create_token(**poll)
    # As long as the sign-in on the device page (8 hours), less the seconds since that sign-in.
    assert token["tokenType"] == "Bearer" and 8 * 3600 - 60 <= token["expiresIn"] <= 8 * 3600
    assert "refreshToken" not in token
    with pytest.raises(client.exceptions.InvalidGrantException):
        client.create_token(**poll)


def test_device_flow_denied_and_expired(
    browser: Callable[[], httpx.Client], server: Server, alice: None
) -> None:
    """A denied request is access_denied; an unanswered one is expired_token after ten minutes."""
    client = oidc(server)
    registration = _registered(server)
    denied = client.start_device_authorization(**registration, startUrl=server.endpoint + "/start")
    answer_device(browser(), denied["verificationUriComplete"], decision="deny")
    with pytest.raises(client.exceptions.AccessDeniedException):
        client.create_token(**registration, grantType=DEVICE_GRANT, deviceCode=denied["deviceCode"])
    waiting = client.start_device_authorization(**registration, startUrl=server.endpoint + "/start")
    server.advance_clock(601)
    with pytest.raises(client.exceptions.ExpiredTokenException):
        client.create_token(**registration, grantType=DEVICE_GRANT, deviceCode=waiting["deviceCode"])


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"clientSecret": "wrong"}, "InvalidClientException"),
        ({"clientId": "nobody"}, "InvalidClientException"),
        ({"deviceCode": "made-up"}, "InvalidGrantException"),
        ({"grantType": "password"}, "UnsupportedGrantTypeException"),
        ({"grantType": "refresh_token"}, "InvalidRequestException"),
        (
            {
                "grantType": "authorization_code",
                "code": "x",
                "redirectUri": REDIRECT,
                "codeVerifier": "v" * 43,
            },
            "UnauthorizedClientException",
        ),
    ],
)
def test_create_token_refusals(server: Server, change: dict[str, str], code: str) -> None:
    """Wrong client credentials, device codes and grants get sso-oidc's codes."""
    client = oidc(server)
    registration = _registered(server)
    started = client.start_device_authorization(**registration, startUrl=server.endpoint + "/start")
    params = {**registration, "grantType": DEVICE_GRANT, "deviceCode": started["deviceCode"], **change}
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client.create_token(**params)
    assert error_of(caught)[0] == code


def test_another_clients_device_code_is_refused(server: Server) -> None:
    """A device code works only for the registration it was issued to."""
    client = oidc(server)
    first, second = _registered(server), _registered(server)
    started = client.start_device_authorization(**first, startUrl=server.endpoint + "/start")
    with pytest.raises(client.exceptions.InvalidGrantException):
        client.create_token(**second, grantType=DEVICE_GRANT, deviceCode=started["deviceCode"])


@pytest.mark.parametrize(
    "start_url", ["https://d-123.awsapps.com/portal", "not a url", "http://127.0.0.1:1/elsewhere"]
)
def test_device_authorization_needs_this_portals_start_url(server: Server, start_url: str) -> None:
    """StartDeviceAuthorization for a start URL that is not credo's /start is InvalidRequestException."""
    client = oidc(server)
    with pytest.raises(client.exceptions.InvalidRequestException):
        client.start_device_authorization(**_registered(server), startUrl=start_url)


def test_errors_on_the_wire_are_awss(server: Server) -> None:
    """HTTP 400, x-amzn-ErrorType and {error, error_description}, as AWS answers a pending poll."""
    registration = _registered(server)
    started = oidc(server).start_device_authorization(**registration, startUrl=server.endpoint + "/start")
    reply = httpx.post(
        server.endpoint + "/token",
        json={**registration, "grantType": DEVICE_GRANT, "deviceCode": started["deviceCode"]},
    )
    assert reply.status_code == 400
    assert reply.headers["x-amzn-ErrorType"] == "AuthorizationPendingException"
    assert reply.json()["error"] == "authorization_pending" and "error_description" in reply.json()
    assert reply.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "/token", b"x" * 200_000, 400, "InvalidRequestException"),
        ("POST", "/token", b"{not json", 400, "InvalidRequestException"),
        ("POST", "/token", b"[1, 2]", 400, "InvalidRequestException"),
        (
            "POST",
            "/token",
            b'{"clientId": 5, "clientSecret": "s", "grantType": "g"}',
            400,
            "InvalidRequestException",
        ),
        ("POST", "/token", b"{}", 400, "InvalidRequestException"),
        (
            "POST",
            "/client/register",
            b'{"clientName": "' + b"n" * 100_000 + b'"}',
            400,
            "InvalidRequestException",
        ),
        (
            "POST",
            "/client/register",
            b'{"clientName": "x", "clientType": "public", "scopes": "one"}',
            400,
            "InvalidRequestException",
        ),
        (
            "POST",
            "/device_authorization",
            b'{"clientId": "a", "clientSecret": "b", "startUrl": "c"}',
            401,
            "InvalidClientException",
        ),
        (
            "POST",
            "/token",
            b'{"clientId": "a", "clientSecret": "b", "grantType": "urn:ietf:params:oauth:grant-type:device_code", "deviceCode": "\\ud800"}',
            400,
            "InvalidRequestException",
        ),
    ],
)
def test_hostile_requests_get_aws_errors(
    server: Server, method: str, path: str, body: bytes, status: int, code: str
) -> None:
    """Huge, malformed or mistyped bodies are sso-oidc errors, never a 500."""
    reply = httpx.request(
        method, server.endpoint + path, content=body, headers={"content-type": "application/json"}
    )
    assert (reply.status_code, reply.headers.get("x-amzn-ErrorType")) == (status, code), reply.text


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _authorize(
    server: Server, registration: dict[str, str], redirect: str, challenge: str, **extra: str
) -> str:
    """The /authorize URL the aws CLI builds."""
    query = {
        "response_type": "code",
        "client_id": registration["clientId"],
        "redirect_uri": redirect,
        "state": "state-123",
        "code_challenge_method": "S256",
        "scopes": "sso:account:access",
        "code_challenge": challenge,
        **extra,
    }
    return f"{server.endpoint}/authorize?{urlencode(query)}"


def _allow(client: httpx.Client, url: str) -> httpx.Response:
    """Sign in on the way to /authorize, then Allow; the redirect to the loopback, not followed."""
    page = sign_in(client, url)
    assert "Allow" in page.text, page.text
    fields = {**hidden_fields(page.text), "csrf_token": csrf_of(page.text), "decision": "allow"}
    return client.post("/authorize", data=fields, follow_redirects=False)


def _pkce_client(server: Server) -> dict[str, str]:
    return _registered(
        server,
        grantTypes=["authorization_code", "refresh_token"],
        redirectUris=[REDIRECT],
        issuerUrl=server.endpoint + "/start",
    )


def test_authorization_code_with_pkce_then_refresh_rotation(
    browser: Callable[[], httpx.Client], server: Server, alice: None
) -> None:
    """/authorize sends the browser back (any loopback port) with code and state; CreateToken with
    the verifier gives an hour's token and a refresh token; refreshing replaces both."""
    client = oidc(server)
    registration = _pkce_client(server)
    verifier, challenge = _pkce()
    redirect = "http://127.0.0.1:54321/oauth/callback"
    back = _allow(browser(), _authorize(server, registration, redirect, challenge))
    assert back.status_code == 302
    location = urlsplit(back.headers["location"])
    query = parse_qs(location.query)
    assert (location.netloc, location.path, query["state"]) == (
        "127.0.0.1:54321",
        "/oauth/callback",
        ["state-123"],
    )
    code = query["code"][0]
    grant = {**registration, "grantType": "authorization_code", "redirectUri": redirect, "code": code}
    token = client.create_token(**grant, codeVerifier=verifier)
    assert token["expiresIn"] == 3600 and token["refreshToken"].startswith("aor")
    with pytest.raises(client.exceptions.InvalidGrantException):
        client.create_token(**grant, codeVerifier=verifier)  # a code is good once
    refreshed = client.create_token(
        **registration, grantType="refresh_token", refreshToken=token["refreshToken"]
    )
    assert (
        refreshed["accessToken"] != token["accessToken"]
        and refreshed["refreshToken"] != token["refreshToken"]
    )
    with pytest.raises(client.exceptions.InvalidGrantException):
        client.create_token(**registration, grantType="refresh_token", refreshToken=token["refreshToken"])
    sso = portal(server)
    with pytest.raises(sso.exceptions.UnauthorizedException):
        sso.list_accounts(accessToken=token["accessToken"])
    assert sso.list_accounts(accessToken=refreshed["accessToken"])["accountList"]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"codeVerifier": "wrong-" + "v" * 50}, "verifier"),
        ({"redirectUri": "http://127.0.0.1:1/other"}, "redirect"),
    ],
)
def test_authorization_code_refusals(
    browser: Callable[[], httpx.Client], server: Server, alice: None, change: dict[str, str], why: str
) -> None:
    """A wrong PKCE verifier or another redirect URI is invalid_grant, and uses the code up."""
    client = oidc(server)
    registration = _pkce_client(server)
    verifier, challenge = _pkce()
    back = _allow(browser(), _authorize(server, registration, REDIRECT, challenge))
    code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
    grant = {
        **registration,
        "grantType": "authorization_code",
        "redirectUri": REDIRECT,
        "code": code,
        "codeVerifier": verifier,
    }
    with pytest.raises(client.exceptions.InvalidGrantException):
        client.create_token(**{**grant, **change})
    with pytest.raises(client.exceptions.InvalidGrantException):
        client.create_token(**grant)


@pytest.mark.parametrize(
    "redirect",
    [
        "http://127.0.0.1:9/elsewhere",
        "https://evil.example/oauth/callback",
        "http://127.0.0.2/oauth/callback",
    ],
)
def test_authorize_never_redirects_to_an_unregistered_uri(
    browser: Callable[[], httpx.Client], server: Server, redirect: str
) -> None:
    """A redirect_uri the registration does not list gets an error page, not a redirect."""
    registration = _pkce_client(server)
    reply = browser().get(_authorize(server, registration, redirect, _pkce()[1]), follow_redirects=False)
    assert reply.status_code == 400 and "not valid" in reply.text
    unknown = browser().get(
        _authorize(server, {"clientId": "nobody"}, REDIRECT, _pkce()[1]), follow_redirects=False
    )
    assert unknown.status_code == 400


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scopes": "sso:account:access admin:everything"}, "invalid_scope"),
    ],
)
def test_authorize_problems_go_back_to_the_client(
    browser: Callable[[], httpx.Client], server: Server, extra: dict[str, str], error: str
) -> None:
    """Other problems are sent back to the registered redirect URI as error=… with the state."""
    registration = _pkce_client(server)
    reply = browser().get(
        _authorize(server, registration, REDIRECT, _pkce()[1], **extra), follow_redirects=False
    )
    assert reply.status_code == 302
    query = parse_qs(urlsplit(reply.headers["location"]).query)
    assert (query["error"], query["state"]) == ([error], ["state-123"])


def test_authorize_deny_and_forged_form(
    browser: Callable[[], httpx.Client], server: Server, alice: None
) -> None:
    """Deny sends error=access_denied back; a POST without the sign-in's CSRF token is refused."""
    registration = _pkce_client(server)
    client = browser()
    page = sign_in(client, _authorize(server, registration, REDIRECT, _pkce()[1]))
    fields = hidden_fields(page.text)
    forged = client.post(
        "/authorize", data={**fields, "csrf_token": "forged", "decision": "allow"}, follow_redirects=False
    )
    assert forged.status_code == 403
    denied = client.post("/authorize", data={**fields, "decision": "deny"}, follow_redirects=False)
    assert parse_qs(urlsplit(denied.headers["location"]).query)["error"] == ["access_denied"]


def test_refresh_token_only_for_clients_registered_for_it(
    browser: Callable[[], httpx.Client], server: Server, alice: None
) -> None:
    """A device client registered with refresh_token gets an hour's token and a refresh token."""
    token = device_token(server, browser(), grant_types=[DEVICE_GRANT, "refresh_token"])
    assert token["expiresIn"] == 3600 and token["refreshToken"].startswith("aor")
