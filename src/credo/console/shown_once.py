"""Secrets the console shows exactly once: sealed in the store until the one page that shows them.

A new access key's secret, a new or custom password and an MFA setup go from the action that
made them to the page that shows them without touching a URL or a log. They wait in
``console_shown_once`` so that page may be served by any process sharing the store (``credo
serve --workers``, several hosts): the value as JSON, sealed with the keyring and bound to its
row, whose id is the SHA-256 of the session's row key and the purpose (the cookie's own value is
never stored). Taking is a single ``DELETE … RETURNING``: of two requests racing for a value, on
one process or two, exactly one gets it, and a reload finds nothing.

A value waits at most ``LIFETIME`` (expired rows are swept whenever a value is put); a session
holds at most ``PER_SESSION`` (its oldest go first); and rows go with their console session, by
foreign key, when it ends (sign-out, expiry, revocation, the user's deletion). Rows are written
with ``write_quietly``: they change no permission, so no process need drop its caches. A master
key rotation re-seals them with every other sealed column (``server/rekey.py``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

import anyio.to_thread
from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from credo.call import Services
from credo.iam.password_policy import as_utc
from credo.keyring import KeyringError, Sealed
from credo.store.schema import console_shown_once

LIFETIME = timedelta(minutes=10)
PER_SESSION = 16

JsonValue: TypeAlias = str | int | float | bool | Sequence["JsonValue"] | Mapping[str, "JsonValue"] | None


def row_id(session_key: str, purpose: str) -> str:
    """The row of one session's value for one purpose."""
    return hashlib.sha256(f"{session_key}\n{purpose}".encode()).hexdigest()


def sealing_context(row: str) -> str:
    """Binds a sealed value to its row (so to its session and purpose): it opens nowhere else."""
    return f"console-shown-once:{row}"


class ShownOnce:
    """Per-session values, each taken at most once, by whichever process serves the page."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def put(self, session_key: str, purpose: str, value: JsonValue) -> None:
        """Hold ``value`` (tuples come back as lists) for ``take``, replacing one held for the same purpose."""
        plaintext = json.dumps(value, separators=(",", ":")).encode()
        await anyio.to_thread.run_sync(self._put, session_key, purpose, plaintext)

    async def take(self, session_key: str, purpose: str) -> Any | None:
        """The value, removed; ``None`` when it was already shown, expired or never made."""
        return await anyio.to_thread.run_sync(self._take, session_key, purpose)

    def _now(self) -> datetime:
        # To the microsecond (``clock.now()`` is whole seconds), so a session's values are told
        # apart by age when the oldest beyond ``PER_SESSION`` go.
        return datetime.fromtimestamp(self._services.clock.time(), UTC)

    def _put(self, session_key: str, purpose: str, plaintext: bytes) -> None:
        services = self._services
        now = self._now()
        row = row_id(session_key, purpose)
        sealed = services.keyring.seal(plaintext, sealing_context(row).encode())
        values = {
            "value_key_id": sealed.key_id,
            "value_sealed": sealed.blob,
            "created_at": now,
        }
        table = console_shown_once
        try:
            with services.store.write_quietly() as conn:
                conn.execute(delete(table).where(table.c.created_at <= now - LIFETIME))
                dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
                conn.execute(
                    dialect.insert(table)
                    .values(id=row, session_key=session_key, purpose=purpose, **values)
                    .on_conflict_do_update(index_elements=[table.c.id], set_=values)
                )
                _keep_newest(conn, session_key, row)
        except IntegrityError:
            return  # the session ended meanwhile: no page will ask for the value

    def _take(self, session_key: str, purpose: str) -> Any | None:
        services = self._services
        row = row_id(session_key, purpose)
        table = console_shown_once
        with services.store.write_quietly() as conn:
            taken = conn.execute(
                delete(table)
                .where(table.c.id == row)
                .returning(table.c.value_key_id, table.c.value_sealed, table.c.created_at)
            ).first()
        if taken is None or self._now() >= as_utc(taken.created_at) + LIFETIME:
            return None
        try:
            plaintext = services.keyring.open(
                Sealed(taken.value_key_id, taken.value_sealed), sealing_context(row).encode()
            )
        except KeyringError:
            return None  # sealed under a master key since retired
        return json.loads(plaintext)


def _keep_newest(conn: Connection, session_key: str, kept: str) -> None:
    """Drop the session's oldest values beyond ``PER_SESSION`` (never the one just put)."""
    table = console_shown_once
    beyond = conn.execute(
        select(table.c.id)
        .where(table.c.session_key == session_key, table.c.id != kept)
        .order_by(table.c.created_at.desc(), table.c.id)
        .offset(PER_SESSION - 1)
    ).scalars()
    extra = list(beyond)
    if extra:
        conn.execute(delete(table).where(table.c.id.in_(extra)))
