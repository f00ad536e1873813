"""Tag, Untag and List…Tags for users, roles and instance profiles, with AWS's tag rules.

The rules themselves (count, reserved prefix, case-insensitive keys) live in ``credo.iam.tags``;
this module finds the entity each operation names and pages its tags.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, RowMapping, select

from credo.call import Call, Operation, Result
from credo.iam import tags as entity_tags
from credo.iam.instance_profiles import find_instance_profile
from credo.iam.paging import DEFAULT_MAX_ITEMS, decode_marker, decode_position, encode_marker
from credo.iam.roles import find_role
from credo.iam.users import find_user
from credo.store import changes
from credo.store.schema import tags


@dataclass(frozen=True)
class TaggedKind:
    """One kind of taggable entity: the parameter naming it and how to find it."""

    name_param: str
    find: Callable[[Connection, str, str], RowMapping]

    def topic(self, entity_id: str) -> str:
        """What tagging this entity changes (aws:PrincipalTag for users and roles)."""
        return changes.identity(self.name_param.removesuffix("Name").lower(), entity_id)


USER = TaggedKind("UserName", find_user)
ROLE = TaggedKind("RoleName", find_role)
INSTANCE_PROFILE = TaggedKind("InstanceProfileName", find_instance_profile)


def tag_entity(kind: TaggedKind) -> Callable[[Call], Result]:
    def tag(call: Call) -> Result:
        new_tags = call.params["Tags"]
        entity_tags.validate_new_tags(new_tags)
        with call.services.store.write() as conn:
            row = kind.find(conn, call.principal.account_id, call.params[kind.name_param])
            changes.note(conn, kind.topic(row["id"]))
            entity_tags.put_tags(conn, row["id"], new_tags)
        return {}

    return tag


def untag_entity(kind: TaggedKind) -> Callable[[Call], Result]:
    def untag(call: Call) -> Result:
        entity_tags.validate_tag_keys(call.params["TagKeys"])
        with call.services.store.write() as conn:
            row = kind.find(conn, call.principal.account_id, call.params[kind.name_param])
            changes.note(conn, kind.topic(row["id"]))
            entity_tags.remove_tags(conn, row["id"], call.params["TagKeys"])
        return {}

    return untag


def _sort_key(position: int, key_lower: str) -> str:
    # Positions can repeat after tags are removed and re-added, so the key breaks ties.
    return f"{position}/{key_lower}"


def _after(marker: str | None) -> tuple[int, str] | None:
    decoded = decode_marker(marker)
    if decoded is None:
        return None
    position, _, key_lower = decoded.partition("/")
    return decode_position(position) or 0, key_lower


def list_entity_tags(kind: TaggedKind) -> Callable[[Call], Result]:
    def list_tags(call: Call) -> Result:
        params = call.params
        after = _after(params.get("Marker"))
        limit = params.get("MaxItems") or DEFAULT_MAX_ITEMS
        with call.services.store.read() as conn:
            row = kind.find(conn, call.principal.account_id, params[kind.name_param])
            rows = conn.execute(
                select(tags.c.position, tags.c.key_lower, tags.c.key, tags.c.value)
                .where(tags.c.entity_id == row["id"])
                .order_by(tags.c.position, tags.c.key_lower)
            ).all()
        # At most 50 tags per entity: paging in memory is cheaper than a keyset query.
        remaining = [r for r in rows if after is None or (r.position, r.key_lower) > after]
        shown = remaining[:limit]
        result: dict[str, Any] = {
            "Tags": [{"Key": r.key, "Value": r.value} for r in shown],
            "IsTruncated": len(remaining) > limit,
        }
        if len(remaining) > limit:
            result["Marker"] = encode_marker(_sort_key(shown[-1].position, shown[-1].key_lower))
        return result

    return list_tags


OPERATIONS = {
    "TagUser": Operation(tag_entity(USER)),
    "UntagUser": Operation(untag_entity(USER)),
    "ListUserTags": Operation(list_entity_tags(USER)),
    "TagRole": Operation(tag_entity(ROLE)),
    "UntagRole": Operation(untag_entity(ROLE)),
    "ListRoleTags": Operation(list_entity_tags(ROLE)),
    "TagInstanceProfile": Operation(tag_entity(INSTANCE_PROFILE)),
    "UntagInstanceProfile": Operation(untag_entity(INSTANCE_PROFILE)),
    "ListInstanceProfileTags": Operation(list_entity_tags(INSTANCE_PROFILE)),
}
