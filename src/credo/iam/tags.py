"""Tags on IAM entities: AWS's rules (at most 50, unique keys ignoring case, no ``aws:`` prefix)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from credo.errors import InvalidInput, LimitExceeded, ValidationError
from credo.store.schema import tags

MAX_TAGS = 50
KEY_PATTERN = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+"
VALUE_PATTERN = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*"
_TAG_SYMBOLS = frozenset("_.:/=+-@")


def _tag_text_ok(text: str) -> bool:
    """Letters, separators, numbers and ``_.:/=+-@``: the model's pattern, which Python's ``re``
    cannot compile (no ``\\p{…}`` classes), so the protocol layer cannot check it."""
    return all(c in _TAG_SYMBOLS or unicodedata.category(c)[0] in "LZN" for c in text)


def _check_tag_text(new: Sequence[Mapping[str, Any]]) -> None:
    for index, tag in enumerate(new, start=1):
        for member, pattern in (("Key", KEY_PATTERN), ("Value", VALUE_PATTERN)):
            text = str(tag.get(member, ""))
            if not _tag_text_ok(text):
                raise ValidationError(
                    f"1 validation error detected: Value '{text}' at 'tags.{index}.member.{member.lower()}' "
                    f"failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}"
                )


def validate_new_tags(new: Sequence[Mapping[str, Any]], existing: Sequence[Mapping[str, Any]] = ()) -> None:
    """Raise as AWS does for bad characters, duplicate keys, reserved prefixes, or over 50 tags in all."""
    _check_tag_text(new)
    seen: set[str] = set()
    for tag in new:
        key = str(tag["Key"])
        if key.lower() in seen:
            raise InvalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
        seen.add(key.lower())
        if key.lower().startswith("aws:"):
            raise InvalidInput(
                "User-defined tag keys can't start with 'aws:'. This prefix is reserved for AWS use."
            )
    keys = seen | {str(tag["Key"]).lower() for tag in existing}
    if len(keys) > MAX_TAGS:
        raise LimitExceeded(f"Cannot exceed quota for TagsPerEntity: {MAX_TAGS}.")


# Built once: every authorizer cache miss reads the identity's tags.
_TAGS_OF = (
    select(tags.c.key, tags.c.value)
    .where(tags.c.entity_id == bindparam("entity_id"))
    .order_by(tags.c.position)
)


def read_tags(conn: Connection, entity_id: str) -> list[dict[str, str]]:
    rows = conn.execute(_TAGS_OF, {"entity_id": entity_id})
    return [{"Key": key, "Value": value} for key, value in rows]


def put_tags(conn: Connection, entity_id: str, new: Sequence[Mapping[str, Any]]) -> None:
    """Add or overwrite tags, keeping the first-set order."""
    existing = read_tags(conn, entity_id)
    validate_new_tags(new, existing)
    # After removals positions have gaps; always append after the highest one.
    # (coalesce, not ``or``: a highest position of 0 is a real position.)
    highest = select(func.coalesce(func.max(tags.c.position), -1)).where(tags.c.entity_id == entity_id)
    position = conn.execute(highest).scalar_one() + 1
    for tag in new:
        key, value = str(tag["Key"]), str(tag.get("Value", ""))
        changed = conn.execute(
            update(tags)
            .where(tags.c.entity_id == entity_id, tags.c.key_lower == key.lower())
            .values(key=key, value=value)
        ).rowcount
        if not changed:
            conn.execute(
                insert(tags).values(
                    entity_id=entity_id, key_lower=key.lower(), key=key, value=value, position=position
                )
            )
            position += 1


def validate_tag_keys(keys: Sequence[str]) -> None:
    """Raise as AWS does for an Untag… key outside the model's pattern (which ``re`` cannot check)."""
    for index, key in enumerate(keys, start=1):
        if not _tag_text_ok(key):
            raise ValidationError(
                f"1 validation error detected: Value '{key}' at 'tagKeys.{index}.member' "
                f"failed to satisfy constraint: Member must satisfy regular expression pattern: {KEY_PATTERN}"
            )


def remove_tags(conn: Connection, entity_id: str, keys: Sequence[str]) -> None:
    if keys:
        conn.execute(
            delete(tags).where(tags.c.entity_id == entity_id, tags.c.key_lower.in_([k.lower() for k in keys]))
        )


def drop_all_tags(conn: Connection, entity_id: str) -> None:
    conn.execute(delete(tags).where(tags.c.entity_id == entity_id))
