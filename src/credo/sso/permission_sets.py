"""Permission sets: CreatePermissionSet, DescribePermissionSet, ListPermissionSets,
UpdatePermissionSet, DeletePermissionSet.

A permission set is the template of the role provisioned in each account it is assigned to.
Its ``revision`` grows with every change to it or to its policies (``touch``); provisioned
roles are rebuilt from it by ProvisionPermissionSet, as in AWS, not at once. A permission set
still assigned in an account cannot be deleted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping, delete, exists, insert, select, update

from credo.call import Call, Operation, Result
from credo.errors import ConflictException, ResourceNotFoundException
from credo.iam import tags as entity_tags
from credo.sso import durations, identifiers, paging
from credo.sso.instances import Instance, require_instance
from credo.sso.provisioning import deprovision
from credo.store.schema import sso_account_assignments, sso_permission_sets, sso_provisioned_roles


def find_permission_set(conn: Connection, instance: Instance, permission_set_arn: str) -> RowMapping:
    """The permission set ``permission_set_arn`` names in ``instance``, or ResourceNotFoundException."""
    parts = identifiers.permission_set_id_of(permission_set_arn)
    row = None
    if parts is not None and parts[0] == instance.id:
        row = (
            conn.execute(
                select(sso_permission_sets).where(
                    sso_permission_sets.c.id == parts[1], sso_permission_sets.c.instance_id == instance.id
                )
            )
            .mappings()
            .first()
        )
    if row is None:
        raise ResourceNotFoundException(f"Could not find PermissionSet with arn {permission_set_arn}")
    return row


def load(call: Call, conn: Connection) -> tuple[Instance, RowMapping]:
    """The instance and permission set the call names (``InstanceArn``, ``PermissionSetArn``)."""
    instance = require_instance(conn, call.params["InstanceArn"])
    return instance, find_permission_set(conn, instance, call.params["PermissionSetArn"])


def permission_set_arn(row: RowMapping) -> str:
    return identifiers.permission_set_arn(row["instance_id"], row["id"])


def touch(conn: Connection, row: RowMapping, **changes: Any) -> None:
    """Record a change to the permission set: its provisioned roles are now out of date."""
    conn.execute(
        update(sso_permission_sets)
        .where(sso_permission_sets.c.id == row["id"])
        .values(revision=sso_permission_sets.c.revision + 1, **changes)
    )


def describe(row: RowMapping) -> dict[str, Any]:
    """The ``PermissionSet`` shape."""
    described: dict[str, Any] = {
        "Name": row["name"],
        "PermissionSetArn": permission_set_arn(row),
        "CreatedDate": row["created_at"],
        "SessionDuration": row["session_duration"],
    }
    if row["description"] is not None:
        described["Description"] = row["description"]
    if row["relay_state"] is not None:
        described["RelayState"] = row["relay_state"]
    return described


def create_permission_set(call: Call) -> Result:
    params = call.params
    name: str = params["Name"]
    session_duration = params.get("SessionDuration", durations.DEFAULT)
    durations.seconds(session_duration)
    new_tags = params.get("Tags") or []
    entity_tags.validate_new_tags(new_tags)
    with call.services.store.write() as conn:
        instance = require_instance(conn, params["InstanceArn"])
        taken = conn.execute(
            select(
                exists().where(
                    sso_permission_sets.c.instance_id == instance.id,
                    sso_permission_sets.c.name_lower == name.lower(),
                )
            )
        ).scalar()
        if taken:
            raise ConflictException(f"PermissionSet with name {name} already exists.")
        permission_set_id = identifiers.permission_set_id()
        conn.execute(
            insert(sso_permission_sets).values(
                id=permission_set_id,
                instance_id=instance.id,
                name=name,
                name_lower=name.lower(),
                description=params.get("Description"),
                session_duration=session_duration,
                relay_state=params.get("RelayState"),
                revision=1,
                created_at=call.services.clock.now(),
            )
        )
        entity_tags.put_tags(conn, permission_set_id, new_tags)
        row = (
            conn.execute(select(sso_permission_sets).where(sso_permission_sets.c.id == permission_set_id))
            .mappings()
            .one()
        )
    return {"PermissionSet": describe(row)}


def describe_permission_set(call: Call) -> Result:
    with call.services.store.read() as conn:
        _instance, row = load(call, conn)
    return {"PermissionSet": describe(row)}


def list_permission_sets(call: Call) -> Result:
    params = call.params
    start = paging.after(params.get("NextToken"))
    with call.services.store.read() as conn:
        instance = require_instance(conn, params["InstanceArn"])
        query = select(sso_permission_sets).where(sso_permission_sets.c.instance_id == instance.id)
        if start is not None:
            query = query.where(sso_permission_sets.c.id > start)
        rows = (
            conn.execute(
                query.order_by(sso_permission_sets.c.id).limit(paging.limit_of(params.get("MaxResults")))
            )
            .mappings()
            .all()
        )
    return paging.page(
        rows, params.get("MaxResults"), lambda row: row["id"], "PermissionSets", permission_set_arn
    )


def update_permission_set(call: Call) -> Result:
    params = call.params
    changes: dict[str, Any] = {}
    if "Description" in params:
        changes["description"] = params["Description"]
    if "SessionDuration" in params:
        durations.seconds(params["SessionDuration"])
        changes["session_duration"] = params["SessionDuration"]
    if "RelayState" in params:
        changes["relay_state"] = params["RelayState"]
    with call.services.store.write() as conn:
        _instance, row = load(call, conn)
        if changes:
            touch(conn, row, **changes)
    return {}


def delete_permission_set(call: Call) -> Result:
    with call.services.store.write() as conn:
        _instance, row = load(call, conn)
        assigned = conn.execute(
            select(exists().where(sso_account_assignments.c.permission_set_id == row["id"]))
        ).scalar()
        if assigned:
            raise ConflictException(
                f"PermissionSet {permission_set_arn(row)} has account assignments; delete them first.",
                detail="Deleting the last assignment in an account removes the permission set's role there.",
            )
        # Provisioned without an assignment (ProvisionPermissionSet): the roles go with it.
        provisioned = conn.execute(
            select(sso_provisioned_roles.c.account_id).where(
                sso_provisioned_roles.c.permission_set_id == row["id"]
            )
        ).scalars()
        for account_id in list(provisioned):
            deprovision(conn, row["id"], account_id)
        entity_tags.drop_all_tags(conn, row["id"])
        conn.execute(delete(sso_permission_sets).where(sso_permission_sets.c.id == row["id"]))
    return {}


OPERATIONS = {
    "CreatePermissionSet": Operation(create_permission_set),
    "DescribePermissionSet": Operation(describe_permission_set),
    "ListPermissionSets": Operation(list_permission_sets),
    "UpdatePermissionSet": Operation(update_permission_set),
    "DeletePermissionSet": Operation(delete_permission_set),
}
