"""``credo sso admin set-password``, ``reset-mfa`` and ``session-duration``: what Identity Center
keeps in its own console and offers no API for, run on the server's machine against its store.

``set-password USER`` gives an identity store user a password for the access portal (asked twice
on the terminal, or read from standard input with ``--password-stdin``), checked against the
management account's IAM password policy and stored as an argon2id hash; the user's portal
sign-ins (and their tokens) end. ``reset-mfa USER`` removes the user's portal MFA devices (a lost
phone) and ends their sign-ins. ``session-duration`` shows or sets how long a portal sign-in
lasts (8 hours by default, 15 minutes to 90 days). The store is found as ``credo serve`` finds it;
neither command needs the master key.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from credo.cli.server_commands import _settings, store_options

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from credo.sso.instances import Instance
    from credo.store.db import Store

_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?")


def _store(data_dir: Path | None, database_url: str | None) -> Store:
    from credo.store.db import Store
    from credo.store.migrate import upgrade

    store = Store(_settings(data_dir=data_dir, database_url=database_url).effective_database_url)
    upgrade(store)
    return store


@click.group()
def admin() -> None:
    """Identity Center administration: users, groups, permission sets and assignments by name
    (through the admin APIs), and portal settings AWS has no API for (on the server's machine)."""


@admin.command("set-password")
@click.argument("user_name")
@store_options
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (one line).")
def set_password(
    user_name: str, data_dir: Path | None, database_url: str | None, password_stdin: bool
) -> None:
    """Set an identity store user's access portal password (ends their portal sign-ins)."""
    from sqlalchemy import update

    from credo.errors import PasswordPolicyViolation
    from credo.iam.password_policy import check_password_rules, load_policy
    from credo.passwords import hash_password
    from credo.sso import portal_sessions
    from credo.store.schema import sso_users

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt="Retype new password")
    store = _store(data_dir, database_url)
    try:
        with store.write() as conn:
            instance, user_id = _find_user(conn, user_name)
            try:
                check_password_rules(load_policy(conn, instance.owner_account_id), password)
            except PasswordPolicyViolation as violation:
                raise click.ClickException(
                    f"{violation.message} (the management account's password policy applies)"
                ) from None
            conn.execute(
                update(sso_users)
                .where(sso_users.c.id == user_id)
                .values(password_hash=hash_password(password), password_changed_at=datetime.now(UTC))
            )
            ended = portal_sessions.end_for_user(conn, user_id)
    finally:
        store.dispose()
    click.echo(f"Password set for {user_name}" + (f"; {ended} portal sign-in(s) ended" if ended else ""))


@admin.command("reset-mfa")
@click.argument("user_name")
@store_options
def reset_mfa(user_name: str, data_dir: Path | None, database_url: str | None) -> None:
    """Remove every access portal MFA device of an identity store user (ends their portal sign-ins)."""
    from credo.sso import portal_mfa, portal_sessions

    store = _store(data_dir, database_url)
    try:
        with store.write() as conn:
            _instance, user_id = _find_user(conn, user_name)
            removed = portal_mfa.remove_all(conn, user_id)
            ended = portal_sessions.end_for_user(conn, user_id)
    finally:
        store.dispose()
    click.echo(
        f"{removed} MFA device(s) removed for {user_name}"
        + (f"; {ended} portal sign-in(s) ended" if ended else "")
    )


@admin.command("set-identity-source")
@click.option(
    "--saml-metadata",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The external SAML identity provider's metadata (XML) for the access portal.",
)
@click.option("--identity-store", is_flag=True, help="Back to identity store passwords only.")
@store_options
def set_identity_source(
    saml_metadata: Path | None, identity_store: bool, data_dir: Path | None, database_url: str | None
) -> None:
    """Let people sign in to the access portal through an external SAML identity provider."""
    from credo.errors import AwsError
    from credo.sso import identity_source

    if (saml_metadata is None) == (not identity_store):
        raise click.UsageError("give --saml-metadata FILE or --identity-store")
    document = saml_metadata.read_text(encoding="utf-8") if saml_metadata is not None else None
    store = _store(data_dir, database_url)
    try:
        with store.write() as conn:
            instance = _instance(conn)
            if document is None:
                identity_source.clear_source(conn, instance)
                click.echo("The access portal signs people in with identity store passwords only")
                return
            try:
                metadata = identity_source.set_source(conn, instance, document, datetime.now(UTC))
            except AwsError as error:
                raise click.ClickException(": ".join(filter(None, (error.message, error.detail)))) from None
    finally:
        store.dispose()
    click.echo(
        f"The access portal trusts {metadata.entity_id}. Give it this service provider: entity id and "
        f"assertion consumer service URL <endpoint>{identity_source.PATH} (HTTP-POST, <endpoint> being "
        "the server's URL as browsers reach it); NameID: the UserName or primary email address"
    )


def _instance(conn: Connection) -> Instance:
    from credo.sso.instances import load

    instance = load(conn)
    if instance is None:
        raise click.ClickException("this store has no Identity Center instance yet: start `credo serve` once")
    return instance


def _find_user(conn: Connection, user_name: str) -> tuple[Instance, str]:
    """The instance and the id of its identity store user ``user_name``, or a ClickException
    saying what is missing."""
    from sqlalchemy import select

    from credo.sso.attribute_updates import name_key
    from credo.store.schema import sso_users

    instance = _instance(conn)
    user_id = conn.execute(
        select(sso_users.c.id).where(
            sso_users.c.instance_id == instance.id, sso_users.c.name_key == name_key(user_name)
        )
    ).scalar()
    if user_id is None:
        raise click.ClickException(
            f"no user named {user_name} in identity store {instance.identity_store_id}"
        )
    return instance, str(user_id)


def parse_duration(text: str) -> timedelta:
    """``PT8H``, ``P1DT12H``, ``PT90M`` (ISO 8601, days/hours/minutes) or a number of seconds."""
    if text.isdigit():
        return timedelta(seconds=int(text))
    match = _DURATION.fullmatch(text.upper())
    if match is None or not any(match.groups()):
        raise click.BadParameter(f"{text!r} is not a duration such as PT8H, P1D or PT90M")
    days, hours, minutes = (int(part or 0) for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


@admin.command("session-duration")
@click.argument("duration", required=False)
@store_options
def session_duration(duration: str | None, data_dir: Path | None, database_url: str | None) -> None:
    """Show, or set, how long an access portal sign-in lasts (e.g. PT8H, P7D)."""
    from credo.sso import portal_settings
    from credo.sso.instances import load

    wanted = parse_duration(duration) if duration is not None else None
    store = _store(data_dir, database_url)
    try:
        with store.write() as conn:
            instance = load(conn)
            if instance is None:
                raise click.ClickException(
                    "this store has no Identity Center instance yet: start `credo serve` once"
                )
            if wanted is not None:
                try:
                    portal_settings.set_session_duration(conn, instance, wanted)
                except ValueError as error:
                    raise click.ClickException(str(error)) from None
            current = portal_settings.session_duration(conn, instance)
    finally:
        store.dispose()
    click.echo(f"Access portal sign-ins last {current} (new sign-ins; existing ones keep their end)")


def _add_api_commands() -> None:
    """The commands that work through the admin APIs (any machine, the caller's permissions)."""
    from credo.cli.sso_admin_api import api_commands
    from credo.cli.sso_admin_permission_sets import permission_set_commands

    for group in (api_commands, permission_set_commands):
        for command in group.commands.values():
            admin.add_command(command)


_add_api_commands()
