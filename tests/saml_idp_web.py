"""pysaml2's IdP behind a web sign-in form, on loopback: what ``credo login saml`` signs in to.

Shaped like the form-based IdPs saml2aws handles (Shibboleth's ``j_username`` / ``j_password``
page, a CSRF field tied to a cookie, a session cookie once signed in): the IdP-initiated URL
for AWS redirects to the sign-in form, and once signed in answers with the page that posts the
signed ``SAMLResponse`` to AWS's sign-in endpoint with a script, as real IdPs do. A wrong
password shows the form again with an error. Every response is pysaml2's own, signed by xmlsec1.
"""

from __future__ import annotations

import html
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.saml_idp import AWS_SIGNIN, SamlIdP

SIGN_IN_PATH = "/idp/profile/SAML2/Unsolicited/SSO"


@dataclass
class WebIdP:
    """The running web front of a ``SamlIdP``; ``users`` maps a name to (password, attributes)."""

    idp: SamlIdP
    url: str = ""
    # Where the signed response is posted (its Recipient and Destination): AWS's sign-in endpoint,
    # or a credo server's own /saml; and the RelayState posted with it.
    acs: str = AWS_SIGNIN
    relay_state: str = ""
    users: dict[str, tuple[str, Callable[[], dict[str, list[str]]]]] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)
    # Every form the IdP received, for tests that check what the client sent.
    received: list[dict[str, list[str]]] = field(default_factory=list)

    @property
    def sign_in_url(self) -> str:
        return self.url + SIGN_IN_PATH + "?providerId=urn%3Aamazon%3Awebservices"


def _login_page(csrf: str, error: str = "") -> str:
    alert = f'<p class="form-error">{html.escape(error)}</p>' if error else ""
    return (
        "<!DOCTYPE html><html><head><title>Web Login Service</title></head><body>"
        f"<h1>Web Login Service</h1>{alert}"
        '<form action="/idp/login" method="post">'
        f'<input type="hidden" name="csrf_token" value="{csrf}">'
        '<label for="username">Username</label><input id="username" name="j_username" type="text">'
        '<label for="password">Password</label><input id="password" name="j_password" type="password">'
        '<input type="checkbox" name="donotcache" value="1">'
        '<button type="submit" name="_eventId_proceed">Login</button>'
        "</form></body></html>"
    )


def _post_page(saml_response: str, acs: str, relay_state: str) -> str:
    return (
        '<!DOCTYPE html><html><body onload="document.forms[0].submit()">'
        "<noscript><p>Your browser does not run scripts: press Continue.</p></noscript>"
        f'<form action="{html.escape(acs)}" method="post">'
        f'<input type="hidden" name="SAMLResponse" value="{saml_response}">'
        f'<input type="hidden" name="RelayState" value="{html.escape(relay_state)}">'
        '<noscript><input type="submit" value="Continue"></noscript>'
        "</form></body></html>"
    )


def _handler(web: WebIdP) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet test output
            pass

        def _cookies(self) -> dict[str, str]:
            jar = SimpleCookie(self.headers.get("Cookie", ""))
            return {name: morsel.value for name, morsel in jar.items()}

        def _send(self, status: int, body: str = "", headers: dict[str, str] | None = None) -> None:
            payload = body.encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _show_login(self, error: str = "") -> None:
            csrf = secrets.token_urlsafe(16)
            cookie = f"idp_csrf={csrf}; Path=/idp; HttpOnly"
            self._send(200, _login_page(csrf, error), {"Set-Cookie": cookie})

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/idp/login":
                self._show_login()
            elif path == SIGN_IN_PATH:
                user = web.sessions.get(self._cookies().get("idp_session", ""))
                if user is None:
                    self._send(302, headers={"Location": "/idp/login"})
                    return
                attributes = web.users[user][1]()
                saml_response = web.idp.response(recipient=web.acs, attributes=attributes)
                self._send(200, _post_page(saml_response, web.acs, web.relay_state))
            else:
                self._send(404, "not here")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = parse_qs(self.rfile.read(length).decode())
            web.received.append(form)
            cookies = self._cookies()
            if urlsplit(self.path).path != "/idp/login":
                self._send(404, "not here")
            elif form.get("csrf_token", [""])[0] != cookies.get("idp_csrf") or not cookies.get("idp_csrf"):
                self._send(403, "CSRF check failed")
            else:
                name = form.get("j_username", [""])[0]
                password = form.get("j_password", [""])[0]
                known = web.users.get(name)
                if known is None or not secrets.compare_digest(known[0], password):
                    self._show_login("The password you entered was incorrect.")
                    return
                session = secrets.token_urlsafe(16)
                web.sessions[session] = name
                cookie = f"idp_session={session}; Path=/idp; HttpOnly"
                self._send(302, headers={"Location": SIGN_IN_PATH, "Set-Cookie": cookie})

    return Handler


@contextmanager
def running_web_idp(idp: SamlIdP, acs: str = AWS_SIGNIN, relay_state: str = "") -> Iterator[WebIdP]:
    """Serve ``idp``'s sign-in form on a free loopback port until the block ends, posting to ``acs``."""
    web = WebIdP(idp, acs=acs, relay_state=relay_state)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(web))
    web.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield web
    finally:
        httpd.shutdown()
        httpd.server_close()
