"""Instance profiles: named containers that carry at most one role to an EC2 instance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, exists, func, insert, select

from credo import arn, ids
from credo.call import Call, Operation, Result
from credo.errors import DeleteConflict, EntityAlreadyExists, LimitExceeded, NoSuchEntity
from credo.iam import tags as entity_tags
from credo.iam.paging import decode_marker, limit_of, page
from credo.iam.roles import describe_role, find_role
from credo.store.schema import instance_profile_roles, instance_profiles, roles

MAX_ROLES_PER_PROFILE = 1


def find_instance_profile(conn: Connection, account_id: str, name: str) -> RowMapping:
    """The instance profile row, or ``NoSuchEntity`` worded as AWS words it."""
    row = (
        conn.execute(
            select(instance_profiles).where(
                instance_profiles.c.account_id == account_id,
                instance_profiles.c.name_lower == name.lower(),
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NoSuchEntity(f"Instance Profile {name} cannot be found.")
    return row


def _roles_by_profile(conn: Connection, profile_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The ``Roles`` member of each profile, read in one query for a whole page."""
    found: dict[str, list[dict[str, Any]]] = {profile_id: [] for profile_id in profile_ids}
    if not profile_ids:
        return found
    rows = conn.execute(
        select(roles, instance_profile_roles.c.instance_profile_id)
        .select_from(roles.join(instance_profile_roles, instance_profile_roles.c.role_id == roles.c.id))
        .where(instance_profile_roles.c.instance_profile_id.in_(profile_ids))
        .order_by(roles.c.name_lower)
    ).mappings()
    for row in rows:
        found[row["instance_profile_id"]].append(describe_role(row, full=False))
    return found


