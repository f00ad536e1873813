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
from credo.store.schema import groups, instance_profiles, roles, server_certificates, users

_TABLES: dict[str, Table] = {
    "user": users,
    "group": groups,
    "role": roles,
    "instance-profile": instance_profiles,
    "server-certificate": server_certificates,
}


@dataclass(frozen=True)
class Target:
    arn: str
    tags: tuple[dict[str, str], ...] = ()


def root_target(target: str) -> str:
    """AssumeRoot's ``TargetPrincipal`` as a resource: an account id is its root ARN."""
    return root_arn(target) if is_account_id(target) else target


def target_needs_store(rule: ResourceRule, params: Mapping[str, Any]) -> bool:
    """Whether the target is a named entity whose path and tags must be read from the store."""
    return rule.kind in _TABLES and rule.parameter is not None and params.get(rule.parameter) is not None


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
