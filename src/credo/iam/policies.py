"""Managed policies: customer managed ones in the store, AWS managed ones from the catalog.

Both kinds are addressed by ARN and seen through one ``ManagedPolicy`` view, so attachment,
listing and lookup code need not care which kind a policy is. Versions live in
``credo.iam.policy_versions``; attachments in ``credo.iam.attachments``.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, insert, select

from credo import arn, ids
from credo.call import Call, Operation, Result
from credo.errors import (
    AccessDenied,
    DeleteConflict,
    EntityAlreadyExists,
    InvalidInput,
    LimitExceeded,
    NoSuchEntity,
)
from credo.iam import policy_catalog
from credo.iam import tags as entity_tags
from credo.iam.paging import decode_marker, decode_position, page
from credo.policy import parse_policy
from credo.store import changes
from credo.store.schema import managed_policies, policy_attachments, policy_versions, roles, users

MAX_MANAGED_POLICY_SIZE = 6144


# --- documents ----------------------------------------------------------------------------


def policy_size(document: str) -> int:
    """The size AWS's quotas count: characters other than whitespace."""
    return sum(1 for char in document if not char.isspace())


def encode_document(document: str) -> str:
    """A document as IAM returns it: RFC 3986 percent-encoded (boto3 decodes it back)."""
    return urllib.parse.quote(document, safe="")


def validate_managed_document(document: str) -> None:
    if policy_size(document) > MAX_MANAGED_POLICY_SIZE:
        raise LimitExceeded(f"Cannot exceed quota for PolicySize: {MAX_MANAGED_POLICY_SIZE}")
    parse_policy(document, "identity", managed=True)


# --- one view of both kinds -----------------------------------------------------------------


@dataclass(frozen=True)
class ManagedPolicy:
    """A customer or AWS managed policy, as lookups and listings see it."""

    arn: str
    name: str
    policy_id: str
    path: str
    default_version_id: str
    created_at: datetime
    updated_at: datetime
    description: str | None
    is_aws: bool
    is_service_role_policy: bool = False

    @property
    def sort_key(self) -> str:
        # A space sorts before every character a policy name may hold, as the end of the name should.
        return f"{self.name.lower()} {self.arn}"


def version_id(number: int) -> str:
    return f"v{number}"


def local_policy_arn(row: RowMapping) -> str:
    return arn.iam_arn(row["account_id"], "policy", row["path"], row["name"])


