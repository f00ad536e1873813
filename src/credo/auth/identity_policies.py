"""The stored policies that apply to an identity: inline, attached, via groups, and its boundary.

Read from the store and compiled once; the authorizer caches the result until one of its
``topics`` changes (``credo.store.changes``): the identity itself, a group it is in, or a
managed policy attached to either (or its boundary).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select

from credo.iam import effective_policies, policy_lookup
from credo.iam.tags import read_tags
from credo.policy import Policy, compile_policy
from credo.store import changes
from credo.store.schema import roles, users


@dataclass(frozen=True, slots=True)  # slots: thousands are cached (auth.authorizer)
class IdentityPolicies:
    """What authorization needs to know about one identity."""

    arn: str  # aws:PrincipalArn: the user's or role's ARN
    identity: tuple[tuple[str, Policy], ...]
    boundary: Policy | None
    tags: tuple[dict[str, str], ...]
    exists: bool = True
    # What a change to makes this stale (see the module's docstring), each named once.
    topics: tuple[str, ...] = ()


def _topics(
    identity_topic: str,
    group_ids: list[str],
    found: list[tuple[str, str]],
    boundary_arn: str | None,
) -> tuple[str, ...]:
    """The identity's own topic, then its groups' and managed policies'; those are shared by many
    cached identities, so each is held once (interned), not once per identity."""
    managed = [policy_id for policy_id, _document in found if policy_id.startswith("arn:")]
    if boundary_arn:
        managed.append(boundary_arn)
    shared = {sys.intern(changes.group(group_id)) for group_id in group_ids}
    shared.update(sys.intern(changes.policy(policy_arn)) for policy_arn in managed)
    shared.discard(identity_topic)
    return (identity_topic, *shared)


def _compiled(found: list[tuple[str, str]]) -> tuple[tuple[str, Policy], ...]:
    return tuple((policy_id, compile_policy(document)) for policy_id, document in found)


def _boundary(conn: Connection, account_id: str, boundary_arn: str | None) -> Policy | None:
    if not boundary_arn:
        return None
    document = policy_lookup.default_document(conn, account_id, boundary_arn)
    # A boundary whose policy vanished allows nothing, rather than lifting the cap.
    return compile_policy(document if document is not None else '{"Version":"2012-10-17","Statement":[]}')


_USER = select(users).where(users.c.id == bindparam("id"))
_ROLE = select(roles).where(roles.c.id == bindparam("id"))


def load_user(conn: Connection, account_id: str, user_id: str) -> IdentityPolicies:
    row = conn.execute(_USER, {"id": user_id}).mappings().first()
    if row is None:
        return IdentityPolicies("", (), None, (), exists=False, topics=(changes.user(user_id),))
    holders = (
        effective_policies.user_holders(conn, user_id, row["name"]) if row["account_id"] == account_id else []
    )
    found = effective_policies.policies_of(conn, holders) if holders else []
    group_ids = [entity_id for kind, entity_id, _name in holders if kind == "group"]
    return IdentityPolicies(
        arn=f"arn:aws:iam::{account_id}:user{row['path']}{row['name']}",
        identity=_compiled(found),
        boundary=_boundary(conn, account_id, row["permissions_boundary_arn"]),
        tags=tuple(read_tags(conn, user_id)),
        topics=_topics(changes.user(user_id), group_ids, found, row["permissions_boundary_arn"]),
    )


def load_role(conn: Connection, account_id: str, role_id: str) -> IdentityPolicies:
    row = conn.execute(_ROLE, {"id": role_id}).mappings().first()
    if row is None:
        return IdentityPolicies("", (), None, (), exists=False, topics=(changes.role(role_id),))
    holders = [("role", role_id, str(row["name"]))] if row["account_id"] == account_id else []
    found = effective_policies.policies_of(conn, holders) if holders else []
    return IdentityPolicies(
        arn=f"arn:aws:iam::{account_id}:role{row['path']}{row['name']}",
        identity=_compiled(found),
        boundary=_boundary(conn, account_id, row["permissions_boundary_arn"]),
        tags=tuple(read_tags(conn, role_id)),
        topics=_topics(changes.role(role_id), [], found, row["permissions_boundary_arn"]),
    )
