"""The IAM operations on managed policies: CreatePolicy, GetPolicy, DeletePolicy, ListPolicies
and policy tags. The policies themselves, customer and AWS managed alike, are looked up through
``credo.iam.policy_lookup``.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, func, insert, select

from credo import arn, ids
from credo.call import Call, Operation, Result
from credo.errors import (
    DeleteConflict,
    EntityAlreadyExists,
)
from credo.iam import policy_catalog
from credo.iam import tags as entity_tags
from credo.iam.paging import decode_marker, decode_position, page
from credo.iam.policy_lookup import (
    ManagedPolicy,
    attachment_counts,
    boundary_counts,
    describe,
    find_local_for_change,
    from_catalog,
    from_row,
    not_found,
    resolve,
    validate_managed_document,
)
from credo.store import changes
from credo.store.schema import managed_policies, policy_versions

# --- operations -----------------------------------------------------------------------------


def create_policy(call: Call) -> Result:
    params = call.params
    account_id = call.principal.account_id
    name: str = params["PolicyName"]
    document: str = params["PolicyDocument"]
    new_tags = params.get("Tags", [])
    entity_tags.validate_new_tags(new_tags)
    validate_managed_document(document)
    now = call.services.clock.now()
    with call.services.store.write() as conn:
        taken = conn.execute(
            select(managed_policies.c.id).where(
                managed_policies.c.account_id == account_id, managed_policies.c.name_lower == name.lower()
            )
        ).first()
        if taken is not None:
            raise EntityAlreadyExists(
                f"A policy called {name} already exists. Duplicate names are not allowed."
            )
        policy_id = ids.entity_id(ids.POLICY)
        changes.note(conn, changes.policy(arn.iam_arn(account_id, "policy", params.get("Path", "/"), name)))
        conn.execute(
            insert(managed_policies).values(
                id=policy_id,
                account_id=account_id,
                name=name,
                name_lower=name.lower(),
                path=params.get("Path", "/"),
                description=params.get("Description") or None,
                created_at=now,
                updated_at=now,
                default_version=1,
                next_version=2,
            )
        )
        conn.execute(
            insert(policy_versions).values(policy_id=policy_id, number=1, document=document, created_at=now)
        )
        entity_tags.put_tags(conn, policy_id, new_tags)
        row = (
            conn.execute(select(managed_policies).where(managed_policies.c.id == policy_id)).mappings().one()
        )
        created = describe(from_row(row), 0, 0, tag_list=entity_tags.read_tags(conn, policy_id) or None)
    # AWS's CreatePolicy answer leaves the description out; GetPolicy carries it.
    created.pop("Description", None)
    return {"Policy": created}


def get_policy(call: Call) -> Result:
    policy_arn: str = call.params["PolicyArn"]
    account_id = call.principal.account_id
    with call.services.store.read() as conn:
        policy = resolve(conn, account_id, policy_arn)
        if policy is None:
            raise not_found(policy_arn)
        attachments = attachment_counts(conn, account_id, policy.arn).get(policy.arn, 0)
        boundaries = boundary_counts(conn, account_id, policy.arn).get(policy.arn, 0)
        tag_list = [] if policy.is_aws else entity_tags.read_tags(conn, policy.policy_id)
    return {"Policy": describe(policy, attachments, boundaries, tag_list=tag_list)}


def delete_policy(call: Call) -> Result:
    policy_arn: str = call.params["PolicyArn"]
    account_id = call.principal.account_id
    with call.services.store.write() as conn:
        row = find_local_for_change(conn, call, policy_arn)
        changes.note(conn, changes.policy(policy_arn))
        if attachment_counts(conn, account_id, policy_arn) or boundary_counts(conn, account_id, policy_arn):
            raise DeleteConflict("Cannot delete a policy attached to entities.")
        versions = conn.execute(
            select(func.count()).select_from(policy_versions).where(policy_versions.c.policy_id == row["id"])
        ).scalar_one()
        if versions > 1:
            raise DeleteConflict(
                "This policy has more than one version. Before you delete a policy, you must delete "
                "the policy's versions. The default version is deleted with the policy."
            )
        entity_tags.drop_all_tags(conn, row["id"])
        conn.execute(delete(policy_versions).where(policy_versions.c.policy_id == row["id"]))
        conn.execute(delete(managed_policies).where(managed_policies.c.id == row["id"]))
    return {}


def _in_use(
    policy: ManagedPolicy, attachments: Mapping[str, int], boundaries: Mapping[str, int], usage: str | None
) -> bool:
    """Whether the policy is attached, in the sense ``PolicyUsageFilter`` asks about."""
    as_permissions = attachments.get(policy.arn, 0) > 0
    as_boundary = boundaries.get(policy.arn, 0) > 0
    if usage == "PermissionsPolicy":
        return as_permissions
    if usage == "PermissionsBoundary":
        return as_boundary
    return as_permissions or as_boundary


def list_policies(call: Call) -> Result:
    """Local and AWS policies in one name order; ``PolicyUsageFilter`` keeps those used that way."""
    params = call.params
    account_id = call.principal.account_id
    scope = params.get("Scope", "All")
    prefix = params.get("PathPrefix") or "/"
    usage = params.get("PolicyUsageFilter")
    after = decode_marker(params.get("Marker"))
    candidates: list[ManagedPolicy] = []
    with call.services.store.read() as conn:
        if scope in ("All", "Local"):
            query = select(managed_policies).where(managed_policies.c.account_id == account_id)
            candidates += [from_row(row) for row in conn.execute(query).mappings()]
        if scope in ("All", "AWS"):
            candidates += [from_catalog(entry) for entry in policy_catalog.catalog().ordered]
        attachments = attachment_counts(conn, account_id)
        boundaries = boundary_counts(conn, account_id)
    selected = [
        policy
        for policy in candidates
        if policy.path.startswith(prefix)
        and (after is None or policy.sort_key > after)
        and (not (params.get("OnlyAttached") or usage) or _in_use(policy, attachments, boundaries, usage))
    ]
    selected.sort(key=lambda policy: policy.sort_key)
    result = page(selected, params.get("MaxItems"), lambda policy: policy.sort_key, "Policies")
    result["Policies"] = [
        describe(policy, attachments.get(policy.arn, 0), boundaries.get(policy.arn, 0), detailed=False)
        for policy in result["Policies"]
    ]
    return result


# --- tags -----------------------------------------------------------------------------------


def tag_policy(call: Call) -> Result:
    with call.services.store.write() as conn:
        row = find_local_for_change(conn, call, call.params["PolicyArn"])
        changes.note(conn, changes.policy(call.params["PolicyArn"]))
        entity_tags.put_tags(conn, row["id"], call.params["Tags"])
    return {}


def untag_policy(call: Call) -> Result:
    entity_tags.validate_tag_keys(call.params["TagKeys"])
    with call.services.store.write() as conn:
        row = find_local_for_change(conn, call, call.params["PolicyArn"])
        changes.note(conn, changes.policy(call.params["PolicyArn"]))
        entity_tags.remove_tags(conn, row["id"], call.params["TagKeys"])
    return {}


def list_policy_tags(call: Call) -> Result:
    params = call.params
    policy_arn: str = params["PolicyArn"]
    with call.services.store.read() as conn:
        policy = resolve(conn, call.principal.account_id, policy_arn)
        if policy is None:
            raise not_found(policy_arn)
        tag_list = [] if policy.is_aws else entity_tags.read_tags(conn, policy.policy_id)
    # The marker is the position of the last tag shown; tags keep their first-set order.
    after = decode_position(decode_marker(params.get("Marker")))
    start = after + 1 if after is not None else 0
    numbered = list(enumerate(tag_list))[start:]
    result = page(numbered, params.get("MaxItems"), lambda item: str(item[0]), "Tags")
    result["Tags"] = [tag for _position, tag in result["Tags"]]
    return result


OPERATIONS = {
    "CreatePolicy": Operation(create_policy),
    "GetPolicy": Operation(get_policy),
    "DeletePolicy": Operation(delete_policy),
    "ListPolicies": Operation(list_policies),
    "TagPolicy": Operation(tag_policy),
    "UntagPolicy": Operation(untag_policy),
    "ListPolicyTags": Operation(list_policy_tags),
}
