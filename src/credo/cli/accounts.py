"""``credo account create``, ``list`` and ``rotate-root-key``: accounts in a store, run on the server's machine.

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
from typing import TYPE_CHECKING

import click
from sqlalchemy import Connection, insert, select

from credo.cli.credentials_file import (
    CredentialsFileError,
    console_signin_text,
    console_signin_urls,
    credentials_file_option,
    root_credentials_text,
    write_new_secret_file,
)
from credo.cli.server_commands import _settings, store_options
from credo.keyring import Keyring, KeyringError
from credo.settings import Settings
from credo.store.db import Store
from credo.store.schema import account_aliases, accounts

if TYPE_CHECKING:
    from credo.iam.root_keys import OldKeys, RotatedRootKey


def _open_store(data_dir: Path | None, database_url: str | None, dev: bool) -> tuple[Store, Keyring]:
    from credo.store.migrate import upgrade

    if dev and data_dir is None and database_url is None:
        raise click.ClickException("--dev needs the dev server's --data-dir or --database-url")
    from credo.server.bootstrap import configured_keyring

    settings = _settings(data_dir=data_dir, database_url=database_url, dev=dev or None)
    try:
        keyring = configured_keyring(settings, create=False)
    except KeyringError as error:
        raise click.ClickException(str(error)) from None
    store = Store(settings.effective_database_url)
    upgrade(store)
    return store, keyring


def _check_master_key(conn: Connection, keyring: Keyring) -> None:
    """Stop before writing anything a server could not open."""
    from credo.iam.accounts import BootstrapError, check_master_key, has_accounts

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
    """Create another account; print its id, root access key (shown once) and console sign-in URLs."""
    from credo.iam.accounts import BootstrapError, create_account

    endpoint = _settings(data_dir=data_dir, database_url=database_url).endpoint_url
    store, keyring = _open_store(data_dir, database_url, dev)
    try:
        with store.write() as conn:
            _check_master_key(conn, keyring)
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
    # As on AWS, the IAM users' URL names the account by its alias when it has one.
    named = alias or created.account_id
    if output == "json":
        users_url, root_url = console_signin_urls(endpoint, named)
        click.echo(
            json.dumps(
                {
                    "AccountId": created.account_id,
                    "AccessKeyId": created.access_key_id,
                    "SecretAccessKey": created.secret_access_key,
                    "ConsoleSignInUrl": users_url,
                    "RootSignInUrl": root_url,
                },
                indent=2,
            )
        )
        return
    click.echo(
        f"account {created.account_id} created; its root credentials (shown once; store them now):\n"
        f"  AWS_ACCESS_KEY_ID={created.access_key_id}\n"
        f"  AWS_SECRET_ACCESS_KEY={created.secret_access_key}\n\n"
        f"{console_signin_text(endpoint, named)}",
        nl=False,
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


@account.command(name="rotate-root-key")
@store_options
@_dev_option
@click.option(
    "--account",
    "account_ref",
    metavar="ID_OR_ALIAS",
    help="The account (12-digit id or alias); default: the store's only account.",
)
@click.option("--keep-old", is_flag=True, help="Leave the old root key active (room for one only).")
@click.option("--deactivate-old", is_flag=True, help="Keep the old root key, inactive (room for one only).")
@credentials_file_option
@_output_option
def rotate_root_key(
    data_dir: Path | None,
    database_url: str | None,
    dev: bool,
    account_ref: str | None,
    keep_old: bool,
    deactivate_old: bool,
    credentials_file: Path | None,
    output: str,
) -> None:
    """Give an account's root user a new access key, deleting the old ones (for a lost key).

    The new key is printed once (or written to --credentials-file, mode 0600); no old secret is
    ever shown. Old keys are deleted unless --keep-old (left active) or --deactivate-old (kept,
    inactive): as on AWS, a root user holds at most 2 access keys. Servers sharing the store
    refuse a deleted or deactivated key from their next request on.
    """
    from credo.iam.root_keys import RootKeyRotationError, find_account
    from credo.iam.root_keys import rotate_root_key as rotate

    if keep_old and deactivate_old:
        raise click.UsageError("--keep-old and --deactivate-old exclude each other")
    old_keys: OldKeys = "keep" if keep_old else "deactivate" if deactivate_old else "delete"
    settings = _settings(data_dir=data_dir, database_url=database_url)
    store, keyring = _open_store(data_dir, database_url, dev)
    try:
        with store.write() as conn:
            _check_master_key(conn, keyring)
            try:
                account_id = find_account(conn, account_ref)
            except RootKeyRotationError as error:
                hint = " with --account ID_OR_ALIAS" if account_ref is None else ""
                raise click.ClickException(f"{error}{hint}") from None
            try:
                rotated = rotate(conn, keyring, datetime.now(UTC), account_id, old_keys)
            except RootKeyRotationError as error:
                raise click.ClickException(
                    f"{error}: run without --keep-old and --deactivate-old to replace them"
                ) from None
            if credentials_file is not None:
                # Inside the transaction: if the file cannot be written, the old keys stay.
                _write_credentials(settings, rotated, credentials_file)
    finally:
        store.dispose()
    _report_rotation(rotated, credentials_file, output)


def _write_credentials(settings: Settings, rotated: RotatedRootKey, path: Path) -> None:
    text = root_credentials_text(
        settings.endpoint_url,
        rotated.account_id,
        rotated.access_key_id,
        rotated.secret_access_key,
        once=False,
    )
    try:
        write_new_secret_file(path, text)
    except CredentialsFileError as error:
        raise click.ClickException(f"{error}; nothing was changed") from None


def _report_rotation(rotated: RotatedRootKey, credentials_file: Path | None, output: str) -> None:
    """The new key once (unless it went to a file) and the old keys by id only."""
    written = credentials_file.expanduser().absolute() if credentials_file is not None else None
    if output == "json":
        report: dict[str, object] = {"AccountId": rotated.account_id, "AccessKeyId": rotated.access_key_id}
        if written is None:
            report["SecretAccessKey"] = rotated.secret_access_key
        else:
            report["CredentialsFile"] = str(written)
        report["OldAccessKeys"] = [{"AccessKeyId": key, "Result": done} for key, done in rotated.old_keys]
        click.echo(json.dumps(report, indent=2))
        return
    for key, done in rotated.old_keys:
        click.echo(f"old root access key {key}: {done}")
    if written is not None:
        click.echo(
            f"account {rotated.account_id}: new root access key {rotated.access_key_id}; "
            f"its credentials are in {written} (mode 0600)"
        )
        return
    click.echo(
        f"account {rotated.account_id}: new root credentials (shown once; store them now):\n"
        f"  AWS_ACCESS_KEY_ID={rotated.access_key_id}\n"
        f"  AWS_SECRET_ACCESS_KEY={rotated.secret_access_key}"
    )
