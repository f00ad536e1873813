"""Identity store users: CreateUser, DescribeUser, ListUsers, UpdateUser, DeleteUser, GetUserId.

A user needs a user name (unique ignoring case; ``Administrator`` and ``AWSAdministrators`` are
reserved), a display name and a given and family name, as Identity Center's own directory
requires. Every change bumps the user's ``Revision``; a request that names an older revision is a
``ConflictException``. Deleting a user removes its memberships and account assignments, and with
the last assignment of a permission set in an account, the role provisioned there.
"""

from __future__ import annotations

import json
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
from credo.store.schema import sso_users

RESERVED_NAMES = frozenset({"administrator", "awsadministrators"})
_NAME_COLUMNS = {
    "Formatted": "formatted_name",
    "FamilyName": "family_name",
    "GivenName": "given_name",
    "MiddleName": "middle_name",
    "HonorificPrefix": "honorific_prefix",
    "HonorificSuffix": "honorific_suffix",
}
# Attributes kept together as one JSON object: the store keeps and returns them, credo never reads them.
_PROFILE = (
    "NickName",
    "ProfileUrl",
    "Addresses",
    "PhoneNumbers",
    "UserType",
    "Title",
    "PreferredLanguage",
    "Locale",
    "Timezone",
    "Photos",
    "Website",
    "Birthdate",
    "Roles",
    "Extensions",
)


@cache
def _user_shape() -> StructureShape:
    operation = model.operation("identitystore", "CreateUser")
    assert operation is not None and operation.input_shape is not None
    return operation.input_shape


def find_user(conn: Connection, instance: Instance, user_id: str) -> RowMapping:
    """The user ``user_id`` (an id or ARN) names, or AWS's ResourceNotFoundException."""
    plain = identifiers.plain_id(user_id)
    row = (
        conn.execute(select(sso_users).where(sso_users.c.id == plain, sso_users.c.instance_id == instance.id))
        .mappings()
        .first()
    )
    if row is None:
        raise ResourceNotFoundException(
            f"User with id {plain} not found.", ResourceType="USER", ResourceId=plain
        )
    return row


def attributes(row: RowMapping) -> dict[str, Any]:
    """The user's attributes, shaped as CreateUser takes them."""
    found: dict[str, Any] = {"UserName": row["user_name"]}
    if row["display_name"] is not None:
        found["DisplayName"] = row["display_name"]
    name = {member: row[column] for member, column in _NAME_COLUMNS.items() if row[column] is not None}
    if name:
        found["Name"] = name
    if row["emails"]:
        found["Emails"] = json.loads(row["emails"])
    found.update(json.loads(row["profile"]))
    return found


def _columns(values: dict[str, Any]) -> dict[str, Any]:
    """The row's columns for ``values`` (CreateUser-shaped), after AWS's checks."""
    user_name = values.get("UserName")
    name = values.get("Name") or {}
    for present, path in (
        (user_name, "userName"),
        (values.get("DisplayName"), "displayName"),
        (name.get("GivenName"), "name.givenName"),
        (name.get("FamilyName"), "name.familyName"),
    ):
        if not present:
            raise ValidationException(
                f"1 validation error detected: Value null at '{path}' failed to satisfy constraint: "
                "Member must not be null",
                detail="Identity Center's directory requires a user name, a display name and a given "
                "and family name.",
            )
    assert isinstance(user_name, str)
    if user_name.casefold() in RESERVED_NAMES:
        raise ValidationException(
            "Administrator and AWSAdministrators are reserved names and can't be used for users or groups."
        )
    emails = values.get("Emails") or []
    primary = next((email for email in emails if email.get("Primary")), emails[0] if emails else None)
    email = primary.get("Value") if primary else None
    columns: dict[str, Any] = {
        "user_name": user_name,
        "name_key": name_key(user_name),
        "display_name": values.get("DisplayName"),
        "emails": json.dumps(emails) if emails else None,
        "email_key": name_key(email) if email else None,
        "profile": json.dumps({member: values[member] for member in _PROFILE if member in values}),
    }
    for member, column in _NAME_COLUMNS.items():
        columns[column] = name.get(member)
    return columns


def _check_name_free(conn: Connection, instance: Instance, key: str, user_id: str | None = None) -> None:
    query = select(sso_users.c.id).where(sso_users.c.instance_id == instance.id, sso_users.c.name_key == key)
    if user_id is not None:
        query = query.where(sso_users.c.id != user_id)
    if conn.execute(query).first() is not None:
        raise ConflictException("Duplicate UserName", Reason="UNIQUENESS_CONSTRAINT_VIOLATION")


def describe(row: RowMapping, instance: Instance, extensions: list[str] | None = None) -> dict[str, Any]:
    """The ``User`` shape; extensions only those asked for, as DescribeUser returns them."""
    user = attributes(row)
    stored_extensions = user.pop("Extensions", {})
    wanted = {name: stored_extensions[name] for name in extensions or () if name in stored_extensions}
    if wanted:
        user["Extensions"] = wanted
    user.update(
        {
            "IdentityStoreId": instance.identity_store_id,
            "UserId": row["id"],
            "UserArn": identifiers.resource_arn("user", row["id"]),
            "Revision": str(row["revision"]),
            "UserStatus": row["status"],
            "CreatedAt": row["created_at"],
            "CreatedBy": row["created_by"],
            "UpdatedAt": row["updated_at"],
            "UpdatedBy": row["updated_by"],
        }
    )
    return user


