"""UpdateUser's and UpdateGroup's attribute operations, and the keys that make names unique.

An operation replaces one attribute, named by a path such as ``displayName`` or
``name.givenName`` (members of the Create request's shape, matched ignoring case), with a value
checked against that member's shape; an operation without a value removes the attribute.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from botocore.model import Shape, StructureShape
from sqlalchemy import Connection, RowMapping, Table, select, update

from credo.call import Call
from credo.errors import ConflictException, ValidationException
from credo.protocol.constraints import camel
from credo.protocol.json import decode_value


def name_key(name: str) -> str:
    """What makes a user name or group display name unique: its SHA-256, ignoring case."""
    return hashlib.sha256(name.casefold().encode("utf-8", "surrogatepass")).hexdigest()


def check_revision(row: RowMapping, revision: str | None, kind: str) -> None:
    """Refuse a change made against an older ``Revision`` of the user or group (``kind``)."""
    if revision is not None and revision != str(row["revision"]):
        raise ConflictException(
            f"The {kind} has changed since revision {revision}; it is now at revision {row['revision']}.",
            Reason="CONCURRENT_MODIFICATION",
        )


def save_revision(
    conn: Connection, table: Table, row: RowMapping, call: Call, columns: Mapping[str, Any]
) -> RowMapping:
    """Write an updated user or group as its next revision (who and when), and read it back."""
    conn.execute(
        update(table)
        .where(table.c.id == row["id"])
        .values(
            revision=row["revision"] + 1,
            updated_at=call.services.clock.now(),
            updated_by=call.principal.arn,
            **columns,
        )
    )
    return conn.execute(select(table).where(table.c.id == row["id"])).mappings().one()


def apply_operations(
    shape: StructureShape,
    current: Mapping[str, Any],
    operations: Sequence[Mapping[str, Any]],
    frozen: Collection[str] = (),
) -> dict[str, Any]:
    """``current`` (attributes shaped like ``shape``'s members) with ``operations`` applied.

    ``frozen``: top-level members no operation may touch (the identity store id).
    """
    # A JSON round trip, not deepcopy: extension documents may nest as deep as the JSON parser
    # allows, deeper than deepcopy's recursion reaches.
    updated: dict[str, Any] = json.loads(json.dumps(dict(current)))
    for operation in operations:
        path = str(operation["AttributePath"])
        names, member = _resolve(shape, path, frozen)
        container = updated
        for name in names[:-1]:
            container = container.setdefault(name, {})
        value = operation.get("AttributeValue")
        if value is None:
            container.pop(names[-1], None)
        else:
            container[names[-1]] = decode_value(member, value, ".".join(camel(name) for name in names))
    return updated


def _resolve(shape: StructureShape, path: str, frozen: Collection[str]) -> tuple[list[str], Shape]:
    """The member names along ``path`` and the shape of the last one."""
    names: list[str] = []
    current: Shape = shape
    for part in path.split("."):
        if not isinstance(current, StructureShape) or current.is_document_type:
            raise _invalid(path)
        by_lower = {name.lower(): name for name in current.members}
        name = by_lower.get(part.lower())
        if name is None or (current is shape and name in frozen):
            raise _invalid(path)
        names.append(name)
        current = current.members[name]
    return names, current


def _invalid(path: str) -> ValidationException:
    return ValidationException(f"Invalid attribute path {path}: no such attribute can be updated.")
