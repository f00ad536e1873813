"""Account assignments: a user or group of the identity store may use a permission set in an
account. CreateAccountAssignment, DeleteAccountAssignment, ListAccountAssignments,
ListAccountAssignmentsForPrincipal.

Creating an assignment provisions the permission set to the account (its role is made, or
rebuilt from the permission set as it is now); deleting the last assignment of a permission set
in an account removes the role there. Both answer with a request status that is already final
(``sso/requests.py``). The account must be one of the installation's (``credo account create``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, exists, insert, select

from credo.call import Call, Operation, Result
from credo.errors import ResourceNotFoundException, ValidationException
from credo.sso import identifiers, paging, requests
from credo.sso.instances import Instance, require_instance
from credo.sso.permission_sets import load, permission_set_arn
from credo.sso.provisioning import ProvisioningFailed, account_exists, deprovision, is_assigned, provision
from credo.store.schema import sso_account_assignments, sso_groups, sso_permission_sets, sso_users

_PRINCIPAL_TABLES = {"USER": sso_users, "GROUP": sso_groups}


def require_account(conn: Connection, account_id: str) -> None:
    """``ValidationException`` unless the installation has the account."""
    if not account_exists(conn, account_id):
        raise ValidationException(
            f"TargetId {account_id} is not a valid account.",
            detail="Accounts are made with `credo account create`; `credo account list` lists them.",
        )


def _require_principal(conn: Connection, instance: Instance, principal_type: str, principal_id: str) -> None:
    table = _PRINCIPAL_TABLES[principal_type]
    found = conn.execute(
        select(exists().where(table.c.id == principal_id, table.c.instance_id == instance.id))
    ).scalar()
    if not found:
        raise ResourceNotFoundException(
            f"{principal_type.capitalize()} with id {principal_id} not found in identity store "
            f"{instance.identity_store_id}."
        )


def _assignment_filter(
    permission_set_id: str, account_id: str, principal_type: str, principal_id: str
) -> Any:
    return (
        (sso_account_assignments.c.permission_set_id == permission_set_id)
        & (sso_account_assignments.c.account_id == account_id)
        & (sso_account_assignments.c.principal_type == principal_type)
        & (sso_account_assignments.c.principal_id == principal_id)
    )


def create_account_assignment(call: Call) -> Result:
    params = call.params
    account_id: str = params["TargetId"]
    principal_type: str = params["PrincipalType"]
    principal_id: str = params["PrincipalId"]
    now = call.services.clock.now()
    with call.services.store.write() as conn:
        instance, permission_set = load(call, conn)
        require_account(conn, account_id)
        _require_principal(conn, instance, principal_type, principal_id)
        failure = None
        try:
            provision(conn, instance, permission_set, account_id, now)
        except ProvisioningFailed as failed:
            failure = failed.reason
        where = _assignment_filter(permission_set["id"], account_id, principal_type, principal_id)
        if failure is None and not conn.execute(select(exists().where(where))).scalar():
            conn.execute(
                insert(sso_account_assignments).values(
                    permission_set_id=permission_set["id"],
                    account_id=account_id,
                    principal_type=principal_type,
                    principal_id=principal_id,
                    created_at=now,
                )
            )
        status = requests.record(
            conn,
            instance,
            requests.CREATION,
            now,
            failure=failure,
            account_id=account_id,
            permission_set_arn=permission_set_arn(permission_set),
            principal_type=principal_type,
            principal_id=principal_id,
        )
    return {"AccountAssignmentCreationStatus": requests.describe(status)}


def delete_account_assignment(call: Call) -> Result:
    params = call.params
    account_id: str = params["TargetId"]
    principal_type: str = params["PrincipalType"]
    principal_id: str = params["PrincipalId"]
    with call.services.store.write() as conn:
        instance, permission_set = load(call, conn)
        removed = conn.execute(
            delete(sso_account_assignments).where(
                _assignment_filter(permission_set["id"], account_id, principal_type, principal_id)
            )
        ).rowcount
        if not removed:
            raise ResourceNotFoundException(
                f"Could not find an assignment of {permission_set_arn(permission_set)} to {principal_type} "
                f"{principal_id} in account {account_id}."
            )
        if not is_assigned(conn, permission_set["id"], account_id):
            deprovision(conn, permission_set["id"], account_id)
        status = requests.record(
            conn,
            instance,
            requests.DELETION,
            call.services.clock.now(),
            account_id=account_id,
            permission_set_arn=permission_set_arn(permission_set),
            principal_type=principal_type,
            principal_id=principal_id,
        )
    return {"AccountAssignmentDeletionStatus": requests.describe(status)}


def remove_principal(conn: Connection, instance: Instance, principal_type: str, principal_id: str) -> None:
    """Drop a deleted user's or group's assignments, and the roles no assignment needs any more."""
    rows = conn.execute(
        select(sso_account_assignments.c.permission_set_id, sso_account_assignments.c.account_id)
        .join(sso_permission_sets, sso_permission_sets.c.id == sso_account_assignments.c.permission_set_id)
        .where(
            sso_permission_sets.c.instance_id == instance.id,
            sso_account_assignments.c.principal_type == principal_type,
            sso_account_assignments.c.principal_id == principal_id,
        )
    ).all()
    for permission_set_id, account_id in rows:
        conn.execute(
            delete(sso_account_assignments).where(
                _assignment_filter(permission_set_id, account_id, principal_type, principal_id)
            )
        )
        if not is_assigned(conn, permission_set_id, account_id):
            deprovision(conn, permission_set_id, account_id)


def list_account_assignments(call: Call) -> Result:
    params = call.params
    start = paging.after(params.get("NextToken"))
    with call.services.store.read() as conn:
        _instance, permission_set = load(call, conn)
        query = select(sso_account_assignments).where(
            sso_account_assignments.c.permission_set_id == permission_set["id"],
            sso_account_assignments.c.account_id == params["AccountId"],
        )
        key = sso_account_assignments.c.principal_type + " " + sso_account_assignments.c.principal_id
        if start is not None:
            query = query.where(key > start)
        rows = (
            conn.execute(query.order_by(key).limit(paging.limit_of(params.get("MaxResults"))))
            .mappings()
            .all()
        )
    arn = permission_set_arn(permission_set)
    return paging.page(
        rows,
        params.get("MaxResults"),
        lambda row: f"{row['principal_type']} {row['principal_id']}",
        "AccountAssignments",
        lambda row: {
            "AccountId": row["account_id"],
            "PermissionSetArn": arn,
            "PrincipalType": row["principal_type"],
            "PrincipalId": row["principal_id"],
        },
    )


def list_account_assignments_for_principal(call: Call) -> Result:
    params = call.params
    start = paging.after(params.get("NextToken"))
    with call.services.store.read() as conn:
        instance = require_instance(conn, params["InstanceArn"])
        query = (
            select(sso_account_assignments)
            .join(
                sso_permission_sets, sso_permission_sets.c.id == sso_account_assignments.c.permission_set_id
            )
            .where(
                sso_permission_sets.c.instance_id == instance.id,
                sso_account_assignments.c.principal_type == params["PrincipalType"],
                sso_account_assignments.c.principal_id == params["PrincipalId"],
            )
        )
        account = (params.get("Filter") or {}).get("AccountId")
        if account:
            query = query.where(sso_account_assignments.c.account_id == account)
        key = sso_account_assignments.c.account_id + " " + sso_account_assignments.c.permission_set_id
        if start is not None:
            query = query.where(key > start)
        rows = (
            conn.execute(query.order_by(key).limit(paging.limit_of(params.get("MaxResults"))))
            .mappings()
            .all()
        )
    return paging.page(
        rows,
        params.get("MaxResults"),
        lambda row: f"{row['account_id']} {row['permission_set_id']}",
        "AccountAssignments",
        lambda row: {
            "AccountId": row["account_id"],
            "PermissionSetArn": identifiers.permission_set_arn(instance.id, row["permission_set_id"]),
            "PrincipalType": row["principal_type"],
            "PrincipalId": row["principal_id"],
        },
    )


OPERATIONS = {
    "CreateAccountAssignment": Operation(create_account_assignment),
    "DeleteAccountAssignment": Operation(delete_account_assignment),
    "ListAccountAssignments": Operation(list_account_assignments),
    "ListAccountAssignmentsForPrincipal": Operation(list_account_assignments_for_principal),
}
