"""Query-protocol XML writers, compiled once per shape of the service model into plain Python.

A page of 100 users is 800 member look-ups. Walking the shape for each value pays, per member,
a loop step, a dispatch on the member's kind and a dispatch on the value's type. The writer
compiled for a shape has made those choices once: each member is one ``get``, one ``None``
test and one append of its tags and text, nested lists and structures are written in line,
and the value's type is tested only against the one the model expects (anything else takes
the general path, ``scalar_text``, so the output is the same whatever a handler passes).

Escaping is checked once per document, not once per string: the fast writer writes strings as
they are and keeps each one in ``texts``; ``write`` looks for ``&``, ``<`` and ``>`` in all of
them together and, only if one is there, writes the document again with the escaping writer.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from botocore.model import ListShape, MapShape, Shape, StructureShape

# (value, parts, texts): append the value's XML to ``parts``; the fast writer also appends to
# ``texts`` every string it wrote without escaping.
Writer = Callable[[Any, list[str], list[str]], None]

# "00" to "59": every month, day, hour, minute and second.
_TWO_DIGITS = tuple(f"{number:02d}" for number in range(60))

# Element names come from the model; anything but a plain name would break the generated code.
_TAG = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]*")


def write(shape: Shape, value: Any, parts: list[str]) -> None:
    """Append the XML of ``value`` (of ``shape``) to ``parts``, every string escaped as needed."""
    start = len(parts)
    texts: list[str] = []
    compiled(shape, False)(value, parts, texts)
    if texts:
        written = "".join(texts)
        if "&" in written or "<" in written or ">" in written:
            del parts[start:]
            compiled(shape, True)(value, parts, texts)


def scalar_text(value: Any) -> str:
    """A scalar as XML text: strings escaped, booleans and times as AWS writes them."""
    if isinstance(value, str):
        # Names, ids and ARNs rarely need escaping; looking is cheaper than escaping.
        return escape(value) if ("&" in value or "<" in value or ">" in value) else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return escape(str(value))


def format_timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as IAM and STS print times."""
    if value.tzinfo is not None:
        if value.utcoffset():
            value = value.astimezone(UTC)
        value = value.replace(tzinfo=None)
    # isoformat is C; a listing prints one or two of these per member.
    return value.isoformat(timespec="seconds") + "Z"


@cache
def compiled(shape: Shape, escaping: bool) -> Writer:
    """The writer of ``shape``: with ``escaping``, one that escapes each string itself."""
    source = _Source(shape, escaping)
    namespace: dict[str, Any] = {
        "datetime": datetime,
        "text": scalar_text,
        "TWO_DIGITS": _TWO_DIGITS,
        **source.bound,
    }
    exec(compile(source.code, f"<xml writer for {shape.name}>", "exec"), namespace)  # noqa: S102
    writer: Writer = namespace["write"]
    return writer


