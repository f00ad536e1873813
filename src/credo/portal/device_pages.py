"""The device verification page (``/start/device``): the person signs in, checks the code their
other device shows, and **Allow**s or **Deny**s the request; the client polling CreateToken then
gets its token or ``access_denied``.

The code is entered (or arrives in ``verificationUriComplete``'s query) on a GET; the answer is a
POST with the sign-in's CSRF token.
"""

from __future__ import annotations

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from credo.console.web import forbidden, read_form
from credo.portal.web import START, Portal, csrf_ok, to_start
from credo.sso import oidc_device
from credo.sso.oidc_device import PendingRequest

PATH = START + "/device"
TITLE = "Authorize request"
NO_REQUEST = "That code is not valid: it may have expired, been used already, or been mistyped. Check it and try again."


class DevicePages:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    def routes(self) -> list[Route]:
        return [Route(PATH, self.show, methods=["GET"]), Route(PATH, self.decide, methods=["POST"])]

    async def show(self, request: Request) -> Response:
        session = await self.portal.session_of(request)
        typed = request.query_params.get("user_code", "")[:32]
        if session is None:
            return to_start(f"{PATH}?{request.url.query}" if request.url.query else PATH)
        services = self.portal.services

        def find() -> PendingRequest | None:
            with services.store.read() as conn:
                return oidc_device.find_pending(conn, typed, services.clock.now())

        pending = await anyio.to_thread.run_sync(find) if typed else None
        error = NO_REQUEST if typed and pending is None else None
        return self.portal.render(
            "portal_device.html",
            status=404 if error else 200,
            title=TITLE,
            session=session,
            request=pending,
            user_code=typed,
            error=error,
        )

    async def decide(self, request: Request) -> Response:
        session = await self.portal.session_of(request)
        if session is None:
            return to_start(PATH)
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.portal.console)
        allow = form.get("decision") == "allow"
        services = self.portal.services

        def decide() -> bool:
            with services.store.write_quietly() as conn:
                return oidc_device.answer(
                    conn, form.get("user_code", "")[:32], session, allow, services.clock.now()
                )

        if not await anyio.to_thread.run_sync(decide):
            return self.portal.message(TITLE, NO_REQUEST, 404, session)
        if allow:
            text = "Request approved. You can close this window and return to the application."
        else:
            text = "Request denied. The application will not get access."
        return self.portal.message(TITLE, text, 200, session)
