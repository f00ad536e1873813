"""Which AWS services a user's, group's or role's permissions policies allow, and through which
policies: ListPoliciesGrantingServiceAccess, and the service list of last accessed reports.

As AWS documents for both, only permissions (identity-based) policies count: inline and
managed ones of the identity, and for a user those of its groups; not permissions boundaries,
resource-based or session policies. A policy grants a service when one of its ``Allow``
statements names an action of it (``s3:Get*``, ``s3*:*`` or ``*``), or uses ``NotAction``
without excluding the whole service.

Service namespaces and their names come from ``data/service-namespaces.json``: every action
prefix used in AWS's managed policies, named as botocore's service models name the service
(``serviceFullName``, matched by the model's name, endpoint prefix or signing name); the few
without a model are named by their namespace.
"""

from __future__ import annotations

import fnmatch
import functools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

from sqlalchemy import Connection, RowMapping, select

from credo import arn
from credo.call import Call, Operation, Result
from credo.errors import InvalidInput, NoSuchEntity
from credo.iam import policy_lookup
from credo.iam.groups import find_group
from credo.iam.roles import find_role
from credo.iam.users import find_user
from credo.store.schema import group_members, groups, inline_policies, policy_attachments

EntityType = Literal["USER", "GROUP", "ROLE"]
_KINDS: dict[str, EntityType] = {"user": "USER", "group": "GROUP", "role": "ROLE"}


@functools.cache
def service_names() -> dict[str, str | None]:
    """Namespace → the service's name (``None`` where botocore has no model for it)."""
    raw = resources.files("credo").joinpath("data/service-namespaces.json").read_bytes()
    names: dict[str, str | None] = json.loads(raw)
    return names


def service_name(namespace: str) -> str:
    return service_names().get(namespace) or namespace


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _namespaces_matching(action: Any) -> set[str]:
    """The namespaces an action pattern (``iam:Get*``, ``s3*:*``, ``*``) reaches."""
    if not isinstance(action, str):
        return set()
    prefix = action.split(":", 1)[0].lower() if ":" in action else action.lower()
    if action.strip() == "*" or prefix == "*":
        return set(service_names())
    if "*" in prefix or "?" in prefix:
        return {namespace for namespace in service_names() if fnmatch.fnmatchcase(namespace, prefix)}
    return {prefix} if ":" in action else set()


@functools.lru_cache(maxsize=1024)
def allowed_namespaces(document: str) -> frozenset[str]:
    """The services that a permissions policy's ``Allow`` statements reach."""
    try:
        statements = _as_list(json.loads(document).get("Statement", []))
    except (ValueError, AttributeError):
        return frozenset()
    found: set[str] = set()
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            excluded: set[str] = set()
            for action in _as_list(statement["NotAction"]):
                # Only "service:*" (or "*") takes a whole service out of what NotAction allows.
                if isinstance(action, str) and (action == "*" or action.endswith(":*")):
                    excluded |= _namespaces_matching(action)
            found |= set(service_names()) - excluded
        for action in _as_list(statement.get("Action", [])):
            found |= _namespaces_matching(action)
    return frozenset(found)


@dataclass(frozen=True)
class Identity:
    """A user, group or role named by ARN, as found in the caller's account."""

    kind: str  # "user", "group" or "role"
    row: RowMapping

    @property
    def arn(self) -> str:
        return arn.iam_arn(self.row["account_id"], self.kind, self.row["path"], self.row["name"])


_FINDERS = {"user": find_user, "group": find_group, "role": find_role}


