"""``credo sso admin …`` through the admin APIs: users, groups, permission sets and assignments by name.

Each command is one or two of AWS's ``identitystore`` / ``sso-admin`` operations, called with
the profile's credentials through boto3 (so the caller needs the same ``sso:*`` and
``identitystore:*`` permissions as with the aws CLI); names are resolved to ids first. What a
permission set grants is changed by ``credo.cli.sso_admin_permission_sets``' commands.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from credo.cli.failures import exit_with, guarded
from credo.client.sso_admin import SsoAdmin, SsoAdminError

F = TypeVar("F", bound=Callable[..., Any])


def connection_options(command: F) -> F:
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


def run_admin(where: dict[str, str | None], action: Callable[[SsoAdmin], str]) -> None:
    """``action`` with the profile's admin clients; its answer printed, a refusal in aws's words."""
    try:
        admin = SsoAdmin(where["profile"], where["endpoint_url"], where["region"])
        click.echo(action(admin))
    except SsoAdminError as error:
        exit_with(str(error))


def connection(profile: str | None, endpoint_url: str | None, region: str | None) -> dict[str, str | None]:
    """``connection_options``' values, for ``run_admin``."""
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
@connection_options
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
    run_admin(
        connection(profile, endpoint_url, region),
        lambda admin: admin.create_user(user_name, display_name, given_name, family_name, email),
    )


@api_commands.command("create-group")
@click.argument("name")
@click.option("--description", default=None)
@connection_options
@guarded
def create_group(
    name: str, description: str | None, profile: str | None, endpoint_url: str | None, region: str | None
) -> None:
    """Create an identity store group (CreateGroup); prints its GroupId."""
    run_admin(connection(profile, endpoint_url, region), lambda admin: admin.create_group(name, description))


@api_commands.command("add-to-group")
@click.argument("user_name")
@click.argument("group")
@connection_options
@guarded
def add_to_group(
    user_name: str, group: str, profile: str | None, endpoint_url: str | None, region: str | None
) -> None:
    """Put a user in a group (CreateGroupMembership); prints the MembershipId."""
    run_admin(connection(profile, endpoint_url, region), lambda admin: admin.add_to_group(user_name, group))


@api_commands.command("update-user")
@click.argument("user_name")
@click.option("--display-name", default=None)
@click.option("--given-name", default=None)
@click.option("--family-name", default=None)
@click.option("--email", default=None, help="Replaces the user's email addresses (made primary, type work).")
@connection_options
@guarded
def update_user(
    user_name: str,
    display_name: str | None,
    given_name: str | None,
    family_name: str | None,
    email: str | None,
    profile: str | None,
    endpoint_url: str | None,
    region: str | None,
) -> None:
    """Change an identity store user's names or email (UpdateUser)."""
    wanted: dict[str, Any] = {
        "displayName": display_name,
        "name.givenName": given_name,
        "name.familyName": family_name,
        "emails": [{"Value": email, "Type": "work", "Primary": True}] if email else None,
    }
    changes = {path: value for path, value in wanted.items() if value is not None}
    if not changes:
        raise click.UsageError("Give at least one of --display-name, --given-name, --family-name, --email")

    def update(admin: SsoAdmin) -> str:
        admin.update_user(user_name, changes)
        return f"Updated user {user_name}: {', '.join(changes)}"

    run_admin(connection(profile, endpoint_url, region), update)


@api_commands.command("delete-user")
@click.argument("user_name")
@connection_options
@guarded
def delete_user(user_name: str, profile: str | None, endpoint_url: str | None, region: str | None) -> None:
    """Delete an identity store user, with their group memberships and assignments (DeleteUser)."""

    def delete(admin: SsoAdmin) -> str:
        admin.delete_user(user_name)
        return f"Deleted user {user_name}"

    run_admin(connection(profile, endpoint_url, region), delete)


@api_commands.command("delete-group")
@click.argument("name")
@connection_options
@guarded
def delete_group(name: str, profile: str | None, endpoint_url: str | None, region: str | None) -> None:
    """Delete an identity store group, with its memberships and assignments (DeleteGroup)."""

    def delete(admin: SsoAdmin) -> str:
        admin.delete_group(name)
        return f"Deleted group {name}"

    run_admin(connection(profile, endpoint_url, region), delete)


@api_commands.command("create-permission-set")
@click.argument("name")
@click.option("--session-duration", default="PT1H", show_default=True, help="ISO 8601, PT1H to PT12H.")
@click.option("--managed-policy", "managed_policies", multiple=True, metavar="ARN", help="Repeatable.")
@click.option("--description", default=None)
@connection_options
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
    run_admin(
        connection(profile, endpoint_url, region),
        lambda admin: admin.create_permission_set(name, session_duration, managed_policies, description),
    )


def _assignment_command(name: str, operation: str, summary: str) -> click.Command:
    @api_commands.command(name, help=summary)
    @click.argument("permission_set")
    @click.option("--account", required=True, metavar="ID", help="The target account.")
    @click.option("--user", default=None, metavar="USER_NAME")
    @click.option("--group", default=None, metavar="GROUP_NAME")
    @connection_options
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
        run_admin(
            connection(profile, endpoint_url, region),
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
@connection_options
@guarded
def provision(
    permission_set: str,
    account: str | None,
    profile: str | None,
    endpoint_url: str | None,
    region: str | None,
) -> None:
    """Bring the permission set's roles in step with it (ProvisionPermissionSet); prints the status."""
    run_admin(
        connection(profile, endpoint_url, region), lambda admin: admin.provision(permission_set, account)
    )


@api_commands.command("list-assignments")
@click.option("--account", required=True, metavar="ID")
@connection_options
@guarded
def list_assignments(account: str, profile: str | None, endpoint_url: str | None, region: str | None) -> None:
    """Each assignment in an account: permission set, principal type and id."""

    def listing(admin: SsoAdmin) -> str:
        rows = admin.assignments(account)
        return "\n".join(f"{name}\t{kind}\t{principal}" for name, kind, principal in rows) or "(none)"

    run_admin(connection(profile, endpoint_url, region), listing)
