"""Service definitions in the store: put, list, find, remove; and the cached lookup requests use.

A definition is stored for one account or for every account (scope ``"*"``). A request for a
prefix uses the definition of the caller's account if there is one, else the global one.
Writes name the topic ``service:<prefix>``, so every process's cache drops what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from credo.gateway.definitions import ServiceDefinition, definition_from_json
from credo.store import changes
from credo.store.db import Store
from credo.store.schema import service_definitions
from credo.store.tagged_cache import Miss, TaggedCache

GLOBAL = "*"
_CACHE_SIZE = 1_000


def topic(prefix: str) -> str:
    return f"service:{prefix}"


# Noted by every write of a definition beside its own topic: what caches built from whichever
# definitions a key's requests used (``credo.gateway.signers``) are dropped by.
ANY_DEFINITION = "service:*"


@dataclass(frozen=True)
class StoredDefinition:
    prefix: str
    scope: str  # an account id, or GLOBAL
    version: int
    updated_at: datetime
    definition: ServiceDefinition


def put_definition(conn: Connection, definition: ServiceDefinition, scope: str, now: datetime) -> int:
    """Store ``definition`` for ``scope``, replacing the one there; its new version."""
    table = service_definitions
    key = (table.c.prefix == definition.prefix) & (table.c.scope == scope)
    version = conn.execute(select(table.c.version).where(key)).scalar()
    changes.note(conn, topic(definition.prefix), ANY_DEFINITION)
    if version is None:
        conn.execute(
            insert(table).values(
                prefix=definition.prefix, scope=scope, version=1, document=definition.text, updated_at=now
            )
        )
        return 1
    conn.execute(
        update(table).where(key).values(version=version + 1, document=definition.text, updated_at=now)
    )
    return int(version) + 1


def remove_definition(conn: Connection, prefix: str, scope: str) -> bool:
    """Whether there was one to remove."""
    table = service_definitions
    changes.note(conn, topic(prefix), ANY_DEFINITION)
    removed = conn.execute(delete(table).where((table.c.prefix == prefix) & (table.c.scope == scope)))
    return bool(removed.rowcount)


def list_definitions(conn: Connection, prefix: str | None = None) -> list[StoredDefinition]:
    """Every stored definition (of ``prefix`` only, if given), by prefix then scope."""
    table = service_definitions
    query = select(table).order_by(table.c.prefix, table.c.scope)
    if prefix is not None:
        query = query.where(table.c.prefix == prefix)
    return [
        StoredDefinition(
            row["prefix"],
            row["scope"],
            row["version"],
            row["updated_at"],
            definition_from_json(row["document"]),
        )
        for row in conn.execute(query).mappings()
    ]


class ServiceCatalog:
    """The definition that applies to a prefix for an account, cached until it changes."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._cache: TaggedCache[tuple[str, str], ServiceDefinition | None] = TaggedCache(store, _CACHE_SIZE)

    def find(self, prefix: str, account_id: str) -> ServiceDefinition | None:
        found = self._cache.get((prefix, account_id))
        if not isinstance(found, Miss):
            return found
        ticket = self._cache.ticket()
        table = service_definitions
        with self._store.read() as conn:
            rows = {
                row.scope: row.document
                for row in conn.execute(
                    select(table.c.scope, table.c.document).where(
                        (table.c.prefix == prefix) & table.c.scope.in_([account_id, GLOBAL])
                    )
                )
            }
        text = rows.get(account_id, rows.get(GLOBAL))
        loaded = definition_from_json(text) if text is not None else None
        self._cache.put((prefix, account_id), loaded, frozenset({topic(prefix)}), ticket)
        return loaded
