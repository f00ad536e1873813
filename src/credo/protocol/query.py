"""Decode AWS Query parameters (``Tags.member.1.Key=…``) into typed values, validated by the model.

Validation follows the service model (required members, lengths, ranges, patterns, enums) and
words its messages as AWS does: ``1 validation error detected: Value 'x' at 'userName' failed to
satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+``. A value the
model marks ``sensitive`` (passwords, private keys) is never quoted: ``Value at 'password' …``.

Decoding costs time in proportion to the request's size: the parameter names are grouped by
prefix once (``_Names``), so finding a list's members or a structure's presence is a look-up,
not a scan of every parameter; indexes are ASCII digits of bounded length.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from credo.errors import ValidationError
from credo.protocol.constraints import Problems, camel, check_length, check_range, check_string

_MAX_LIST = 1000
# More parameters than any IAM or STS request needs (the largest, Simulate*Policy with long
# lists, stays in the low thousands); a request beyond it is refused before it is decoded.
MAX_PARAMETERS = 10_000
# Names are grouped this many dotted components deep: deeper than any member of the models.
_MAX_DEPTH = 8
# An index is 1-6 ASCII digits (lists hold at most 1,000 members; maps far fewer).
_INDEX = re.compile(r"[0-9]{1,6}\Z")
_INTEGER = re.compile(r"[+-]?[0-9]+\Z")


class _Names:
    """The request's parameter names grouped by prefix: ``children("Tags.member")`` is the set of
    components that follow it (``{"1", "2"}``). Built on first need, in one pass."""

    __slots__ = ("_children", "_params")

    def __init__(self, params: Mapping[str, str]) -> None:
        self._params = params
        self._children: dict[str, set[str]] | None = None

    def children(self, prefix: str) -> set[str]:
        grouped = self._children
        if grouped is None:
            grouped = self._children = {}
            for name in self._params:
                if "." not in name:
                    continue
                parts = name.split(".", _MAX_DEPTH)
                head = parts[0]
                for part in parts[1:]:
                    grouped.setdefault(head, set()).add(part)
                    head = f"{head}.{part}"
        return grouped.get(prefix, _NONE)


_NONE: set[str] = set()


def decode(shape: StructureShape | None, params: Mapping[str, str]) -> dict[str, Any]:
    """The request's members as Python values; raises ``ValidationError`` on any problem."""
    if len(params) > MAX_PARAMETERS:
        raise ValidationError(
            f"1 validation error detected: the request has {len(params)} parameters; "
            f"at most {MAX_PARAMETERS} are accepted"
        )
    if shape is None or not shape.members:
        return {}
    problems = Problems()
    result = _structure(shape, _Request(params, _Names(params)), "", "", problems)
    problems.raise_if_any()
    return result


class _Request:
    """The parameters and their grouped names, passed down the decoders together."""

    __slots__ = ("names", "params")

    def __init__(self, params: Mapping[str, str], names: _Names) -> None:
        self.params = params
        self.names = names


