"""``credo service put|list|show|remove``: the definitions of your own services (docs/authorizer.md).

A definition (YAML or JSON) tells credo a service's actions, resource types, condition keys and
HTTP routes, so that the decision endpoint and the gateway middleware can authorize its requests
with IAM policies. It is kept for one account (``--account ID``) or for every account
(``--global``, the default for ``put``). Like ``credo account``, these run on the server's
machine against its store (found as ``credo serve`` finds it); AWS has no API for this, and a
running server sees a change at once.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from credo.cli.server_commands import _settings, store_options

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from credo.store.db import Store


def _store(data_dir: Path | None, database_url: str | None) -> Store:
    from credo.store.db import Store
    from credo.store.migrate import upgrade

    store = Store(_settings(data_dir=data_dir, database_url=database_url).effective_database_url)
    upgrade(store)
    return store


_account_option = click.option("--account", "account_id", metavar="ID", help="For this account only.")
_global_option = click.option("--global", "for_all", is_flag=True, help="For every account.")


def _scope_given(account_id: str | None, for_all: bool) -> str | None:
    from credo.gateway.catalog import GLOBAL

    if account_id is not None and for_all:
        raise click.UsageError("give --account ID or --global, not both")
    return GLOBAL if for_all else account_id


def _stored_scope(conn: Connection, prefix: str, scope: str | None) -> str:
    """The scope a command on ``prefix`` means: the one given, else the only one stored."""
    from credo.gateway.catalog import list_definitions

    scopes = [stored.scope for stored in list_definitions(conn, prefix)]
    if scope is not None:
        if scope not in scopes:
            raise click.ClickException(f"no definition of {prefix} for {_shown(scope)}")
        return scope
    if not scopes:
        raise click.ClickException(f"no service definition for {prefix}")
    if len(scopes) > 1:
        raise click.ClickException(
            f"{prefix} is defined for {', '.join(map(_shown, scopes))}: say which with --account ID or --global"
        )
    return scopes[0]


def _shown(scope: str) -> str:
    return "every account" if scope == "*" else f"account {scope}"


@click.group()
def service() -> None:
    """Your own services' definitions: actions, resources, condition keys and HTTP routes."""


@service.command()
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@_account_option
@_global_option
@store_options
def put(
    file: Path, account_id: str | None, for_all: bool, data_dir: Path | None, database_url: str | None
) -> None:
    """Check FILE (YAML or JSON) and store it, replacing the service's definition for that scope."""
    from sqlalchemy import select

    from credo.gateway.catalog import GLOBAL, put_definition
    from credo.gateway.definitions import DefinitionError, load_definition
    from credo.store.schema import accounts

    try:
        definition = load_definition(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise click.ClickException(f"{file}: not UTF-8 text") from None
    except DefinitionError as error:
        raise click.ClickException(error.describe(str(file))) from None
    scope = _scope_given(account_id, for_all) or GLOBAL
    store = _store(data_dir, database_url)
    try:
        with store.write() as conn:
            if (
                scope != GLOBAL
                and conn.execute(select(accounts.c.id).where(accounts.c.id == scope)).first() is None
            ):
                raise click.ClickException(f"no account {scope} in this store")
            version = put_definition(conn, definition, scope, datetime.now(UTC))
    finally:
        store.dispose()
    click.echo(
        f"{definition.prefix}: version {version} for {_shown(scope)} "
        f"({len(definition.actions)} actions, {len(definition.routes.routes)} routes)"
    )


@service.command("list")
@store_options
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_command(data_dir: Path | None, database_url: str | None, output: str) -> None:
    """List the stored definitions: prefix, scope, version, last change."""
    from credo.gateway.catalog import list_definitions

    store = _store(data_dir, database_url)
    try:
        with store.read() as conn:
            found = list_definitions(conn)
    finally:
        store.dispose()
    rows = [
        {
            "service": stored.prefix,
            "scope": "global" if stored.scope == "*" else stored.scope,
            "version": stored.version,
            "updated": stored.updated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "actions": len(stored.definition.actions),
            "routes": len(stored.definition.routes.routes),
        }
        for stored in found
    ]
    if output == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no service definitions")
        return
    click.echo(f"{'SERVICE':<20} {'SCOPE':<13} {'VERSION':>7}  {'UPDATED':<20} ACTIONS ROUTES")
    for row in rows:
        click.echo(
            f"{row['service']:<20} {row['scope']:<13} {row['version']:>7}  {row['updated']:<20} "
            f"{row['actions']:>7} {row['routes']:>6}"
        )


@service.command()
@click.argument("prefix")
@_account_option
@_global_option
@store_options
def show(
    prefix: str, account_id: str | None, for_all: bool, data_dir: Path | None, database_url: str | None
) -> None:
    """Print a stored definition as JSON (a file `credo service put` takes back)."""
    from credo.gateway.catalog import list_definitions

    store = _store(data_dir, database_url)
    try:
        with store.read() as conn:
            scope = _stored_scope(conn, prefix, _scope_given(account_id, for_all))
            stored = next(s for s in list_definitions(conn, prefix) if s.scope == scope)
    finally:
        store.dispose()
    click.echo(json.dumps(stored.definition.document, indent=2))


@service.command()
@click.argument("prefix")
@_account_option
@_global_option
@store_options
def remove(
    prefix: str, account_id: str | None, for_all: bool, data_dir: Path | None, database_url: str | None
) -> None:
    """Remove a service's definition: its requests are refused from then on."""
    from credo.gateway.catalog import remove_definition

    store = _store(data_dir, database_url)
    try:
        with store.write() as conn:
            scope = _stored_scope(conn, prefix, _scope_given(account_id, for_all))
            remove_definition(conn, prefix, scope)
    finally:
        store.dispose()
    click.echo(f"{prefix}: removed for {_shown(scope)}")
