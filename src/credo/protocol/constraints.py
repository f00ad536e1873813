"""The service models' constraints on one value, worded as AWS's validators word them.

Shared by the Query decoder (``query.py``) and the JSON decoder (``json.py``): required members,
lengths, ranges, enums and patterns, collected into one ``ValidationError``-style message::

    1 validation error detected: Value 'x' at 'userName' failed to satisfy constraint:
    Member must satisfy regular expression pattern: [\\w+=,.@-]+

A value the model marks ``sensitive`` (passwords, user names in the identity store) is never
quoted: ``Value at 'userName' …``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache
from typing import Any

from botocore.model import Shape

from credo.errors import AwsError, ValidationError

# Characters XML 1.0 cannot carry, and the pattern that keeps them out, as messages show it.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
XML_TEXT = "[\\u0009\\u000A\\u000D\\u0020-\\uD7FF\\uE000-\\uFFFD]*"

# One character class of Unicode general categories and literal characters, repeated:
# ``[\p{L}\p{M}\p{S}\p{N}\p{P}]+``, ``([\p{L}\p{Z}\p{N}_.:/=+\-@]*)``. Python's ``re`` has no
# ``\p{…}``; these patterns are common in the newer models, so they are checked by category.
_CLASS_PATTERN = re.compile(r"\^?\(?\[((?:\\p\{[A-Z][a-z]?\}|\\.|[^\\\]])+)\]([+*])\)?\$?")
_CLASS_ITEM = re.compile(r"\\p\{([A-Z][a-z]?)\}|\\(.)|(.)", re.DOTALL)
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r"}


def camel(name: str) -> str:
    """A member's name as validation messages spell it: ``UserName`` → ``userName``."""
    return name[:1].lower() + name[1:]


class Problems:
    """The validation problems found so far; ``redacted()`` records into the same list without
    quoting values (for ``sensitive`` shapes: passwords, private keys — AWS leaves them out too)."""

    def __init__(self, items: list[str] | None = None, *, redact: bool = False) -> None:
        self.items: list[str] = [] if items is None else items
        self.redact = redact

    def redacted(self) -> Problems:
        return Problems(self.items, redact=True)

    def add(self, value: Any, path: str, constraint: str) -> None:
        if self.redact:
            self.items.append(f"Value at '{path}' failed to satisfy constraint: {constraint}")
            return
        shown = "null" if value is None else f"'{value}'"
        self.items.append(f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}")

    def raise_if_any(self, error: type[AwsError] = ValidationError) -> None:
        if not self.items:
            return
        count = len(self.items)
        noun = "error" if count == 1 else "errors"
        raise error(f"{count} validation {noun} detected: " + "; ".join(self.items))


@cache
def pattern(text: str) -> re.Pattern[str] | None:
    """A model's (Java-style) pattern compiled, or ``None`` when Python cannot compile it
    (``\\p{…}`` classes): the value is then checked as a member without a pattern."""
    try:
        return re.compile(text, re.DOTALL)
    except re.error:
        return None


@cache
def unicode_class(text: str) -> Callable[[str], bool] | None:
    """A predicate for a pattern that is one repeated class of ``\\p{…}`` categories and
    literal characters, or ``None`` for any other pattern."""
    match = _CLASS_PATTERN.fullmatch(text)
    if match is None:
        return None
    categories: set[str] = set()
    literals: set[str] = set()
    for category, escaped, literal in _CLASS_ITEM.findall(match.group(1)):
        if category:
            categories.add(category)
        elif escaped:
            literals.add(_ESCAPES.get(escaped, escaped))
        else:
            literals.add(literal)
    minimum = 1 if match.group(2) == "+" else 0

    def matches(value: str) -> bool:
        if len(value) < minimum:
            return False
        for char in value:
            if char in literals:
                continue
            kind = unicodedata.category(char)
            if kind not in categories and kind[0] not in categories:
                return False
        return True

    return matches


def check_string(
    shape: Shape, value: str, path: str, problems: Problems, *, unicode_classes: bool = False
) -> None:
    """Enum, length and pattern; ``unicode_classes`` also checks ``\\p{…}`` class patterns."""
    meta = shape.metadata
    enum = getattr(shape, "enum", None) or meta.get("enum")
    if enum and value not in enum:
        problems.add(value, path, f"Member must satisfy enum value set: [{', '.join(enum)}]")
        return
    check_length(shape, value, len(value), path, problems)
    text = meta.get("pattern")
    compiled = pattern(text) if text else None
    if compiled is not None:
        if not compiled.fullmatch(value):
            problems.add(value, path, f"Member must satisfy regular expression pattern: {text}")
        return
    by_class = unicode_class(text) if text and unicode_classes else None
    if by_class is not None and not by_class(value):
        problems.add(value, path, f"Member must satisfy regular expression pattern: {text}")
    elif not (value.isascii() and value.isprintable()) and NOT_XML.search(value):
        # A member the model leaves free (descriptions, context values) still ends up in replies
        # and in the store; every pattern Python compiles from the models keeps these characters out.
        problems.add(value, path, f"Member must satisfy regular expression pattern: {text or XML_TEXT}")


def shown(value: Any) -> str | None:
    """A value as AWS's validator quotes it: strings as they are, lists of strings as
    ``[a, b]`` (Java's list text), anything else as null."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "[" + ", ".join(value) + "]"
    return None


def check_length(shape: Shape, value: Any, length: int, path: str, problems: Problems) -> None:
    meta = shape.metadata
    if "min" in meta and length < meta["min"]:
        problems.add(shown(value), path, f"Member must have length greater than or equal to {meta['min']}")
    elif "max" in meta and length > meta["max"]:
        problems.add(shown(value), path, f"Member must have length less than or equal to {meta['max']}")


def check_range(shape: Shape, value: int, path: str, problems: Problems) -> None:
    meta = shape.metadata
    if "min" in meta and value < meta["min"]:
        problems.add(value, path, f"Member must have value greater than or equal to {meta['min']}")
    elif "max" in meta and value > meta["max"]:
        problems.add(value, path, f"Member must have value less than or equal to {meta['max']}")
