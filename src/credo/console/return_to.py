"""Where to land after sign-in: the console page a signed-out browser asked for.

AWS's sign-in returns the browser to the console URL it was sent from (its ``redirect_uri``).
The page is remembered in a short-lived cookie rather than carried through the password, MFA
and new-password forms, and is honoured only when it is a path of this console
(``/console/…``), never another site or a sign-in page.
"""

from __future__ import annotations

import base64
import binascii

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

RETURN_COOKIE = "credo-return"
HOME = "/console/home"
_MAX_AGE = 15 * 60
_MAX_LENGTH = 2048


def is_console_path(target: str) -> bool:
    """A same-site relative path under ``/console/`` (no scheme, host, ``//`` or backslash)."""
    return (
        target.startswith("/console/")
        and len(target) <= _MAX_LENGTH
        and "//" not in target
        and "\\" not in target
        and target.isprintable()
    )


def remember(response: Response, request: Request) -> None:
    """Note a signed-out GET of a console page, to return to once signed in."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET" or not is_console_path(target):
        return
    response.set_cookie(
        RETURN_COOKIE,
        base64.urlsafe_b64encode(target.encode()).decode(),
        max_age=_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def landing(request: Request) -> str:
    """The remembered console page, else the dashboard."""
    try:
        target = base64.urlsafe_b64decode(request.cookies.get(RETURN_COOKIE, "")).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return HOME
    return target if is_console_path(target) else HOME


def forget(response: Response) -> None:
    response.delete_cookie(RETURN_COOKIE, path="/")


def into_console(request: Request) -> RedirectResponse:
    """The redirect that ends a sign-in: to the remembered page (forgotten now), else the dashboard."""
    response = RedirectResponse(landing(request), status_code=303)
    if RETURN_COOKIE in request.cookies:
        forget(response)
    return response
