"""What every console route shares: templates, the session of a request, forms, CSRF, headers."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

import anyio.to_thread
import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from credo.call import Services
from credo.console import sessions
from credo.console.cookies import SESSION_COOKIE, CookieSigner, tokens_match
from credo.console.shown_once import ShownOnce
from credo.protocol import sigv4
from credo.server.api import client_ip

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
_MAX_FORM = 64 * 1024
_COOKIE_PURPOSE = b"console-cookies"

# No inline script or style, nothing from elsewhere, never framed, never cached.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
)


class Console:
    """The long-lived parts the console's routes share."""

    def __init__(self, services: Services) -> None:
        self.services = services
        keyring = services.keyring
        self.signer = CookieSigner(keyring.derived_keys(_COOKIE_PURPOSE))
        keyring.on_change(lambda changed: self.signer.use(changed.derived_keys(_COOKIE_PURPOSE)))
        # New secrets (access keys, passwords, MFA setups) on their way to the one page that shows
        # them, in the store: that page may be served by another process.
        self.shown_once = ShownOnce(services)

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        body = _environment.get_template(template).render(**values)
        return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)

    async def session_of(self, request: Request) -> sessions.ConsoleSession | None:
        """The request's live console session, if its cookie names one."""
        cookie_id = self.signer.unsign(request.cookies.get(SESSION_COOKIE))
        if cookie_id is None:
            return None
        services = self.services

        def load() -> sessions.ConsoleSession | None:
            with services.store.write_quietly() as conn:
                return sessions.load(conn, services, cookie_id)

        return await anyio.to_thread.run_sync(load)

    def set_session_cookie(self, response: Response, request: Request, cookie_id: str) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            self.signer.sign(cookie_id),
            httponly=True,
            samesite="lax",
            secure=is_secure(request),
            path="/",
        )

    def source_ip(self, request: Request) -> str:
        headers = sigv4.read_headers(request.scope["headers"])
        return client_ip(request.scope, headers, self.services.settings.trusted_proxy_depth)


async def read_form(request: Request, max_bytes: int = _MAX_FORM) -> dict[str, str]:
    """A URL-encoded form body (no multipart: the console's forms never upload files)."""
    return dict(await read_form_pairs(request, max_bytes))


async def read_form_pairs(request: Request, max_bytes: int = _MAX_FORM) -> list[tuple[str, str]]:
    """The form's fields in order, repeated names kept (checkbox lists, rows of tags); none when
    the body is over ``max_bytes``."""
    body = await request.body()
    if len(body) > max_bytes:
        return []
    return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)


def csrf_ok(session: sessions.ConsoleSession, form: dict[str, str]) -> bool:
    return tokens_match(session.csrf_token, form.get("csrf_token"))


def forbidden(console: Console) -> HTMLResponse:
    """A state-changing request without a valid CSRF token: refused, nothing done."""
    return console.render("refused.html", status=403, title="Request refused")


def to_signin() -> RedirectResponse:
    return RedirectResponse("/signin", status_code=303)


def signin_url(request: Request, account: str) -> str:
    """The sign-in URL for IAM users of ``account`` (its alias, else its id), on the host the browser used."""
    return f"{request.url.scheme}://{request.url.netloc}/signin?account={quote(account, safe='')}"


def is_secure(request: Request) -> bool:
    return request.url.scheme == "https"