def from_row(row: RowMapping) -> ManagedPolicy:
    return ManagedPolicy(
        arn=local_policy_arn(row),
        name=row["name"],
        policy_id=row["id"],
        path=row["path"],
        default_version_id=version_id(row["default_version"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        description=row["description"],
        is_aws=False,
    )


def from_catalog(entry: policy_catalog.CatalogPolicy) -> ManagedPolicy:
    return ManagedPolicy(
        arn=entry.arn,
        name=entry.name,
        policy_id=entry.policy_id,
        path=entry.path,
        default_version_id=entry.default_version_id,
        created_at=entry.created_at,
        updated_at=entry.updated_at,
        description=None,
        is_aws=True,
        is_service_role_policy=entry.is_service_role_policy,
    )


def check_arn(policy_arn: str) -> None:
    """``InvalidInput`` unless ``policy_arn`` is shaped like an IAM policy ARN."""
    parsed = arn.parse_arn(policy_arn)
    if parsed is None or parsed.service != "iam" or not parsed.resource.startswith("policy/"):
        raise InvalidInput(f"ARN {policy_arn} is not valid.")


def find_local_row(conn: Connection, account_id: str, policy_arn: str) -> RowMapping | None:
    """The customer managed policy row named by ``policy_arn`` in ``account_id``, if any."""
    parsed = arn.parse_arn(policy_arn)
    if parsed is None or parsed.account != account_id:
        return None
    name = parsed.resource.rsplit("/", 1)[-1]
    row = (
        conn.execute(
            select(managed_policies).where(
                managed_policies.c.account_id == account_id, managed_policies.c.name_lower == name.lower()
            )
        )
        .mappings()
        .first()
    )
    # Names are unique per account, but the ARN must name the policy exactly (path included).
    if row is None or local_policy_arn(row) != policy_arn:
        return None
    return row


def default_document(conn: Connection, account_id: str, policy_arn: str) -> str | None:
    """The default version's document of the AWS or customer managed policy ``policy_arn``, if any."""
    entry = policy_catalog.find(policy_arn)
    if entry is not None:
        return entry.document
    row = find_local_row(conn, account_id, policy_arn)
    if row is None:
        return None
    document = conn.execute(
        select(policy_versions.c.document).where(
            policy_versions.c.policy_id == row["id"], policy_versions.c.number == row["default_version"]
        )
    ).scalar_one_or_none()
    return None if document is None else str(document)


def resolve(conn: Connection, account_id: str, policy_arn: str) -> ManagedPolicy | None:
    """The policy ``policy_arn`` names, as the caller's account sees it."""
    check_arn(policy_arn)
    entry = policy_catalog.find(policy_arn)
    if entry is not None:
        return from_catalog(entry)
    row = find_local_row(conn, account_id, policy_arn)
    return None if row is None else from_row(row)


def policy_exists(conn: Connection, account_id: str, policy_arn: str) -> bool:
    """Whether ``policy_arn`` names a managed policy the account can attach (or use as a boundary)."""
    parsed = arn.parse_arn(policy_arn)
    if parsed is None or parsed.service != "iam" or not parsed.resource.startswith("policy/"):
        return False
    return resolve(conn, account_id, policy_arn) is not None


def not_found(policy_arn: str) -> NoSuchEntity:
    return NoSuchEntity(f"Policy {policy_arn} was not found.")


def find_local(conn: Connection, account_id: str, policy_arn: str) -> RowMapping:
    """The customer managed policy row, or ``NoSuchEntity``."""
    check_arn(policy_arn)
    row = find_local_row(conn, account_id, policy_arn)
    if row is None:
        raise not_found(policy_arn)
    return row


def find_local_for_change(conn: Connection, call: Call, policy_arn: str) -> RowMapping:
    """The customer managed policy a mutating call names; AWS managed ones are read-only."""
    check_arn(policy_arn)
    if policy_catalog.find(policy_arn) is not None:
        raise AccessDenied(
            f"User: {call.principal.arn} is not authorized to perform: iam:{call.action} "
            f"on resource: policy {policy_arn}"
        )
    row = find_local_row(conn, call.principal.account_id, policy_arn)
    if row is None:
        raise not_found(policy_arn)
    return row


# --- usage counts ---------------------------------------------------------------------------


def _boundary_columns() -> list[Any]:
    return [users.c.permissions_boundary_arn, roles.c.permissions_boundary_arn]


def attachment_counts(conn: Connection, account_id: str, policy_arn: str | None = None) -> dict[str, int]:
    """Attachments per policy ARN in the account (of one policy when ``policy_arn`` is given)."""
    query = (
        select(policy_attachments.c.policy_arn, func.count())
        .where(policy_attachments.c.account_id == account_id)
        .group_by(policy_attachments.c.policy_arn)
    )
    if policy_arn is not None:
        query = query.where(policy_attachments.c.policy_arn == policy_arn)
    return {str(key): int(count) for key, count in conn.execute(query)}


def boundary_counts(conn: Connection, account_id: str, policy_arn: str | None = None) -> dict[str, int]:
    """Users and roles per permissions-boundary policy ARN in the account."""
    counts: dict[str, int] = {}
    for column in _boundary_columns():
        table = column.table
        query = (
            select(column, func.count())
            .where(table.c.account_id == account_id, column.is_not(None))
            .group_by(column)
        )
        if policy_arn is not None:
            query = query.where(column == policy_arn)
        for key, count in conn.execute(query):
            counts[str(key)] = counts.get(str(key), 0) + int(count)
    return counts


def describe(
    policy: ManagedPolicy,
    attachments: int,
    boundaries: int,
    *,
    detailed: bool = True,
    tag_list: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The ``Policy`` shape; ``detailed`` adds what ListPolicies leaves out (description, tags).

    ``tag_list`` is written when given, even empty: GetPolicy answers ``Tags: []``.
    """
    described: dict[str, Any] = {
        "PolicyName": policy.name,
        "PolicyId": policy.policy_id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version_id,
        "AttachmentCount": attachments,
        "PermissionsBoundaryUsageCount": boundaries,
        "IsAttachable": True,
        "CreateDate": policy.created_at,
        "UpdateDate": policy.updated_at,
    }
    if detailed and policy.description:
        described["Description"] = policy.description
    if detailed and tag_list is not None:
        described["Tags"] = tag_list
    return described


# --- operations -----------------------------------------------------------------------------


def create_policy(call: Call) -> Result:
    params = call.params
    account_id = call.principal.account_id
    name: str = params["PolicyName"]
    document: str = params["PolicyDocument"]
    new_tags = params.get("Tags", [])
    entity_tags.validate_new_tags(new_tags)
    validate_managed_document(document)
    now = call.services.clock.now()
    with call.services.store.write() as conn:
        taken = conn.execute(
            select(managed_policies.c.id).where(
                managed_policies.c.account_id == account_id, managed_policies.c.name_lower == name.lower()
            )
        ).first()
        if taken is not None:
            raise EntityAlreadyExists(
                f"A policy called {name} already exists. Duplicate names are not allowed."
            )
        policy_id = ids.entity_id(ids.POLICY)
        changes.note(conn, changes.policy(arn.iam_arn(account_id, "policy", params.get("Path", "/"), name)))
        conn.execute(
            insert(managed_policies).values(
                id=policy_id,
                account_id=account_id,
                name=name,
                name_lower=name.lower(),
                path=params.get("Path", "/"),
                description=params.get("Description") or None,
                created_at=now,
                updated_at=now,
                default_version=1,
                next_version=2,
            )
        )
        conn.execute(
            insert(policy_versions).values(policy_id=policy_id, number=1, document=document, created_at=now)
        )
        entity_tags.put_tags(conn, policy_id, new_tags)
        row = (
            conn.execute(select(managed_policies).where(managed_policies.c.id == policy_id)).mappings().one()
        )
        created = describe(from_row(row), 0, 0, tag_list=entity_tags.read_tags(conn, policy_id) or None)
    # AWS's CreatePolicy answer leaves the description out; GetPolicy carries it.
    created.pop("Description", None)
    return {"Policy": created}


def get_policy(call: Call) -> Result:
    policy_arn: str = call.params["PolicyArn"]
    account_id = call.principal.account_id
    with call.services.store.read() as conn:
        policy = resolve(conn, account_id, policy_arn)
        if policy is None:
            raise not_found(policy_arn)
        attachments = attachment_counts(conn, account_id, policy.arn).get(policy.arn, 0)
        boundaries = boundary_counts(conn, account_id, policy.arn).get(policy.arn, 0)
        tag_list = [] if policy.is_aws else entity_tags.read_tags(conn, policy.policy_id)
    return {"Policy": describe(policy, attachments, boundaries, tag_list=tag_list)}


def delete_policy(call: Call) -> Result:
    policy_arn: str = call.params["PolicyArn"]
    account_id = call.principal.account_id
    with call.services.store.write() as conn:
        row = find_local_for_change(conn, call, policy_arn)
        changes.note(conn, changes.policy(policy_arn))
        if attachment_counts(conn, account_id, policy_arn) or boundary_counts(conn, account_id, policy_arn):
            raise DeleteConflict("Cannot delete a policy attached to entities.")
        versions = conn.execute(
            select(func.count()).select_from(policy_versions).where(policy_versions.c.policy_id == row["id"])
        ).scalar_one()
        if versions > 1:
            raise DeleteConflict(
                "This policy has more than one version. Before you delete a policy, you must delete "
                "the policy's versions. The default version is deleted with the policy."
            )
        entity_tags.drop_all_tags(conn, row["id"])
        conn.execute(delete(policy_versions).where(policy_versions.c.policy_id == row["id"]))
        conn.execute(delete(managed_policies).where(managed_policies.c.id == row["id"]))
    return {}


def _in_use(
    policy: ManagedPolicy, attachments: Mapping[str, int], boundaries: Mapping[str, int], usage: str | None
) -> bool:
    """Whether the policy is attached, in the sense ``PolicyUsageFilter`` asks about."""
    as_permissions = attachments.get(policy.arn, 0) > 0
    as_boundary = boundaries.get(policy.arn, 0) > 0
    if usage == "PermissionsPolicy":
        return as_permissions
    if usage == "PermissionsBoundary":
        return as_boundary
    return as_permissions or as_boundary


def list_policies(call: Call) -> Result:
    """Local and AWS policies in one name order; ``PolicyUsageFilter`` keeps those used that way."""
    params = call.params
    account_id = call.principal.account_id
    scope = params.get("Scope", "All")
    prefix = params.get("PathPrefix") or "/"
    usage = params.get("PolicyUsageFilter")
    after = decode_marker(params.get("Marker"))
    candidates: list[ManagedPolicy] = []
    with call.services.store.read() as conn:
        if scope in ("All", "Local"):
            query = select(managed_policies).where(managed_policies.c.account_id == account_id)
            candidates += [from_row(row) for row in conn.execute(query).mappings()]
        if scope in ("All", "AWS"):
            candidates += [from_catalog(entry) for entry in policy_catalog.catalog().ordered]
        attachments = attachment_counts(conn, account_id)
        boundaries = boundary_counts(conn, account_id)
    selected = [
        policy
        for policy in candidates
        if policy.path.startswith(prefix)
        and (after is None or policy.sort_key > after)
        and (not (params.get("OnlyAttached") or usage) or _in_use(policy, attachments, boundaries, usage))
    ]
    selected.sort(key=lambda policy: policy.sort_key)
    result = page(selected, params.get("MaxItems"), lambda policy: policy.sort_key, "Policies")
    result["Policies"] = [
        describe(policy, attachments.get(policy.arn, 0), boundaries.get(policy.arn, 0), detailed=False)
        for policy in result["Policies"]
    ]
    return result


# --- tags -----------------------------------------------------------------------------------


def tag_policy(call: Call) -> Result:
    with call.services.store.write() as conn:
        row = find_local_for_change(conn, call, call.params["PolicyArn"])
        changes.note(conn, changes.policy(call.params["PolicyArn"]))
        entity_tags.put_tags(conn, row["id"], call.params["Tags"])
    return {}


def untag_policy(call: Call) -> Result:
    entity_tags.validate_tag_keys(call.params["TagKeys"])
    with call.services.store.write() as conn:
        row = find_local_for_change(conn, call, call.params["PolicyArn"])
        changes.note(conn, changes.policy(call.params["PolicyArn"]))
        entity_tags.remove_tags(conn, row["id"], call.params["TagKeys"])
    return {}


def list_policy_tags(call: Call) -> Result:
    params = call.params
    policy_arn: str = params["PolicyArn"]
    with call.services.store.read() as conn:
        policy = resolve(conn, call.principal.account_id, policy_arn)
        if policy is None:
            raise not_found(policy_arn)
        tag_list = [] if policy.is_aws else entity_tags.read_tags(conn, policy.policy_id)
    # The marker is the position of the last tag shown; tags keep their first-set order.
    after = decode_position(decode_marker(params.get("Marker")))
    start = after + 1 if after is not None else 0
    numbered = list(enumerate(tag_list))[start:]
    result = page(numbered, params.get("MaxItems"), lambda item: str(item[0]), "Tags")
    result["Tags"] = [tag for _position, tag in result["Tags"]]
    return result


OPERATIONS = {
    "CreatePolicy": Operation(create_policy),
    "GetPolicy": Operation(get_policy),
    "DeletePolicy": Operation(delete_policy),
    "ListPolicies": Operation(list_policies),
    "TagPolicy": Operation(tag_policy),
    "UntagPolicy": Operation(untag_policy),
    "ListPolicyTags": Operation(list_policy_tags),
}
