"""Identity store groups: CreateGroup, DescribeGroup, ListGroups, UpdateGroup, DeleteGroup,
GetGroupId.

A group needs a display name, unique ignoring case (``Administrator`` and ``AWSAdministrators``
are reserved). Deleting a group removes its memberships and its account assignments, and with
the last assignment of a permission set in an account, the role provisioned there.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from botocore.model import StructureShape
from sqlalchemy import Connection, RowMapping, delete, insert, select

from credo.call import Call, Operation, Result
from credo.errors import ConflictException, ResourceNotFoundException, ValidationException
from credo.protocol import model
from credo.sso import identifiers, paging
from credo.sso.assignments import remove_principal
from credo.sso.attribute_updates import apply_operations, check_revision, name_key, save_revision
from credo.sso.instances import Instance, require_identity_store
from credo.sso.users import RESERVED_NAMES
from credo.store.schema import sso_groups


@cache
def _group_shape() -> StructureShape:
    operation = model.operation("identitystore", "CreateGroup")
    assert operation is not None and operation.input_shape is not None
    return operation.input_shape


def find_group(conn: Connection, instance: Instance, group_id: str) -> RowMapping:
    """The group ``group_id`` (an id or ARN) names, or AWS's ResourceNotFoundException."""
    plain = identifiers.plain_id(group_id)
    row = (
        conn.execute(
            select(sso_groups).where(sso_groups.c.id == plain, sso_groups.c.instance_id == instance.id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise ResourceNotFoundException(
            f"Group with id {plain} not found.", ResourceType="GROUP", ResourceId=plain
        )
    return row


def _columns(values: dict[str, Any]) -> dict[str, Any]:
    display_name = values.get("DisplayName")
    if not display_name:
        raise ValidationException(
            "1 validation error detected: Value null at 'displayName' failed to satisfy constraint: "
            "Member must not be null"
        )
    if str(display_name).casefold() in RESERVED_NAMES:
        raise ValidationException(
            "Administrator and AWSAdministrators are reserved names and can't be used for users or groups."
        )
    return {
        "display_name": display_name,
        "name_key": name_key(display_name),
        "description": values.get("Description"),
    }


def _check_name_free(conn: Connection, instance: Instance, key: str, group_id: str | None = None) -> None:
    query = select(sso_groups.c.id).where(
        sso_groups.c.instance_id == instance.id, sso_groups.c.name_key == key
    )
    if group_id is not None:
        query = query.where(sso_groups.c.id != group_id)
    if conn.execute(query).first() is not None:
        raise ConflictException("Duplicate GroupDisplayName", Reason="UNIQUENESS_CONSTRAINT_VIOLATION")


def _identity(row: RowMapping, instance: Instance) -> dict[str, Any]:
    return {
        "IdentityStoreId": instance.identity_store_id,
        "GroupId": row["id"],
        "GroupArn": identifiers.resource_arn("group", row["id"]),
        "Revision": str(row["revision"]),
    }


def describe(row: RowMapping, instance: Instance) -> dict[str, Any]:
    """The ``Group`` shape."""
    group = _identity(row, instance)
    group.update(
        {
            "DisplayName": row["display_name"],
            "CreatedAt": row["created_at"],
            "CreatedBy": row["created_by"],
            "UpdatedAt": row["updated_at"],
            "UpdatedBy": row["updated_by"],
        }
    )
    if row["description"] is not None:
        group["Description"] = row["description"]
    return group


def create_group(call: Call) -> Result:
    params = call.params
    columns = _columns(dict(params))
    now = call.services.clock.now()
    with call.services.store.write() as conn:
        instance = require_identity_store(conn, params["IdentityStoreId"])
        _check_name_free(conn, instance, columns["name_key"])
        group_id = identifiers.resource_id()
        conn.execute(
            insert(sso_groups).values(
                id=group_id,
                instance_id=instance.id,
                revision=1,
                created_at=now,
                created_by=call.principal.arn,
                updated_at=now,
                updated_by=call.principal.arn,
                **columns,
            )
        )
        row = conn.execute(select(sso_groups).where(sso_groups.c.id == group_id)).mappings().one()
    return _identity(row, instance)


def describe_group(call: Call) -> Result:
    params = call.params
    with call.services.store.read() as conn:
        instance = require_identity_store(conn, params["IdentityStoreId"])
        row = find_group(conn, instance, params["GroupId"])
    return describe(row, instance)


def list_groups(call: Call) -> Result:
    params = call.params
    start = paging.after(params.get("NextToken"))
    with call.services.store.read() as conn:
        instance = require_identity_store(conn, params["IdentityStoreId"])
        query = select(sso_groups).where(sso_groups.c.instance_id == instance.id)
        for condition in params.get("Filters") or ():
            if condition["AttributePath"].lower() != "displayname":
                raise ValidationException(
                    f"Filtering on {condition['AttributePath']} is not supported; "
                    "ListGroups filters on DisplayName."
                )
            query = query.where(sso_groups.c.name_key == name_key(condition["AttributeValue"]))
        if start is not None:
            query = query.where(sso_groups.c.id > start)
        rows = (
            conn.execute(query.order_by(sso_groups.c.id).limit(paging.limit_of(params.get("MaxResults"))))
            .mappings()
            .all()
        )
    return paging.page(
        rows, params.get("MaxResults"), lambda row: row["id"], "Groups", lambda row: describe(row, instance)
    )


def update_group(call: Call) -> Result:
    params = call.params
    with call.services.store.write() as conn:
        instance = require_identity_store(conn, params["IdentityStoreId"])
        row = find_group(conn, instance, params["GroupId"])
        check_revision(row, params.get("Revision"), "group")
        current = {"DisplayName": row["display_name"]}
        if row["description"] is not None:
            current["Description"] = row["description"]
        updated = apply_operations(_group_shape(), current, params["Operations"], {"IdentityStoreId"})
        columns = _columns(updated)
        _check_name_free(conn, instance, columns["name_key"], row["id"])
        row = save_revision(conn, sso_groups, row, call, columns)
    return _identity(row, instance)


def delete_group(call: Call) -> Result:
    params = call.params
    with call.services.store.write() as conn:
        instance = require_identity_store(conn, params["IdentityStoreId"])
        row = find_group(conn, instance, params["GroupId"])
        check_revision(row, params.get("Revision"), "group")
        remove_principal(conn, instance, "GROUP", row["id"])
        conn.execute(delete(sso_groups).where(sso_groups.c.id == row["id"]))
    return {}


def get_group_id(call: Call) -> Result:
    params = call.params
    unique = params["AlternateIdentifier"].get("UniqueAttribute")
    with call.services.store.read() as conn:
        instance = require_identity_store(conn, params["IdentityStoreId"])
        row = None
        if unique is not None:
            value = unique["AttributeValue"]
            if str(unique["AttributePath"]).lower() != "displayname" or not isinstance(value, str):
                raise ValidationException(
                    "GetGroupId looks groups up by the unique attribute displayName, with a string value."
                )
            row = conn.execute(
                select(sso_groups.c.id).where(
                    sso_groups.c.instance_id == instance.id, sso_groups.c.name_key == name_key(value)
                )
            ).first()
    if row is None:
        raise ResourceNotFoundException("GROUP not found.", ResourceType="GROUP")
    return {
        "IdentityStoreId": instance.identity_store_id,
        "GroupId": row.id,
        "GroupArn": identifiers.resource_arn("group", row.id),
    }


OPERATIONS = {
    "CreateGroup": Operation(create_group),
    "DescribeGroup": Operation(describe_group),
    "ListGroups": Operation(list_groups),
    "UpdateGroup": Operation(update_group),
    "DeleteGroup": Operation(delete_group),
    "GetGroupId": Operation(get_group_id),
}
