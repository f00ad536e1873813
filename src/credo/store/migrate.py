"""Bring a database to the newest schema with Alembic (``credo db upgrade`` and first start)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from credo.store.db import Store

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(store: Store) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = store.engine
    return config


class UnknownSchema(Exception):
    """The database is at a schema revision this code does not know: a newer credo upgraded it."""


def upgrade(store: Store, revision: str = "head") -> None:
    """Apply every migration the database has not seen; safe to call on every start.

    Raises ``UnknownSchema`` for a database a newer credo has upgraded: this code can neither
    bring it forward nor serve it.
    """
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    config = alembic_config(store)
    scripts = ScriptDirectory.from_config(config)
    for current in sorted(current_revisions(store)):
        try:
            scripts.get_revision(current)
        except CommandError:
            wanted = ", ".join(sorted(head_revisions()))
            raise UnknownSchema(
                f"the store's schema is at revision {current}, which this credo does not know "
                f"(it needs {wanted}): a newer credo has upgraded the store; run that version"
            ) from None
    command.upgrade(config, revision)


def head_revisions() -> frozenset[str]:
    """The revisions this code's schema is at (normally one)."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def current_revisions(store: Store) -> frozenset[str]:
    """The revisions the database says it is at (none for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with store.read() as conn:
        return frozenset(MigrationContext.configure(conn).get_current_heads())
