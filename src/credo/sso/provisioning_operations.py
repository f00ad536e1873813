"""ProvisionPermissionSet and the listings of where permission sets are provisioned:
ListAccountsForProvisionedPermissionSet, ListPermissionSetsProvisionedToAccount.

As in AWS, changing a permission set does not change the roles already provisioned from it:
ProvisionPermissionSet rebuilds them, in one account (``AWS_ACCOUNT``) or in every account it
is provisioned to (``ALL_PROVISIONED_ACCOUNTS``). Until then the listings' ``ProvisioningStatus``
filter tells the accounts with the latest permission set from those without.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select

from credo.call import Call, Operation, Result
from credo.errors import ValidationException
from credo.sso import identifiers, paging, requests
from credo.sso.assignments import require_account
from credo.sso.instances import require_instance
from credo.sso.permission_sets import load, permission_set_arn
from credo.sso.provisioning import ProvisioningFailed, provision
from credo.store.schema import sso_permission_sets, sso_provisioned_roles

LATEST = "LATEST_PERMISSION_SET_PROVISIONED"
NOT_LATEST = "LATEST_PERMISSION_SET_NOT_PROVISIONED"


def provision_permission_set(call: Call) -> Result:
    params = call.params
    target_type: str = params["TargetType"]
    target = params.get("TargetId")
    if (target_type == "AWS_ACCOUNT") != (target is not None):
        raise ValidationException(
            "TargetId is required for TargetType AWS_ACCOUNT and not allowed for ALL_PROVISIONED_ACCOUNTS."
        )
    now = call.services.clock.now()
    with call.services.store.write() as conn:
        instance, permission_set = load(call, conn)
        if target is not None:
            require_account(conn, target)
            accounts = [target]
        else:
            accounts = list(
                conn.execute(
                    select(sso_provisioned_roles.c.account_id)
                    .where(sso_provisioned_roles.c.permission_set_id == permission_set["id"])
                    .order_by(sso_provisioned_roles.c.account_id)
                ).scalars()
            )
        failures = []
        for account_id in accounts:
            try:
                provision(conn, instance, permission_set, account_id, now)
            except ProvisioningFailed as failed:
                failures.append(failed.reason)
        status = requests.record(
            conn,
            instance,
            requests.PROVISIONING,
            now,
            failure="; ".join(failures) or None,
            account_id=target,
            permission_set_arn=permission_set_arn(permission_set),
        )
    return {"PermissionSetProvisioningStatus": requests.describe(status)}


def _provisioning_filter(status: str | None) -> ColumnElement[bool] | None:
    if status == LATEST:
        return sso_provisioned_roles.c.revision >= sso_permission_sets.c.revision
    if status == NOT_LATEST:
        return sso_provisioned_roles.c.revision < sso_permission_sets.c.revision
    return None


def list_accounts_for_provisioned_permission_set(call: Call) -> Result:
    params = call.params
    start = paging.after(params.get("NextToken"))
    with call.services.store.read() as conn:
        _instance, permission_set = load(call, conn)
        query = (
            select(sso_provisioned_roles.c.account_id)
            .join(sso_permission_sets, sso_permission_sets.c.id == sso_provisioned_roles.c.permission_set_id)
            .where(sso_provisioned_roles.c.permission_set_id == permission_set["id"])
        )
        condition = _provisioning_filter(params.get("ProvisioningStatus"))
        if condition is not None:
            query = query.where(condition)
        if start is not None:
            query = query.where(sso_provisioned_roles.c.account_id > start)
        accounts = list(
            conn.execute(
                query.order_by(sso_provisioned_roles.c.account_id).limit(
                    paging.limit_of(params.get("MaxResults"))
                )
            ).scalars()
        )
    return paging.page(accounts, params.get("MaxResults"), str, "AccountIds", str)


def list_permission_sets_provisioned_to_account(call: Call) -> Result:
    params = call.params
    start = paging.after(params.get("NextToken"))
    with call.services.store.read() as conn:
        instance = require_instance(conn, params["InstanceArn"])
        query = (
            select(sso_provisioned_roles.c.permission_set_id)
            .join(sso_permission_sets, sso_permission_sets.c.id == sso_provisioned_roles.c.permission_set_id)
            .where(
                sso_permission_sets.c.instance_id == instance.id,
                sso_provisioned_roles.c.account_id == params["AccountId"],
            )
        )
        condition = _provisioning_filter(params.get("ProvisioningStatus"))
        if condition is not None:
            query = query.where(condition)
        if start is not None:
            query = query.where(sso_provisioned_roles.c.permission_set_id > start)
        found = list(
            conn.execute(
                query.order_by(sso_provisioned_roles.c.permission_set_id).limit(
                    paging.limit_of(params.get("MaxResults"))
                )
            ).scalars()
        )
    return paging.page(
        found,
        params.get("MaxResults"),
        str,
        "PermissionSets",
        lambda permission_set_id: identifiers.permission_set_arn(instance.id, permission_set_id),
    )


OPERATIONS = {
    "ProvisionPermissionSet": Operation(provision_permission_set),
    "ListAccountsForProvisionedPermissionSet": Operation(list_accounts_for_provisioned_permission_set),
    "ListPermissionSetsProvisionedToAccount": Operation(list_permission_sets_provisioned_to_account),
}
