"""Permissions boundaries: which managed policy caps a user's or role's permissions.

A boundary is a managed policy ARN stored on the user or role row. This module checks that an
ARN names an attachable managed policy and answers Put/Delete{User,Role}PermissionsBoundary.
It looks users and roles up by table rather than through ``users``/``roles``, which import
it for their Create calls.
"""

from __future__ import annotations

from sqlalchemy import Connection, Table, select, update

from credo.call import Call, Operation, Result
from credo.errors import NoSuchEntity
from credo.iam import policy_lookup
from credo.iam.protected_roles import is_protected, protected_role_error
from credo.store import changes
from credo.store.schema import roles, users


def policy_exists(conn: Connection, account_id: str, policy_arn: str) -> bool:
    """Whether ``policy_arn`` names a managed policy that can be a boundary in ``account_id``:
    a customer managed policy of the account (path included) or an AWS managed policy in the
    catalog, other than the service-role policies AWS reserves for service-linked roles."""
    if not policy_lookup.policy_exists(conn, account_id, policy_arn):
        return False
    policy = policy_lookup.resolve(conn, account_id, policy_arn)
    return policy is not None and not policy.is_service_role_policy


def require_attachable(conn: Connection, account_id: str, policy_arn: str) -> None:
    """Raise ``NoSuchEntity`` as AWS does unless ``policy_arn`` can be a boundary."""
    if not policy_exists(conn, account_id, policy_arn):
        raise NoSuchEntity(f"Scope ARN: {policy_arn} does not exist or is not attachable.")


def describe_boundary(policy_arn: str | None) -> dict[str, str] | None:
    """The ``AttachedPermissionsBoundary`` shape, or ``None`` when there is no boundary."""
    if not policy_arn:
        return None
    return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": policy_arn}


def _entity_id(conn: Connection, table: Table, kind: str, account_id: str, name: str) -> str:
    row = conn.execute(
        select(table.c.id, table.c.name).where(
            table.c.account_id == account_id, table.c.name_lower == name.lower()
        )
    ).first()
    if row is None:
        raise NoSuchEntity(f"The {kind} with name {name} cannot be found.")
    if table is roles and is_protected(conn, str(row.id)):
        # A service-linked or Identity Center role's boundary is AWS's to set, like the rest of
        # its permissions.
        raise protected_role_error(str(row.name))
    return str(row.id)


def _set_boundary(call: Call, table: Table, kind: str, name: str, policy_arn: str | None) -> None:
    account_id = call.principal.account_id
    with call.services.store.write() as conn:
        entity_id = _entity_id(conn, table, kind, account_id, name)
        changes.note(conn, changes.identity(kind, entity_id))
        if policy_arn is not None:
            require_attachable(conn, account_id, policy_arn)
        conn.execute(update(table).where(table.c.id == entity_id).values(permissions_boundary_arn=policy_arn))


def put_user_permissions_boundary(call: Call) -> Result:
    params = call.params
    _set_boundary(call, users, "user", params["UserName"], params["PermissionsBoundary"])
    return {}


def delete_user_permissions_boundary(call: Call) -> Result:
    _set_boundary(call, users, "user", call.params["UserName"], None)
    return {}


def put_role_permissions_boundary(call: Call) -> Result:
    params = call.params
    _set_boundary(call, roles, "role", params["RoleName"], params["PermissionsBoundary"])
    return {}


def delete_role_permissions_boundary(call: Call) -> Result:
    _set_boundary(call, roles, "role", call.params["RoleName"], None)
    return {}


OPERATIONS = {
    "PutUserPermissionsBoundary": Operation(put_user_permissions_boundary),
    "DeleteUserPermissionsBoundary": Operation(delete_user_permissions_boundary),
    "PutRolePermissionsBoundary": Operation(put_role_permissions_boundary),
    "DeleteRolePermissionsBoundary": Operation(delete_role_permissions_boundary),
}
