"""OpenID Connect identity providers for the web identity tests, both on loopback.

``oidc_idp``: the certified node ``oidc-provider`` (tests/oidc_idp, installed with ``npm ci`` when
its node_modules is missing), issuing RFC 9068 JWT access tokens through the client credentials
grant. ``jwks_server``: a small stand-in IdP whose keys and misbehaviour (slow, down, huge,
garbage) each test chooses, for tokens the tests sign themselves with joserfc.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
import ssl
import subprocess
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from tests.conftest import free_port

IDP_DIR = Path(__file__).parent / "oidc_idp"
CLIENT_SECRET = "credo-test-secret-credo-test-secret"
DEFAULT_AUDIENCE = "urn:credo:sts"


@dataclass
class OidcIdp:
    """The running oidc-provider: its issuer URL, and tokens from its token endpoint."""

    issuer: str
    process: subprocess.Popen[bytes]

    @property
    def location(self) -> str:
        """The issuer without its scheme: the OIDC provider's name in ARNs and condition keys."""
        return self.issuer.removeprefix("http://")

    def token(self, client_id: str = "ci-runner", audience: str | None = None) -> str:
        """A JWT access token from the client credentials grant, for ``audience`` (a resource)."""
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": CLIENT_SECRET}
        if audience is not None:
            form["resource"] = audience if ":" in audience else f"urn:aud:{audience}"
        request = urllib.request.Request(self.issuer + "/token", data=urllib.parse.urlencode(form).encode())
        with urllib.request.urlopen(request, timeout=30) as response:
            return str(json.loads(response.read())["access_token"])


def _install_idp() -> None:
    """``npm ci`` in tests/oidc_idp unless its packages are there (CI starts from a clean clone)."""
    if (IDP_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to install the test OpenID Connect provider (tests/oidc_idp)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=IDP_DIR, check=True, timeout=600)


@pytest.fixture(scope="session")
def oidc_idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcIdp]:
    """node's oidc-provider on a free loopback port for the whole session."""
    _install_idp()
    port = free_port()
    log_path = tmp_path_factory.mktemp("oidc-idp") / "idp.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["node", "server.js"],
            cwd=IDP_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PORT": str(port)},
        )
    idp = OidcIdp(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail(f"oidc-provider exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(idp.issuer + "/.well-known/openid-configuration", timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"oidc-provider did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
    yield idp
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- a stand-in IdP for tokens the tests sign themselves ---------------------------------------


def rsa_signing_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": uuid.uuid4().hex, "use": "sig"})


def ec_signing_key() -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": uuid.uuid4().hex, "use": "sig"})


def public_jwks(*keys: RSAKey | ECKey) -> dict[str, Any]:
    return {"keys": [key.as_dict(private=False) for key in keys]}


def sign(claims: Mapping[str, Any], key: RSAKey | ECKey, alg: str = "RS256", **header: Any) -> str:
    """A compact JWS of ``claims`` signed by ``key``, its kid in the header unless overridden."""
    return jwt.encode({"alg": alg, "kid": key.kid, **header}, dict(claims), key, algorithms=[alg])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_token(claims: Mapping[str, Any]) -> str:
    """``alg: none``: a JWT with an empty signature."""
    return f"{_b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{_b64(json.dumps(claims).encode())}."


def hmac_with_public_key(claims: Mapping[str, Any], key: RSAKey) -> str:
    """The classic confusion attack: HS256 keyed with the issuer's public key (as its JWKS shows it)."""
    header = _b64(json.dumps({"alg": "HS256", "kid": key.kid}).encode())
    body = _b64(json.dumps(claims).encode())
    secret = json.dumps(key.as_dict(private=False)).encode()
    mac = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64(mac)}"


@dataclass
class Behaviour:
    """What one stand-in issuer answers: its keys, or a failure."""

    jwks: dict[str, Any] = field(default_factory=lambda: {"keys": []})
    status: int = 200
    body: bytes | None = None  # answered instead of the JWKS
    # The JWKS answer waits for this event (set by the test, or at shutdown).
    hold: threading.Event | None = None
    fetches: int = 0
    # Set when the JWKS is asked for (before any hold).
    asked: threading.Event = field(default_factory=threading.Event)


class JwksServer:
    """Issuers at ``http://127.0.0.1:PORT/NAME`` with discovery and a JWKS each (https with ``tls``)."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.issuers: dict[str, Behaviour] = {}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                name, _, rest = self.path.lstrip("/").partition("/")
                behaviour = owner.issuers.get(name)
                if behaviour is None:
                    self.send_error(404)
                    return
                if rest == ".well-known/openid-configuration":
                    issuer = owner.issuer(name)
                    self._send(200, json.dumps({"issuer": issuer, "jwks_uri": issuer + "/jwks"}).encode())
                    return
                behaviour.fetches += 1
                behaviour.asked.set()
                if behaviour.hold is not None:
                    behaviour.hold.wait(30)
                body = behaviour.body if behaviour.body is not None else json.dumps(behaviour.jwks).encode()
                self._send(behaviour.status, body)

            def _send(self, status: int, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up waiting

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            # A client refusing the certificate ends its handshake; accept() then fails, as an OSError.
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def issuer(self, name: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/{name}"

    def add(self, behaviour: Behaviour | None = None) -> tuple[str, Behaviour]:
        """A new issuer (a fresh name, so no cache of credo's knows it): its URL and behaviour."""
        name = uuid.uuid4().hex[:12]
        self.issuers[name] = behaviour or Behaviour()
        return self.issuer(name), self.issuers[name]

    def close(self) -> None:
        for behaviour in self.issuers.values():
            if behaviour.hold is not None:
                behaviour.hold.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def jwks_server() -> Iterator[JwksServer]:
    """The stand-in IdP for the whole session."""
    server = JwksServer()
    yield server
    server.close()
