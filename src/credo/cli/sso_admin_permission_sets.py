"""``credo sso admin`` commands on what a permission set grants, by its name: attach and detach
managed policies, put, get and delete the inline policy, put and delete the permissions boundary;
list and describe permission sets; delete one.

As in AWS, a change reaches the permission set, not yet its roles: each change command says which
accounts now hold an earlier version, and ``credo sso admin provision NAME`` brings them in step.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime

import click

from credo.cli.failures import guarded
from credo.cli.sso_admin_api import connection, connection_options, run_admin
from credo.client import sso_permission_sets as sets
from credo.client.sso_admin import SsoAdmin, SsoAdminError


@click.group()
def permission_set_commands() -> None:
    """Holder of these commands; ``credo.cli.sso_admin`` adds each to ``credo sso admin``."""


def read_document(argument: str) -> str:
    """``file://PATH`` is read from disk (as the aws CLI reads it); anything else is the text."""
    if not argument.startswith("file://"):
        return argument
    path = os.path.expanduser(argument.removeprefix("file://"))
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise click.BadParameter(f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from None


def _changed(name: str, what: str, admin: SsoAdmin, of: sets.Target) -> str:
    """``what`` was done; and, when roles now lag behind, which accounts and how to update them."""
    stale = sets.stale_accounts(admin, of)
    if not stale:
        return f"{name}: {what}"
    return (
        f"{name}: {what}. Its role in {', '.join(stale)} has the previous version until "
        f"`credo sso admin provision {name}`"
    )


def _change_command(
    command_name: str, summary: str, change: Callable[[SsoAdmin, sets.Target, str], str]
) -> None:
    """A command ``COMMAND_NAME PERMISSION_SET POLICY_ARN`` doing ``change`` (which says what it did)."""

    @permission_set_commands.command(command_name, help=summary)
    @click.argument("permission_set")
    @click.argument("policy_arn")
    @connection_options
    @guarded
    def command(
        permission_set: str,
        policy_arn: str,
        profile: str | None,
        endpoint_url: str | None,
        region: str | None,
    ) -> None:
        def run(admin: SsoAdmin) -> str:
            of = sets.target(admin, permission_set)
            return _changed(permission_set, change(admin, of, policy_arn), admin, of)

        run_admin(connection(profile, endpoint_url, region), run)


def _attach(admin: SsoAdmin, of: sets.Target, policy_arn: str) -> str:
    sets.attach_managed_policy(admin, of, policy_arn)
    return f"attached {policy_arn}"


def _detach(admin: SsoAdmin, of: sets.Target, policy_arn: str) -> str:
    sets.detach_managed_policy(admin, of, policy_arn)
    return f"detached {policy_arn}"


_change_command(
    "attach-managed-policy",
    "Attach an AWS managed policy to a permission set (AttachManagedPolicyToPermissionSet).",
    _attach,
)
_change_command(
    "detach-managed-policy",
    "Detach an AWS managed policy from a permission set (DetachManagedPolicyFromPermissionSet).",
    _detach,
)


def _simple_command(command_name: str, summary: str, action: Callable[[SsoAdmin, str], str]) -> None:
    """A command ``COMMAND_NAME PERMISSION_SET`` printing what ``action`` answers."""

    @permission_set_commands.command(command_name, help=summary)
    @click.argument("permission_set")
    @connection_options
    @guarded
    def command(
        permission_set: str, profile: str | None, endpoint_url: str | None, region: str | None
    ) -> None:
        run_admin(connection(profile, endpoint_url, region), lambda admin: action(admin, permission_set))


@permission_set_commands.command("put-inline-policy")
@click.argument("permission_set")
@click.option(
    "--policy-document", required=True, metavar="JSON|file://PATH", help="The policy (IAM's grammar)."
)
@connection_options
@guarded
def put_inline_policy(
    permission_set: str,
    policy_document: str,
    profile: str | None,
    endpoint_url: str | None,
    region: str | None,
) -> None:
    """Set a permission set's inline policy, replacing any (PutInlinePolicyToPermissionSet)."""
    document = read_document(policy_document)

    def put(admin: SsoAdmin) -> str:
        of = sets.target(admin, permission_set)
        sets.put_inline_policy(admin, of, document)
        return _changed(permission_set, "inline policy set", admin, of)

    run_admin(connection(profile, endpoint_url, region), put)


def _get_inline(admin: SsoAdmin, name: str) -> str:
    document = sets.get_inline_policy(admin, sets.target(admin, name))
    if not document:
        raise SsoAdminError(f"The permission set {name} has no inline policy")
    return document


def _delete_inline(admin: SsoAdmin, name: str) -> str:
    of = sets.target(admin, name)
    sets.delete_inline_policy(admin, of)
    return _changed(name, "inline policy deleted", admin, of)


_simple_command(
    "get-inline-policy",
    "Print a permission set's inline policy (GetInlinePolicyForPermissionSet).",
    _get_inline,
)
_simple_command(
    "delete-inline-policy",
    "Remove a permission set's inline policy (DeleteInlinePolicyFromPermissionSet).",
    _delete_inline,
)


@permission_set_commands.command("put-permissions-boundary")
@click.argument("permission_set")
@click.option("--managed-policy", "policy_arn", default=None, metavar="ARN", help="An AWS managed policy.")
@click.option(
    "--customer-managed-policy",
    "customer_policy",
    default=None,
    metavar="NAME",
    help="A customer managed policy of that name in each account the set is provisioned to.",
)
@click.option("--path", default="/", show_default=True, help="The customer managed policy's path.")
@connection_options
@guarded
def put_permissions_boundary(
    permission_set: str,
    policy_arn: str | None,
    customer_policy: str | None,
    path: str,
    profile: str | None,
    endpoint_url: str | None,
    region: str | None,
) -> None:
    """Set a permission set's permissions boundary (PutPermissionsBoundaryToPermissionSet)."""
    if (policy_arn is None) == (customer_policy is None):
        raise click.UsageError("Give exactly one of --managed-policy and --customer-managed-policy")
    chosen = sets.boundary(policy_arn, customer_policy, path)

    def put(admin: SsoAdmin) -> str:
        of = sets.target(admin, permission_set)
        sets.put_permissions_boundary(admin, of, chosen)
        return _changed(permission_set, f"permissions boundary {policy_arn or customer_policy}", admin, of)

    run_admin(connection(profile, endpoint_url, region), put)


def _delete_boundary(admin: SsoAdmin, name: str) -> str:
    of = sets.target(admin, name)
    sets.delete_permissions_boundary(admin, of)
    return _changed(name, "permissions boundary deleted", admin, of)


def _describe(admin: SsoAdmin, name: str) -> str:
    def when(value: object) -> str:
        return value.isoformat() if isinstance(value, datetime) else str(value)

    return json.dumps(sets.describe(admin, sets.target(admin, name)), indent=4, default=when)


def _delete(admin: SsoAdmin, name: str) -> str:
    sets.delete_permission_set(admin, sets.target(admin, name))
    return f"Deleted permission set {name}"


_simple_command(
    "delete-permissions-boundary",
    "Remove a permission set's permissions boundary (DeletePermissionsBoundaryFromPermissionSet).",
    _delete_boundary,
)
_simple_command(
    "describe-permission-set",
    "A permission set and what it grants, as JSON (DescribePermissionSet and the policy listings).",
    _describe,
)
_simple_command(
    "delete-permission-set",
    "Delete a permission set that has no assignments left (DeletePermissionSet).",
    _delete,
)


@permission_set_commands.command("list-permission-sets")
@connection_options
@guarded
def list_permission_sets(profile: str | None, endpoint_url: str | None, region: str | None) -> None:
    """Each permission set: name and ARN."""

    def listing(admin: SsoAdmin) -> str:
        rows = sets.listing(admin)
        return "\n".join(f"{name}\t{arn}" for name, arn in rows) or "(none)"

    run_admin(connection(profile, endpoint_url, region), listing)
