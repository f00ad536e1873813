"""Provisioning: a permission set becomes, in each account it is assigned to, the IAM role
``AWSReservedSSO_<permission set name>_<16 hex>`` under ``/aws-reserved/sso.amazonaws.com/``.

The role gets the permission set's description and session duration, its AWS managed and
customer managed policies attached, its inline policy as ``AwsSSOInlinePolicy`` and its
permissions boundary, and AWS's trust policy for Identity Center: ``sts:AssumeRoleWithSAML``
and ``sts:TagSession`` by the account's ``AWSSSO_<16 hex>_DO_NOT_DELETE`` SAML provider, for
the ``https://signin.aws.amazon.com/saml`` audience. AWS puts the region in the path outside
us-east-1 (``…/sso.amazonaws.com/eu-west-1/``); credo has no regions and uses us-east-1's path.

Identity Center acts here as AWS's service does, writing the role in the same transaction as
the assignment or provisioning request; IAM refuses callers' changes to these roles
(``iam/protected_roles.py``). A customer managed policy (or boundary) missing from the target
account fails the provisioning: nothing is changed in that account, and the request records why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, RowMapping, delete, exists, insert, select, update

from credo import arn
from credo.iam import policy_catalog
from credo.iam.policy_lookup import find_local_row, local_policy_arn, policy_size
from credo.iam.roles import drop_role, insert_role
from credo.sso import durations, identifiers
from credo.sso.instances import Instance
from credo.store.schema import (
    accounts,
    inline_policies,
    policy_attachments,
    roles,
    sso_account_assignments,
    sso_permission_set_policies,
    sso_provisioned_roles,
)

ROLE_PATH = "/aws-reserved/sso.amazonaws.com/"
INLINE_POLICY_NAME = "AwsSSOInlinePolicy"
SAML_AUDIENCE = "https://signin.aws.amazon.com/saml"


class ProvisioningFailed(Exception):
    """The role cannot be built in the account; ``reason`` is the request's FailureReason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class _Policy:
    arn: str
    name: str
    path: str


def role_name(permission_set_name: str, suffix: str) -> str:
    return f"AWSReservedSSO_{permission_set_name}_{suffix}"


def saml_provider_arn(account_id: str, instance: Instance) -> str:
    return arn.saml_provider_arn(account_id, f"AWSSSO_{instance.provider_suffix}_DO_NOT_DELETE")


