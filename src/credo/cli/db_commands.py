"""``credo db upgrade|backup|restore``: the store's schema, copies and restores."""

from __future__ import annotations

from pathlib import Path

import click

from credo.cli.server_commands import _settings, store_options
from credo.settings import Settings


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command()
@store_options
def upgrade(data_dir: Path | None, database_url: str | None) -> None:
    """Apply all pending schema migrations."""
    from credo.store.db import Store
    from credo.store.migrate import UnknownSchema
    from credo.store.migrate import upgrade as run_upgrade

    store = Store(_settings(data_dir=data_dir, database_url=database_url).effective_database_url)
    try:
        run_upgrade(store)
    except UnknownSchema as error:
        raise click.ClickException(str(error)) from None
    finally:
        store.dispose()
    click.echo("database is at the newest schema")


@db.command()
@store_options
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(data_dir: Path | None, database_url: str | None, path: Path) -> None:
    """Copy the store to PATH (a new file, mode 0600), while servers keep running.

    SQLite: SQLite's online backup, a consistent snapshot in one file. PostgreSQL: pg_dump's
    custom format (the command is printed; pg_dump must be installed). The copy's secrets open
    only with the store's master key: keep a copy of master.key (or CREDO_MASTER_KEY) apart.
    """
    from credo.store import backup as backups

    url = _settings(data_dir=data_dir, database_url=database_url).effective_database_url
    try:
        database = backups.sqlite_path(url)
        if database is not None:
            found = backups.backup_sqlite(database, path)
        else:
            command, _ = backups.pg_dump_command(url, path)
            click.echo(f"running: {backups.shown(command)}")
            found = backups.backup_postgres(url, path)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backed up {found} to {path} (mode 0600)")
    click.echo("its secrets open only with this store's master key: keep master.key backed up apart from it")


@db.command()
@store_options
@click.argument("path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def restore(data_dir: Path | None, database_url: str | None, path: Path) -> None:
    """Put the backup at PATH in place of the store, checked against its master key.

    SQLite: only while no credo process uses the store (stop the servers first); the replaced
    database is kept beside it. PostgreSQL: pg_restore into the configured database, which must
    be new and empty (createdb); point the servers at it afterwards.
    """
    from credo.store import backup as backups

    settings = _settings(data_dir=data_dir, database_url=database_url)
    url = settings.effective_database_url
    try:
        database = backups.sqlite_path(url)
        if database is not None:
            _check_key_opens(settings, f"sqlite:///{path}")
            replaced = backups.restore_sqlite(path, database)
            if replaced is not None:
                click.echo(f"the replaced store is kept as {replaced}")
        else:
            command, _ = backups.pg_restore_command(url, path)
            click.echo(f"running: {backups.shown(command)}")
            backups.restore_postgres(path, url)
            _check_key_opens(settings, url)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored {backups.contents(url)} from {path}")


def _check_key_opens(settings: Settings, url: str) -> None:
    """Refuse a store whose secrets this host's master key does not open (no server would start)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from credo.iam.accounts import BootstrapError, check_master_key
    from credo.keyring import KeyringError
    from credo.server.bootstrap import configured_keyring
    from credo.store.backup import BackupError
    from credo.store.db import normalize_url

    try:
        keyring = configured_keyring(settings, create=False)
    except KeyringError as error:
        raise BackupError(str(error)) from None
    engine = create_engine(normalize_url(url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            check_master_key(conn, keyring)
    except BootstrapError as error:
        raise BackupError(f"the backup's secrets do not open with this store's master key: {error}") from None
    finally:
        engine.dispose()
