"""``credo account create`` and ``credo account list``: more accounts in a store, for cross-account roles.

The store is found as ``credo serve`` finds it (flags, then ``CREDO_*`` variables). Secrets
are sealed with the store's master key, so the command must use the server's: ``--dev`` for
a store a ``credo serve --dev`` process uses (dev mode's fixed, public master key), otherwise
``CREDO_MASTER_KEY`` or the ``master.key`` file in the data dir. It never makes a new master
key, and it checks the key against a secret already in the store before writing anything.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy import insert, select

from credo.cli.server_commands import _settings, store_options
from credo.keyring import Keyring, KeyringError, decode_master_key
from credo.settings import Settings
from credo.store.db import Store
from credo.store.schema import account_aliases, accounts


def _master_key(settings: Settings, dev: bool) -> bytes:
    if settings.master_key:
        return decode_master_key(settings.master_key)
    if dev:
        from credo.server.bootstrap import _DEV_MASTER_KEY

        return _DEV_MASTER_KEY
    path = settings.effective_data_dir / "master.key"
    if not path.exists():
        raise click.ClickException(
            f"no master key: {path} does not exist; set CREDO_MASTER_KEY, or pass --dev for a dev server's store"
        )
    return decode_master_key(path.read_text())


def _open_store(data_dir: Path | None, database_url: str | None, dev: bool) -> tuple[Store, Keyring]:
    from credo.store.migrate import upgrade

    if dev and data_dir is None and database_url is None:
        raise click.ClickException("--dev needs the dev server's --data-dir or --database-url")
    settings = _settings(data_dir=data_dir, database_url=database_url)
    try:
        keyring = Keyring(_master_key(settings, dev))
    except KeyringError as error:
        raise click.ClickException(str(error)) from None
    store = Store(settings.effective_database_url)
    upgrade(store)
    return store, keyring


@click.group()
def account() -> None:
    """Accounts in the store: each has its own root user, IAM users and roles."""


_dev_option = click.option(
    "--dev", is_flag=True, help="The store of a `credo serve --dev` server (its fixed dev master key)."
)
_output_option = click.option(
    "--output", type=click.Choice(["text", "json"]), default="text", show_default=True
)


@account.command()
@store_options
@_dev_option
@click.option("--account-id", help="12-digit id of the new account (random by default).")
@click.option("--email", help="The root user's email address.")
@click.option("--alias", help="An account alias for the new account.")
@_output_option
def create(
    data_dir: Path | None,
    database_url: str | None,
    dev: bool,
    account_id: str | None,
    email: str | None,
    alias: str | None,
    output: str,
) -> None:
    """Create another account and print its id and root access key (shown once)."""
    from credo.iam.accounts import BootstrapError, check_master_key, create_account, has_accounts

    store, keyring = _open_store(data_dir, database_url, dev)
    try:
        with store.write() as conn:
            if not has_accounts(conn):
                raise click.ClickException(
                    "this store has no account yet: start it once with `credo serve` or `credo init`"
                )
            try:
                check_master_key(conn, keyring)
            except BootstrapError:
                raise click.ClickException(
                    "the master key does not open this store's secrets; pass --dev for a store of "
                    "`credo serve --dev`, or set CREDO_MASTER_KEY to the server's key"
                ) from None
            if (
                account_id is not None
                and conn.execute(select(accounts.c.id).where(accounts.c.id == account_id)).first()
            ):
                raise click.ClickException(f"account {account_id} already exists")
            if (
                alias is not None
                and conn.execute(
                    select(account_aliases.c.alias).where(account_aliases.c.alias == alias)
                ).first()
            ):
                raise click.ClickException(f"The account alias {alias} already exists.")
            try:
                created = create_account(conn, keyring, datetime.now(UTC), account_id=account_id, email=email)
            except BootstrapError as error:
                raise click.ClickException(str(error)) from None
            if alias is not None:
                conn.execute(insert(account_aliases).values(alias=alias, account_id=created.account_id))
    finally:
        store.dispose()
    if output == "json":
        click.echo(
            json.dumps(
                {
                    "AccountId": created.account_id,
                    "AccessKeyId": created.access_key_id,
                    "SecretAccessKey": created.secret_access_key,
                },
                indent=2,
            )
        )
        return
    click.echo(
        f"account {created.account_id} created; its root credentials (shown once; store them now):\n"
        f"  AWS_ACCESS_KEY_ID={created.access_key_id}\n"
        f"  AWS_SECRET_ACCESS_KEY={created.secret_access_key}"
    )


@account.command(name="list")
@store_options
@_output_option
def list_accounts(data_dir: Path | None, database_url: str | None, output: str) -> None:
    """List the store's accounts (no secrets: the master key is not needed)."""
    store = Store(_settings(data_dir=data_dir, database_url=database_url).effective_database_url)
    try:
        with store.read() as conn:
            rows = conn.execute(
                select(accounts.c.id, accounts.c.email, accounts.c.created_at, account_aliases.c.alias)
                .select_from(
                    accounts.outerjoin(account_aliases, account_aliases.c.account_id == accounts.c.id)
                )
                .order_by(accounts.c.created_at, accounts.c.id)
            ).all()
    finally:
        store.dispose()
    listed = [
        {
            "AccountId": row.id,
            "Email": row.email,
            "Alias": row.alias,
            "CreateDate": row.created_at.isoformat() if row.created_at else None,
        }
        for row in rows
    ]
    if output == "json":
        click.echo(json.dumps({"Accounts": listed}, indent=2))
        return
    for item in listed:
        click.echo(f"{item['AccountId']}\t{item['Alias'] or '-'}\t{item['Email'] or '-'}")
