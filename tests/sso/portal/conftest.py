"""Fixtures of the access portal tests: separate httpx "browsers" and a portal user."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.browser.conftest import chromium, new_page  # noqa: F401
from tests.cli.conftest import aws, aws_files, credo  # noqa: F401
from tests.conftest import Server
from tests.sso.conftest import Instance
from tests.sso.portal.support import Assigned, portal_user


@pytest.fixture
def browser(server: Server) -> Iterator[Callable[[], httpx.Client]]:
    """Separate browsers (cookie jars) on the portal, closed after the test."""
    made: list[httpx.Client] = []

    def make() -> httpx.Client:
        made.append(httpx.Client(base_url=server.endpoint, follow_redirects=True, timeout=30))
        return made[-1]

    yield make
    for client in made:
        client.close()


@pytest.fixture
def alice(server: Server, sso: Any, identitystore: Any, instance: Instance) -> Assigned:
    """alice, with a portal password and AdministratorAccess in the dev account."""
    return portal_user(server, sso, identitystore, instance, "123456789012")
