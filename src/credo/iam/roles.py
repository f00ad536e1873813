"""IAM roles: create, read, list, update, delete; the trust policy the authorization layer reads."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import ColumnElement, Connection, RowMapping, delete, exists, insert, select, update

from credo import arn, ids
from credo.call import Call, Operation, Result
from credo.errors import DeleteConflict, EntityAlreadyExists, LimitExceeded, NoSuchEntity
from credo.iam import tags as entity_tags
from credo.iam.boundaries import describe_boundary, require_attachable
from credo.iam.paging import name_page, page
from credo.iam.protected_roles import require_modifiable
from credo.policy import parse_policy
from credo.store import changes as store_changes
from credo.store.schema import inline_policies, instance_profile_roles, policy_attachments, roles

DEFAULT_MAX_SESSION_DURATION = 3600
# AWS counts the trust policy's size without its whitespace.
MAX_TRUST_POLICY_SIZE = 2048
_WHITESPACE = re.compile(r"\s+")

# Things that must be removed before a role can be deleted, each with AWS's wording.
# The inline-policy and attachment aggregates append their own checks here.
DEPENDENTS: list[tuple[ColumnElement[Any], str]] = [
    (
        instance_profile_roles.c.role_id,
        "Cannot delete entity, must remove roles from instance profile first.",
    ),
    (inline_policies.c.entity_id, "Cannot delete entity, must delete policies first."),
    (policy_attachments.c.entity_id, "Cannot delete entity, must detach all policies first."),
]


def find_role(conn: Connection, account_id: str, name: str) -> RowMapping:
    """The role row, or ``NoSuchEntity`` worded as AWS words it."""
    row = (
        conn.execute(
            select(roles).where(roles.c.account_id == account_id, roles.c.name_lower == name.lower())
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NoSuchEntity(f"The role with name {name} cannot be found.")
    return row


def role_trust_policy(conn: Connection, account_id: str, role_name: str) -> str:
    """The role's trust policy document exactly as it was stored."""
    return str(find_role(conn, account_id, role_name)["trust_policy"])


def role_arn(row: RowMapping) -> str:
    return arn.iam_arn(row["account_id"], "role", row["path"], row["name"])


# Every column: describe_role reads most of them.
_COLUMNS = tuple(roles.c.keys())


def describe_role(
    row: RowMapping,
    tag_list: list[dict[str, str]] | None = None,
    *,
    full: bool = True,
) -> dict[str, Any]:
    """The ``Role`` shape; ``full`` adds what only GetRole-style answers carry (boundary, last use).

    The trust policy goes out URL-encoded, as AWS sends it; botocore decodes it back.
    """
    role: dict[str, Any] = {
        "Path": row["path"],
        "RoleName": row["name"],
        "RoleId": row["id"],
        "Arn": role_arn(row),
        "CreateDate": row["created_at"],
        "AssumeRolePolicyDocument": quote(row["trust_policy"], safe=""),
        "MaxSessionDuration": row["max_session_duration"],
    }
    if row["description"]:
        role["Description"] = row["description"]
    if full:
        boundary = describe_boundary(row["permissions_boundary_arn"])
        if boundary is not None:
            role["PermissionsBoundary"] = boundary
        last_used: dict[str, Any] = {}
        if row["last_used_at"] is not None:
            last_used["LastUsedDate"] = row["last_used_at"]
            if row["last_used_region"]:
                last_used["Region"] = row["last_used_region"]
        role["RoleLastUsed"] = last_used
        if tag_list:
            role["Tags"] = tag_list
    return role


def validate_trust_policy(document: str) -> None:
    """Raise as AWS does for a malformed or oversized trust policy."""
    parse_policy(document, "trust")
    if len(_WHITESPACE.sub("", document)) > MAX_TRUST_POLICY_SIZE:
        raise LimitExceeded(f"Cannot exceed quota for ACLSizePerRole: {MAX_TRUST_POLICY_SIZE}")


def _name_taken(conn: Connection, account_id: str, name: str) -> bool:
    query = select(roles.c.id).where(roles.c.account_id == account_id, roles.c.name_lower == name.lower())
    return conn.execute(query).first() is not None


def _read_role(conn: Connection, role_id: str) -> dict[str, Any]:
    row = conn.execute(select(roles).where(roles.c.id == role_id)).mappings().one()
    return describe_role(row, entity_tags.read_tags(conn, role_id))


