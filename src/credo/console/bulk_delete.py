"""**Delete** for the rows chosen in a list: a confirmation (the name typed again, or "delete" for
several), then, for each, what AWS's console does first (members, policies…) and the Delete call.

One entity's refusal does not stop the others; each failure is reported with AWS's message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo.console.overview import Caller
from credo.console.pages import ConsolePages
from credo.console.pickers import chosen_values
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form_pairs
from credo.errors import AwsError

MISMATCH = "The text you entered does not match. Nothing was deleted."
# The list page drawn again with errors: (request, session, errors, status).
ListPage = Callable[[Request, ConsoleSession, list[str], int], Awaitable[Response]]


@dataclass(frozen=True)
class Failure:
    name: str
    error: AwsError

    @property
    def message(self) -> str:
        return f"{self.name}: {self.error.message}"


def delete_each(
    caller: Caller,
    names: tuple[str, ...],
    delete_one: Callable[[Caller, str], None],
    label_of: Callable[[str], str] = str,
) -> list[Failure]:
    failures = []
    for name in names:
        try:
            delete_one(caller, name)
        except AwsError as error:
            failures.append(Failure(label_of(name), error))
    return failures


class DeletePages:
    """``GET/POST {base}/delete`` for one kind of entity (``kind``: "user group", "role")."""

    def __init__(
        self,
        pages: ConsolePages,
        base: str,
        kind: str,
        removes: str,
        delete_one: Callable[[Caller, str], None],
        list_page: ListPage,
        label_of: Callable[[str], str] = str,
    ) -> None:
        self.pages = pages
        self.base = base
        self.kind = kind
        self.removes = removes
        self.delete_one = delete_one
        # What a chosen value is shown and confirmed as (a policy's ARN: its name).
        self.label_of = label_of
        self.list_page = list_page

    def routes(self) -> list[Route]:
        guard = self.pages.signed_in
        return [
            Route(f"{self.base}/delete", guard(self.confirm), methods=["GET"]),
            Route(f"{self.base}/delete", guard(self.delete), methods=["POST"]),
        ]

    def _page(self, session: ConsoleSession, names: tuple[str, ...], error: str | None = None) -> Response:
        return self.pages.page(
            "entity_delete.html",
            session,
            status=400 if error else 200,
            title=f"Delete {self.kind if len(names) == 1 else _plural(self.kind)}",
            action=f"{self.base}/delete",
            kind=self.kind,
            names=names,
            labels=[self.label_of(name) for name in names],
            cancel=self.base,
            removes=self.removes,
            error=error,
        )

    async def confirm(self, request: Request, session: ConsoleSession) -> Response:
        names = chosen_values(list(request.query_params.multi_items()), "name")
        if not names:
            return RedirectResponse(self.base, status_code=303)
        return self._page(session, names)

    async def delete(self, request: Request, session: ConsoleSession) -> Response:
        pairs = await read_form_pairs(request)
        form = dict(pairs)
        if not csrf_ok(session, form):
            return forbidden(self.pages.console)
        names = chosen_values(pairs, "name")
        if not names:
            return RedirectResponse(self.base, status_code=303)
        expected = self.label_of(names[0]) if len(names) == 1 else "delete"
        if form.get("confirm", "").strip() != expected:
            return self._page(session, names, MISMATCH)
        caller = self.pages.caller(request, session)
        failures = await anyio.to_thread.run_sync(delete_each, caller, names, self.delete_one, self.label_of)
        if failures:
            return await self.list_page(
                request, session, [failure.message for failure in failures], failures[0].error.status
            )
        return RedirectResponse(self.base, status_code=303)


def _plural(kind: str) -> str:
    return kind[:-1] + "ies" if kind.endswith("y") else kind + "s"
