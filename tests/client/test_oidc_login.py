"""The OIDC login flow's own checks, without a provider: PKCE, state, the loopback redirect."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from credo.client import oidc_login
from credo.client.loopback_redirect import LoopbackRedirect, RedirectTimeout

ENDPOINTS = oidc_login.ProviderEndpoints(
    "https://idp.example.com", "https://idp.example.com/auth", "https://idp.example.com/token"
)


def test_pkce_s256_matches_rfc_7636() -> None:
    """The S256 challenge of RFC 7636's appendix B verifier is the one the RFC gives."""
    pkce = oidc_login.Pkce.of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    assert pkce.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert oidc_login.Pkce.new().verifier != oidc_login.Pkce.new().verifier


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"code": "c", "state": "other"}, "state does not match"),
        ({"code": "c"}, "state does not match"),
        ({"error": "access_denied", "error_description": "no", "state": None}, "access_denied - no"),
        ({"state": None}, "no authorization code"),
        ({"code": "c", "state": None, "iss": "https://evil.example.com"}, "from issuer 'https://evil"),
    ],
)
def test_redirect_is_checked(params: dict[str, str | None], message: str) -> None:
    """A redirect with another state, an error, or no code is refused with what went wrong."""
    request = oidc_login.authorization_request(ENDPOINTS, "cli", "http://127.0.0.1:1/callback")
    sent = {name: request.state if value is None else value for name, value in params.items()}
    with pytest.raises(oidc_login.OidcLoginError, match=message):
        oidc_login.code_from_redirect(request, sent)


def test_a_redirect_naming_this_issuer_gives_its_code() -> None:
    """RFC 9207: an ``iss`` that is the provider's own is accepted with the state."""
    request = oidc_login.authorization_request(ENDPOINTS, "cli", "http://127.0.0.1:1/callback")
    params = {"code": "c", "state": request.state, "iss": "https://idp.example.com"}
    assert oidc_login.code_from_redirect(request, params) == "c"


def test_authorization_url_carries_pkce_and_state() -> None:
    """The browser is sent with response_type=code, the S256 challenge, the state and a nonce."""
    request = oidc_login.authorization_request(ENDPOINTS, "cli", "http://127.0.0.1:1/callback")
    assert request.url.startswith("https://idp.example.com/auth?response_type=code&client_id=cli&")
    for part in (
        f"state={request.state}",
        f"code_challenge={request.pkce.challenge}",
        "code_challenge_method=S256",
    ):
        assert part in request.url
    assert "nonce=" in request.url and request.pkce.verifier not in request.url


def test_loopback_takes_one_redirect_on_127_0_0_1() -> None:
    """The receiver listens on 127.0.0.1 only, answers the callback once, and hands over its query."""
    redirect = LoopbackRedirect()
    assert redirect.uri.startswith("http://127.0.0.1:") and redirect.uri.endswith("/callback")
    with urllib.request.urlopen(redirect.uri + "?code=abc&state=xyz", timeout=5) as answer:
        assert b"You can close this window" in answer.read()
    assert redirect.wait(5) == {"code": "abc", "state": "xyz"}


def test_loopback_shows_the_browser_what_went_wrong() -> None:
    """A response the caller refuses gets a "Sign-in failed" page with the reason, escaped; later requests 404."""
    redirect = LoopbackRedirect(lambda params: f"refused: {params['error']}")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(redirect.uri + "?error=%3Cb%3Eno%3C/b%3E", timeout=5)
    page = caught.value.read().decode()
    caught.value.close()
    assert caught.value.code == 400
    assert "<h1>Sign-in failed</h1>" in page and "refused: &lt;b&gt;no&lt;/b&gt;" in page
    assert "You can close this window" in page
    with pytest.raises(urllib.error.HTTPError) as again:
        urllib.request.urlopen(redirect.uri + "?code=other", timeout=5)
    again.value.close()
    assert again.value.code == 404
    assert redirect.wait(5) == {"error": "<b>no</b>"}


def test_loopback_times_out() -> None:
    """Nobody comes back: a clear timeout, and the port is released."""
    with pytest.raises(RedirectTimeout, match="no sign-in came back"):
        LoopbackRedirect().wait(0.1)


@pytest.mark.parametrize(
    ("issuer", "message"),
    [
        ("http://idp.example.com", "is not https"),
        ("ftp://idp.example.com", "not an http"),
        ("http://127.0.0.1:1", "cannot reach"),
    ],
)
def test_discovery_refuses_bad_issuers(issuer: str, message: str) -> None:
    """Plain http only to this machine, and an unreachable provider is a clear error."""
    with pytest.raises(oidc_login.OidcLoginError, match=message):
        oidc_login.discover(issuer)


def test_login_oidc_says_what_is_missing(tmp_path: object) -> None:
    """``credo login oidc`` without issuer, client id or role names each missing option; exit 255."""
    import os
    import subprocess

    from tests.cli.conftest import CREDO

    env = {
        **os.environ,
        "AWS_CONFIG_FILE": f"{tmp_path}/config",
        "AWS_SHARED_CREDENTIALS_FILE": f"{tmp_path}/creds",
    }
    done = subprocess.run(
        [CREDO, "login", "oidc", "--profile", "dev"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 255
    assert (
        done.stderr.strip()
        == "Missing --issuer, --client-id, --role (not given, and not kept in profile dev)"
    )
