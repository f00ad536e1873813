"""IAM users: create, read, list, rename, delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, delete, exists, insert, select, update

from credo import arn, ids
from credo.call import Call, Operation, Result
from credo.errors import DeleteConflict, EntityAlreadyExists, NoSuchEntity, ValidationError
from credo.iam import tags as entity_tags
from credo.iam.boundaries import require_attachable
from credo.iam.paging import decode_marker, limit_of, page
from credo.store.schema import (
    access_keys,
    accounts,
    group_members,
    inline_policies,
    policy_attachments,
    users,
)

# Things that must be removed before a user can be deleted, each with AWS's wording.
# Later aggregates (login profiles, MFA devices, policies, groups) add their own checks here.
DEPENDENTS: list[tuple[ColumnElement[Any], str]] = [
    (access_keys.c.user_id, "Cannot delete entity, must delete access keys first."),
    (inline_policies.c.entity_id, "Cannot delete entity, must delete policies first."),
    (policy_attachments.c.entity_id, "Cannot delete entity, must detach all policies first."),
    (group_members.c.user_id, "Cannot delete entity, must remove user from all groups first."),
]


def find_user(conn: Connection, account_id: str, name: str) -> RowMapping:
    """The user row, or ``NoSuchEntity`` worded as AWS words it."""
    row = (
        conn.execute(
            select(users).where(users.c.account_id == account_id, users.c.name_lower == name.lower())
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NoSuchEntity(f"The user with name {name} cannot be found.")
    return row


def credential_owner(call: Call, conn: Connection) -> tuple[str | None, str | None]:
    """(user id, user name) whose credentials a call is about: ``UserName`` if given, else the
    calling user; (None, None) for the root user. Role and federated sessions must name a user."""
    name = call.params.get("UserName")
    if name is None:
        if call.principal.is_root:
            return None, None
        if call.principal.kind != "user" or not call.principal.user_name:
            raise ValidationError("Must specify userName when calling with non-User credentials")
        name = call.principal.user_name
    row = find_user(conn, call.principal.account_id, name)
    return row["id"], row["name"]


def user_arn(row: RowMapping) -> str:
    return arn.iam_arn(row["account_id"], "user", row["path"], row["name"])


def describe_user(
    row: RowMapping, tag_list: list[dict[str, str]] | None = None, *, full: bool = True
) -> dict[str, Any]:
    """The ``User`` shape of the IAM model; without ``full``, what ListUsers carries (AWS's
    listing leaves out PermissionsBoundary and Tags)."""
    user: dict[str, Any] = {
        "Path": row["path"],
        "UserName": row["name"],
        "UserId": row["id"],
        "Arn": user_arn(row),
        "CreateDate": row["created_at"],
    }
    if row["password_last_used"] is not None:
        user["PasswordLastUsed"] = row["password_last_used"]
    if full and row["permissions_boundary_arn"]:
        user["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": row["permissions_boundary_arn"],
        }
    if tag_list:
        user["Tags"] = tag_list
    return user


def _name_taken(conn: Connection, account_id: str, name: str) -> bool:
    query = select(users.c.id).where(users.c.account_id == account_id, users.c.name_lower == name.lower())
    return conn.execute(query).first() is not None


def create_user(call: Call) -> Result:
    params = call.params
    name: str = params["UserName"]
    account_id = call.principal.account_id
    new_tags = params.get("Tags", [])
    entity_tags.validate_new_tags(new_tags)
    with call.services.store.write() as conn:
        if params.get("PermissionsBoundary") is not None:
            require_attachable(conn, account_id, params["PermissionsBoundary"])
        if _name_taken(conn, account_id, name):
            raise EntityAlreadyExists(f"User with name {name} already exists.")
        user_id = ids.entity_id(ids.USER)
        conn.execute(
            insert(users).values(
                id=user_id,
                account_id=account_id,
                name=name,
                name_lower=name.lower(),
                path=params.get("Path", "/"),
                created_at=call.services.clock.now(),
                permissions_boundary_arn=params.get("PermissionsBoundary"),
            )
        )
        entity_tags.put_tags(conn, user_id, new_tags)
        row = conn.execute(select(users).where(users.c.id == user_id)).mappings().one()
        return {"User": describe_user(row, entity_tags.read_tags(conn, user_id))}


def get_user(call: Call) -> Result:
    principal = call.principal
    name = call.params.get("UserName")
    if name is None and principal.is_root:
        with call.services.store.read() as conn:
            created = conn.execute(
                select(accounts.c.created_at).where(accounts.c.id == principal.account_id)
            ).scalar_one()
        return {"User": {"UserId": principal.account_id, "Arn": principal.arn, "CreateDate": created}}
    with call.services.store.read() as conn:
        row = find_user(conn, principal.account_id, name or principal.user_name or "")
        return {"User": describe_user(row, entity_tags.read_tags(conn, row["id"]))}


def list_users(call: Call) -> Result:
    params = call.params
    after = decode_marker(params.get("Marker"))
    query = select(users).where(users.c.account_id == call.principal.account_id)
    if params.get("PathPrefix"):
        query = query.where(users.c.path.startswith(params["PathPrefix"], autoescape=True))
    if after is not None:
        query = query.where(users.c.name_lower > after)
    query = query.order_by(users.c.name_lower).limit(limit_of(params.get("MaxItems")))
    with call.services.store.read() as conn:
        rows = conn.execute(query).mappings().all()
    result = page(rows, params.get("MaxItems"), lambda row: row["name_lower"], "Users")
    result["Users"] = [describe_user(row, full=False) for row in result["Users"]]
    return result


def update_user(call: Call) -> Result:
    params = call.params
    account_id = call.principal.account_id
    with call.services.store.write() as conn:
        row = find_user(conn, account_id, params["UserName"])
        changes: dict[str, Any] = {}
        new_name = params.get("NewUserName")
        if new_name is not None and new_name != row["name"]:
            if new_name.lower() != row["name_lower"] and _name_taken(conn, account_id, new_name):
                raise EntityAlreadyExists(f"User with name {new_name} already exists.")
            changes.update(name=new_name, name_lower=new_name.lower())
        if params.get("NewPath") is not None:
            changes["path"] = params["NewPath"]
        if changes:
            conn.execute(update(users).where(users.c.id == row["id"]).values(**changes))
    return {}


def delete_user(call: Call) -> Result:
    with call.services.store.write() as conn:
        row = find_user(conn, call.principal.account_id, call.params["UserName"])
        for column, message in DEPENDENTS:
            if conn.execute(select(exists().where(column == row["id"]))).scalar():
                raise DeleteConflict(message)
        entity_tags.drop_all_tags(conn, row["id"])
        conn.execute(delete(users).where(users.c.id == row["id"]))
    return {}


OPERATIONS = {
    "CreateUser": Operation(create_user),
    "GetUser": Operation(get_user),
    "ListUsers": Operation(list_users),
    "UpdateUser": Operation(update_user),
    "DeleteUser": Operation(delete_user),
}
