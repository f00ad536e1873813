"""The policies a simulation evaluates, each labelled as the simulator reports it.

``SourcePolicyId`` / ``SourcePolicyType`` of a matched statement: a policy passed in the
request is ``PolicyInputList.N`` (``IAM Policy``), ``PermissionsBoundaryPolicyInputList.1``
(``Permissions Boundary Policy``) or ``ResourcePolicy`` (``Resource Policy``). A stored
policy of the principal is reported by its name, typed by where it lives: ``user``,
``group`` or ``role`` for inline policies, ``aws-managed`` or ``user-managed`` for attached
managed policies; its permissions boundary is a ``Permissions Boundary Policy`` named by the
managed policy's name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, RowMapping

from credo.arn import parse_arn
from credo.auth.principal import Principal
from credo.auth.request_context import ContextValue
from credo.errors import InvalidInput, NoSuchEntity
from credo.iam import effective_policies
from credo.iam.groups import find_group
from credo.iam.policy_lookup import default_document
from credo.iam.roles import find_role
from credo.iam.simulation_context import identity_context
from credo.iam.tags import read_tags
from credo.iam.users import find_user
from credo.policy import Policy, PolicyKind, compile_policy

IAM_POLICY = "IAM Policy"
BOUNDARY_POLICY = "Permissions Boundary Policy"
RESOURCE_POLICY = "Resource Policy"
_EMPTY_BOUNDARY = '{"Version":"2012-10-17","Statement":[]}'


@dataclass(frozen=True)
class Source:
    """One policy in the simulation and how matched statements name it."""

    policy_id: str
    policy_type: str
    policy: Policy
    # For PolicyExclusionList: the managed policy's ARN, or the inline policy's holder.
    arn: str | None = None
    holder_kind: str | None = None
    holder_name: str | None = None


@dataclass(frozen=True)
class PrincipalPolicies:
    """What SimulatePrincipalPolicy reads about its PolicySourceArn."""

    arn: str
    kind: str  # "user", "group" or "role"
    identity: tuple[Source, ...]
    boundary: Source | None
    context: dict[str, ContextValue]


def inputs(texts: Sequence[str], label: str, policy_type: str, kind: PolicyKind) -> list[Source]:
    """Policies passed in the request, validated (``MalformedPolicyDocument`` as for stored ones)."""
    return [
        Source(f"{label}.{n}", policy_type, compile_policy(text, kind)) for n, text in enumerate(texts, 1)
    ]


def _stored(policy_id: str, document: str) -> Source:
    """A policy from ``effective_policies``: ``<kind>/<holder>/<name>`` or a managed policy's ARN."""
    policy = compile_policy(document)
    if policy_id.startswith("arn:"):
        kind = "aws-managed" if policy_id.startswith("arn:aws:iam::aws:") else "user-managed"
        return Source(policy_id.rsplit("/", 1)[-1], kind, policy, arn=policy_id)
    holder_kind, holder_name, name = policy_id.split("/", 2)
    return Source(name, holder_kind, policy, holder_kind=holder_kind, holder_name=holder_name)


def _boundary(conn: Connection, account_id: str, boundary_arn: str | None) -> Source | None:
    if not boundary_arn:
        return None
    document = default_document(conn, account_id, boundary_arn)
    # As the authorizer does: a boundary whose policy vanished allows nothing.
    policy = compile_policy(document if document is not None else _EMPTY_BOUNDARY)
    return Source(boundary_arn.rsplit("/", 1)[-1], BOUNDARY_POLICY, policy, arn=boundary_arn)


def _split_entity_arn(text: str) -> tuple[str, str, str, str]:
    """``(account, kind, path, name)`` of an IAM user, group or role ARN; ``InvalidInput`` otherwise."""
    parsed = parse_arn(text)
    kind, _, rest = parsed.resource.partition("/") if parsed is not None else ("", "", "")
    if parsed is None or parsed.service != "iam" or kind not in {"user", "group", "role"} or not rest:
        raise InvalidInput(f"Invalid ARN {text}: it must be the ARN of an IAM user, group or role.")
    path, _, name = rest.rpartition("/")
    return parsed.account, kind, f"/{path}/" if path else "/", name


def check_caller_arn(text: str) -> str:
    """The account of a CallerArn, which must name an IAM user, group or role."""
    return _split_entity_arn(text)[0]


