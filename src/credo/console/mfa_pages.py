"""Assign and remove virtual MFA devices, for another user or for the signed-in user, as AWS's console does.

**Assign MFA device** is a two-step wizard: a device name (AWS's name rules), then
CreateVirtualMFADevice and a setup page with the QR code (inline SVG of the device's
``otpauth://`` URI), **Show secret key**, and **MFA code 1** / **MFA code 2** for
EnableMFADevice. The seed waits sealed in the store (``shown_once``) for that session only, so
wrong codes can be retried on any server process; **Cancel** deletes the unassigned device (DeleteVirtualMFADevice), while an abandoned
wizard leaves it unassigned, as AWS's does. **Remove** asks for ``remove`` to be typed, then
calls DeactivateMFADevice and, for a virtual device, DeleteVirtualMFADevice. Every call is made
as the signed-in principal, so refusals are the API's own, in AWS's words.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from credo.console.console_access import ConsoleAccessPages
from credo.console.mfa_devices import SELF_PATH, Setup, Target, at_quota, is_virtual, list_devices, qr_svg
from credo.console.own_password import OwnPasswordPages
from credo.console.pages import ConsolePages
from credo.console.sessions import ConsoleSession
from credo.console.signin_links import account_name
from credo.console.web import csrf_ok, forbidden, read_form
from credo.errors import AccessDenied, AwsError
from credo.iam import mfa

TargetPage = Callable[[Request, ConsoleSession, Target], Awaitable[Response]]

# The IAM console's rule for a device name (the API allows longer names; the console does not).
DEVICE_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]{1,128}")
NAME_RULES = "Maximum 128 characters. Use alphanumeric and '+ = , . @ - _' characters."
SETUP_ENDED = "This MFA device setup is no longer available. Start again."
NOT_REMOVE = 'The text you entered does not match "remove".'
# credo has no operation that assigns an MFA device to the root user: EnableMFADevice names an IAM user.
ROOT_UNAVAILABLE = (
    "credo cannot assign an MFA device to the root user: the only way to assign one is "
    "EnableMFADevice, which takes an IAM user name. Sign in as an IAM user to assign your own."
)


class MfaPages:
    """Routes for MFA devices, plus the console-access and own-password pages that share the tab."""

    def __init__(self, pages: ConsolePages) -> None:
        self.pages = pages
        self.console = pages.console

    def routes(self) -> list[BaseRoute]:
        guard = self.pages.signed_in
        other, own = self._for_user, self._for_self
        return [
            Route("/console/users/{name}/mfa/assign", guard(other(self.assign_form)), methods=["GET"]),
            Route("/console/users/{name}/mfa/assign", guard(other(self.assign_submit)), methods=["POST"]),
            Route("/console/users/{name}/mfa/remove", guard(other(self.remove)), methods=["POST"]),
            Route(f"{SELF_PATH}/mfa/assign", guard(own(self.assign_form)), methods=["GET"]),
            Route(f"{SELF_PATH}/mfa/assign", guard(own(self.assign_submit)), methods=["POST"]),
            Route(f"{SELF_PATH}/mfa/remove", guard(own(self.remove)), methods=["POST"]),
            *ConsoleAccessPages(self.pages).routes(),
            *OwnPasswordPages(self.pages).routes(),
        ]

    @staticmethod
    def _for_user(page: TargetPage) -> Callable[[Request, ConsoleSession], Awaitable[Response]]:
        async def other(request: Request, session: ConsoleSession) -> Response:
            return await page(request, session, Target(request.path_params["name"], is_self=False))

        return other

    @staticmethod
    def _for_self(page: TargetPage) -> Callable[[Request, ConsoleSession], Awaitable[Response]]:
        async def own(request: Request, session: ConsoleSession) -> Response:
            return await page(request, session, Target(session.user_name, is_self=True))

        return own

    # --- the wizard ---

    def _name_page(
        self,
        session: ConsoleSession,
        target: Target,
        *,
        status: int = 200,
        error: str | None = None,
        device_name: str = "",
    ) -> Response:
        return self.pages.page(
            "mfa_assign.html",
            session,
            status=status,
            title="Select MFA device",
            target=target,
            error=error,
            device_name=device_name,
            unavailable=ROOT_UNAVAILABLE if target.user_name is None else None,
            rules=NAME_RULES,
        )

    def _setup_page(
        self,
        session: ConsoleSession,
        target: Target,
        setup: Setup,
        *,
        status: int = 200,
        error: str | None = None,
    ) -> Response:
        return self.pages.page(
            "mfa_setup.html",
            session,
            status=status,
            title="Set up device",
            target=target,
            setup=setup,
            error=error,
        )

    # A setup in progress, per (session, user): one each, replaced by a new one.
    async def _take_setup(self, session: ConsoleSession, target: Target) -> Setup | None:
        held = await self.console.shown_once.take(session.key, f"mfa-setup:{target.user_name}")
        return Setup.from_json(held) if held is not None else None

    async def _put_setup(self, session: ConsoleSession, target: Target, setup: Setup) -> None:
        await self.console.shown_once.put(session.key, f"mfa-setup:{target.user_name}", setup.as_json())

    async def assign_form(self, _request: Request, session: ConsoleSession, target: Target) -> Response:
        setup = await self._take_setup(session, target)
        if setup is None:
            return self._name_page(session, target)
        # Still being set up: the same session may see it again until it is enabled or cancelled.
        await self._put_setup(session, target, setup)
        return self._setup_page(session, target, setup)

    async def assign_submit(self, request: Request, session: ConsoleSession, target: Target) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        if target.user_name is None:
            return self._name_page(session, target, status=400)
        step = form.get("step", "create")
        if step == "cancel":
            return await self._cancel(request, session, target)
        if step == "enable":
            return await self._enable(request, session, target, form)
        return await self._create(request, session, target, form.get("device_name", "").strip())

    async def _create(self, request: Request, session: ConsoleSession, target: Target, name: str) -> Response:
        """CreateVirtualMFADevice, then the setup page (after a redirect, so a reload sends nothing)."""
        if not DEVICE_NAME.fullmatch(name):
            return self._name_page(session, target, status=400, error=NAME_RULES, device_name=name)
        caller = self.pages.caller(request, session)
        try:
            held = await anyio.to_thread.run_sync(list_devices, caller, target.user_name)
        except AccessDenied:
            held = []  # not allowed to look: EnableMFADevice still enforces the quota
        except AwsError as error:  # no such user: make no device for nobody
            return self._name_page(
                session, target, status=error.status, error=error.message, device_name=name
            )
        if at_quota(held):
            return self._name_page(session, target, status=409, error=mfa.DEVICE_QUOTA, device_name=name)
        try:
            made = (await self.pages.call(caller, "CreateVirtualMFADevice", VirtualMFADeviceName=name))[
                "VirtualMFADevice"
            ]
        except AwsError as error:
            return self._name_page(
                session, target, status=error.status, error=error.message, device_name=name
            )
        raw_seed = made["Base32StringSeed"]
        seed = raw_seed.decode() if isinstance(raw_seed, bytes) else str(raw_seed)
        svg = await anyio.to_thread.run_sync(lambda: qr_svg(name, account_name(caller), seed))
        replaced = await self._take_setup(session, target)
        if replaced is not None:
            # Only this session knew the earlier device: do not leave it behind unassigned.
            await self.pages.attempt(caller, "DeleteVirtualMFADevice", SerialNumber=replaced.serial)
        await self._put_setup(session, target, Setup(made["SerialNumber"], seed, name, svg))
        return RedirectResponse(f"{target.base}/mfa/assign", status_code=303)

    async def _enable(
        self, request: Request, session: ConsoleSession, target: Target, form: dict[str, str]
    ) -> Response:
        setup = await self._take_setup(session, target)
        if setup is None:
            return self._name_page(session, target, status=400, error=SETUP_ENDED)
        error = await self.pages.attempt(
            self.pages.caller(request, session),
            "EnableMFADevice",
            UserName=target.user_name,
            SerialNumber=setup.serial,
            AuthenticationCode1=form.get("code1", "").strip(),
            AuthenticationCode2=form.get("code2", "").strip(),
        )
        if error is not None:
            await self._put_setup(session, target, setup)
            return self._setup_page(session, target, setup, status=error.status, error=error.message)
        return RedirectResponse(target.back, status_code=303)

    async def _cancel(self, request: Request, session: ConsoleSession, target: Target) -> Response:
        setup = await self._take_setup(session, target)
        if setup is not None:
            # Refused, the device stays unassigned, as an abandoned AWS wizard leaves it.
            await self.pages.attempt(
                self.pages.caller(request, session), "DeleteVirtualMFADevice", SerialNumber=setup.serial
            )
        return RedirectResponse(target.back, status_code=303)

    # --- removal ---

    def _remove_page(
        self,
        session: ConsoleSession,
        target: Target,
        serial: str,
        *,
        status: int = 200,
        error: str | None = None,
    ) -> Response:
        return self.pages.page(
            "mfa_remove.html",
            session,
            status=status,
            title="Remove MFA device",
            target=target,
            serial=serial,
            error=error,
        )

    async def remove(self, request: Request, session: ConsoleSession, target: Target) -> Response:
        """Without ``confirm``: the confirmation page. With ``confirm=remove``: deactivate, then delete."""
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        serial = form.get("serial", "")
        if "confirm" not in form:
            return self._remove_page(session, target, serial)
        if form["confirm"].strip().lower() != "remove":
            return self._remove_page(session, target, serial, status=400, error=NOT_REMOVE)
        caller = self.pages.caller(request, session)
        named = {"UserName": target.user_name} if target.user_name is not None else {}
        error = await self.pages.attempt(caller, "DeactivateMFADevice", SerialNumber=serial, **named)
        if error is None and is_virtual(serial):
            error = await self.pages.attempt(caller, "DeleteVirtualMFADevice", SerialNumber=serial)
            if error is not None:
                message = f"The device was removed from {target.shown_name} but not deleted: {error.message}"
                return self._remove_page(session, target, "", status=error.status, error=message)
        if error is not None:
            return self._remove_page(session, target, serial, status=error.status, error=error.message)
        return RedirectResponse(target.back, status_code=303)
