"""Forms shown before any console session exists: their CSRF token is tied to a cookie naming the browser.

The sign-in forms and the SAML role chooser have no session to hold a token, so a random id in
a signed, ``HttpOnly``, ``SameSite=Lax`` cookie names the browser and the form carries an HMAC
of it: a page on another site can neither read the cookie nor compute the token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from credo.console.cookies import new_id, tokens_match
from credo.console.web import Console, is_secure


class SignedOutForms:
    """Renders and checks the forms of one purpose, with the browser named by ``cookie`` (under ``path``)."""

    def __init__(
        self,
        console: Console,
        *,
        cookie: str,
        path: str,
        purpose: str,
        render_page: Callable[..., Response] | None = None,
    ) -> None:
        self.console = console
        self.cookie = cookie
        self.path = path
        self.purpose = purpose
        # The access portal's pages come from its own templates.
        self.render_page = render_page or console.render

    def render(self, request: Request, template: str, status: int = 200, **values: Any) -> Response:
        """The page with ``csrf_token`` for this browser (named now if it was not yet)."""
        signer = self.console.signer
        browser_id = signer.unsign(request.cookies.get(self.cookie))
        fresh = browser_id is None
        browser_id = browser_id or new_id()
        response = self.render_page(
            template, status=status, csrf_token=signer.form_token(browser_id, self.purpose), **values
        )
        if fresh:
            response.set_cookie(
                self.cookie,
                signer.sign(browser_id),
                httponly=True,
                samesite="lax",
                secure=is_secure(request),
                path=self.path,
            )
        return response

    def token_ok(self, request: Request, form: dict[str, str]) -> bool:
        signer = self.console.signer
        browser_id = signer.unsign(request.cookies.get(self.cookie))
        if browser_id is None:
            return False
        return tokens_match(signer.form_token(browser_id, self.purpose), form.get("csrf_token"))