def _structure(
    shape: StructureShape, request: _Request, prefix: str, path: str, problems: Problems
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, wire, message_name, member in _fields(shape):
        value = _value(
            member, request, prefix + wire, f"{path}.{message_name}" if path else message_name, problems
        )
        if value is not None:
            out[name] = value
    for name in shape.required_members:
        if name not in out:
            problems.add(None, f"{path}.{camel(name)}" if path else camel(name), "Member must not be null")
    return out


@cache
def _fields(shape: StructureShape) -> tuple[tuple[str, str, str, Shape], ...]:
    """Each member's name, its name on the wire, its name in messages, and its shape (once per shape)."""
    return tuple(
        (name, member.serialization.get("name", name), camel(name), member)
        for name, member in shape.members.items()
    )


def _value(shape: Shape, request: _Request, key: str, path: str, problems: Problems) -> Any:
    if isinstance(shape, StructureShape):
        if not request.names.children(key):
            return None
        return _structure(shape, request, key + ".", path, problems)
    if isinstance(shape, ListShape):
        return _list(shape, request, key, path, problems)
    if isinstance(shape, MapShape):
        return _map(shape, request, key, path, problems)
    raw = request.params.get(key)
    if raw is None:
        return None
    return _scalar(shape, raw, path, problems)


def _indexes(request: _Request, base: str, path: str, problems: Problems) -> list[int]:
    """The member indexes under ``base`` in order; one that is not 1-6 ASCII digits is a problem."""
    indexes: list[int] = []
    for head in request.names.children(base):
        if _INDEX.match(head):
            indexes.append(int(head))
        else:
            shown = head if len(head) <= 20 else head[:20] + "…"
            problems.add(shown, path, "Member index must be a number from 1 to 999999")
            return []
    indexes.sort()
    return indexes


def _list(shape: ListShape, request: _Request, key: str, path: str, problems: Problems) -> Any:
    member_name = shape.member.serialization.get("name", "member")
    base = f"{key}.{member_name}"
    indexes = _indexes(request, base, path, problems)
    if not indexes:
        # ``Name=`` with an empty value is how the Query protocol says "an empty list".
        return [] if request.params.get(key) == "" else None
    if len(indexes) > _MAX_LIST:
        problems.add(None, path, f"Member must have length less than or equal to {_MAX_LIST}")
        return None
    items = []
    for index in indexes:
        item = _value(shape.member, request, f"{base}.{index}", f"{path}.{index}.member", problems)
        if item is not None:
            items.append(item)
    check_length(shape, items, len(items), path, problems)
    return items


def _map(shape: MapShape, request: _Request, key: str, path: str, problems: Problems) -> Any:
    base = f"{key}.entry"
    indexes = _indexes(request, base, path, problems)
    if not indexes:
        return None
    if len(indexes) > _MAX_LIST:
        problems.add(None, path, f"Member must have length less than or equal to {_MAX_LIST}")
        return None
    out: dict[str, Any] = {}
    for index in indexes:
        k = _value(shape.key, request, f"{base}.{index}.key", f"{path}.{index}.key", problems)
        v = _value(shape.value, request, f"{base}.{index}.value", f"{path}.{index}.value", problems)
        if k is not None:
            out[k] = v
    return out


def _scalar(shape: Shape, raw: str, path: str, problems: Problems) -> Any:
    if shape.metadata.get("sensitive"):
        problems = problems.redacted()
    kind = shape.type_name
    if kind == "string":
        check_string(shape, raw, path, problems)
        return raw
    if kind in {"integer", "long"}:
        # ASCII digits only: ``int`` also takes " 5", "1_0" and "٣", which AWS refuses.
        try:
            number = int(raw) if _INTEGER.match(raw) else None
        except ValueError:  # more digits than ``int`` converts (4,300)
            number = None
        if number is None:
            problems.add(raw, path, "Member must be a number")
            return None
        check_range(shape, number, path, problems)
        return number
    if kind in {"float", "double"}:
        try:
            return float(raw)
        except ValueError:
            problems.add(raw, path, "Member must be a number")
            return None
    if kind == "boolean":
        lowered = raw.lower()
        if lowered not in {"true", "false"}:
            problems.add(raw, path, "Member must be a boolean")
            return None
        return lowered == "true"
    if kind == "timestamp":
        return _timestamp(raw, path, problems)
    if kind == "blob":
        try:
            return base64.b64decode(raw, validate=True)
        except ValueError:
            problems.add(raw, path, "Member must be base64-encoded binary data")
            return None
    return raw


def _timestamp(raw: str, path: str, problems: Problems) -> datetime | None:
    try:
        if raw.replace(".", "", 1).isdigit():
            return datetime.fromtimestamp(float(raw), UTC)
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        problems.add(raw, path, "Member must be a timestamp")
        return None