def find_identity(conn: Connection, account_id: str, text: str, kinds: Iterable[str] = _FINDERS) -> Identity:
    """The user, group or role ``text`` names; ``InvalidInput`` for an ARN of anything else,
    and the usual ``NoSuchEntity`` when it does not exist in the caller's account."""
    parsed = arn.parse_arn(text)
    kind, _, rest = parsed.resource.partition("/") if parsed is not None else ("", "", "")
    if parsed is None or parsed.service != "iam" or kind not in kinds or not rest:
        raise InvalidInput(f"ARN {text} is not valid.")
    name = rest.rsplit("/", 1)[-1]
    missing = NoSuchEntity(f"The {kind} with name {name} cannot be found.")
    if parsed.account != account_id:
        raise missing
    found = Identity(kind, _FINDERS[kind](conn, account_id, name))
    if found.arn != text:
        # The name exists, but under another path: the ARN names nothing.
        raise missing
    return found


@dataclass(frozen=True)
class GrantingPolicy:
    """One permissions policy of an identity, as ListPoliciesGrantingServiceAccess names it."""

    name: str
    policy_type: Literal["INLINE", "MANAGED"]
    policy_arn: str | None
    entity_type: EntityType
    entity_name: str
    document: str

    def describe(self) -> dict[str, str]:
        if self.policy_type == "MANAGED" and self.policy_arn is not None:
            return {"PolicyName": self.name, "PolicyType": "MANAGED", "PolicyArn": self.policy_arn}
        return {
            "PolicyName": self.name,
            "PolicyType": "INLINE",
            "EntityType": self.entity_type,
            "EntityName": self.entity_name,
        }


def _holders(conn: Connection, identity: Identity) -> list[tuple[str, str, str]]:
    """(kind, id, name) of the identity and, for a user, each of its groups."""
    row = identity.row
    holders = [(identity.kind, str(row["id"]), str(row["name"]))]
    if identity.kind == "user":
        group_rows = conn.execute(
            select(groups.c.id, groups.c.name)
            .select_from(groups.join(group_members, group_members.c.group_id == groups.c.id))
            .where(group_members.c.user_id == row["id"])
            .order_by(groups.c.name_lower)
        )
        holders += [("group", str(group_id), str(name)) for group_id, name in group_rows]
    return holders


def permissions_policies(conn: Connection, identity: Identity) -> list[GrantingPolicy]:
    """Every permissions policy that applies to the identity, each managed policy once."""
    account_id = str(identity.row["account_id"])
    found: list[GrantingPolicy] = []
    seen: set[str] = set()
    for kind, entity_id, entity_name in _holders(conn, identity):
        inline = conn.execute(
            select(inline_policies.c.name, inline_policies.c.document)
            .where(inline_policies.c.entity_id == entity_id)
            .order_by(inline_policies.c.name_lower)
        )
        for name, document in inline:
            found.append(GrantingPolicy(name, "INLINE", None, _KINDS[kind], entity_name, document))
        attached = conn.execute(
            select(policy_attachments.c.policy_arn, policy_attachments.c.policy_name)
            .where(policy_attachments.c.entity_id == entity_id)
            .order_by(policy_attachments.c.policy_arn)
        )
        for policy_arn, policy_name in attached:
            document = policy_lookup.default_document(conn, account_id, policy_arn)
            if policy_arn in seen or document is None:
                continue
            seen.add(policy_arn)
            found.append(
                GrantingPolicy(policy_name, "MANAGED", policy_arn, _KINDS[kind], entity_name, document)
            )
    return found


def _requested(namespaces: Iterable[str]) -> Iterator[str]:
    """The requested namespaces in order, each once."""
    yield from dict.fromkeys(namespaces)


def list_policies_granting_service_access(call: Call) -> Result:
    params = call.params
    with call.services.store.read() as conn:
        identity = find_identity(conn, call.principal.account_id, params["Arn"])
        found = permissions_policies(conn, identity)
    entries = [
        {
            "ServiceNamespace": namespace,
            "Policies": [
                policy.describe()
                for policy in found
                if namespace.lower() in allowed_namespaces(policy.document)
            ],
        }
        for namespace in _requested(params["ServiceNamespaces"])
    ]
    return {"PoliciesGrantingServiceAccess": entries, "IsTruncated": False}


OPERATIONS = {"ListPoliciesGrantingServiceAccess": Operation(list_policies_granting_service_access)}
