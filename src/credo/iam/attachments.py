"""Managed policies attached to users, groups and roles; and which entities use a policy.

At most ten managed policies per entity. Policies for service-linked roles (path
``/aws-service-role/``) are AWS's to attach, not the account's; and a service-linked role's
policies are AWS's to change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, delete, insert, or_, select

from credo.call import Call, Handler, Operation, Result
from credo.errors import LimitExceeded, NoSuchEntity, PolicyNotAttachable
from credo.iam.paging import decode_marker, limit_of, page
from credo.iam.policy_holders import GROUP, MAX_ATTACHED_POLICIES, ROLE, USER, Holder
from credo.iam.policy_lookup import check_arn, not_found, resolve
from credo.iam.protected_roles import require_modifiable
from credo.store import changes
from credo.store.schema import groups, policy_attachments, roles, users

_SERVICE_ROLE_TARGET = {"user": "User", "group": "Group", "role": "Customer Role"}


def _attach(holder: Holder) -> Handler:
    def attach_policy(call: Call) -> Result:
        account_id = call.principal.account_id
        policy_arn: str = call.params["PolicyArn"]
        with call.services.store.write() as conn:
            entity = holder.find(conn, account_id, call.params[holder.name_param])
            changes.note(conn, changes.identity(holder.kind, entity["id"]))
            if holder is ROLE:
                require_modifiable(conn, entity)
            policy = resolve(conn, account_id, policy_arn)
            if policy is None:
                raise NoSuchEntity(f"Policy {policy_arn} does not exist or is not attachable.")
            if policy.is_service_role_policy:
                raise PolicyNotAttachable(
                    f"Cannot attach a Service Role Policy to a {_SERVICE_ROLE_TARGET[holder.kind]}."
                )
            attached = select(policy_attachments.c.policy_arn).where(
                policy_attachments.c.entity_id == entity["id"]
            )
            current = {str(value) for value in conn.execute(attached).scalars()}
            if policy.arn in current:
                return {}
            if len(current) >= MAX_ATTACHED_POLICIES:
                raise LimitExceeded(
                    f"Cannot exceed quota for PoliciesPer{holder.label}: {MAX_ATTACHED_POLICIES}"
                )
            conn.execute(
                insert(policy_attachments).values(
                    entity_id=entity["id"],
                    policy_arn=policy.arn,
                    account_id=account_id,
                    entity_kind=holder.kind,
                    policy_name=policy.name,
                    policy_path=policy.path,
                )
            )
        return {}

    return attach_policy


def _detach(holder: Holder) -> Handler:
    def detach_policy(call: Call) -> Result:
        policy_arn: str = call.params["PolicyArn"]
        check_arn(policy_arn)
        with call.services.store.write() as conn:
            entity = holder.find(conn, call.principal.account_id, call.params[holder.name_param])
            changes.note(conn, changes.identity(holder.kind, entity["id"]))
            if holder is ROLE:
                require_modifiable(conn, entity)
            removed = conn.execute(
                delete(policy_attachments).where(
                    policy_attachments.c.entity_id == entity["id"],
                    policy_attachments.c.policy_arn == policy_arn,
                )
            ).rowcount
        if not removed:
            raise not_found(policy_arn)
        return {}

    return detach_policy


def _list_attached(holder: Holder) -> Handler:
    def list_attached_policies(call: Call) -> Result:
        params = call.params
        after = decode_marker(params.get("Marker"))
        with call.services.store.read() as conn:
            entity = holder.find(conn, call.principal.account_id, params[holder.name_param])
            query = select(policy_attachments).where(policy_attachments.c.entity_id == entity["id"])
            if params.get("PathPrefix"):
                query = query.where(
                    policy_attachments.c.policy_path.startswith(params["PathPrefix"], autoescape=True)
                )
            if after is not None:
                query = query.where(policy_attachments.c.policy_arn > after)
            query = query.order_by(policy_attachments.c.policy_arn).limit(limit_of(params.get("MaxItems")))
            rows = conn.execute(query).mappings().all()
        result = page(rows, params.get("MaxItems"), lambda row: row["policy_arn"], "AttachedPolicies")
        result["AttachedPolicies"] = [
            {"PolicyName": row["policy_name"], "PolicyArn": row["policy_arn"]}
            for row in result["AttachedPolicies"]
        ]
        return result

    return list_attached_policies


# --- ListEntitiesForPolicy ------------------------------------------------------------------

# Response member, item name/id members, table, and whether it can carry a boundary.
_ENTITY_KINDS: list[tuple[str, str, str, Table, bool]] = [
    ("group", "PolicyGroups", "Group", groups, False),
    ("role", "PolicyRoles", "Role", roles, True),
    ("user", "PolicyUsers", "User", users, True),
]
_ENTITY_FILTERS = {"User": "user", "Group": "group", "Role": "role"}


def list_entities_for_policy(call: Call) -> Result:
    """Groups, roles and users using the policy, one merged page ordered by kind then name."""
    params = call.params
    account_id = call.principal.account_id
    policy_arn: str = params["PolicyArn"]
    entity_filter = params.get("EntityFilter")
    usage = params.get("PolicyUsageFilter")
    after = decode_marker(params.get("Marker"))
    found: list[tuple[str, str, dict[str, Any]]] = []
    with call.services.store.read() as conn:
        policy = resolve(conn, account_id, policy_arn)
        if policy is None:
            raise not_found(policy_arn)
        wanted_kinds = {kind for kind, *_rest in _ENTITY_KINDS}
        if entity_filter in _ENTITY_FILTERS:
            wanted_kinds = {_ENTITY_FILTERS[entity_filter]}
        elif entity_filter is not None:
            # LocalManagedPolicy / AWSManagedPolicy select by the kind of policy: all or nothing.
            wanted_kinds = wanted_kinds if policy.is_aws == (entity_filter == "AWSManagedPolicy") else set()
        for kind, _member, label, table, has_boundary in _ENTITY_KINDS:
            if kind not in wanted_kinds:
                continue
            conditions: list[ColumnElement[bool]] = []
            if usage != "PermissionsBoundary":
                conditions.append(
                    table.c.id.in_(
                        select(policy_attachments.c.entity_id).where(
                            policy_attachments.c.account_id == account_id,
                            policy_attachments.c.policy_arn == policy.arn,
                        )
                    )
                )
            if usage != "PermissionsPolicy" and has_boundary:
                conditions.append(table.c.permissions_boundary_arn == policy.arn)
            if not conditions:
                continue
            query = select(table.c.id, table.c.name, table.c.name_lower).where(
                table.c.account_id == account_id, or_(*conditions)
            )
            if params.get("PathPrefix"):
                query = query.where(table.c.path.startswith(params["PathPrefix"], autoescape=True))
            for row in conn.execute(query.order_by(table.c.name_lower)).mappings():
                sort_key = f"{kind} {row['name_lower']}"
                if after is None or sort_key > after:
                    found.append((sort_key, kind, {f"{label}Name": row["name"], f"{label}Id": row["id"]}))
    found.sort(key=lambda item: item[0])
    result = page(found, params.get("MaxItems"), lambda item: item[0], "Entities")
    for kind, member, *_rest in _ENTITY_KINDS:
        result[member] = [entity for _key, entity_kind, entity in result["Entities"] if entity_kind == kind]
    del result["Entities"]
    return result


OPERATIONS: dict[str, Operation] = {"ListEntitiesForPolicy": Operation(list_entities_for_policy)}
for _holder in (USER, GROUP, ROLE):
    OPERATIONS[f"Attach{_holder.label}Policy"] = Operation(_attach(_holder))
    OPERATIONS[f"Detach{_holder.label}Policy"] = Operation(_detach(_holder))
    OPERATIONS[f"ListAttached{_holder.label}Policies"] = Operation(_list_attached(_holder))
