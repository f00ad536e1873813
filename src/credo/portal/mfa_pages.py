"""**MFA devices** in the access portal: a signed-in user lists, registers and removes their own
virtual MFA devices, as AWS's portal offers under MFA devices.

**Register MFA device** asks for a device name (the console's rules), then shows the QR code
(inline SVG of the ``otpauth://`` URI, ``console.mfa_devices.qr_svg``), **Show secret key**, and
**MFA code 1** / **MFA code 2**; two consecutive codes register the device. The unfinished device
lives in the store (``sso.portal_mfa``), so the setup page can be reloaded or reached from another
server process; **Cancel** deletes it. Once a device is registered, every sign-in asks for its code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import anyio.to_thread
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo.console.mfa_devices import qr_svg
from credo.console.mfa_pages import DEVICE_NAME, NAME_RULES
from credo.console.web import forbidden, read_form
from credo.iam import mfa, totp
from credo.iam.password_policy import as_utc
from credo.portal.web import START, Portal, csrf_ok, to_start
from credo.sso import portal_mfa
from credo.sso.portal_mfa import Pending
from credo.sso.portal_sessions import PortalSession

PATH = START + "/mfa-devices"
TITLE = "MFA devices"


@dataclass(frozen=True)
class DeviceRow:
    device_id: str
    name: str
    registered: str


@dataclass(frozen=True)
class Shown:
    """What the page shows: the registered devices and an unfinished registration's setup."""

    devices: list[DeviceRow]
    pending: Pending | None
    qr: Markup | None


class MfaDevicePages:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    def routes(self) -> list[Route]:
        return [
            Route(PATH, self.show, methods=["GET"]),
            Route(PATH, self.submit, methods=["POST"]),
            Route(PATH + "/remove", self.remove, methods=["POST"]),
        ]

    async def _page(
        self, session: PortalSession, *, error: str | None = None, status: int = 200, device_name: str = ""
    ) -> Response:
        services = self.portal.services

        def read() -> Shown:
            with services.store.read() as conn:
                rows = portal_mfa.enabled_devices(conn, session.user_id)
                pending = portal_mfa.pending(conn, services.keyring, session.user_id)
            devices = [DeviceRow(row["id"], row["name"], _when(as_utc(row["enabled_at"]))) for row in rows]
            qr = qr_svg(pending.name, session.user_name, pending.seed) if pending is not None else None
            return Shown(devices, pending, qr)

        shown = await anyio.to_thread.run_sync(read)
        return self.portal.render(
            "portal_mfa_devices.html",
            status=status,
            title=TITLE,
            session=session,
            shown=shown,
            error=error,
            device_name=device_name,
            rules=NAME_RULES,
        )

    async def show(self, request: Request) -> Response:
        session = await self.portal.session_of(request)
        if session is None:
            return to_start(PATH)
        return await self._page(session)

    async def submit(self, request: Request) -> Response:
        session = await self.portal.session_of(request)
        if session is None:
            return to_start(PATH)
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.portal.console)
        services = self.portal.services
        step = form.get("step", "create")
        if step == "cancel":

            def cancel() -> None:
                with services.store.write_quietly() as conn:
                    portal_mfa.cancel_registration(conn, session.user_id)

            await anyio.to_thread.run_sync(cancel)
            return RedirectResponse(PATH, status_code=303)
        if step == "enable":
            codes = (form.get("code1", "").strip()[:16], form.get("code2", "").strip()[:16])

            def enable() -> totp.Verdict | None:
                with services.store.write_quietly() as conn:
                    return portal_mfa.finish_registration(
                        conn, services.keyring, session.user_id, codes, services.clock.time()
                    )

            verdict = await anyio.to_thread.run_sync(enable)
            if verdict is totp.Verdict.ACCEPTED:
                return RedirectResponse(PATH, status_code=303)
            if verdict is None:
                return await self._page(session, error="There is no MFA device being registered.", status=400)
            message = mfa.TOO_MANY_CODES if verdict is totp.Verdict.LOCKED else mfa.INVALID_CODES
            return await self._page(session, error=message, status=400)
        name = form.get("device_name", "").strip()
        if not DEVICE_NAME.fullmatch(name):
            return await self._page(session, error=NAME_RULES, status=400, device_name=name[:128])

        def create() -> str | None:
            with services.store.write_quietly() as conn:
                try:
                    portal_mfa.start_registration(
                        conn, services.keyring, session.user_id, name, services.clock.now()
                    )
                except ValueError as refused:
                    return str(refused)
            return None

        refused = await anyio.to_thread.run_sync(create)
        if refused is not None:
            return await self._page(session, error=refused, status=409, device_name=name)
        return RedirectResponse(PATH, status_code=303)

    async def remove(self, request: Request) -> Response:
        session = await self.portal.session_of(request)
        if session is None:
            return to_start(PATH)
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.portal.console)
        device_id = form.get("device_id", "")[:32]
        services = self.portal.services

        def drop() -> bool:
            with services.store.write_quietly() as conn:
                return portal_mfa.remove(conn, session.user_id, device_id)

        if not await anyio.to_thread.run_sync(drop):
            return await self._page(session, error="That MFA device is not registered to you.", status=404)
        return RedirectResponse(PATH, status_code=303)


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
