"""IAM users: create, read, list, rename, delete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, delete, exists, insert, select, update

from credo import arn, ids
from credo.call import Call, Operation, Result, Services
from credo.errors import DeleteConflict, EntityAlreadyExists, NoSuchEntity, ValidationError
from credo.iam import tags as entity_tags
from credo.iam.boundaries import require_attachable
from credo.iam.paging import DEFAULT_MAX_ITEMS, name_page, page
from credo.store import changes
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


def user_arn_prefix(account_id: str) -> str:
    """What every user ARN of the account starts with, before its path and name."""
    return arn.iam_arn(account_id, "user", "", "")


# What ListUsers reads of each user, in the order list_users unpacks them.
_LISTED_COLUMNS = ("id", "name", "name_lower", "path", "created_at", "password_last_used")


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
        changes.note(conn, changes.user(user_id), changes.user_listing(account_id))
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
            created, password_last_used = conn.execute(
                select(accounts.c.created_at, accounts.c.root_password_last_used).where(
                    accounts.c.id == principal.account_id
                )
            ).one()
        root = {"UserId": principal.account_id, "Arn": principal.arn, "CreateDate": created}
        if password_last_used is not None:
            root["PasswordLastUsed"] = password_last_used
        return {"User": root}
    with call.services.store.read() as conn:
        row = find_user(conn, principal.account_id, name or principal.user_name or "")
        return {"User": describe_user(row, entity_tags.read_tags(conn, row["id"]))}


def list_users(call: Call) -> Result:
    params = call.params
    account_id = call.principal.account_id
    key = ("ListUsers", account_id, params.get("PathPrefix"), params.get("Marker"), params.get("MaxItems"))
    members = params.get("MaxItems") or DEFAULT_MAX_ITEMS
    return call.services.pages.page(
        key, changes.user_listing(account_id), members, lambda: _users_page(call.services, account_id, params)
    )


def _users_page(services: Services, account_id: str, params: Mapping[str, Any]) -> Result:
    with services.store.read() as conn:
        rows = name_page(conn, users, _LISTED_COLUMNS, account_id, params).all()
    result = page(rows, params.get("MaxItems"), lambda row: row[2], "Users")
    # describe_user(full=False), written out: reading rows as tuples rather than mappings makes
    # this loop three times faster, and a page has 100 users.
    arn_prefix = user_arn_prefix(account_id)
    listed = []
    for user_id, name, _, path, created_at, password_last_used in result["Users"]:
        user = {
            "Path": path,
            "UserName": name,
            "UserId": user_id,
            "Arn": f"{arn_prefix}{path}{name}",
            "CreateDate": created_at,
        }
        if password_last_used is not None:
            user["PasswordLastUsed"] = password_last_used
        listed.append(user)
    result["Users"] = listed
    return result


def update_user(call: Call) -> Result:
    params = call.params
    account_id = call.principal.account_id
    with call.services.store.write() as conn:
        row = find_user(conn, account_id, params["UserName"])
        changes.note(conn, changes.user(row["id"]), changes.user_listing(account_id))
        new_values: dict[str, Any] = {}
        new_name = params.get("NewUserName")
        if new_name is not None and new_name != row["name"]:
            if new_name.lower() != row["name_lower"] and _name_taken(conn, account_id, new_name):
                raise EntityAlreadyExists(f"User with name {new_name} already exists.")
            new_values.update(name=new_name, name_lower=new_name.lower())
        if params.get("NewPath") is not None:
            new_values["path"] = params["NewPath"]
        if new_values:
            conn.execute(update(users).where(users.c.id == row["id"]).values(**new_values))
    return {}


def delete_user(call: Call) -> Result:
    with call.services.store.write() as conn:
        row = find_user(conn, call.principal.account_id, call.params["UserName"])
        changes.note(conn, changes.user(row["id"]), changes.user_listing(call.principal.account_id))
        for column, message in DEPENDENTS:
            if conn.execute(select(exists().where(column == row["id"]))).scalar():
                raise DeleteConflict(message)
        entity_tags.drop_all_tags(conn, row["id"])
        conn.execute(delete(users).where(users.c.id == row["id"]))
    return {}


OPERATIONS = {
    "CreateUser": Operation(create_user),
    "GetUser": Operation(get_user),
    "ListUsers": Operation(list_users, store_free=True),  # a page is usually cached
    "UpdateUser": Operation(update_user),
    "DeleteUser": Operation(delete_user),
}
