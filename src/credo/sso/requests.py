"""The status of assignment creations and deletions and of provisionings, by request id:
Describe/ListAccountAssignmentCreationStatus, Describe/ListAccountAssignmentDeletionStatus,
DescribePermissionSetProvisioningStatus, ListPermissionSetProvisioningStatus.

AWS runs these requests asynchronously and answers ``IN_PROGRESS`` first. credo does the work
before it answers, so a request is ``SUCCEEDED`` (or ``FAILED``, with the reason) in the very
answer that starts it; clients that poll the status find it done on their first look.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select

from credo.call import Call, Handler, Operation, Result
from credo.errors import ResourceNotFoundException
from credo.sso import identifiers, paging
from credo.sso.instances import Instance, require_instance
from credo.store.schema import sso_requests

CREATION = "assignment-creation"
DELETION = "assignment-deletion"
PROVISIONING = "provisioning"


def record(
    conn: Connection,
    instance: Instance,
    kind: str,
    now: datetime,
    *,
    failure: str | None = None,
    account_id: str | None = None,
    permission_set_arn: str | None = None,
    principal_type: str | None = None,
    principal_id: str | None = None,
) -> dict[str, Any]:
    """Store a finished request; its values as ``describe`` reads them."""
    values: dict[str, Any] = {
        "id": identifiers.request_id(),
        "instance_id": instance.id,
        "kind": kind,
        "status": "FAILED" if failure else "SUCCEEDED",
        "failure_reason": failure,
        "account_id": account_id,
        "permission_set_arn": permission_set_arn,
        "principal_type": principal_type,
        "principal_id": principal_id,
        "created_at": now,
    }
    conn.execute(insert(sso_requests).values(**values))
    return values


def describe(row: RowMapping | dict[str, Any]) -> dict[str, Any]:
    """``AccountAssignmentOperationStatus`` or ``PermissionSetProvisioningStatus``."""
    status: dict[str, Any] = {
        "Status": row["status"],
        "RequestId": row["id"],
        "CreatedDate": row["created_at"],
    }
    if row["failure_reason"]:
        status["FailureReason"] = row["failure_reason"]
    if row["permission_set_arn"]:
        status["PermissionSetArn"] = row["permission_set_arn"]
    if row["kind"] == PROVISIONING:
        if row["account_id"]:
            status["AccountId"] = row["account_id"]
        return status
    status.update(
        {
            "TargetId": row["account_id"],
            "TargetType": "AWS_ACCOUNT",
            "PrincipalType": row["principal_type"],
            "PrincipalId": row["principal_id"],
        }
    )
    return status


def _find(conn: Connection, instance: Instance, kind: str, request_id: str) -> RowMapping:
    row = (
        conn.execute(
            select(sso_requests).where(
                sso_requests.c.id == request_id,
                sso_requests.c.instance_id == instance.id,
                sso_requests.c.kind == kind,
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise ResourceNotFoundException(f"Could not find request with id {request_id}")
    return row


def _describe(kind: str, parameter: str, member: str) -> Handler:
    def describe_status(call: Call) -> Result:
        with call.services.store.read() as conn:
            instance = require_instance(conn, call.params["InstanceArn"])
            row = _find(conn, instance, kind, call.params[parameter])
        return {member: describe(row)}

    return describe_status


def _list(kind: str, member: str) -> Handler:
    def list_statuses(call: Call) -> Result:
        params = call.params
        start = paging.after(params.get("NextToken"))
        with call.services.store.read() as conn:
            instance = require_instance(conn, params["InstanceArn"])
            query = select(sso_requests).where(
                sso_requests.c.instance_id == instance.id, sso_requests.c.kind == kind
            )
            wanted = (params.get("Filter") or {}).get("Status")
            if wanted:
                query = query.where(sso_requests.c.status == wanted)
            if start is not None:
                query = query.where(sso_requests.c.id > start)
            rows = (
                conn.execute(
                    query.order_by(sso_requests.c.id).limit(paging.limit_of(params.get("MaxResults")))
                )
                .mappings()
                .all()
            )
        return paging.page(
            rows,
            params.get("MaxResults"),
            lambda row: row["id"],
            member,
            lambda row: {"Status": row["status"], "RequestId": row["id"], "CreatedDate": row["created_at"]},
        )

    return list_statuses


OPERATIONS = {
    "DescribeAccountAssignmentCreationStatus": Operation(
        _describe(CREATION, "AccountAssignmentCreationRequestId", "AccountAssignmentCreationStatus")
    ),
    "DescribeAccountAssignmentDeletionStatus": Operation(
        _describe(DELETION, "AccountAssignmentDeletionRequestId", "AccountAssignmentDeletionStatus")
    ),
    "DescribePermissionSetProvisioningStatus": Operation(
        _describe(PROVISIONING, "ProvisionPermissionSetRequestId", "PermissionSetProvisioningStatus")
    ),
    "ListAccountAssignmentCreationStatus": Operation(_list(CREATION, "AccountAssignmentsCreationStatus")),
    "ListAccountAssignmentDeletionStatus": Operation(_list(DELETION, "AccountAssignmentsDeletionStatus")),
    "ListPermissionSetProvisioningStatus": Operation(_list(PROVISIONING, "PermissionSetsProvisioningStatus")),
}
