"""Deciding in your service's own process, against credo's store: the middleware's local mode.

The same ``Decider`` as the server's, built from the server's settings (``CREDO_DATABASE_URL`` or
``CREDO_DATA_DIR``, and its master key: ``CREDO_MASTER_KEY``, ``master.key``, or ``CREDO_DEV``)
with its own caches, kept fresh by the store's change feed as every server process's are. It
reads the store and writes nothing: access-key last-used times are not recorded in this mode.
"""

from __future__ import annotations

from credo.auth.authorizer import Authorizer
from credo.auth.credentials import CredentialResolver
from credo.clock import Clock
from credo.gateway.catalog import ServiceCatalog
from credo.gateway.decision import Decider, OriginalRequest
from credo.gateway.outcome import Outcome
from credo.gateway.signers import Signers
from credo.server.bootstrap import configured_keyring, session_token_keys
from credo.settings import Settings
from credo.store.db import ON_LOOP, NeedsThread, Store


class LocalDecider:
    """A ``Decider`` over the store named by ``settings`` (the environment's by default)."""

    def __init__(self, settings: Settings | None = None) -> None:
        settings = settings if settings is not None else Settings.from_environment()
        self.store = Store(settings.effective_database_url)
        keyring = configured_keyring(settings, create=False)
        clock = Clock()
        credentials = CredentialResolver(self.store, keyring, clock, session_token_keys(keyring))
        catalog = ServiceCatalog(self.store)  # before the signers: see ``Signers``
        signers = Signers(self.store, credentials, Authorizer(self.store), clock)
        self.decider = Decider(signers, catalog, clock, keyring)

    def decide(self, request: OriginalRequest) -> Outcome:
        return Outcome.of(self.decider.decide(request))

    def decide_without_waiting(self, request: OriginalRequest) -> Outcome | None:
        """The outcome if it needs no database round trip (SQLite, or all cached); else ``None``,
        and the caller decides again in a thread (nothing was changed)."""
        if self.store.is_sqlite:
            return self.decide(request)
        token = ON_LOOP.set(True)
        try:
            return self.decide(request)
        except NeedsThread:
            return None
        finally:
            ON_LOOP.reset(token)

    def close(self) -> None:
        self.store.dispose()
