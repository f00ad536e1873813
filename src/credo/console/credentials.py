"""My security credentials → access keys: the signed-in principal's own keys, managed as that principal.

Every action is the API operation of the same name (ListAccessKeys, GetAccessKeyLastUsed,
CreateAccessKey, UpdateAccessKey, DeleteAccessKey) called without ``UserName``, so it acts on
the caller's own keys — the root user's when root is signed in — and is refused exactly as the
API would refuse it. A new secret is held in this process for the session's next view of the
result page only; the page carries it (and its CSV, as a ``data:`` link), never a URL.
"""

from __future__ import annotations

import base64
import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo.console.overview import Caller
from credo.console.pages import ConsolePages
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form
from credo.errors import AwsError
from credo.iam.password_policy import as_utc

PATH = "/console/security-credentials"
TITLE = "My security credentials"


@dataclass(frozen=True)
class KeyRow:
    key_id: str
    status: str
    created: datetime
    last_used: datetime | None
    last_used_service: str


def credentials_csv(key_id: str, secret: str) -> bytes:
    """The file AWS's console downloads: one header, one row, UTF-8 with a BOM, CRLF line ends."""
    return f"\ufeffAccess key ID,Secret access key\r\n{key_id},{secret}\r\n".encode()


def csv_data_url(key_id: str, secret: str) -> str:
    return "data:text/csv;charset=utf-8;base64," + base64.b64encode(credentials_csv(key_id, secret)).decode()


def list_keys(caller: Caller) -> list[KeyRow]:
    """The caller's keys with their last use; raises AccessDenied when ListAccessKeys is refused."""
    rows = []
    for key in caller.call("ListAccessKeys")["AccessKeyMetadata"]:
        last_used: dict[str, Any] = {}
        # Refused, the key is listed without its last use.
        with contextlib.suppress(AwsError):
            last_used = caller.call("GetAccessKeyLastUsed", AccessKeyId=key["AccessKeyId"])[
                "AccessKeyLastUsed"
            ]
        used_at = last_used.get("LastUsedDate")
        rows.append(
            KeyRow(
                key["AccessKeyId"],
                key["Status"],
                as_utc(key["CreateDate"]),
                as_utc(used_at) if used_at is not None else None,
                last_used.get("ServiceName", "N/A"),
            )
        )
    return rows


class SecurityCredentialsPages:
    """The routes under ``/console/security-credentials``."""

    def __init__(self, pages: ConsolePages) -> None:
        self.pages = pages
        self.console = pages.console

    def routes(self) -> list[Route]:
        guard = self.pages.signed_in
        return [
            Route(PATH, guard(self.overview), methods=["GET"]),
            Route(f"{PATH}/create", guard(self.create), methods=["POST"]),
            Route(f"{PATH}/created", guard(self.created), methods=["GET"]),
            Route(f"{PATH}/status", guard(self.set_status), methods=["POST"]),
            Route(f"{PATH}/delete", guard(self.confirm_delete), methods=["GET"]),
            Route(f"{PATH}/delete", guard(self.delete), methods=["POST"]),
        ]

    def _caller(self, request: Request, session: ConsoleSession) -> Caller:
        return self.pages.caller(request, session)

    async def _listing(
        self, request: Request, session: ConsoleSession, *, status: int = 200, error: str | None = None
    ) -> Response:
        """The keys page; ``error`` (an action's refusal) is shown above the list's own."""
        errors = [error] if error is not None else []
        rows: list[KeyRow] = []
        try:
            rows = await anyio.to_thread.run_sync(list_keys, self._caller(request, session))
        except AwsError as refused:
            errors.append(refused.message)
            status = status if error is not None else refused.status
        return self.pages.page(
            "security_credentials.html", session, status=status, title=TITLE, rows=rows, errors=errors
        )

    async def overview(self, request: Request, session: ConsoleSession) -> Response:
        return await self._listing(request, session)

    async def create(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        caller = self._caller(request, session)
        try:
            made = await self.pages.call(caller, "CreateAccessKey")
        except AwsError as error:
            return await self._listing(request, session, status=error.status, error=error.message)
        key = made["AccessKey"]
        self.console.shown_once.put(session.key, "access-key", (key["AccessKeyId"], key["SecretAccessKey"]))
        return RedirectResponse(f"{PATH}/created", status_code=303)

    async def created(self, _request: Request, session: ConsoleSession) -> Response:
        pending = self.console.shown_once.take(session.key, "access-key")
        if pending is None:
            return self.pages.page("access_key_created.html", session, title="Retrieve access key", key=None)
        key_id, secret = pending
        filename = f"{session.user_name}_accessKeys.csv" if session.user_name else "rootkey.csv"
        return self.pages.page(
            "access_key_created.html",
            session,
            title="Retrieve access key",
            key={"id": key_id, "secret": secret, "csv": csv_data_url(key_id, secret), "filename": filename},
        )

    async def set_status(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        status = "Active" if form.get("status") == "Active" else "Inactive"
        error = await self.pages.attempt(
            self._caller(request, session), "UpdateAccessKey", AccessKeyId=form.get("key", ""), Status=status
        )
        if error is not None:
            return await self._listing(request, session, status=error.status, error=error.message)
        return RedirectResponse(PATH, status_code=303)

    async def confirm_delete(self, request: Request, session: ConsoleSession) -> Response:
        return self.pages.page(
            "access_key_delete.html",
            session,
            title="Delete access key",
            key=request.query_params.get("key", ""),
            error=None,
        )

    async def delete(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        key_id = form.get("key", "")
        if form.get("confirm", "").strip() != key_id:
            return self.pages.page(
                "access_key_delete.html",
                session,
                status=400,
                title="Delete access key",
                key=key_id,
                error="The text you entered does not match the access key ID.",
            )
        error = await self.pages.attempt(
            self._caller(request, session), "DeleteAccessKey", AccessKeyId=key_id
        )
        if error is not None:
            return await self._listing(request, session, status=error.status, error=error.message)
        return RedirectResponse(PATH, status_code=303)
