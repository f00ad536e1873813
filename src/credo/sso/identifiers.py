"""Identity Center's identifiers and ARNs, as AWS shapes them.

Instance ``ssoins-<16 hex>``, identity store ``d-<10 hex>``, permission set ``ps-<16 hex>``;
users, groups and memberships are UUIDs. The identitystore API also accepts an identity store,
user, group or membership given as its ARN: ``plain_id`` takes the id out.
"""

from __future__ import annotations

import secrets
import uuid

from credo.arn import PARTITION


def instance_id() -> str:
    return f"ssoins-{secrets.token_hex(8)}"


def identity_store_id() -> str:
    return f"d-{secrets.token_hex(5)}"


def permission_set_id() -> str:
    return f"ps-{secrets.token_hex(8)}"


def resource_id() -> str:
    """A user, group or membership id (a UUID, as identity stores made since 2022 use)."""
    return str(uuid.uuid4())


def request_id() -> str:
    """The id of an assignment or provisioning request."""
    return str(uuid.uuid4())


def role_suffix() -> str:
    """The 16 hex digits that end an ``AWSReservedSSO_<permission set>_…`` role's name."""
    return secrets.token_hex(8)


def instance_arn(instance: str) -> str:
    return f"arn:{PARTITION}:sso:::instance/{instance}"


def permission_set_arn(instance: str, permission_set: str) -> str:
    return f"arn:{PARTITION}:sso:::permissionSet/{instance}/{permission_set}"


def account_arn(account_id: str) -> str:
    return f"arn:{PARTITION}:sso:::account/{account_id}"


def identity_store_arn(account_id: str, store: str) -> str:
    return f"arn:{PARTITION}:identitystore::{account_id}:identitystore/{store}"


def resource_arn(kind: str, resource: str) -> str:
    """``arn:aws:identitystore:::user/<id>`` (``kind``: user, group or membership; ``*`` for all)."""
    return f"arn:{PARTITION}:identitystore:::{kind}/{resource}"


def plain_id(value: str) -> str:
    """An identity store, user, group or membership id, given as is or as its ARN."""
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


def permission_set_id_of(arn: str) -> tuple[str, str] | None:
    """(instance id, permission set id) of a permission set ARN, or ``None``."""
    prefix = f"arn:{PARTITION}:sso:::permissionSet/"
    if not arn.startswith(prefix):
        return None
    parts = arn[len(prefix) :].split("/")
    if len(parts) != 2 or not all(parts):
        return None
    return parts[0], parts[1]