def trust_policy(account_id: str, instance: Instance) -> str:
    """The trust policy AWS gives every role Identity Center provisions."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": saml_provider_arn(account_id, instance)},
        "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
        "Condition": {"StringEquals": {"SAML:aud": SAML_AUDIENCE}},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)


def account_exists(conn: Connection, account_id: str) -> bool:
    return bool(conn.execute(select(exists().where(accounts.c.id == account_id))).scalar())


def provisioned_role(conn: Connection, permission_set_id: str, account_id: str) -> RowMapping | None:
    """The provisioning record of a permission set in an account, if it is provisioned there."""
    return (
        conn.execute(
            select(sso_provisioned_roles).where(
                sso_provisioned_roles.c.permission_set_id == permission_set_id,
                sso_provisioned_roles.c.account_id == account_id,
            )
        )
        .mappings()
        .first()
    )


def _policies(conn: Connection, permission_set: RowMapping, account_id: str) -> list[_Policy]:
    """The managed policies the role gets in ``account_id``, customer managed ones resolved there."""
    found: list[_Policy] = []
    rows = conn.execute(
        select(sso_permission_set_policies)
        .where(sso_permission_set_policies.c.permission_set_id == permission_set["id"])
        .order_by(sso_permission_set_policies.c.kind, sso_permission_set_policies.c.reference)
    ).mappings()
    for row in rows:
        if row["kind"] == "aws":
            entry = policy_catalog.find(row["reference"])
            if entry is not None:
                found.append(_Policy(entry.arn, entry.name, entry.path))
        else:
            found.append(_customer_policy(conn, account_id, row["name"], row["path"]))
    return found


def _customer_policy(conn: Connection, account_id: str, name: str, path: str) -> _Policy:
    wanted = arn.iam_arn(account_id, "policy", path, name)
    local = find_local_row(conn, account_id, wanted)
    if local is None:
        raise ProvisioningFailed(
            f"Received a 404 status error: the customer managed policy {path}{name} does not exist "
            f"in account {account_id}."
        )
    return _Policy(local_policy_arn(local), local["name"], local["path"])


def _boundary(conn: Connection, permission_set: RowMapping, account_id: str) -> str | None:
    if permission_set["boundary_policy_arn"] is not None:
        return str(permission_set["boundary_policy_arn"])
    if permission_set["boundary_policy_name"] is not None:
        return _customer_policy(
            conn, account_id, permission_set["boundary_policy_name"], permission_set["boundary_policy_path"]
        ).arn
    return None


def provision(
    conn: Connection, instance: Instance, permission_set: RowMapping, account_id: str, now: datetime
) -> None:
    """Create the permission set's role in ``account_id``, or rebuild it from the permission set
    as it is now; raises ``ProvisioningFailed`` (having changed nothing) when it cannot."""
    attached = _policies(conn, permission_set, account_id)
    boundary = _boundary(conn, permission_set, account_id)
    description = permission_set["description"]
    max_session = durations.seconds(permission_set["session_duration"])
    record = provisioned_role(conn, permission_set["id"], account_id)
    if record is None:
        role_id = insert_role(
            conn,
            account_id=account_id,
            name=_free_name(conn, account_id, permission_set["name"]),
            path=ROLE_PATH,
            created_at=now,
            trust_policy=trust_policy(account_id, instance),
            description=description,
            max_session_duration=max_session,
            permissions_boundary_arn=boundary,
        )
        conn.execute(
            insert(sso_provisioned_roles).values(
                permission_set_id=permission_set["id"],
                account_id=account_id,
                role_id=role_id,
                revision=permission_set["revision"],
                provisioned_at=now,
            )
        )
    else:
        role_id = record["role_id"]
        conn.execute(
            update(roles)
            .where(roles.c.id == role_id)
            .values(
                description=description or None,
                max_session_duration=max_session,
                permissions_boundary_arn=boundary,
                trust_policy=trust_policy(account_id, instance),
            )
        )
        conn.execute(delete(policy_attachments).where(policy_attachments.c.entity_id == role_id))
        conn.execute(delete(inline_policies).where(inline_policies.c.entity_id == role_id))
        conn.execute(
            update(sso_provisioned_roles)
            .where(
                sso_provisioned_roles.c.permission_set_id == permission_set["id"],
                sso_provisioned_roles.c.account_id == account_id,
            )
            .values(revision=permission_set["revision"], provisioned_at=now)
        )
    for policy in attached:
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
    document = permission_set["inline_policy"]
    if document:
        conn.execute(
            insert(inline_policies).values(
                entity_id=role_id,
                name_lower=INLINE_POLICY_NAME.lower(),
                account_id=account_id,
                entity_kind="role",
                name=INLINE_POLICY_NAME,
                document=document,
                size=policy_size(document),
            )
        )


def _free_name(conn: Connection, account_id: str, permission_set_name: str) -> str:
    """A role name not taken in the account (16 random hex digits almost never collide)."""
    while True:
        name = role_name(permission_set_name, identifiers.role_suffix())
        taken = conn.execute(
            select(exists().where(roles.c.account_id == account_id, roles.c.name_lower == name.lower()))
        ).scalar()
        if not taken:
            return name


def deprovision(conn: Connection, permission_set_id: str, account_id: str) -> None:
    """Remove the permission set's role from ``account_id``, if it is there."""
    record = provisioned_role(conn, permission_set_id, account_id)
    if record is None:
        return
    conn.execute(
        delete(sso_provisioned_roles).where(
            sso_provisioned_roles.c.permission_set_id == permission_set_id,
            sso_provisioned_roles.c.account_id == account_id,
        )
    )
    drop_role(conn, record["role_id"])


def is_assigned(conn: Connection, permission_set_id: str, account_id: str) -> bool:
    """Whether any user or group is still assigned the permission set in the account."""
    return bool(
        conn.execute(
            select(
                exists().where(
                    sso_account_assignments.c.permission_set_id == permission_set_id,
                    sso_account_assignments.c.account_id == account_id,
                )
            )
        ).scalar()
    )
