"""Users list and user detail pages (to be built)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from credo.console.pages import ConsolePages


class UsersPages:
    def __init__(self, pages: ConsolePages) -> None:
        self.pages = pages
        self.console = pages.console

    def routes(self) -> list[BaseRoute]:
        return []
