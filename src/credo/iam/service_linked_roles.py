"""Service-linked roles: CreateServiceLinkedRole, DeleteServiceLinkedRole and its deletion tasks.

A service-linked role is made for one AWS service principal from that service's template
(``service_linked_role_catalog``): AWS's ``AWSServiceRoleFor…`` name (plus ``_<suffix>``
where the service allows a ``CustomSuffix``), the path ``/aws-service-role/<service>/``, a
trust policy that lets only the service assume it, and the service's managed policy. The
account may then change its description only (``protected_roles``).

AWS deletes such a role asynchronously and reports through a task id; credo deletes at once,
so a task is ``SUCCEEDED`` when DeleteServiceLinkedRole answers, or ``FAILED`` with the
resources still using the role (its instance profiles) and the role left in place.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select

from credo import arn
from credo.call import Call, Operation, Result
from credo.errors import InvalidInput, NoSuchEntity
from credo.iam import policy_catalog
from credo.iam import service_linked_role_catalog as catalog
from credo.iam.protected_roles import linked_service
from credo.iam.roles import DEFAULT_MAX_SESSION_DURATION, describe_role, drop_role, find_role, insert_role
from credo.store.schema import (
    instance_profile_roles,
    instance_profiles,
    policy_attachments,
    roles,
    service_linked_role_deletions,
    service_linked_roles,
)

SERVICE_ROLE_PATH = "/aws-service-role/"
MAX_ROLE_NAME = 64
_NAME = r"[\w+=,.@-]+"
_TASK_ID = re.compile(rf"task{SERVICE_ROLE_PATH}{_NAME}/{_NAME}/[0-9a-fA-F-]{{36}}")


def trust_policy(service: str) -> str:
    """The trust policy AWS gives a service-linked role: only the service may assume it."""
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, separators=(",", ":"))


def _role_name(template: catalog.ServiceLinkedRoleTemplate, suffix: str | None) -> str:
    if suffix is None:
        return template.role_name
    if not template.suffix_allowed:
        raise InvalidInput(f"Custom suffix is not allowed for {template.service}")
    name = f"{template.role_name}_{suffix}"
    if len(name) > MAX_ROLE_NAME:
        raise InvalidInput(
            f"Role name {name} is longer than {MAX_ROLE_NAME} characters; use a shorter suffix."
        )
    return name


def create_service_linked_role(call: Call) -> Result:
    params = call.params
    service: str = params["AWSServiceName"]
    template = catalog.find(service)
    if template is None:
        raise NoSuchEntity(f"No service-linked role is defined for the service principal {service}.")
    name = _role_name(template, params.get("CustomSuffix"))
    account_id = call.principal.account_id
    with call.services.store.write() as conn:
        taken = conn.execute(
            select(roles.c.id).where(roles.c.account_id == account_id, roles.c.name_lower == name.lower())
        ).first()
        if taken is not None:
            raise InvalidInput(
                f"Service role name {name} has been taken in this account, please try a different suffix."
            )
        role_id = insert_role(
            conn,
            account_id=account_id,
            name=name,
            path=f"{SERVICE_ROLE_PATH}{service}/",
            created_at=call.services.clock.now(),
            trust_policy=trust_policy(service),
            description=params.get("Description"),
            max_session_duration=DEFAULT_MAX_SESSION_DURATION,
        )
        conn.execute(
            insert(service_linked_roles).values(role_id=role_id, account_id=account_id, service_name=service)
        )
        policy = policy_catalog.find(template.policy_arn) if template.policy_arn else None
        if policy is not None:
            conn.execute(
                insert(policy_attachments).values(
                    entity_id=role_id,
                    policy_arn=policy.arn,
                    account_id=account_id,
                    entity_kind="role",
                    policy_name=policy.name,
                    policy_path=policy.path,
                )
            )
        row = conn.execute(select(roles).where(roles.c.id == role_id)).mappings().one()
        role = describe_role(row)
    # Like CreateRole, the answer has no last-use record, which cannot exist yet.
    role.pop("RoleLastUsed", None)
    return {"Role": role}


def _profiles_using(conn: Connection, role: RowMapping) -> list[str]:
    rows = conn.execute(
        select(instance_profiles.c.path, instance_profiles.c.name)
        .select_from(
            instance_profiles.join(
                instance_profile_roles, instance_profile_roles.c.instance_profile_id == instance_profiles.c.id
            )
        )
        .where(instance_profile_roles.c.role_id == role["id"])
        .order_by(instance_profiles.c.name_lower)
    )
    return [arn.iam_arn(role["account_id"], "instance-profile", path, name) for path, name in rows]


def delete_service_linked_role(call: Call) -> Result:
    name: str = call.params["RoleName"]
    with call.services.store.write() as conn:
        role = find_role(conn, call.principal.account_id, name)
        service = linked_service(conn, role["id"])
        if service is None:
            raise NoSuchEntity(f"The role with name {role['name']} is not a service-linked role.")
        task_id = f"task{SERVICE_ROLE_PATH}{service}/{role['name']}/{uuid.uuid4()}"
        in_use = _profiles_using(conn, role)
        reason: dict[str, Any] | None = None
        if in_use:
            reason = {
                "Reason": "The role is in use by the resources listed; remove it from them, then delete it.",
                "RoleUsageList": [{"Region": call.region, "Resources": in_use}],
            }
        else:
            drop_role(conn, role["id"])
        conn.execute(
            insert(service_linked_role_deletions).values(
                id=task_id,
                account_id=role["account_id"],
                status="FAILED" if reason else "SUCCEEDED",
                reason=json.dumps(reason) if reason else None,
                created_at=call.services.clock.now(),
            )
        )
    return {"DeletionTaskId": task_id}


def get_service_linked_role_deletion_status(call: Call) -> Result:
    task_id: str = call.params["DeletionTaskId"]
    if not _TASK_ID.fullmatch(task_id):
        raise InvalidInput(f"Invalid deletion task id: {task_id}")
    with call.services.store.read() as conn:
        row = (
            conn.execute(
                select(service_linked_role_deletions).where(
                    service_linked_role_deletions.c.id == task_id,
                    service_linked_role_deletions.c.account_id == call.principal.account_id,
                )
            )
            .mappings()
            .first()
        )
    if row is None:
        raise NoSuchEntity(f"Deletion task {task_id} does not exist.")
    result: dict[str, Any] = {"Status": row["status"]}
    if row["reason"]:
        result["Reason"] = json.loads(row["reason"])
    return result


OPERATIONS = {
    "CreateServiceLinkedRole": Operation(create_service_linked_role),
    "DeleteServiceLinkedRole": Operation(delete_service_linked_role),
    "GetServiceLinkedRoleDeletionStatus": Operation(get_service_linked_role_deletion_status),
}