def load_principal(conn: Connection, account_id: str, source_arn: str) -> PrincipalPolicies:
    """The identity policies, boundary and identity context keys of a user, group or role."""
    arn_account, kind, path, name = _split_entity_arn(source_arn)
    label = {"user": "user", "group": "group", "role": "role"}[kind]
    if arn_account != account_id:
        raise NoSuchEntity(f"The {label} with name {name} cannot be found.")
    finder = {"user": find_user, "group": find_group, "role": find_role}[kind]
    row: RowMapping = finder(conn, account_id, name)
    if row["path"] != path:
        raise NoSuchEntity(f"The {label} with name {name} cannot be found.")
    entity_id = str(row["id"])
    arn = f"arn:aws:iam::{account_id}:{kind}{row['path']}{row['name']}"
    if kind == "user":
        found = effective_policies.policies_for_user(conn, account_id, entity_id)
    elif kind == "role":
        found = effective_policies.policies_for_role(conn, account_id, entity_id)
    else:
        # A group's own inline and attached policies, read the way a member's are.
        found = effective_policies.policies_for_group(conn, entity_id, str(row["name"]))
    identity = tuple(_stored(policy_id, document) for policy_id, document in found)
    boundary = None if kind == "group" else _boundary(conn, account_id, row["permissions_boundary_arn"])
    context: dict[str, ContextValue] = {}
    if kind != "group":
        principal = Principal(
            account_id=account_id,
            kind="user" if kind == "user" else "assumed-role",
            arn=arn,
            user_id=entity_id if kind == "user" else "",
            user_name=str(row["name"]) if kind == "user" else None,
            access_key_id="",
            identity_kind="user" if kind == "user" else "role",
            identity_id=entity_id,
        )
        context = identity_context(principal, arn, read_tags(conn, entity_id))
    return PrincipalPolicies(arn, kind, identity, boundary, context)


def _glob(pattern: str) -> re.Pattern[str]:
    """``*`` matches any run of characters, ``?`` exactly one; nothing else is special."""
    return re.compile("".join({"*": ".*", "?": "."}.get(c, re.escape(c)) for c in pattern), re.DOTALL)


def _check_pattern(text: str, what: str) -> None:
    if text.count("*") > 1:
        raise InvalidInput(f"Invalid {what} {text}: use at most one * wildcard.")


def _excluded_by(source: Source, rule: Mapping[str, Any]) -> bool:
    policy_type = rule.get("PolicyType")
    if policy_type is not None:
        if policy_type == "inline":
            return source.holder_kind is not None
        if policy_type == "permission-boundary":
            return source.policy_type == BOUNDARY_POLICY
        return source.policy_type == policy_type and source.arn is not None  # aws-/user-managed
    if rule.get("PolicyArn") is not None:
        return (
            source.arn is not None
            and source.policy_type != BOUNDARY_POLICY
            and _glob(str(rule["PolicyArn"])).fullmatch(source.arn) is not None
        )
    inline: Mapping[str, str] = rule["InlinePolicyIdentifier"]
    return (
        source.holder_kind == inline["AttachmentType"]
        and source.policy_id == inline["PolicyName"]
        # The model's pattern admits no wildcard here, whatever the documentation says.
        and (source.holder_name or "").lower() == inline["AttachmentName"].lower()
    )


def exclude(principal: PrincipalPolicies, rules: Sequence[Mapping[str, Any]]) -> PrincipalPolicies:
    """The principal's policies without those the PolicyExclusionList names.

    Identifiers that match nothing are ignored; ``scp`` and ``rcp`` name policies credo does
    not read for a principal, so they exclude nothing.
    """
    for rule in rules:
        given = [k for k in ("PolicyType", "PolicyArn", "InlinePolicyIdentifier") if rule.get(k) is not None]
        if len(given) != 1:
            raise InvalidInput(
                "Each PolicyIdentifier must specify exactly one of PolicyType, PolicyArn or InlinePolicyIdentifier."
            )
        if rule.get("PolicyArn") is not None:
            parsed = parse_arn(rule["PolicyArn"])
            if parsed is None or parsed.service != "iam" or not parsed.resource.startswith("policy/"):
                raise InvalidInput(f"Invalid PolicyArn {rule['PolicyArn']}: it must name an IAM policy.")
            _check_pattern(parsed.resource, "PolicyArn")
    identity = tuple(s for s in principal.identity if not any(_excluded_by(s, r) for r in rules))
    boundary = principal.boundary
    if boundary is not None and any(_excluded_by(boundary, r) for r in rules):
        boundary = None
    return PrincipalPolicies(principal.arn, principal.kind, identity, boundary, principal.context)
