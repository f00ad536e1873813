"""Managed policies as one view: customer managed ones in the store, AWS managed ones from the
catalog, both addressed by ARN and seen as one ``ManagedPolicy``.

Attachment, listing, boundary, simulation and session code look policies up here, so none of
them need care which kind a policy is. The IAM operations on policies are ``credo.iam.policies``;
versions live in ``credo.iam.policy_versions``, attachments in ``credo.iam.attachments``.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, func, select

from credo import arn
from credo.call import Call
from credo.errors import (
    AccessDenied,
    InvalidInput,
    LimitExceeded,
    NoSuchEntity,
)
from credo.iam import policy_catalog
from credo.policy import parse_policy
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
