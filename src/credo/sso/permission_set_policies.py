"""A permission set's policies: AWS managed policies, customer managed policy references, the
inline policy and the permissions boundary (Attach/Detach/List…, Put/Get/Delete…).

These become the provisioned role's attached policies, its inline policy
``AwsSSOInlinePolicy`` and its boundary. AWS managed policies must be in credo's catalog;
customer managed ones are referenced by name and path and must exist in each account the
permission set is provisioned to. Every change bumps the permission set's revision.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, insert, select

from credo.call import Call, Operation, Result
from credo.errors import (
    ConflictException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    ValidationException,
)
from credo.iam import policy_catalog
from credo.iam.policy_holders import MAX_ATTACHED_POLICIES, ROLE
from credo.iam.policy_lookup import policy_size
from credo.policy import parse_policy
from credo.sso import paging
from credo.sso.permission_sets import load, touch
from credo.store.schema import sso_permission_set_policies as policies

AWS = "aws"
CUSTOMER = "customer"


def customer_reference(reference: dict[str, Any]) -> tuple[str, str, str]:
    """(path + name, name, path) of a ``CustomerManagedPolicyReference``; the path defaults to ``/``."""
    name, path = str(reference["Name"]), str(reference.get("Path") or "/")
    return f"{path}{name}", name, path


def _attach(call: Call, kind: str, reference: str, name: str, path: str) -> None:
    with call.services.store.write() as conn:
        _instance, row = load(call, conn)
        attached = conn.execute(
            select(func.count()).select_from(policies).where(policies.c.permission_set_id == row["id"])
        ).scalar_one()
        present = conn.execute(
            select(policies.c.reference).where(
                policies.c.permission_set_id == row["id"],
                policies.c.kind == kind,
                policies.c.reference == reference,
            )
        ).first()
        if present is not None:
            raise ConflictException(f"Policy {reference} is already attached to the permission set.")
        if attached >= MAX_ATTACHED_POLICIES:
            raise ServiceQuotaExceededException(
                f"The permission set has the maximum of {MAX_ATTACHED_POLICIES} managed policies.",
                detail="Its role holds them all, and IAM allows a role that many.",
            )
        conn.execute(
            insert(policies).values(
                permission_set_id=row["id"],
                kind=kind,
                reference=reference,
                name=name,
                path=path,
                attached_at=call.services.clock.now(),
            )
        )
        touch(conn, row)


def _detach(call: Call, kind: str, reference: str) -> None:
    with call.services.store.write() as conn:
        _instance, row = load(call, conn)
        removed = conn.execute(
            delete(policies).where(
                policies.c.permission_set_id == row["id"],
                policies.c.kind == kind,
                policies.c.reference == reference,
            )
        ).rowcount
        if not removed:
            raise ResourceNotFoundException(f"Policy {reference} is not attached to the permission set.")
        touch(conn, row)


def _attached(conn: Connection, call: Call, row: RowMapping, kind: str) -> list[RowMapping]:
    start = paging.after(call.params.get("NextToken"))
    query = select(policies).where(policies.c.permission_set_id == row["id"], policies.c.kind == kind)
    if start is not None:
        query = query.where(policies.c.reference > start)
    query = query.order_by(policies.c.reference).limit(paging.limit_of(call.params.get("MaxResults")))
    return list(conn.execute(query).mappings().all())


def attach_managed_policy(call: Call) -> Result:
    policy_arn: str = call.params["ManagedPolicyArn"]
    policy = policy_catalog.find(policy_arn)
    if policy is None or policy.is_service_role_policy:
        raise ResourceNotFoundException(f"Could not find ManagedPolicy with arn {policy_arn}")
    _attach(call, AWS, policy.arn, policy.name, policy.path)
    return {}


def detach_managed_policy(call: Call) -> Result:
    _detach(call, AWS, call.params["ManagedPolicyArn"])
    return {}


def list_managed_policies(call: Call) -> Result:
    with call.services.store.read() as conn:
        _instance, row = load(call, conn)
        rows = _attached(conn, call, row, AWS)
    return paging.page(
        rows,
        call.params.get("MaxResults"),
        lambda item: item["reference"],
        "AttachedManagedPolicies",
        lambda item: {"Name": item["name"], "Arn": item["reference"]},
    )


def attach_customer_managed_policy(call: Call) -> Result:
    _attach(call, CUSTOMER, *customer_reference(call.params["CustomerManagedPolicyReference"]))
    return {}


def detach_customer_managed_policy(call: Call) -> Result:
    reference, _name, _path = customer_reference(call.params["CustomerManagedPolicyReference"])
    _detach(call, CUSTOMER, reference)
    return {}


def list_customer_managed_policies(call: Call) -> Result:
    with call.services.store.read() as conn:
        _instance, row = load(call, conn)
        rows = _attached(conn, call, row, CUSTOMER)
    return paging.page(
        rows,
        call.params.get("MaxResults"),
        lambda item: item["reference"],
        "CustomerManagedPolicyReferences",
        lambda item: {"Name": item["name"], "Path": item["path"]},
    )


def check_inline_policy(document: str) -> None:
    """Refuse an inline policy the provisioned role could not hold: IAM's checks of an identity
    policy (``MalformedPolicyDocument``), and a role's inline size quota. Pure, so the console
    can check a document before it creates the permission set that will hold it."""
    parse_policy(document, "identity")
    if policy_size(document) > ROLE.inline_quota:
        raise ServiceQuotaExceededException(
            f"The inline policy exceeds the maximum of {ROLE.inline_quota} characters (without whitespace) "
            "a role's inline policies may have."
        )


def put_inline_policy(call: Call) -> Result:
    document: str = call.params["InlinePolicy"]
    check_inline_policy(document)
    with call.services.store.write() as conn:
        _instance, row = load(call, conn)
        touch(conn, row, inline_policy=document)
    return {}


def get_inline_policy(call: Call) -> Result:
    with call.services.store.read() as conn:
        _instance, row = load(call, conn)
    return {"InlinePolicy": row["inline_policy"]} if row["inline_policy"] else {}


def delete_inline_policy(call: Call) -> Result:
    with call.services.store.write() as conn:
        _instance, row = load(call, conn)
        if row["inline_policy"] is not None:
            touch(conn, row, inline_policy=None)
    return {}


def put_permissions_boundary(call: Call) -> Result:
    boundary = call.params["PermissionsBoundary"]
    managed = boundary.get("ManagedPolicyArn")
    customer = boundary.get("CustomerManagedPolicyReference")
    changes: dict[str, Any] = {
        "boundary_policy_arn": None,
        "boundary_policy_name": None,
        "boundary_policy_path": None,
    }
    if (managed is None) == (customer is None):
        raise ValidationException(
            "PermissionsBoundary must have exactly one of CustomerManagedPolicyReference and ManagedPolicyArn."
        )
    if managed is not None:
        policy = policy_catalog.find(managed)
        if policy is None or policy.is_service_role_policy:
            raise ResourceNotFoundException(f"Could not find ManagedPolicy with arn {managed}")
        changes["boundary_policy_arn"] = policy.arn
    else:
        _reference, name, path = customer_reference(customer)
        changes["boundary_policy_name"], changes["boundary_policy_path"] = name, path
    with call.services.store.write() as conn:
        _instance, row = load(call, conn)
        touch(conn, row, **changes)
    return {}


def get_permissions_boundary(call: Call) -> Result:
    with call.services.store.read() as conn:
        _instance, row = load(call, conn)
    if row["boundary_policy_arn"] is not None:
        return {"PermissionsBoundary": {"ManagedPolicyArn": row["boundary_policy_arn"]}}
    if row["boundary_policy_name"] is not None:
        reference = {"Name": row["boundary_policy_name"], "Path": row["boundary_policy_path"]}
        return {"PermissionsBoundary": {"CustomerManagedPolicyReference": reference}}
    raise ResourceNotFoundException("The permission set has no permissions boundary.")


def delete_permissions_boundary(call: Call) -> Result:
    with call.services.store.write() as conn:
        _instance, row = load(call, conn)
        touch(conn, row, boundary_policy_arn=None, boundary_policy_name=None, boundary_policy_path=None)
    return {}


OPERATIONS = {
    "AttachManagedPolicyToPermissionSet": Operation(attach_managed_policy),
    "DetachManagedPolicyFromPermissionSet": Operation(detach_managed_policy),
    "ListManagedPoliciesInPermissionSet": Operation(list_managed_policies),
    "AttachCustomerManagedPolicyReferenceToPermissionSet": Operation(attach_customer_managed_policy),
    "DetachCustomerManagedPolicyReferenceFromPermissionSet": Operation(detach_customer_managed_policy),
    "ListCustomerManagedPolicyReferencesInPermissionSet": Operation(list_customer_managed_policies),
    "PutInlinePolicyToPermissionSet": Operation(put_inline_policy),
    "GetInlinePolicyForPermissionSet": Operation(get_inline_policy),
    "DeleteInlinePolicyFromPermissionSet": Operation(delete_inline_policy),
    "PutPermissionsBoundaryToPermissionSet": Operation(put_permissions_boundary),
    "GetPermissionsBoundaryForPermissionSet": Operation(get_permissions_boundary),
    "DeletePermissionsBoundaryFromPermissionSet": Operation(delete_permissions_boundary),
}