def create_role(call: Call) -> Result:
    params = call.params
    name: str = params["RoleName"]
    account_id = call.principal.account_id
    document: str = params["AssumeRolePolicyDocument"]
    new_tags = params.get("Tags", [])
    validate_trust_policy(document)
    entity_tags.validate_new_tags(new_tags)
    boundary = params.get("PermissionsBoundary")
    with call.services.store.write() as conn:
        if boundary is not None:
            require_attachable(conn, account_id, boundary)
        if _name_taken(conn, account_id, name):
            raise EntityAlreadyExists(f"Role with name {name} already exists.")
        role_id = insert_role(
            conn,
            account_id=account_id,
            name=name,
            path=params.get("Path", "/"),
            created_at=call.services.clock.now(),
            trust_policy=document,
            description=params.get("Description"),
            max_session_duration=params.get("MaxSessionDuration", DEFAULT_MAX_SESSION_DURATION),
            permissions_boundary_arn=boundary,
        )
        store_changes.note(conn, store_changes.role(role_id))
        entity_tags.put_tags(conn, role_id, new_tags)
        role = _read_role(conn, role_id)
    # CreateRole answers without the last-use record, which cannot exist yet.
    role.pop("RoleLastUsed", None)
    return {"Role": role}


def insert_role(
    conn: Connection,
    *,
    account_id: str,
    name: str,
    path: str,
    created_at: datetime,
    trust_policy: str,
    description: str | None,
    max_session_duration: int,
    permissions_boundary_arn: str | None = None,
) -> str:
    """Store a new role (its name already checked as free); its new id."""
    role_id = ids.entity_id(ids.ROLE)
    conn.execute(
        insert(roles).values(
            id=role_id,
            account_id=account_id,
            name=name,
            name_lower=name.lower(),
            path=path,
            created_at=created_at,
            trust_policy=trust_policy,
            description=description or None,
            max_session_duration=max_session_duration,
            permissions_boundary_arn=permissions_boundary_arn,
        )
    )
    return role_id


def get_role(call: Call) -> Result:
    with call.services.store.read() as conn:
        row = find_role(conn, call.principal.account_id, call.params["RoleName"])
        return {"Role": describe_role(row, entity_tags.read_tags(conn, row["id"]))}


def list_roles(call: Call) -> Result:
    params = call.params
    with call.services.store.read() as conn:
        rows = name_page(conn, roles, _COLUMNS, call.principal.account_id, params).mappings().all()
    result = page(rows, params.get("MaxItems"), lambda row: row["name_lower"], "Roles")
    result["Roles"] = [describe_role(row, full=False) for row in result["Roles"]]
    return result


def _update_role(call: Call, changes: dict[str, Any], *, description_only: bool = False) -> dict[str, Any]:
    """Apply ``changes``, refused for a role a service owns, as AWS refuses them (a service-linked
    role's description alone may change: ``description_only``)."""
    with call.services.store.write() as conn:
        row = find_role(conn, call.principal.account_id, call.params["RoleName"])
        store_changes.note(conn, store_changes.role(row["id"]))
        require_modifiable(conn, row, description_only=description_only)
        if changes:
            conn.execute(update(roles).where(roles.c.id == row["id"]).values(**changes))
        return _read_role(conn, row["id"])


def update_role(call: Call) -> Result:
    params = call.params
    changes: dict[str, Any] = {}
    if "Description" in params:
        changes["description"] = params["Description"] or None
    if params.get("MaxSessionDuration") is not None:
        changes["max_session_duration"] = params["MaxSessionDuration"]
    # A service-linked role's description is the one thing the account may edit.
    _update_role(call, changes, description_only="max_session_duration" not in changes)
    return {}


def update_role_description(call: Call) -> Result:
    changes = {"description": call.params["Description"] or None}
    return {"Role": _update_role(call, changes, description_only=True)}


def update_assume_role_policy(call: Call) -> Result:
    document: str = call.params["PolicyDocument"]
    validate_trust_policy(document)
    _update_role(call, {"trust_policy": document})
    return {}


def drop_role(conn: Connection, role_id: str) -> None:
    """Delete a role with its policies and tags: how the services that own a role (service-linked
    roles, Identity Center's provisioned roles) remove it, where DeleteRole would refuse."""
    conn.execute(delete(inline_policies).where(inline_policies.c.entity_id == role_id))
    conn.execute(delete(policy_attachments).where(policy_attachments.c.entity_id == role_id))
    entity_tags.drop_all_tags(conn, role_id)
    conn.execute(delete(roles).where(roles.c.id == role_id))


def delete_role(call: Call) -> Result:
    with call.services.store.write() as conn:
        row = find_role(conn, call.principal.account_id, call.params["RoleName"])
        store_changes.note(conn, store_changes.role(row["id"]))
        require_modifiable(conn, row)
        for column, message in DEPENDENTS:
            if conn.execute(select(exists().where(column == row["id"]))).scalar():
                raise DeleteConflict(message)
        entity_tags.drop_all_tags(conn, row["id"])
        conn.execute(delete(roles).where(roles.c.id == row["id"]))
    return {}


OPERATIONS = {
    "CreateRole": Operation(create_role),
    "GetRole": Operation(get_role),
    "ListRoles": Operation(list_roles),
    "UpdateRole": Operation(update_role),
    "UpdateRoleDescription": Operation(update_role_description),
    "UpdateAssumeRolePolicy": Operation(update_assume_role_policy),
    "DeleteRole": Operation(delete_role),
}
