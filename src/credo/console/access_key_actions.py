"""Access key actions shared by My security credentials and a user's Security credentials tab.

Both pages list keys the same way and offer the same actions (create with a once-shown secret
and CSV, deactivate/activate, delete after typing the key id); they differ only in whose keys
(the caller's own, or ``UserName``), where the actions live and where they lead back to. Each
action is the API operation of the same name, run as the signed-in principal.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo.console.csv_files import access_key_csv, data_url
from credo.console.overview import Caller
from credo.console.pages import ConsolePages
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form
from credo.errors import AwsError
from credo.iam.password_policy import as_utc


@dataclass(frozen=True)
class KeyRow:
    key_id: str
    status: str
    created: datetime
    last_used: datetime | None
    last_used_service: str
    last_used_region: str


def list_keys(caller: Caller, user_name: str | None = None) -> list[KeyRow]:
    """The keys of ``user_name`` (the caller's own when ``None``) with their last use;
    raises AccessDenied when ListAccessKeys is refused."""
    rows = []
    for key in caller.call("ListAccessKeys", **_whose(user_name))["AccessKeyMetadata"]:
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
                last_used.get("Region", "N/A"),
            )
        )
    return rows


def _whose(user_name: str | None) -> dict[str, str]:
    return {} if user_name is None else {"UserName": user_name}


class KeyOwner(Protocol):
    """The page that lists the keys: whose they are and where its actions live."""

    def key_user(self, request: Request) -> str | None:
        """``UserName`` for the operations; ``None`` for the caller's own keys."""

    def keys_path(self, request: Request) -> str:
        """The path the key actions hang under (``…/create``, ``…/delete``)."""

    def keys_page(self, request: Request) -> str:
        """The page listing the keys, where the actions lead back to."""

    def csv_filename(self, request: Request, session: ConsoleSession) -> str: ...

    async def keys_refused(self, request: Request, session: ConsoleSession, error: AwsError) -> Response:
        """The listing page again, showing ``error`` with its status."""


class AccessKeyActions:
    """Create (secret shown once), deactivate/activate and delete, for one ``KeyOwner``."""

    def __init__(self, pages: ConsolePages, owner: KeyOwner) -> None:
        self.pages = pages
        self.console = pages.console
        self.owner = owner

    def routes(self, prefix: str) -> list[Route]:
        guard = self.pages.signed_in
        return [
            Route(f"{prefix}/create", guard(self.create), methods=["POST"]),
            Route(f"{prefix}/created", guard(self.created), methods=["GET"]),
            Route(f"{prefix}/status", guard(self.set_status), methods=["POST"]),
            Route(f"{prefix}/delete", guard(self.confirm_delete), methods=["GET"]),
            Route(f"{prefix}/delete", guard(self.delete), methods=["POST"]),
        ]

    def _purpose(self, request: Request) -> str:
        # Per owner: a key made for one user is never shown on another user's result page.
        return f"access-key:{self.owner.key_user(request) or ''}"

    async def create(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        caller = self.pages.caller(request, session)
        try:
            made = await self.pages.call(caller, "CreateAccessKey", **_whose(self.owner.key_user(request)))
        except AwsError as error:
            return await self.owner.keys_refused(request, session, error)
        key = made["AccessKey"]
        await self.console.shown_once.put(
            session.key, self._purpose(request), (key["AccessKeyId"], key["SecretAccessKey"])
        )
        return RedirectResponse(f"{self.owner.keys_path(request)}/created", status_code=303)

    async def created(self, request: Request, session: ConsoleSession) -> Response:
        pending = await self.console.shown_once.take(session.key, self._purpose(request))
        key = None
        if pending is not None:
            key_id, secret = pending
            key = {
                "id": key_id,
                "secret": secret,
                "csv": data_url(access_key_csv(key_id, secret)),
                "filename": self.owner.csv_filename(request, session),
            }
        return self.pages.page(
            "access_key_created.html",
            session,
            title="Retrieve access key",
            key=key,
            done=self.owner.keys_page(request),
        )

    async def set_status(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        status = "Active" if form.get("status") == "Active" else "Inactive"
        error = await self.pages.attempt(
            self.pages.caller(request, session),
            "UpdateAccessKey",
            AccessKeyId=form.get("key", ""),
            Status=status,
            **_whose(self.owner.key_user(request)),
        )
        if error is not None:
            return await self.owner.keys_refused(request, session, error)
        return RedirectResponse(self.owner.keys_page(request), status_code=303)

    def _confirmation(
        self, request: Request, session: ConsoleSession, key_id: str, error: str | None = None
    ) -> Response:
        return self.pages.page(
            "access_key_delete.html",
            session,
            status=200 if error is None else 400,
            title="Delete access key",
            key=key_id,
            error=error,
            action=f"{self.owner.keys_path(request)}/delete",
            back=self.owner.keys_page(request),
        )

    async def confirm_delete(self, request: Request, session: ConsoleSession) -> Response:
        return self._confirmation(request, session, request.query_params.get("key", ""))

    async def delete(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        key_id = form.get("key", "")
        if form.get("confirm", "").strip() != key_id:
            return self._confirmation(
                request, session, key_id, "The text you entered does not match the access key ID."
            )
        error = await self.pages.attempt(
            self.pages.caller(request, session),
            "DeleteAccessKey",
            AccessKeyId=key_id,
            **_whose(self.owner.key_user(request)),
        )
        if error is not None:
            return await self.owner.keys_refused(request, session, error)
        return RedirectResponse(self.owner.keys_page(request), status_code=303)
