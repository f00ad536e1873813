"""The installation's one Identity Center instance and its identity store: ListInstances,
DescribeInstance, and how every other operation finds them.

The instance is made at start-up, owned by the management account: the store's first account
(the dev account under ``--dev``; otherwise the account ``credo serve`` or ``credo init`` made on
the empty store). Only that account's principals see it: ListInstances answers the others with
an empty list, and naming it from another account is refused (``sso/authorization.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from credo.call import Call, Operation, Result
from credo.clock import Clock
from credo.errors import ResourceNotFoundException
from credo.sso import identifiers
from credo.store.db import Store
from credo.store.schema import accounts, sso_instances


@dataclass(frozen=True)
class Instance:
    """The Identity Center instance, with its identity store."""

    id: str
    identity_store_id: str
    owner_account_id: str
    name: str | None
    provider_suffix: str
    created_at: datetime

    @property
    def arn(self) -> str:
        return identifiers.instance_arn(self.id)

    @property
    def identity_store_arn(self) -> str:
        return identifiers.identity_store_arn(self.owner_account_id, self.identity_store_id)

    def describe(self) -> dict[str, Any]:
        """The ``InstanceMetadata`` / DescribeInstance shape."""
        described: dict[str, Any] = {
            "InstanceArn": self.arn,
            "IdentityStoreId": self.identity_store_id,
            "IdentityStoreArn": self.identity_store_arn,
            "OwnerAccountId": self.owner_account_id,
            "CreatedDate": self.created_at,
            "Status": "ACTIVE",
        }
        if self.name:
            described["Name"] = self.name
        return described


def load(conn: Connection) -> Instance | None:
    """The instance, or ``None`` before the store has an account."""
    row = conn.execute(select(sso_instances).limit(1)).mappings().first()
    if row is None:
        return None
    return Instance(
        id=row["id"],
        identity_store_id=row["identity_store_id"],
        owner_account_id=row["owner_account_id"],
        name=row["name"],
        provider_suffix=row["provider_suffix"],
        created_at=row["created_at"],
    )


def ensure_instance(store: Store, clock: Clock) -> None:
    """Make the instance, owned by the store's first account, unless it exists (or no account does)."""
    with store.read() as conn:
        if load(conn) is not None:
            return
    with store.write() as conn:
        if load(conn) is not None:
            return
        owner = conn.execute(
            select(accounts.c.id).order_by(accounts.c.created_at, accounts.c.id).limit(1)
        ).scalar()
        if owner is None:
            return
        conn.execute(
            insert(sso_instances).values(
                id=identifiers.instance_id(),
                identity_store_id=identifiers.identity_store_id(),
                owner_account_id=owner,
                name=None,
                provider_suffix=identifiers.role_suffix(),
                created_at=clock.now(),
            )
        )


def require_instance(conn: Connection, instance_arn: str) -> Instance:
    """The instance ``instance_arn`` names (the caller was authorized against it already)."""
    instance = load(conn)
    if instance is None or instance.arn != instance_arn:
        raise ResourceNotFoundException(f"Instance {instance_arn} does not exist.")
    return instance


def require_identity_store(conn: Connection, identity_store_id: str) -> Instance:
    """The instance whose identity store ``identity_store_id`` (an id or an ARN) names."""
    instance = load(conn)
    if instance is None or instance.identity_store_id != identifiers.plain_id(identity_store_id):
        raise ResourceNotFoundException(
            f"Identity store {identity_store_id} does not exist.",
            ResourceType="IDENTITY_STORE",
            ResourceId=identity_store_id,
        )
    return instance


def list_instances(call: Call) -> Result:
    with call.services.store.read() as conn:
        instance = load(conn)
    visible = instance is not None and instance.owner_account_id == call.principal.account_id
    return {"Instances": [instance.describe()] if visible and instance is not None else []}


def describe_instance(call: Call) -> Result:
    with call.services.store.read() as conn:
        instance = require_instance(conn, call.params["InstanceArn"])
    return instance.describe()


OPERATIONS = {
    "ListInstances": Operation(list_instances),
    "DescribeInstance": Operation(describe_instance),
}