class _Source:
    """The Python source of one shape's writer, and the objects it refers to by name."""

    def __init__(self, shape: Shape, escaping: bool) -> None:
        self.escaping = escaping
        self.bound: dict[str, Any] = {}
        self.lines = ["def write(v0, parts, texts):", "    append = parts.append"]
        if not escaping:
            self.lines.append("    keep = texts.append")
        self._value(shape, "v0", 0, "", "", 1, (shape.name,))
        self.code = "\n".join(self.lines) + "\n"

    def _emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def _value(
        self,
        shape: Shape,
        var: str,
        depth: int,
        open_tag: str,
        close_tag: str,
        indent: int,
        path: tuple[str, ...],
    ) -> None:
        """Code that writes ``var`` (not ``None``) of ``shape`` between ``open_tag`` and ``close_tag``."""
        if isinstance(shape, (StructureShape, ListShape, MapShape)):
            if open_tag:
                self._emit(indent, f"append({open_tag!r})")
            if isinstance(shape, StructureShape):
                self._structure(shape, var, depth, indent, path)
            elif isinstance(shape, ListShape):
                self._list(shape, var, depth, indent, path)
            else:
                self._map(shape, var, depth, indent, path)
            if close_tag:
                self._emit(indent, f"append({close_tag!r})")
            return
        self._scalar(shape, var, open_tag, close_tag, indent)

    def _nested(
        self,
        shape: Shape,
        var: str,
        depth: int,
        open_tag: str,
        close_tag: str,
        indent: int,
        path: tuple[str, ...],
    ) -> None:
        """Write a member or item in line, or, for a shape that contains itself, by its own writer."""
        # botocore makes a new Shape object at every reference: a shape is known by its name.
        if shape.name in path:
            name = f"w{len(self.bound)}"
            self.bound[name] = _later(shape, self.escaping)
            if open_tag:
                self._emit(indent, f"append({open_tag!r})")
            self._emit(indent, f"{name}({var}, parts, texts)")
            if close_tag:
                self._emit(indent, f"append({close_tag!r})")
        else:
            self._value(shape, var, depth, open_tag, close_tag, indent, (*path, shape.name))

    def _structure(
        self, shape: StructureShape, var: str, depth: int, indent: int, path: tuple[str, ...]
    ) -> None:
        get, member_var = f"get{depth}", f"x{depth}"
        self._emit(indent, f"{get} = {var}.get")
        for name, member in shape.members.items():
            tag = _tag(member.serialization.get("name", name))
            self._emit(indent, f"{member_var} = {get}({name!r})")
            self._emit(indent, f"if {member_var} is not None:")
            self._nested(member, member_var, depth + 1, f"<{tag}>", f"</{tag}>", indent + 1, path)

    def _list(self, shape: ListShape, var: str, depth: int, indent: int, path: tuple[str, ...]) -> None:
        tag = _tag(shape.member.serialization.get("name", "member"))
        item = f"i{depth}"
        self._emit(indent, f"for {item} in {var}:")
        self._nested(shape.member, item, depth + 1, f"<{tag}>", f"</{tag}>", indent + 1, path)

    def _map(self, shape: MapShape, var: str, depth: int, indent: int, path: tuple[str, ...]) -> None:
        key, value = f"k{depth}", f"i{depth}"
        self._emit(indent, f"for {key}, {value} in {var}.items():")
        self._emit(indent + 1, "append('<entry><key>')")
        self._nested(shape.key, key, depth + 1, "", "", indent + 1, path)
        self._emit(indent + 1, "append('</key><value>')")
        self._nested(shape.value, value, depth + 1, "", "", indent + 1, path)
        self._emit(indent + 1, "append('</value></entry>')")

    def _scalar(self, shape: Shape, var: str, open_tag: str, close_tag: str, indent: int) -> None:
        """One append: the value's text between its tags, by the model's type when the value has
        it, else by ``scalar_text`` (which is what every value was written with before)."""
        kind = shape.type_name

        def between_tags(expression: str, suffix: str = "") -> str:
            # Tags hold only name characters, "<", "/" and ">" (``_tag``): safe in an f-string.
            return f"f'{open_tag}{{{expression}}}{suffix}{close_tag}'"

        general = between_tags(f"text({var})")
        if kind == "string" and not self.escaping:
            self._emit(indent, f"if {var}.__class__ is str:")
            self._emit(indent + 1, f"keep({var})")
            self._emit(indent + 1, f"append({between_tags(var)})")
            self._emit(indent, "else:")
            self._emit(indent + 1, f"append({general})")
        elif kind == "timestamp":
            # From the fields, with two-digit strings looked up: several times faster than
            # isoformat(timespec="seconds"). Times in UTC (naive ones are) and of four-digit years
            # only; any other goes the general way.
            fields = (
                f"{var}.year}}-{{TWO_DIGITS[{var}.month]}}-{{TWO_DIGITS[{var}.day]}}T"
                f"{{TWO_DIGITS[{var}.hour]}}:{{TWO_DIGITS[{var}.minute]}}:{{TWO_DIGITS[{var}.second]"
            )
            utc = (
                f"{var}.__class__ is datetime and {var}.year > 999"
                f" and ({var}.tzinfo is None or not {var}.utcoffset())"
            )
            self._emit(indent, f"append({between_tags(fields, 'Z')} if {utc} else {general})")
        elif kind == "boolean":
            true, false = f"{open_tag}true{close_tag}", f"{open_tag}false{close_tag}"
            self._emit(
                indent, f"append({true!r} if {var} is True else {false!r} if {var} is False else {general})"
            )
        elif kind in ("integer", "long"):
            self._emit(indent, f"append({between_tags(var)} if {var}.__class__ is int else {general})")
        else:
            self._emit(indent, f"append({general})")


def _later(shape: Shape, escaping: bool) -> Writer:
    """A writer that compiles ``shape``'s own writer when first called (for shapes containing
    themselves, whose writer cannot exist while it is being compiled)."""

    def write_later(value: Any, parts: list[str], texts: list[str]) -> None:
        compiled(shape, escaping)(value, parts, texts)

    return write_later


def _tag(name: str) -> str:
    if not _TAG.fullmatch(name):
        raise ValueError(f"not an XML element name the writers support: {name!r}")
    return name
