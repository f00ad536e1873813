"""Decode AWS Query parameters (``Tags.member.1.Key=…``) into typed values, validated by the model.

Validation follows the service model (required members, lengths, ranges, patterns, enums) and
words its messages as AWS does: ``1 validation error detected: Value 'x' at 'userName' failed to
satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+``.
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

_MAX_LIST = 1000


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


@cache
def _pattern(text: str) -> re.Pattern[str]:
    # Java-style patterns in the models: \u escapes and \p{…} classes are rare; keep the
    # ones Python understands, and treat an uncompilable one as matching anything.
    try:
        return re.compile(text, re.DOTALL)
    except re.error:
        return re.compile(".*", re.DOTALL)


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, value: Any, path: str, constraint: str) -> None:
        shown = "null" if value is None else f"'{value}'"
        self.items.append(f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}")

    def raise_if_any(self) -> None:
        if not self.items:
            return
        count = len(self.items)
        noun = "error" if count == 1 else "errors"
        raise ValidationError(f"{count} validation {noun} detected: " + "; ".join(self.items))


def decode(shape: StructureShape | None, params: Mapping[str, str]) -> dict[str, Any]:
    """The request's members as Python values; raises ``ValidationError`` on any problem."""
    if shape is None or not shape.members:
        return {}
    problems = _Problems()
    result = _structure(shape, params, "", "", problems)
    problems.raise_if_any()
    return result


def _structure(
    shape: StructureShape, params: Mapping[str, str], prefix: str, path: str, problems: _Problems
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, wire, camel, member in _fields(shape):
        value = _value(member, params, prefix + wire, f"{path}.{camel}" if path else camel, problems)
        if value is not None:
            out[name] = value
    for name in shape.required_members:
        if name not in out:
            problems.add(None, f"{path}.{_camel(name)}" if path else _camel(name), "Member must not be null")
    return out


@cache
def _fields(shape: StructureShape) -> tuple[tuple[str, str, str, Shape], ...]:
    """Each member's name, its name on the wire, its name in messages, and its shape (once per shape)."""
    return tuple(
        (name, member.serialization.get("name", name), _camel(name), member)
        for name, member in shape.members.items()
    )


def _value(shape: Shape, params: Mapping[str, str], key: str, path: str, problems: _Problems) -> Any:
    if isinstance(shape, StructureShape):
        if not any(k.startswith(key + ".") for k in params):
            return None
        return _structure(shape, params, key + ".", path, problems)
    if isinstance(shape, ListShape):
        return _list(shape, params, key, path, problems)
    if isinstance(shape, MapShape):
        return _map(shape, params, key, path, problems)
    raw = params.get(key)
    if raw is None:
        return None
    return _scalar(shape, raw, path, problems)


def _list(shape: ListShape, params: Mapping[str, str], key: str, path: str, problems: _Problems) -> Any:
    member_name = shape.member.serialization.get("name", "member")
    base = f"{key}.{member_name}."
    indexes: set[int] = set()
    for k in params:
        if k.startswith(base):
            head = k[len(base) :].split(".", 1)[0]
            if head.isdigit():
                indexes.add(int(head))
    if not indexes:
        # ``Name=`` with an empty value is how the Query protocol says "an empty list".
        return [] if params.get(key) == "" else None
    items = []
    for index in sorted(indexes)[:_MAX_LIST]:
        item = _value(shape.member, params, f"{base}{index}", f"{path}.{index}.member", problems)
        if item is not None:
            items.append(item)
    _check_length(shape, items, len(items), path, problems)
    return items


def _map(shape: MapShape, params: Mapping[str, str], key: str, path: str, problems: _Problems) -> Any:
    base = f"{key}.entry."
    indexes = {
        int(k[len(base) :].split(".", 1)[0])
        for k in params
        if k.startswith(base) and k[len(base) :].split(".", 1)[0].isdigit()
    }
    if not indexes:
        return None
    out: dict[str, Any] = {}
    for index in sorted(indexes):
        k = _value(shape.key, params, f"{base}{index}.key", f"{path}.{index}.key", problems)
        v = _value(shape.value, params, f"{base}{index}.value", f"{path}.{index}.value", problems)
        if k is not None:
            out[k] = v
    return out


def _scalar(shape: Shape, raw: str, path: str, problems: _Problems) -> Any:
    kind = shape.type_name
    if kind == "string":
        _check_string(shape, raw, path, problems)
        return raw
    if kind in {"integer", "long"}:
        try:
            number = int(raw)
        except ValueError:
            problems.add(raw, path, "Member must be a number")
            return None
        _check_range(shape, number, path, problems)
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


def _check_string(shape: Shape, value: str, path: str, problems: _Problems) -> None:
    meta = shape.metadata
    enum = getattr(shape, "enum", None) or meta.get("enum")
    if enum and value not in enum:
        problems.add(value, path, f"Member must satisfy enum value set: [{', '.join(enum)}]")
        return
    _check_length(shape, value, len(value), path, problems)
    pattern = meta.get("pattern")
    if pattern and not _pattern(pattern).fullmatch(value):
        problems.add(value, path, f"Member must satisfy regular expression pattern: {pattern}")


def _shown(value: Any) -> str | None:
    """A value as AWS's validator quotes it: strings as they are, lists of strings as
    ``[a, b]`` (Java's list text), anything else as null."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "[" + ", ".join(value) + "]"
    return None


def _check_length(shape: Shape, value: Any, length: int, path: str, problems: _Problems) -> None:
    meta = shape.metadata
    if "min" in meta and length < meta["min"]:
        problems.add(_shown(value), path, f"Member must have length greater than or equal to {meta['min']}")
    elif "max" in meta and length > meta["max"]:
        problems.add(_shown(value), path, f"Member must have length less than or equal to {meta['max']}")


def _check_range(shape: Shape, value: int, path: str, problems: _Problems) -> None:
    meta = shape.metadata
    if "min" in meta and value < meta["min"]:
        problems.add(value, path, f"Member must have value greater than or equal to {meta['min']}")
    elif "max" in meta and value > meta["max"]:
        problems.add(value, path, f"Member must have value less than or equal to {meta['max']}")


def _timestamp(raw: str, path: str, problems: _Problems) -> datetime | None:
    try:
        if raw.replace(".", "", 1).isdigit():
            return datetime.fromtimestamp(float(raw), UTC)
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        problems.add(raw, path, "Member must be a timestamp")
        return None
