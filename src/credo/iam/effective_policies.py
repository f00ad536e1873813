"""The identity-based policies that apply to a user or a role, for the authorization layer.

A user's permissions come from its inline policies, the managed policies attached to it, and
the inline and attached policies of every group it belongs to. Each is returned as
``(policy id for reporting, document text)``: a managed policy is reported by its ARN, an
inline one by ``<kind>/<entity name>/<policy name>`` (e.g. ``group/admins/AllowAll``).

This is the path every cache miss of the authorizer takes (with a million identities, most
requests), so its statements are built once, with bound parameters: SQLAlchemy then skips
building them and computing their cache keys on each call, a large part of a miss's time
(docs/benchmarks.md, *Cache misses*).
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, bindparam, select

from credo.iam import policy_catalog
from credo.store.schema import (
    group_members,
    groups,
    inline_policies,
    managed_policies,
    policy_attachments,
    policy_versions,
    roles,
    users,
)

# (kind, entity id, entity name): a user, a group or a role whose own policies apply.
Holder = tuple[str, str, str]

_USER_NAME = select(users.c.name).where(
    users.c.id == bindparam("entity_id"), users.c.account_id == bindparam("account_id")
)
_ROLE_NAME = select(roles.c.name).where(
    roles.c.id == bindparam("entity_id"), roles.c.account_id == bindparam("account_id")
)
_GROUPS_OF_USER = (
    select(groups.c.id, groups.c.name)
    .select_from(groups.join(group_members, group_members.c.group_id == groups.c.id))
    .where(group_members.c.user_id == bindparam("user_id"))
    .order_by(groups.c.name_lower)
)
_INLINE = (
    select(inline_policies.c.entity_id, inline_policies.c.name, inline_policies.c.document)
    .where(inline_policies.c.entity_id.in_(bindparam("entity_ids", expanding=True)))
    .order_by(inline_policies.c.entity_id, inline_policies.c.name_lower)
)
# Each attachment with, for a customer managed policy, its default version's document.
# Attachments keep the policy's name and path; with the account they name the policy. An AWS
# managed policy has no row here (its document comes from the shipped catalog, looked up first).
_ATTACHED = (
    select(policy_attachments.c.policy_arn, policy_versions.c.document)
    .select_from(
        policy_attachments.outerjoin(
            managed_policies,
            and_(
                managed_policies.c.account_id == policy_attachments.c.account_id,
                managed_policies.c.name == policy_attachments.c.policy_name,
                managed_policies.c.path == policy_attachments.c.policy_path,
            ),
        ).outerjoin(
            policy_versions,
            and_(
                policy_versions.c.policy_id == managed_policies.c.id,
                policy_versions.c.number == managed_policies.c.default_version,
            ),
        )
    )
    .where(policy_attachments.c.entity_id.in_(bindparam("entity_ids", expanding=True)))
    .order_by(policy_attachments.c.entity_id, policy_attachments.c.policy_arn)
)


def user_holders(conn: Connection, user_id: str, user_name: str) -> list[Holder]:
    """The user and each group it belongs to (ordered by group name)."""
    group_rows = conn.execute(_GROUPS_OF_USER, {"user_id": user_id})
    return [("user", user_id, user_name)] + [("group", str(gid), str(name)) for gid, name in group_rows]


def policies_for_user(conn: Connection, account_id: str, user_id: str) -> list[tuple[str, str]]:
    """Every identity-based policy document that applies to the user, with an id to report it by."""
    user_name = conn.execute(_USER_NAME, {"entity_id": user_id, "account_id": account_id}).scalar()
    return [] if user_name is None else policies_of(conn, user_holders(conn, user_id, str(user_name)))


def policies_for_role(conn: Connection, account_id: str, role_id: str) -> list[tuple[str, str]]:
    """Every identity-based policy document of the role (its sessions get these, narrowed)."""
    role_name = conn.execute(_ROLE_NAME, {"entity_id": role_id, "account_id": account_id}).scalar()
    return [] if role_name is None else policies_of(conn, [("role", role_id, str(role_name))])


def policies_for_group(conn: Connection, group_id: str, group_name: str) -> list[tuple[str, str]]:
    """The group's own inline and attached policies (what its members inherit)."""
    return policies_of(conn, [("group", group_id, group_name)])


def policies_of(conn: Connection, holders: list[Holder]) -> list[tuple[str, str]]:
    """The inline and attached policies of ``holders``, in that order; a managed policy attached
    to several of them counts once."""
    entity_ids = [entity_id for _kind, entity_id, _name in holders]
    names = {entity_id: f"{kind}/{name}" for kind, entity_id, name in holders}
    parameters = {"entity_ids": entity_ids}
    found = [
        (f"{names[entity_id]}/{name}", document)
        for entity_id, name, document in conn.execute(_INLINE, parameters)
    ]
    attached: dict[str, str | None] = {}
    for policy_arn, document in conn.execute(_ATTACHED, parameters):
        attached.setdefault(policy_arn, document)
    for policy_arn, local_document in attached.items():
        entry = policy_catalog.find(policy_arn)
        document = entry.document if entry is not None else local_document
        if document is not None:
            found.append((policy_arn, str(document)))
    return found
