"""GetAccountAuthorizationDetails: every user, group, role and policy with what grants them access.

One listing across kinds, in the order users, groups, roles, customer managed policies, AWS
managed policies (those in use in the account); each kind sorted by name. The marker names
the kind and the sort key of the last item, so pages stay stable while entities change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, Table, select

from credo.call import Call, Operation, Result
from credo.errors import InvalidInput
from credo.iam import policy_catalog
from credo.iam import tags as entity_tags
from credo.iam.groups import describe_group
from credo.iam.instance_profiles import describe_instance_profile
from credo.iam.paging import DEFAULT_MAX_ITEMS, decode_marker, decode_position, encode_marker
from credo.iam.policy_lookup import (
    attachment_counts,
    boundary_counts,
    describe,
    encode_document,
    from_catalog,
    from_row,
    version_id,
)
from credo.iam.roles import describe_role
from credo.iam.users import describe_user
from credo.store.schema import (
    group_members,
    groups,
    inline_policies,
    instance_profile_roles,
    instance_profiles,
    managed_policies,
    policy_attachments,
    policy_versions,
    roles,
    users,
)

KINDS = ("User", "Group", "Role", "LocalManagedPolicy", "AWSManagedPolicy")


def _inline(conn: Connection, entity_id: str) -> list[dict[str, str]]:
    rows = conn.execute(
        select(inline_policies.c.name, inline_policies.c.document)
        .where(inline_policies.c.entity_id == entity_id)
        .order_by(inline_policies.c.name_lower)
    )
    return [{"PolicyName": name, "PolicyDocument": encode_document(document)} for name, document in rows]


def _attached(conn: Connection, entity_id: str) -> list[dict[str, str]]:
    rows = conn.execute(
        select(policy_attachments.c.policy_name, policy_attachments.c.policy_arn)
        .where(policy_attachments.c.entity_id == entity_id)
        .order_by(policy_attachments.c.policy_name, policy_attachments.c.policy_arn)
    )
    return [{"PolicyName": name, "PolicyArn": policy_arn} for name, policy_arn in rows]


def _user_detail(conn: Connection, row: RowMapping) -> dict[str, Any]:
    detail = describe_user(row, entity_tags.read_tags(conn, row["id"]))
    detail.pop("PasswordLastUsed", None)
    detail["UserPolicyList"] = _inline(conn, row["id"])
    detail["GroupList"] = list(
        conn.execute(
            select(groups.c.name)
            .select_from(groups.join(group_members, group_members.c.group_id == groups.c.id))
            .where(group_members.c.user_id == row["id"])
            .order_by(groups.c.name_lower)
        ).scalars()
    )
    detail["AttachedManagedPolicies"] = _attached(conn, row["id"])
    return detail


def _group_detail(conn: Connection, row: RowMapping) -> dict[str, Any]:
    detail = describe_group(row)
    detail["GroupPolicyList"] = _inline(conn, row["id"])
    detail["AttachedManagedPolicies"] = _attached(conn, row["id"])
    return detail


def _role_detail(conn: Connection, row: RowMapping) -> dict[str, Any]:
    detail = describe_role(row, entity_tags.read_tags(conn, row["id"]))
    detail.pop("MaxSessionDuration", None)
    detail.pop("Description", None)
    profiles = conn.execute(
        select(instance_profiles)
        .select_from(
            instance_profiles.join(
                instance_profile_roles, instance_profile_roles.c.instance_profile_id == instance_profiles.c.id
            )
        )
        .where(instance_profile_roles.c.role_id == row["id"])
        .order_by(instance_profiles.c.name_lower)
    ).mappings()
    detail["InstanceProfileList"] = [
        describe_instance_profile(profile, [describe_role(row, full=False)]) for profile in profiles
    ]
    detail["RolePolicyList"] = _inline(conn, row["id"])
    detail["AttachedManagedPolicies"] = _attached(conn, row["id"])
    return detail


def _local_policy_detail(
    conn: Connection, row: RowMapping, counts: tuple[dict[str, int], ...]
) -> dict[str, Any]:
    policy = from_row(row)
    detail = describe(policy, counts[0].get(policy.arn, 0), counts[1].get(policy.arn, 0), detailed=False)
    if policy.description:
        detail["Description"] = policy.description
    versions = conn.execute(
        select(policy_versions)
        .where(policy_versions.c.policy_id == row["id"])
        .order_by(policy_versions.c.number)
    ).mappings()
    detail["PolicyVersionList"] = [
        {
            "Document": encode_document(version["document"]),
            "VersionId": version_id(version["number"]),
            "IsDefaultVersion": version["number"] == row["default_version"],
            "CreateDate": version["created_at"],
        }
        for version in versions
    ]
    return detail


def _aws_policy_detail(
    entry: policy_catalog.CatalogPolicy, counts: tuple[dict[str, int], ...]
) -> dict[str, Any]:
    detail = describe(
        from_catalog(entry), counts[0].get(entry.arn, 0), counts[1].get(entry.arn, 0), detailed=False
    )
    detail["PolicyVersionList"] = [
        {
            "Document": encode_document(entry.document),
            "VersionId": entry.default_version_id,
            "IsDefaultVersion": True,
            "CreateDate": entry.updated_at,
        }
    ]
    return detail


def _named_rows(
    conn: Connection, table: Table, account_id: str, after: str | None, limit: int
) -> list[RowMapping]:
    query = select(table).where(table.c.account_id == account_id)
    if after is not None:
        query = query.where(table.c.name_lower > after)
    return list(conn.execute(query.order_by(table.c.name_lower).limit(limit)).mappings())


def _parse_marker(marker: str | None) -> tuple[int, str | None]:
    """(index of the kind the last page ended in, sort key within it)."""
    decoded = decode_marker(marker)
    if decoded is None:
        return 0, None
    kind_text, _, key = decoded.partition(" ")
    kind = decode_position(kind_text) or 0
    if kind >= len(KINDS):
        raise InvalidInput("Invalid Marker.")
    return kind, key


def get_account_authorization_details(call: Call) -> Result:
    params = call.params
    wanted = set(params.get("Filter") or KINDS)
    limit = params.get("MaxItems") or DEFAULT_MAX_ITEMS
    start_kind, after = _parse_marker(params.get("Marker"))
    account_id = call.principal.account_id
    # (kind index, sort key, build) for up to limit + 1 items, to know whether more remain.
    items: list[tuple[int, str, Callable[[], dict[str, Any]]]] = []
    lists: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with call.services.store.read() as conn:
        counts = (attachment_counts(conn, account_id), boundary_counts(conn, account_id))
        for index, kind in enumerate(KINDS):
            if index < start_kind or kind not in wanted or len(items) > limit:
                continue
            key_after = after if index == start_kind else None
            room = limit + 1 - len(items)
            items += _collect(conn, kind, index, account_id, key_after, room, counts)
        shown = items[:limit]
        for index, _key, build in shown:
            lists[_LIST_NAMES[KINDS[index]]].append(build())
    result: dict[str, Any] = {name: lists[name] for name in set(_LIST_NAMES.values())}
    result["IsTruncated"] = len(items) > limit
    if len(items) > limit:
        index, key, _build = shown[-1]
        result["Marker"] = encode_marker(f"{index} {key}")
    return result


_LIST_NAMES = {
    "User": "UserDetailList",
    "Group": "GroupDetailList",
    "Role": "RoleDetailList",
    "LocalManagedPolicy": "Policies",
    "AWSManagedPolicy": "Policies",
}


def _collect(
    conn: Connection,
    kind: str,
    index: int,
    account_id: str,
    after: str | None,
    room: int,
    counts: tuple[dict[str, int], ...],
) -> Sequence[tuple[int, str, Callable[[], dict[str, Any]]]]:
    """Up to ``room`` items of one kind after ``after``, each with a builder for its detail."""
    if kind == "AWSManagedPolicy":
        in_use = [
            entry
            for entry in policy_catalog.catalog().ordered
            if (counts[0].get(entry.arn) or counts[1].get(entry.arn)) and (after is None or entry.arn > after)
        ]
        in_use.sort(key=lambda entry: entry.arn)
        return [(index, entry.arn, _bind(_aws_policy_detail, entry, counts)) for entry in in_use[:room]]
    table, build = _TABLES[kind]
    rows = _named_rows(conn, table, account_id, after, room)
    if kind == "LocalManagedPolicy":
        return [(index, row["name_lower"], _bind(_local_policy_detail, conn, row, counts)) for row in rows]
    return [(index, row["name_lower"], _bind(build, conn, row)) for row in rows]


def _bind(function: Callable[..., dict[str, Any]], *args: Any) -> Callable[[], dict[str, Any]]:
    return lambda: function(*args)


_TABLES: dict[str, tuple[Table, Callable[..., dict[str, Any]]]] = {
    "User": (users, _user_detail),
    "Group": (groups, _group_detail),
    "Role": (roles, _role_detail),
    "LocalManagedPolicy": (managed_policies, _local_policy_detail),
}

OPERATIONS = {
    "GetAccountAuthorizationDetails": Operation(get_account_authorization_details),
}
