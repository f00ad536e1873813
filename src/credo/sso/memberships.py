"""Group memberships: CreateGroupMembership, DeleteGroupMembership, DescribeGroupMembership,
ListGroupMemberships, ListGroupMembershipsForMember, GetGroupMembershipId, IsMemberInGroups.

A member is a user (``MemberId.UserId``); a user is in a group at most once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, select

from credo.call import Call, Operation, Result
from credo.errors import ConflictException, ResourceNotFoundException
from credo.sso import identifiers, paging
from credo.sso.groups import find_group
from credo.sso.instances import Instance, require_identity_store
from credo.sso.users import find_user
from credo.store.schema import sso_group_memberships, sso_groups


def _find(conn: Connection, instance: Instance, membership_id: str) -> RowMapping:
    plain = identifiers.plain_id(membership_id)
    row = (
        conn.execute(
            select(sso_group_memberships)
            .join(sso_groups, sso_groups.c.id == sso_group_memberships.c.group_id)
            .where(sso_group_memberships.c.id == plain, sso_groups.c.instance_id == instance.id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise ResourceNotFoundException(
            f"GroupMembership with id {plain} not found.", ResourceType="GROUP_MEMBERSHIP", ResourceId=plain
        )
    return row


def _identity(row: RowMapping, instance: Instance) -> dict[str, Any]:
    return {
        "IdentityStoreId": instance.identity_store_id,
        "MembershipId": row["id"],
        "MembershipArn": identifiers.resource_arn("membership", row["id"]),
    }


def describe(row: RowMapping, instance: Instance) -> dict[str, Any]:
    """The ``GroupMembership`` shape."""
    membership = _identity(row, instance)
    membership.update(
        {
            "GroupId": row["group_id"],
            "MemberId": {"UserId": row["user_id"]},
            "CreatedAt": row["created_at"],
            "CreatedBy": row["created_by"],
            "UpdatedAt": row["created_at"],
            "UpdatedBy": row["created_by"],
        }
    )
    return membership


def create_group_membership(call: Call) -> Result:
    params = call.params
    with call.services.store.write() as conn:
        instance = require_identity_store(conn, params["IdentityStoreId"])
        group = find_group(conn, instance, params["GroupId"])
        user = find_user(conn, instance, params["MemberId"]["UserId"])
        taken = conn.execute(
            select(sso_group_memberships.c.id).where(
                sso_group_memberships.c.group_id == group["id"], sso_group_memberships.c.user_id == user["id"]
            )
        ).first()
        if taken is not None:
            raise ConflictException(
                f"Member {user['id']} is already in group {group['id']}.",
                Reason="UNIQUENESS_CONSTRAINT_VIOLATION",
            )
        membership_id = identifiers.resource_id()
        conn.execute(
            insert(sso_group_memberships).values(
                id=membership_id,
                group_id=group["id"],
                user_id=user["id"],
                created_at=call.services.clock.now(),
                created_by=call.principal.arn,
            )
        )
    return {
        "IdentityStoreId": instance.identity_store_id,
        "MembershipId": membership_id,
        "MembershipArn": identifiers.resource_arn("membership", membership_id),
    }


def delete_group_membership(call: Call) -> Result:
    params = call.params
    with call.services.store.write() as conn:
        instance = require_identity_store(conn, params["IdentityStoreId"])
        row = _find(conn, instance, params["MembershipId"])
        conn.execute(delete(sso_group_memberships).where(sso_group_memberships.c.id == row["id"]))
    return {}


def describe_group_membership(call: Call) -> Result:
    params = call.params
    with call.services.store.read() as conn:
        instance = require_identity_store(conn, params["IdentityStoreId"])
        row = _find(conn, instance, params["MembershipId"])
    return describe(row, instance)


def _list(call: Call, instance: Instance, column: Any, value: str) -> Result:
    params = call.params
    start = paging.after(params.get("NextToken"))
    query = select(sso_group_memberships).where(column == value)
    if start is not None:
        query = query.where(sso_group_memberships.c.id > start)
    with call.services.store.read() as conn:
        rows = (
            conn.execute(
                query.order_by(sso_group_memberships.c.id).limit(paging.limit_of(params.get("MaxResults")))
            )
            .mappings()
            .all()
        )
    return paging.page(
        rows,
        params.get("MaxResults"),
        lambda row: row["id"],
        "GroupMemberships",
        lambda row: describe(row, instance),
    )


def list_group_memberships(call: Call) -> Result:
    params = call.params
    with call.services.store.read() as conn:
        instance = require_identity_store(conn, params["IdentityStoreId"])
        group = find_group(conn, instance, params["GroupId"])
    return _list(call, instance, sso_group_memberships.c.group_id, group["id"])


def list_group_memberships_for_member(call: Call) -> Result:
    params = call.params
    with call.services.store.read() as conn:
        instance = require_identity_store(conn, params["IdentityStoreId"])
        user = find_user(conn, instance, params["MemberId"]["UserId"])
    return _list(call, instance, sso_group_memberships.c.user_id, user["id"])


def get_group_membership_id(call: Call) -> Result:
    params = call.params
    with call.services.store.read() as conn:
        instance = require_identity_store(conn, params["IdentityStoreId"])
        group = find_group(conn, instance, params["GroupId"])
        user = find_user(conn, instance, params["MemberId"]["UserId"])
        row = conn.execute(
            select(sso_group_memberships.c.id).where(
                sso_group_memberships.c.group_id == group["id"], sso_group_memberships.c.user_id == user["id"]
            )
        ).first()
    if row is None:
        raise ResourceNotFoundException("GROUP_MEMBERSHIP not found.", ResourceType="GROUP_MEMBERSHIP")
    return {
        "IdentityStoreId": instance.identity_store_id,
        "MembershipId": row.id,
        "MembershipArn": identifiers.resource_arn("membership", row.id),
    }


def is_member_in_groups(call: Call) -> Result:
    params = call.params
    with call.services.store.read() as conn:
        instance = require_identity_store(conn, params["IdentityStoreId"])
        user = find_user(conn, instance, params["MemberId"]["UserId"])
        group_ids = [identifiers.plain_id(group_id) for group_id in params["GroupIds"]]
        member_of = set(
            conn.execute(
                select(sso_group_memberships.c.group_id).where(
                    sso_group_memberships.c.user_id == user["id"],
                    sso_group_memberships.c.group_id.in_(group_ids),
                )
            ).scalars()
        )
    return {
        "Results": [
            {
                "GroupId": group_id,
                "MemberId": {"UserId": user["id"]},
                "MembershipExists": group_id in member_of,
            }
            for group_id in group_ids
        ]
    }


OPERATIONS = {
    "CreateGroupMembership": Operation(create_group_membership),
    "DeleteGroupMembership": Operation(delete_group_membership),
    "DescribeGroupMembership": Operation(describe_group_membership),
    "ListGroupMemberships": Operation(list_group_memberships),
    "ListGroupMembershipsForMember": Operation(list_group_memberships_for_member),
    "GetGroupMembershipId": Operation(get_group_membership_id),
    "IsMemberInGroups": Operation(is_member_in_groups),
}
