"""IAM groups and their members: create, read, rename, delete, add and remove users."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping, delete, exists, func, insert, select, update

from credo import arn, ids
from credo.call import Call, Operation, Result
from credo.errors import DeleteConflict, EntityAlreadyExists, LimitExceeded, NoSuchEntity
from credo.iam import users as iam_users
from credo.iam.paging import decode_marker, limit_of, name_page, page
from credo.store import changes
from credo.store.schema import group_members, groups, inline_policies, policy_attachments, users

MAX_GROUPS_PER_USER = 10

# What DeleteGroup refuses to delete a group with, each with AWS's wording.
DEPENDENTS = [
    (group_members.c.group_id, "Cannot delete entity, must remove users from group first."),
    (inline_policies.c.entity_id, "Cannot delete entity, must delete policies first."),
    (policy_attachments.c.entity_id, "Cannot delete entity, must detach all policies first."),
]


def find_group(conn: Connection, account_id: str, name: str) -> RowMapping:
    """The group row, or ``NoSuchEntity`` worded as AWS words it."""
    row = (
        conn.execute(
            select(groups).where(groups.c.account_id == account_id, groups.c.name_lower == name.lower())
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NoSuchEntity(f"The group with name {name} cannot be found.")
    return row


def group_arn(row: RowMapping) -> str:
    return arn.iam_arn(row["account_id"], "group", row["path"], row["name"])


# Every column: describe_group reads most of them.
_COLUMNS = tuple(groups.c.keys())


def describe_group(row: RowMapping) -> dict[str, Any]:
    """The ``Group`` shape of the IAM model."""
    return {
        "Path": row["path"],
        "GroupName": row["name"],
        "GroupId": row["id"],
        "Arn": group_arn(row),
        "CreateDate": row["created_at"],
    }


def _name_taken(conn: Connection, account_id: str, name: str) -> bool:
    query = select(groups.c.id).where(groups.c.account_id == account_id, groups.c.name_lower == name.lower())
    return conn.execute(query).first() is not None


def create_group(call: Call) -> Result:
    name: str = call.params["GroupName"]
    account_id = call.principal.account_id
    with call.services.store.write() as conn:
        if _name_taken(conn, account_id, name):
            raise EntityAlreadyExists(f"Group with name {name} already exists.")
        group_id = ids.entity_id(ids.GROUP)
        changes.note(conn, changes.group(group_id))
        conn.execute(
            insert(groups).values(
                id=group_id,
                account_id=account_id,
                name=name,
                name_lower=name.lower(),
                path=call.params.get("Path", "/"),
                created_at=call.services.clock.now(),
            )
        )
        row = conn.execute(select(groups).where(groups.c.id == group_id)).mappings().one()
    return {"Group": describe_group(row)}


def get_group(call: Call) -> Result:
    """The group and its members, by user name, a page at a time."""
    params = call.params
    after = decode_marker(params.get("Marker"))
    with call.services.store.read() as conn:
        group = find_group(conn, call.principal.account_id, params["GroupName"])
        query = (
            select(users)
            .select_from(users.join(group_members, group_members.c.user_id == users.c.id))
            .where(group_members.c.group_id == group["id"])
        )
        if after is not None:
            query = query.where(users.c.name_lower > after)
        query = query.order_by(users.c.name_lower).limit(limit_of(params.get("MaxItems")))
        rows = conn.execute(query).mappings().all()
    result = page(rows, params.get("MaxItems"), lambda row: row["name_lower"], "Users")
    result["Users"] = [iam_users.describe_user(row) for row in result["Users"]]
    result["Group"] = describe_group(group)
    return result


def list_groups(call: Call) -> Result:
    params = call.params
    with call.services.store.read() as conn:
        rows = name_page(conn, groups, _COLUMNS, call.principal.account_id, params).mappings().all()
    result = page(rows, params.get("MaxItems"), lambda row: row["name_lower"], "Groups")
    result["Groups"] = [describe_group(row) for row in result["Groups"]]
    return result


def list_groups_for_user(call: Call) -> Result:
    params = call.params
    after = decode_marker(params.get("Marker"))
    with call.services.store.read() as conn:
        user = iam_users.find_user(conn, call.principal.account_id, params["UserName"])
        query = (
            select(groups)
            .select_from(groups.join(group_members, group_members.c.group_id == groups.c.id))
            .where(group_members.c.user_id == user["id"])
        )
        if after is not None:
            query = query.where(groups.c.name_lower > after)
        query = query.order_by(groups.c.name_lower).limit(limit_of(params.get("MaxItems")))
        rows = conn.execute(query).mappings().all()
    result = page(rows, params.get("MaxItems"), lambda row: row["name_lower"], "Groups")
    result["Groups"] = [describe_group(row) for row in result["Groups"]]
    return result


def update_group(call: Call) -> Result:
    params = call.params
    account_id = call.principal.account_id
    with call.services.store.write() as conn:
        row = find_group(conn, account_id, params["GroupName"])
        changes.note(conn, changes.group(row["id"]))
        new_values: dict[str, Any] = {}
        new_name = params.get("NewGroupName")
        if new_name is not None and new_name != row["name"]:
            if new_name.lower() != row["name_lower"] and _name_taken(conn, account_id, new_name):
                raise EntityAlreadyExists(f"Group with name {new_name} already exists.")
            new_values.update(name=new_name, name_lower=new_name.lower())
        if params.get("NewPath") is not None:
            new_values["path"] = params["NewPath"]
        if new_values:
            conn.execute(update(groups).where(groups.c.id == row["id"]).values(**new_values))
    return {}


def delete_group(call: Call) -> Result:
    with call.services.store.write() as conn:
        row = find_group(conn, call.principal.account_id, call.params["GroupName"])
        changes.note(conn, changes.group(row["id"]))
        for column, message in DEPENDENTS:
            if conn.execute(select(exists().where(column == row["id"]))).scalar():
                raise DeleteConflict(message)
        conn.execute(delete(groups).where(groups.c.id == row["id"]))
    return {}


def _is_member(conn: Connection, group_id: str, user_id: str) -> bool:
    query = select(group_members.c.user_id).where(
        group_members.c.group_id == group_id, group_members.c.user_id == user_id
    )
    return conn.execute(query).first() is not None


def add_user_to_group(call: Call) -> Result:
    """Adding a user who is already a member succeeds and changes nothing, as in AWS."""
    account_id = call.principal.account_id
    with call.services.store.write() as conn:
        group = find_group(conn, account_id, call.params["GroupName"])
        user = iam_users.find_user(conn, account_id, call.params["UserName"])
        changes.note(conn, changes.user(user["id"]))
        if _is_member(conn, group["id"], user["id"]):
            return {}
        count = conn.execute(
            select(func.count()).select_from(group_members).where(group_members.c.user_id == user["id"])
        ).scalar_one()
        if count >= MAX_GROUPS_PER_USER:
            raise LimitExceeded(f"Cannot exceed quota for GroupsPerUser: {MAX_GROUPS_PER_USER}")
        conn.execute(insert(group_members).values(group_id=group["id"], user_id=user["id"]))
    return {}


def remove_user_from_group(call: Call) -> Result:
    account_id = call.principal.account_id
    user_name: str = call.params["UserName"]
    with call.services.store.write() as conn:
        group = find_group(conn, account_id, call.params["GroupName"])
        user = iam_users.find_user(conn, account_id, user_name)
        changes.note(conn, changes.user(user["id"]))
        removed = conn.execute(
            delete(group_members).where(
                group_members.c.group_id == group["id"], group_members.c.user_id == user["id"]
            )
        ).rowcount
        if not removed:
            raise NoSuchEntity(f"The user with name {user_name} cannot be found.")
    return {}


OPERATIONS = {
    "CreateGroup": Operation(create_group),
    "GetGroup": Operation(get_group),
    "ListGroups": Operation(list_groups),
    "ListGroupsForUser": Operation(list_groups_for_user),
    "UpdateGroup": Operation(update_group),
    "DeleteGroup": Operation(delete_group),
    "AddUserToGroup": Operation(add_user_to_group),
    "RemoveUserFromGroup": Operation(remove_user_from_group),
}
