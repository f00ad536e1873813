"""Resolve an action's target to its ARN (with the entity's real path) and its tags."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, select

from credo.arn import oidc_provider_arn, root_arn, saml_provider_arn
from credo.auth.action_resources import ResourceRule
from credo.auth.principal import Principal
from credo.iam import service_linked_role_catalog
from credo.iam.tags import read_tags
from credo.ids import is_account_id
from credo.store.schema import access_keys, groups, instance_profiles, roles, server_certificates, users

_TABLES: dict[str, Table] = {
    "user": users,
    "group": groups,
    "role": roles,
    "instance-profile": instance_profiles,
    "server-certificate": server_certificates,
}


@dataclass(frozen=True)
class Target:
    """What a call is authorized against; ``shown`` is how AWS names it in AccessDenied, when
    that is not the ARN (CreatePolicy prints ``policy NAME``)."""

    arn: str
    tags: tuple[dict[str, str], ...] = ()
    shown: str | None = None

    @property
    def named(self) -> str:
        return self.shown or self.arn


def root_target(target: str) -> str:
    """AssumeRoot's ``TargetPrincipal`` as a resource: an account id is its root ARN."""
    return root_arn(target) if is_account_id(target) else target


def target_needs_store(rule: ResourceRule, params: Mapping[str, Any]) -> bool:
    """Whether the target is a named entity whose path and tags must be read from the store."""
    kinds_in_store = rule.kind in _TABLES or rule.kind == "access-key-owner"
    return kinds_in_store and rule.parameter is not None and params.get(rule.parameter) is not None


def resolve_target(
    conn: Connection | None, rule: ResourceRule, params: Mapping[str, Any], principal: Principal
) -> Target:
    """The resource ARN AWS would print in AccessDenied, and the target's tags."""
    account = principal.account_id
    value = params.get(rule.parameter) if rule.parameter else None
    kind = rule.kind
    if kind == "*":
        return Target("*")
    if kind.startswith("collection:"):
        noun = kind.split(":", 1)[1]
        prefix = str(value or "/")
        return Target(f"arn:aws:iam::{account}:{noun}{prefix}")
    if kind in {"policy", "arn", "role-arn"}:
        return Target(str(value) if value else "*")
    if kind == "root":
        return Target(root_target(str(value or "")))
    if kind == "service-linked-role":
        # CreateServiceLinkedRole is authorized against the role it would make.
        suffix = params.get("CustomSuffix")
        return Target(service_linked_role_catalog.role_arn(account, str(value), suffix))
    if kind == "saml-provider":
        return Target(saml_provider_arn(account, str(value)))
    if kind == "oidc-provider":
        # The URL without its scheme, as the provider's ARN names it.
        url = str(value)
        return Target(oidc_provider_arn(account, url.partition("://")[2] or url))
    if kind == "new-policy":
        arn = f"arn:aws:iam::{account}:policy{params.get('Path', '/')}{value}"
        return Target(arn, shown=f"policy {value}")
    if kind == "access-key-owner":
        return _access_key_owner(conn, str(value or ""), principal)
    if kind == "federated-user":
        return Target(f"arn:aws:sts::{account}:federated-user/{value}")
    if kind == "mfa":
        text = str(value or "")
        if text.startswith("arn:"):
            return Target(text)
        path = str(params.get("Path", "/"))
        return Target(f"arn:aws:iam::{account}:mfa{path}{text}")
    if value is None and kind == "user" and params.get("AllUsers"):
        # ListServiceSpecificCredentials(AllUsers) reaches every user, not the caller alone.
        return Target("*")
    if value is None and kind == "user":
        # The caller itself: a user's own ARN, or the root's.
        return Target(principal.arn)
    table = _TABLES[kind]
    name = str(value)
    row = None
    if conn is not None:
        row = (
            conn.execute(
                select(table.c.id, table.c.path).where(
                    table.c.account_id == account, table.c.name_lower == name.lower()
                )
            )
            .mappings()
            .first()
        )
    if row is None:
        # Not there (yet): AWS authorizes against the ARN the request describes.
        path = str(params.get("Path", "/"))
        return Target(f"arn:aws:iam::{account}:{kind}{path}{name}")
    tags = tuple(read_tags(conn, row["id"])) if conn is not None else ()
    return Target(f"arn:aws:iam::{account}:{kind}{row['path']}{name}", tags)


def _access_key_owner(conn: Connection | None, key_id: str, principal: Principal) -> Target:
    """The user who owns the key (root's ARN for root's keys); ``*`` for a key not in this
    account, so that a caller allowed only on itself learns nothing about other key ids."""
    if conn is None or not key_id:
        return Target("*")
    row = (
        conn.execute(
            select(access_keys.c.user_id, users.c.path, users.c.name)
            .select_from(access_keys.outerjoin(users, users.c.id == access_keys.c.user_id))
            .where(access_keys.c.id == key_id, access_keys.c.account_id == principal.account_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        return Target("*")
    if row["user_id"] is None:
        return Target(root_arn(principal.account_id))
    return Target(
        f"arn:aws:iam::{principal.account_id}:user{row['path']}{row['name']}",
        tuple(read_tags(conn, row["user_id"])),
    )
