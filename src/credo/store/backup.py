"""Copies of a store and putting one back: ``credo db backup`` and ``credo db restore``.

SQLite: SQLite's online backup API reads a consistent snapshot while servers keep writing, into
a new self-contained file (mode 0600, no ``-wal``). Restoring swaps the database file only when
no credo process holds the store (``db.in_use_path``), keeping the replaced file beside it.

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore``, run with the password in the
environment (``PGPASSWORD``), never on a command line; restoring only into an empty database.

A copy holds secrets sealed under the master key and nothing else: it opens only with that key
(``master.key`` or ``CREDO_MASTER_KEY``), which is backed up apart from it, on purpose.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from credo.store.db import in_use_path
from credo.store.schema import access_keys, accounts, users


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Contents:
    """What a store holds, to compare a restored store with what was backed up."""

    accounts: int
    users: int
    access_keys: int

    def __str__(self) -> str:
        return f"{self.accounts} accounts, {self.users} users, {self.access_keys} access keys"


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL; ``None`` for PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory SQLite store has nothing to back up")
    return Path(parsed.database)


def _new_private_file(path: Path) -> None:
    """Create ``path`` empty, mode 0600; never over an existing file."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise BackupError(f"{path} exists: refusing to overwrite it") from None


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's backup API from ``source`` into the (new, empty) ``target``; one file, no WAL."""
    reader = sqlite3.connect(source)
    try:
        writer = sqlite3.connect(target)
        try:
            reader.backup(writer)
            writer.execute("PRAGMA journal_mode=DELETE")
            verdict = writer.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            writer.close()
    finally:
        reader.close()
    if verdict != "ok":
        raise BackupError(f"the copy {target} fails SQLite's integrity check: {verdict}")
    with open(target, "rb") as copy:
        os.fsync(copy.fileno())


def backup_sqlite(database: Path, target: Path) -> Contents:
    """A consistent copy of a live SQLite store at ``target`` (new, 0600)."""
    if not database.exists():
        raise BackupError(f"no store at {database}")
    _new_private_file(target)
    try:
        _copy_sqlite(database, target)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return contents(f"sqlite:///{target}")


def contents(url: str) -> Contents:
    """Counts of accounts, users and access keys (the restore's check, and its report)."""
    engine = create_engine(_driver_url(url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            count = [
                conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (accounts, users, access_keys)
            ]
    finally:
        engine.dispose()
    return Contents(*count)


def _driver_url(url: str) -> str:
    from credo.store.db import normalize_url

    return normalize_url(url)


def restore_sqlite(source: Path, database: Path) -> Path | None:
    """Put the backup ``source`` in place as ``database``; where the replaced file went, if any.

    Refused while any credo process holds the store. The copy is checked before anything is
    swapped; the old database is checkpointed (its ``-wal`` folded in) and kept beside as
    ``<name>.replaced-<UTC time>``, so a restore can itself be undone.
    """
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    database.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock = os.open(in_use_path(database), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(
                f"a credo process (a server, or a command) is using the store {database}: stop it, "
                "then restore"
            ) from None
        incoming = database.with_name(f".{database.name}.restoring")
        incoming.unlink(missing_ok=True)
        _new_private_file(incoming)
        try:
            _copy_sqlite(source, incoming)
            _check_is_store(incoming)
            replaced = _set_aside(database)
            os.replace(incoming, database)
        except BaseException:
            incoming.unlink(missing_ok=True)
            raise
        _fsync_directory(database.parent)
        return replaced
    finally:
        os.close(lock)


def _check_is_store(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        found = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('alembic_version', 'accounts')"
        ).fetchone()[0]
    finally:
        connection.close()
    if found != 2:
        raise BackupError(f"{path} is not a credo store (no accounts or schema version)")


def _set_aside(database: Path) -> Path | None:
    """Fold the old database's WAL in, move it aside with its mode, drop its -wal and -shm."""
    if not database.exists():
        return None
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    aside = database.with_name(f"{database.name}.replaced-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")
    os.replace(database, aside)
    for suffix in ("-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    return aside


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- PostgreSQL ---


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and the environment that carries the password."""
    parsed: URL = make_url(url)
    env = {}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    # ``URL.set`` leaves a field alone when given None: build the URL without the password.
    plain = URL.create(
        "postgresql", parsed.username, None, parsed.host, parsed.port, parsed.database, parsed.query
    )
    return plain.render_as_string(hide_password=False), env


def pg_dump_command(url: str, target: Path) -> tuple[list[str], dict[str, str]]:
    """``pg_dump``'s argument list for the store at ``url`` (no password in it) and its environment."""
    uri, env = _libpq(url)
    return [
        "pg_dump",
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        f"--file={target}",
        f"--dbname={uri}",
    ], env


def pg_restore_command(url: str, source: Path) -> tuple[list[str], dict[str, str]]:
    """``pg_restore``'s argument list into the (empty) database at ``url``, and its environment."""
    uri, env = _libpq(url)
    return [
        "pg_restore",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        f"--dbname={uri}",
        str(source),
    ], env


def shown(command: list[str]) -> str:
    """A command line to print: arguments quoted for a POSIX shell."""
    import shlex

    return " ".join(shlex.quote(part) for part in command)


def backup_postgres(url: str, target: Path) -> Contents:
    """``pg_dump`` of the store into ``target`` (new, 0600)."""
    command, env = pg_dump_command(url, target)
    if shutil.which("pg_dump") is None:
        raise BackupError(f"pg_dump is not installed here; on a host that has it, run:\n  {shown(command)}")
    _new_private_file(target)
    _run(command, env, target)
    return contents(url)


def restore_postgres(source: Path, url: str) -> None:
    """``pg_restore`` of ``source`` into the database at ``url``, which must hold no tables."""
    command, env = pg_restore_command(url, source)
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    if shutil.which("pg_restore") is None:
        raise BackupError(
            f"pg_restore is not installed here; on a host that has it, run:\n  {shown(command)}"
        )
    engine = create_engine(_driver_url(url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            tables = conn.exec_driver_sql(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
            ).scalar_one()
    finally:
        engine.dispose()
    if tables:
        raise BackupError(
            "the database already holds tables: restore into a new, empty database (createdb), then "
            "point the servers at it; nothing was changed"
        )
    _run(command, env, None)


def _run(command: list[str], env: dict[str, str], cleanup: Path | None) -> None:
    done = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        if cleanup is not None:
            cleanup.unlink(missing_ok=True)
        # pg_dump's own words, which name the database but never hold the password.
        raise BackupError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()}")
