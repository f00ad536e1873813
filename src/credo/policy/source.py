"""JSON parsing that remembers where each object starts and ends in the policy text.

``json.loads`` gives values without positions, but SimulateCustomPolicy reports each matched
statement's start and end (line and column), so policy documents are read with this small
recursive-descent parser instead. It accepts RFC 8259 JSON, except strings holding characters
XML cannot carry and integers longer than Python converts (4,300 digits); string literals are
decoded by ``json.loads``.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from typing import Any

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\.)*"')
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")
_MAX_DEPTH = 64
# What XML 1.0 cannot carry (C0 controls but tab, LF and CR; lone surrogates; U+FFFE, U+FFFF).
# A policy's strings reach XML replies (context keys, simulation results), and JSON escapes
# (``\u0000``, ``\ud800``) can spell them where the document's own characters cannot.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class JsonSyntaxError(ValueError):
    """The text is not one well-formed JSON value."""


@dataclass(frozen=True, slots=True)
class Span:
    """Where an object sits in the text: 1-based line and column of ``{`` and just past ``}``."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.offsets: dict[int, tuple[int, int]] = {}
        self._keep: list[object] = []  # keeps ids in ``offsets`` unique while parsing

    def skip(self, i: int) -> int:
        m = _WS.match(self.text, i)
        return m.end() if m else i

    def value(self, i: int, depth: int) -> tuple[Any, int]:
        if depth > _MAX_DEPTH:
            raise JsonSyntaxError("nested too deeply")
        text = self.text
        i = self.skip(i)
        if i >= len(text):
            raise JsonSyntaxError("unexpected end of text")
        ch = text[i]
        if ch == "{":
            return self.obj(i, depth)
        if ch == "[":
            return self.array(i, depth)
        if ch == '"':
            m = _STRING.match(text, i)
            if m is None:
                raise JsonSyntaxError(f"unterminated string at offset {i}")
            literal = m.group()
            try:
                string: str = json.loads(literal)
            except ValueError as exc:
                raise JsonSyntaxError(str(exc)) from None
            if ("\\u" in literal or not literal.isascii()) and _NOT_XML.search(string):
                raise JsonSyntaxError(f"the string at offset {i} holds a character XML cannot carry")
            return string, m.end()
        for word, val in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, i):
                return val, i + len(word)
        m = _NUMBER.match(text, i)
        if m:
            try:
                num: Any = float(m.group()) if m.group(1) or m.group(2) else int(m.group())
            except ValueError:  # an integer longer than Python converts (4,300 digits)
                raise JsonSyntaxError(f"number too long at offset {i}") from None
            return num, m.end()
        raise JsonSyntaxError(f"unexpected character at offset {i}")

    def obj(self, start: int, depth: int) -> tuple[dict[str, Any], int]:
        text = self.text
        result: dict[str, Any] = {}
        i = self.skip(start + 1)
        if text.startswith("}", i):
            return self._done(result, start, i + 1)
        while True:
            if not text.startswith('"', i):
                raise JsonSyntaxError(f"expected a member name at offset {i}")
            key, i = self.value(i, depth + 1)
            i = self.skip(i)
            if not text.startswith(":", i):
                raise JsonSyntaxError(f"expected ':' at offset {i}")
            result[key], i = self.value(i + 1, depth + 1)
            i = self.skip(i)
            if text.startswith("}", i):
                return self._done(result, start, i + 1)
            if not text.startswith(",", i):
                raise JsonSyntaxError(f"expected ',' or '}}' at offset {i}")
            i = self.skip(i + 1)

    def _done(self, result: dict[str, Any], start: int, end: int) -> tuple[dict[str, Any], int]:
        self.offsets[id(result)] = (start, end)
        self._keep.append(result)
        return result, end

    def array(self, start: int, depth: int) -> tuple[list[Any], int]:
        text = self.text
        items: list[Any] = []
        i = self.skip(start + 1)
        if text.startswith("]", i):
            return items, i + 1
        while True:
            item, i = self.value(i, depth + 1)
            items.append(item)
            i = self.skip(i)
            if text.startswith("]", i):
                return items, i + 1
            if not text.startswith(",", i):
                raise JsonSyntaxError(f"expected ',' or ']' at offset {i}")
            i += 1


class Located:
    """A parsed JSON document plus a way to ask where any of its objects was written."""

    def __init__(self, text: str) -> None:
        reader = _Reader(text)
        self.value, end = reader.value(0, 0)
        if reader.skip(end) != len(text):
            raise JsonSyntaxError("extra data after the document")
        self._offsets = reader.offsets
        self._keep = reader._keep
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def span_of(self, obj: object) -> Span:
        """Return where the object ``obj`` (taken from ``self.value``) was written."""
        start, end = self._offsets[id(obj)]
        sl, sc = self._position(start)
        el, ec = self._position(end)
        return Span(sl, sc, el, ec)

    def _position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1
