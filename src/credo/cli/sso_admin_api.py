"""``credo sso admin …`` through the admin APIs: users, groups, permission sets and assignments by name.

Each command is one or two of AWS's ``identitystore`` / ``sso-admin`` operations, called with
the profile's credentials through boto3 (so the caller needs the same ``sso:*`` and
``identitystore:*`` permissions as with the aws CLI); names are resolved to ids first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from credo.cli.failures import exit_with, guarded
from credo.client.sso_admin import SsoAdmin, SsoAdminError

F = TypeVar("F", bound=Callable[..., Any])


def _connection_options(command: F) -> F:
    for option in reversed(
        [
            click.option("--profile", default=None, metavar="NAME", help="The administrator's profile."),
            click.option(
                "--endpoint-url",
                default=None,
                metavar="URL",
                help="The credo server (default: the profile's).",
            ),
            click.option(
                "--region", default=None, help="The region for the clients (default: the profile's)."
            ),
        ]
    ):
        command = option(command)
    return command


def _run(connection: dict[str, str | None], action: Callable[[SsoAdmin], str]) -> None:
    try:
        admin = SsoAdmin(connection["profile"], connection["endpoint_url"], connection["region"])
        click.echo(action(admin))
    except SsoAdminError as error:
        exit_with(str(error))


def _connection(profile: str | None, endpoint_url: str | None, region: str | None) -> dict[str, str | None]:
    return {"profile": profile, "endpoint_url": endpoint_url, "region": region}


@click.group()
def api_commands() -> None:
    """Holder of the API commands; ``credo.cli.sso_admin`` adds each to ``credo sso admin``."""


@api_commands.command("create-user")
@click.argument("user_name")
@click.option("--display-name", required=True)
@click.option("--given-name", required=True)
@click.option("--family-name", required=True)
@click.option("--email", default=None)
@_connection_options
@guarded
def create_user(
    user_name: str,
    display_name: str,
    given_name: str,
    family_name: str,
    email: str | None,
    profile: str | None,
    endpoint_url: str | None,
    region: str | None,
) -> None:
    """Create an identity store user (CreateUser); prints its UserId."""
    _run(
        _connection(profile, endpoint_url, region),
        lambda admin: admin.create_user(user_name, display_name, given_name, family_name, email),
    )


@api_commands.command("create-group")
@click.argument("name")
@click.option("--description", default=None)
@_connection_options
@guarded
def create_group(
    name: str, description: str | None, profile: str | None, endpoint_url: str | None, region: str | None
) -> None:
    """Create an identity store group (CreateGroup); prints its GroupId."""
    _run(_connection(profile, endpoint_url, region), lambda admin: admin.create_group(name, description))


@api_commands.command("add-to-group")
@click.argument("user_name")
@click.argument("group")
@_connection_options
@guarded
def add_to_group(
    user_name: str, group: str, profile: str | None, endpoint_url: str | None, region: str | None
) -> None:
    """Put a user in a group (CreateGroupMembership); prints the MembershipId."""
    _run(_connection(profile, endpoint_url, region), lambda admin: admin.add_to_group(user_name, group))


@api_commands.command("create-permission-set")
@click.argument("name")
@click.option("--session-duration", default="PT1H", show_default=True, help="ISO 8601, PT1H to PT12H.")
@click.option("--managed-policy", "managed_policies", multiple=True, metavar="ARN", help="Repeatable.")
@click.option("--description", default=None)
@_connection_options
@guarded
def create_permission_set(
    name: str,
    session_duration: str,
    managed_policies: tuple[str, ...],
    description: str | None,
    profile: str | None,
    endpoint_url: str | None,
    region: str | None,
) -> None:
    """Create a permission set with managed policies; prints its ARN."""
    _run(
        _connection(profile, endpoint_url, region),
        lambda admin: admin.create_permission_set(name, session_duration, managed_policies, description),
    )


def _assignment_command(name: str, operation: str, summary: str) -> click.Command:
    @api_commands.command(name, help=summary)
    @click.argument("permission_set")
    @click.option("--account", required=True, metavar="ID", help="The target account.")
    @click.option("--user", default=None, metavar="USER_NAME")
    @click.option("--group", default=None, metavar="GROUP_NAME")
    @_connection_options
    @guarded
    def command(
        permission_set: str,
        account: str,
        user: str | None,
        group: str | None,
        profile: str | None,
        endpoint_url: str | None,
        region: str | None,
    ) -> None:
        _run(
            _connection(profile, endpoint_url, region),
            lambda admin: admin.assignment(operation, permission_set, account, user, group),
        )

    return command


_assignment_command(
    "assign",
    "CreateAccountAssignment",
    "Give a user or group a permission set in an account (the role is provisioned); prints the status.",
)
_assignment_command(
    "unassign",
    "DeleteAccountAssignment",
    "Take a permission set in an account from a user or group; prints the status.",
)


@api_commands.command("provision")
@click.argument("permission_set")
@click.option("--account", default=None, metavar="ID", help="One account (default: every provisioned one).")
@_connection_options
@guarded
def provision(
    permission_set: str,
    account: str | None,
    profile: str | None,
    endpoint_url: str | None,
    region: str | None,
) -> None:
    """Bring the permission set's roles in step with it (ProvisionPermissionSet); prints the status."""
    _run(_connection(profile, endpoint_url, region), lambda admin: admin.provision(permission_set, account))


@api_commands.command("list-assignments")
@click.option("--account", required=True, metavar="ID")
@_connection_options
@guarded
def list_assignments(account: str, profile: str | None, endpoint_url: str | None, region: str | None) -> None:
    """Each assignment in an account: permission set, principal type and id."""

    def listing(admin: SsoAdmin) -> str:
        rows = admin.assignments(account)
        return "\n".join(f"{name}\t{kind}\t{principal}" for name, kind, principal in rows) or "(none)"

    _run(_connection(profile, endpoint_url, region), listing)
