"""What the portal's pages share: templates, the sign-in of a request, its cookie, CSRF, where to go back to.

The portal reuses the console's machinery (cookie signing, CSRF tokens for forms shown before
sign-in, security headers, stylesheet and copy buttons) with a cookie of its own: a portal
sign-in is an identity store user's, not an IAM principal's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import anyio.to_thread
import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from credo.call import Services
from credo.console.cookies import tokens_match
from credo.console.signed_out_forms import SignedOutForms
from credo.console.web import SECURITY_HEADERS, Console, is_secure
from credo.console.web import TEMPLATES as CONSOLE_TEMPLATES
from credo.sso import portal_sessions
from credo.sso.portal_sessions import PortalSession, Stage

TEMPLATES = Path(__file__).with_name("templates")
PORTAL_COOKIE = "credo-portal"
SIGNIN_COOKIE = "credo-portal-signin"
START = "/start"

_environment = jinja2.Environment(
    loader=jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(TEMPLATES), jinja2.FileSystemLoader(CONSOLE_TEMPLATES)]
    ),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


class Portal:
    """The long-lived parts the portal's pages share."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.console = Console(services)
        self.signin_forms = SignedOutForms(
            self.console, cookie=SIGNIN_COOKIE, path=START, purpose="portal-signin", render_page=self.render
        )

    def render(
        self, template: str, status: int = 200, headers: dict[str, str] | None = None, **values: Any
    ) -> HTMLResponse:
        values.setdefault("session", None)
        body = _environment.get_template(template).render(**values)
        return HTMLResponse(body, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})

    def message(
        self, title: str, text: str, status: int = 400, session: PortalSession | None = None
    ) -> HTMLResponse:
        return self.render("portal_message.html", status=status, title=title, text=text, session=session)

    async def session_of(self, request: Request, stage: Stage = "active") -> PortalSession | None:
        """The request's live portal sign-in at ``stage``, if its cookie names one: a sign-in still
        waiting for its MFA code reaches no page but the MFA step."""
        cookie_id = self.console.signer.unsign(request.cookies.get(PORTAL_COOKIE))
        if cookie_id is None:
            return None
        services = self.services

        def load() -> PortalSession | None:
            with services.store.write_quietly() as conn:
                return portal_sessions.load(conn, cookie_id, services.clock.now())

        session = await anyio.to_thread.run_sync(load)
        return session if session is not None and session.stage == stage else None

    def set_cookie(self, response: Response, request: Request, cookie_id: str) -> None:
        response.set_cookie(
            PORTAL_COOKIE,
            self.console.signer.sign(cookie_id),
            httponly=True,
            samesite="lax",
            secure=is_secure(request),
            path="/",
        )

    def source_ip(self, request: Request) -> str:
        return self.console.source_ip(request)


def csrf_ok(session: PortalSession, form: dict[str, str]) -> bool:
    return tokens_match(session.csrf_token, form.get("csrf_token"))


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a portal page or the authorize step of this server, else /start."""
    if not target or not target.isprintable() or not target.isascii() or "\\" in target:
        return START
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return START
    if parts.path == "/authorize" or parts.path == START or parts.path.startswith(START + "/"):
        return target
    return START


def to_start(next_page: str | None = None) -> RedirectResponse:
    """To the sign-in page (which comes back to ``next_page`` once signed in)."""
    target = START if not next_page or next_page == START else f"{START}?{urlencode({'next': next_page})}"
    return RedirectResponse(target, status_code=303)
