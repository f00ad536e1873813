"""The identity-based policies that apply to a user or a role, for the authorization layer.

A user's permissions come from its inline policies, the managed policies attached to it, and
the inline and attached policies of every group it belongs to. Each is returned as
``(policy id for reporting, document text)``: a managed policy is reported by its ARN, an
inline one by ``<kind>/<entity name>/<policy name>`` (e.g. ``group/admins/AllowAll``).
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, select

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


def _holders(conn: Connection, account_id: str, user_id: str) -> list[tuple[str, str, str]]:
    """(kind, entity id, entity name) of the user and each of its groups."""
    user_name = conn.execute(
        select(users.c.name).where(users.c.id == user_id, users.c.account_id == account_id)
    ).scalar_one_or_none()
    if user_name is None:
        return []
    group_rows = conn.execute(
        select(groups.c.id, groups.c.name)
        .select_from(groups.join(group_members, group_members.c.group_id == groups.c.id))
        .where(group_members.c.user_id == user_id)
        .order_by(groups.c.name_lower)
    )
    return [("user", user_id, user_name)] + [("group", str(gid), str(name)) for gid, name in group_rows]


def policies_for_user(conn: Connection, account_id: str, user_id: str) -> list[tuple[str, str]]:
    """Every identity-based policy document that applies to the user, with an id to report it by."""
    return _policies(conn, _holders(conn, account_id, user_id))


def policies_for_role(conn: Connection, account_id: str, role_id: str) -> list[tuple[str, str]]:
    """Every identity-based policy document of the role (its sessions get these, narrowed)."""
    role_name = conn.execute(
        select(roles.c.name).where(roles.c.id == role_id, roles.c.account_id == account_id)
    ).scalar_one_or_none()
    return [] if role_name is None else _policies(conn, [("role", role_id, str(role_name))])


def policies_for_group(conn: Connection, group_id: str, group_name: str) -> list[tuple[str, str]]:
    """The group's own inline and attached policies (what its members inherit)."""
    return _policies(conn, [("group", group_id, group_name)])


def _policies(conn: Connection, holders: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    entity_ids = [entity_id for _kind, entity_id, _name in holders]
    names = {entity_id: f"{kind}/{name}" for kind, entity_id, name in holders}
    found: list[tuple[str, str]] = []
    inline_rows = conn.execute(
        select(inline_policies.c.entity_id, inline_policies.c.name, inline_policies.c.document)
        .where(inline_policies.c.entity_id.in_(entity_ids))
        .order_by(inline_policies.c.entity_id, inline_policies.c.name_lower)
    )
    for entity_id, name, document in inline_rows:
        found.append((f"{names[entity_id]}/{name}", document))
    attached = conn.execute(
        select(policy_attachments.c.policy_arn)
        .where(policy_attachments.c.entity_id.in_(entity_ids))
        .order_by(policy_attachments.c.entity_id, policy_attachments.c.policy_arn)
    ).scalars()
    local_documents = _local_documents(conn, entity_ids)
    for policy_arn in dict.fromkeys(attached):  # a policy on the user and a group counts once
        entry = policy_catalog.find(policy_arn)
        document = entry.document if entry is not None else local_documents.get(policy_arn)
        if document is not None:
            found.append((policy_arn, document))
    return found


def _local_documents(conn: Connection, entity_ids: list[str]) -> dict[str, str]:
    """ARN → default version's document of each customer managed policy attached to the entities."""
    # Attachments keep the policy's name and path; with the account they name the policy.
    policy = and_(
        managed_policies.c.account_id == policy_attachments.c.account_id,
        managed_policies.c.name == policy_attachments.c.policy_name,
        managed_policies.c.path == policy_attachments.c.policy_path,
    )
    default_version = and_(
        policy_versions.c.policy_id == managed_policies.c.id,
        policy_versions.c.number == managed_policies.c.default_version,
    )
    rows = conn.execute(
        select(policy_attachments.c.policy_arn, policy_versions.c.document)
        .select_from(policy_attachments.join(managed_policies, policy).join(policy_versions, default_version))
        .where(policy_attachments.c.entity_id.in_(entity_ids))
    )
    return {str(policy_arn): str(document) for policy_arn, document in rows}