def _identity(row: RowMapping, instance: Instance) -> dict[str, Any]:
    return {
        "IdentityStoreId": instance.identity_store_id,
        "UserId": row["id"],
        "UserArn": identifiers.resource_arn("user", row["id"]),
        "Revision": str(row["revision"]),
    }


def create_user(call: Call) -> Result:
    params = call.params
    columns = _columns({key: value for key, value in params.items() if key != "IdentityStoreId"})
    now = call.services.clock.now()
    with call.services.store.write() as conn:
        instance = require_identity_store(conn, params["IdentityStoreId"])
        _check_name_free(conn, instance, columns["name_key"])
        user_id = identifiers.resource_id()
        conn.execute(
            insert(sso_users).values(
                id=user_id,
                instance_id=instance.id,
                status="ENABLED",
                revision=1,
                created_at=now,
                created_by=call.principal.arn,
                updated_at=now,
                updated_by=call.principal.arn,
                **columns,
            )
        )
        row = conn.execute(select(sso_users).where(sso_users.c.id == user_id)).mappings().one()
    return _identity(row, instance)


def describe_user(call: Call) -> Result:
    params = call.params
    with call.services.store.read() as conn:
        instance = require_identity_store(conn, params["IdentityStoreId"])
        row = find_user(conn, instance, params["UserId"])
    return describe(row, instance, params.get("Extensions"))


def list_users(call: Call) -> Result:
    params = call.params
    start = paging.after(params.get("NextToken"))
    with call.services.store.read() as conn:
        instance = require_identity_store(conn, params["IdentityStoreId"])
        query = select(sso_users).where(sso_users.c.instance_id == instance.id)
        for condition in params.get("Filters") or ():
            if condition["AttributePath"].lower() != "username":
                raise ValidationException(
                    f"Filtering on {condition['AttributePath']} is not supported; ListUsers filters on UserName."
                )
            query = query.where(sso_users.c.name_key == name_key(condition["AttributeValue"]))
        if start is not None:
            query = query.where(sso_users.c.id > start)
        rows = (
            conn.execute(query.order_by(sso_users.c.id).limit(paging.limit_of(params.get("MaxResults"))))
            .mappings()
            .all()
        )
    extensions = params.get("Extensions")
    return paging.page(
        rows,
        params.get("MaxResults"),
        lambda row: row["id"],
        "Users",
        lambda row: describe(row, instance, extensions),
    )


def update_user(call: Call) -> Result:
    params = call.params
    with call.services.store.write() as conn:
        instance = require_identity_store(conn, params["IdentityStoreId"])
        row = find_user(conn, instance, params["UserId"])
        check_revision(row, params.get("Revision"), "user")
        updated = apply_operations(_user_shape(), attributes(row), params["Operations"], {"IdentityStoreId"})
        columns = _columns(updated)
        _check_name_free(conn, instance, columns["name_key"], row["id"])
        row = save_revision(conn, sso_users, row, call, columns)
    return _identity(row, instance)


def delete_user(call: Call) -> Result:
    params = call.params
    with call.services.store.write() as conn:
        instance = require_identity_store(conn, params["IdentityStoreId"])
        row = find_user(conn, instance, params["UserId"])
        check_revision(row, params.get("Revision"), "user")
        remove_principal(conn, instance, "USER", row["id"])
        conn.execute(delete(sso_users).where(sso_users.c.id == row["id"]))
    return {}


def get_user_id(call: Call) -> Result:
    params = call.params
    alternate = params["AlternateIdentifier"]
    unique = alternate.get("UniqueAttribute")
    with call.services.store.read() as conn:
        instance = require_identity_store(conn, params["IdentityStoreId"])
        row = None
        if unique is not None:
            path = str(unique["AttributePath"]).lower()
            value = unique["AttributeValue"]
            if path not in ("username", "emails.value") or not isinstance(value, str):
                raise ValidationException(
                    "GetUserId looks users up by the unique attribute userName or emails.value, with a string value."
                )
            column = sso_users.c.name_key if path == "username" else sso_users.c.email_key
            row = (
                conn.execute(
                    select(sso_users)
                    .where(sso_users.c.instance_id == instance.id, column == name_key(value))
                    .limit(1)
                )
                .mappings()
                .first()
            )
    if row is None:
        # External ids come from an external identity provider (SCIM), which credo has not got.
        raise ResourceNotFoundException("USER not found.", ResourceType="USER")
    return {
        "IdentityStoreId": instance.identity_store_id,
        "UserId": row["id"],
        "UserArn": identifiers.resource_arn("user", row["id"]),
    }


OPERATIONS = {
    "CreateUser": Operation(create_user),
    "DescribeUser": Operation(describe_user),
    "ListUsers": Operation(list_users),
    "UpdateUser": Operation(update_user),
    "DeleteUser": Operation(delete_user),
    "GetUserId": Operation(get_user_id),
}