def describe_instance_profile(
    row: RowMapping, role_list: list[dict[str, Any]], tag_list: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """The ``InstanceProfile`` shape of the IAM model."""
    profile: dict[str, Any] = {
        "Path": row["path"],
        "InstanceProfileName": row["name"],
        "InstanceProfileId": row["id"],
        "Arn": arn.iam_arn(row["account_id"], "instance-profile", row["path"], row["name"]),
        "CreateDate": row["created_at"],
        "Roles": role_list,
    }
    if tag_list:
        profile["Tags"] = tag_list
    return profile


def _describe_page(conn: Connection, rows: Sequence[RowMapping]) -> list[dict[str, Any]]:
    role_lists = _roles_by_profile(conn, [row["id"] for row in rows])
    return [describe_instance_profile(row, role_lists[row["id"]]) for row in rows]


def create_instance_profile(call: Call) -> Result:
    params = call.params
    name: str = params["InstanceProfileName"]
    account_id = call.principal.account_id
    new_tags = params.get("Tags", [])
    entity_tags.validate_new_tags(new_tags)
    with call.services.store.write() as conn:
        taken = conn.execute(
            select(instance_profiles.c.id).where(
                instance_profiles.c.account_id == account_id,
                instance_profiles.c.name_lower == name.lower(),
            )
        ).first()
        if taken is not None:
            raise EntityAlreadyExists(f"Instance Profile {name} already exists.")
        profile_id = ids.entity_id(ids.INSTANCE_PROFILE)
        conn.execute(
            insert(instance_profiles).values(
                id=profile_id,
                account_id=account_id,
                name=name,
                name_lower=name.lower(),
                path=params.get("Path", "/"),
                created_at=call.services.clock.now(),
            )
        )
        entity_tags.put_tags(conn, profile_id, new_tags)
        row = (
            conn.execute(select(instance_profiles).where(instance_profiles.c.id == profile_id))
            .mappings()
            .one()
        )
        return {
            "InstanceProfile": describe_instance_profile(row, [], entity_tags.read_tags(conn, profile_id))
        }


def get_instance_profile(call: Call) -> Result:
    with call.services.store.read() as conn:
        row = find_instance_profile(conn, call.principal.account_id, call.params["InstanceProfileName"])
        role_list = _roles_by_profile(conn, [row["id"]])[row["id"]]
        profile = describe_instance_profile(row, role_list, entity_tags.read_tags(conn, row["id"]))
    return {"InstanceProfile": profile}


def list_instance_profiles(call: Call) -> Result:
    params = call.params
    after = decode_marker(params.get("Marker"))
    query = select(instance_profiles).where(instance_profiles.c.account_id == call.principal.account_id)
    if params.get("PathPrefix"):
        query = query.where(instance_profiles.c.path.startswith(params["PathPrefix"], autoescape=True))
    if after is not None:
        query = query.where(instance_profiles.c.name_lower > after)
    query = query.order_by(instance_profiles.c.name_lower).limit(limit_of(params.get("MaxItems")))
    with call.services.store.read() as conn:
        rows = conn.execute(query).mappings().all()
        result = page(rows, params.get("MaxItems"), lambda row: row["name_lower"], "InstanceProfiles")
        result["InstanceProfiles"] = _describe_page(conn, result["InstanceProfiles"])
    return result


def list_instance_profiles_for_role(call: Call) -> Result:
    params = call.params
    after = decode_marker(params.get("Marker"))
    with call.services.store.read() as conn:
        role = find_role(conn, call.principal.account_id, params["RoleName"])
        query = (
            select(instance_profiles)
            .select_from(
                instance_profiles.join(
                    instance_profile_roles,
                    instance_profile_roles.c.instance_profile_id == instance_profiles.c.id,
                )
            )
            .where(instance_profile_roles.c.role_id == role["id"])
        )
        if after is not None:
            query = query.where(instance_profiles.c.name_lower > after)
        query = query.order_by(instance_profiles.c.name_lower).limit(limit_of(params.get("MaxItems")))
        rows = conn.execute(query).mappings().all()
        result = page(rows, params.get("MaxItems"), lambda row: row["name_lower"], "InstanceProfiles")
        result["InstanceProfiles"] = _describe_page(conn, result["InstanceProfiles"])
    return result


def add_role_to_instance_profile(call: Call) -> Result:
    params = call.params
    account_id = call.principal.account_id
    with call.services.store.write() as conn:
        profile = find_instance_profile(conn, account_id, params["InstanceProfileName"])
        role = find_role(conn, account_id, params["RoleName"])
        # AWS answers LimitExceeded even when the role is the one already there.
        count = conn.execute(
            select(func.count())
            .select_from(instance_profile_roles)
            .where(instance_profile_roles.c.instance_profile_id == profile["id"])
        ).scalar_one()
        if count >= MAX_ROLES_PER_PROFILE:
            raise LimitExceeded(
                f"Cannot exceed quota for InstanceSessionsPerInstanceProfile: {MAX_ROLES_PER_PROFILE}"
            )
        conn.execute(
            insert(instance_profile_roles).values(instance_profile_id=profile["id"], role_id=role["id"])
        )
    return {}


def remove_role_from_instance_profile(call: Call) -> Result:
    params = call.params
    account_id = call.principal.account_id
    with call.services.store.write() as conn:
        profile = find_instance_profile(conn, account_id, params["InstanceProfileName"])
        role = find_role(conn, account_id, params["RoleName"])
        removed = conn.execute(
            delete(instance_profile_roles).where(
                instance_profile_roles.c.instance_profile_id == profile["id"],
                instance_profile_roles.c.role_id == role["id"],
            )
        ).rowcount
        if not removed:
            raise NoSuchEntity(f"The role with name {params['RoleName']} cannot be found.")
    return {}


def delete_instance_profile(call: Call) -> Result:
    with call.services.store.write() as conn:
        row = find_instance_profile(conn, call.principal.account_id, call.params["InstanceProfileName"])
        has_role = conn.execute(
            select(exists().where(instance_profile_roles.c.instance_profile_id == row["id"]))
        ).scalar()
        if has_role:
            raise DeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
        entity_tags.drop_all_tags(conn, row["id"])
        conn.execute(delete(instance_profiles).where(instance_profiles.c.id == row["id"]))
    return {}


OPERATIONS = {
    "CreateInstanceProfile": Operation(create_instance_profile),
    "GetInstanceProfile": Operation(get_instance_profile),
    "ListInstanceProfiles": Operation(list_instance_profiles),
    "ListInstanceProfilesForRole": Operation(list_instance_profiles_for_role),
    "AddRoleToInstanceProfile": Operation(add_role_to_instance_profile),
    "RemoveRoleFromInstanceProfile": Operation(remove_role_from_instance_profile),
    "DeleteInstanceProfile": Operation(delete_instance_profile),
}
