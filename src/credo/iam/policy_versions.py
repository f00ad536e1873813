"""Versions of managed policies: at most five per policy, one of them the default.

Version ids (``v1``, ``v2``…) are never reused: after ``v2`` is deleted the next is still
``v6`` or wherever the count had reached. AWS managed policies show just their default
version and cannot be changed.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from credo.call import Call, Operation, Result
from credo.errors import DeleteConflict, LimitExceeded, NoSuchEntity
from credo.iam import policy_catalog
from credo.iam.paging import decode_marker, page
from credo.iam.policy_lookup import (
    encode_document,
    find_local,
    find_local_for_change,
    validate_managed_document,
    version_id,
)
from credo.store import changes
from credo.store.schema import managed_policies, policy_versions

MAX_VERSIONS = 5
_VERSION = re.compile(r"v([1-9][0-9]*)\Z")


def _version_not_found(policy_arn: str, version: str) -> NoSuchEntity:
    return NoSuchEntity(f"Policy {policy_arn} version {version} does not exist or is not attachable.")


def _version_number(version: str) -> int | None:
    match = _VERSION.match(version)
    return int(match.group(1)) if match else None


def _find_version(conn: Connection, policy: RowMapping, policy_arn: str, version: str) -> RowMapping:
    number = _version_number(version)
    row = None
    if number is not None:
        row = (
            conn.execute(
                select(policy_versions).where(
                    policy_versions.c.policy_id == policy["id"], policy_versions.c.number == number
                )
            )
            .mappings()
            .first()
        )
    if row is None:
        raise _version_not_found(policy_arn, version)
    return row


def _describe(row: RowMapping, default: int, *, with_document: bool) -> dict[str, Any]:
    described: dict[str, Any] = {
        "VersionId": version_id(row["number"]),
        "IsDefaultVersion": row["number"] == default,
        "CreateDate": row["created_at"],
    }
    if with_document:
        described["Document"] = encode_document(row["document"])
    return described


def _catalog_version(entry: policy_catalog.CatalogPolicy) -> dict[str, Any]:
    return {
        "Document": encode_document(entry.document),
        "VersionId": entry.default_version_id,
        "IsDefaultVersion": True,
        "CreateDate": entry.updated_at,
    }


def create_policy_version(call: Call) -> Result:
    params = call.params
    policy_arn: str = params["PolicyArn"]
    document: str = params["PolicyDocument"]
    with call.services.store.write() as conn:
        policy = find_local_for_change(conn, call, policy_arn)
        changes.note(conn, changes.policy(policy_arn))
        validate_managed_document(document)
        count = conn.execute(
            select(func.count())
            .select_from(policy_versions)
            .where(policy_versions.c.policy_id == policy["id"])
        ).scalar_one()
        if count >= MAX_VERSIONS:
            raise LimitExceeded(
                f"A managed policy can have up to {MAX_VERSIONS} versions. "
                "Before you create a new version, you must delete an existing version."
            )
        number, now = policy["next_version"], call.services.clock.now()
        conn.execute(
            insert(policy_versions).values(
                policy_id=policy["id"], number=number, document=document, created_at=now
            )
        )
        new_values: dict[str, Any] = {"next_version": number + 1, "updated_at": now}
        if params.get("SetAsDefault"):
            new_values["default_version"] = number
        conn.execute(
            update(managed_policies).where(managed_policies.c.id == policy["id"]).values(**new_values)
        )
    version = {
        "VersionId": version_id(number),
        "IsDefaultVersion": bool(params.get("SetAsDefault")),
        "CreateDate": now,
    }
    return {"PolicyVersion": version}


def get_policy_version(call: Call) -> Result:
    policy_arn: str = call.params["PolicyArn"]
    version: str = call.params["VersionId"]
    entry = policy_catalog.find(policy_arn)
    if entry is not None:
        if version != entry.default_version_id:
            raise _version_not_found(policy_arn, version)
        return {"PolicyVersion": _catalog_version(entry)}
    with call.services.store.read() as conn:
        policy = find_local(conn, call.principal.account_id, policy_arn)
        row = _find_version(conn, policy, policy_arn, version)
        return {"PolicyVersion": _describe(row, policy["default_version"], with_document=True)}


def list_policy_versions(call: Call) -> Result:
    """Newest first, as AWS lists them; documents are left out."""
    params = call.params
    policy_arn: str = params["PolicyArn"]
    entry = policy_catalog.find(policy_arn)
    if entry is not None:
        version = _catalog_version(entry)
        del version["Document"]
        return {"Versions": [version], "IsTruncated": False}
    after = decode_marker(params.get("Marker"))
    with call.services.store.read() as conn:
        policy = find_local(conn, call.principal.account_id, policy_arn)
        query = select(policy_versions).where(policy_versions.c.policy_id == policy["id"])
        if after is not None:
            number = _version_number(after)
            query = query.where(policy_versions.c.number < (number or 0))
        rows = conn.execute(query.order_by(policy_versions.c.number.desc())).mappings().all()
    result = page(rows, params.get("MaxItems"), lambda row: version_id(row["number"]), "Versions")
    result["Versions"] = [
        _describe(row, policy["default_version"], with_document=False) for row in result["Versions"]
    ]
    return result


def delete_policy_version(call: Call) -> Result:
    policy_arn: str = call.params["PolicyArn"]
    with call.services.store.write() as conn:
        policy = find_local_for_change(conn, call, policy_arn)
        changes.note(conn, changes.policy(policy_arn))
        row = _find_version(conn, policy, policy_arn, call.params["VersionId"])
        if row["number"] == policy["default_version"]:
            raise DeleteConflict("Cannot delete the default version of a policy.")
        conn.execute(
            delete(policy_versions).where(
                policy_versions.c.policy_id == policy["id"], policy_versions.c.number == row["number"]
            )
        )
    return {}


def set_default_policy_version(call: Call) -> Result:
    policy_arn: str = call.params["PolicyArn"]
    with call.services.store.write() as conn:
        policy = find_local_for_change(conn, call, policy_arn)
        changes.note(conn, changes.policy(policy_arn))
        row = _find_version(conn, policy, policy_arn, call.params["VersionId"])
        conn.execute(
            update(managed_policies)
            .where(managed_policies.c.id == policy["id"])
            .values(default_version=row["number"])
        )
    return {}


OPERATIONS = {
    "CreatePolicyVersion": Operation(create_policy_version),
    "GetPolicyVersion": Operation(get_policy_version),
    "ListPolicyVersions": Operation(list_policy_versions),
    "DeletePolicyVersion": Operation(delete_policy_version),
    "SetDefaultPolicyVersion": Operation(set_default_policy_version),
}
