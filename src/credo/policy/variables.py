"""Policy variables: ``${aws:username}``, ``${aws:PrincipalTag/team, 'none'}``, ``${*}``.

Only documents with ``"Version": "2012-10-17"`` have variables; in older ones ``${...}`` is
plain text. A text with variables is split into parts once, when the policy is compiled, and
resolved against each request's context. The escapes ``${*}``, ``${?}`` and ``${$}`` stand for
the literal characters, never for wildcards; a substituted value is literal text too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_VARIABLE = re.compile(r"\$\{([^{}]*)\}")
_KEY = re.compile(r"[A-Za-z0-9_.\-]+:[^\s,'{}$]+\Z")
_DEFAULT = re.compile(r"'([^']*)'\Z")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True, slots=True)
class Verbatim:
    """Text that must match itself exactly, even where ``*`` and ``?`` would be wildcards."""

    text: str


@dataclass(frozen=True, slots=True)
class Variable:
    """A ``${key}`` or ``${key, 'default'}`` reference; ``key`` is lowercased."""

    key: str
    name: str
    default: str | None


# A ``str`` part is policy text whose wildcards (if the element has any) are active.
Part = str | Verbatim | Variable
Resolved = tuple[str | Verbatim, ...]


def parse_template(text: str) -> tuple[Part, ...]:
    """Split ``text`` into literal text, escapes and variables; text without ``${`` is one part."""
    if "${" not in text:
        return (text,)
    parts: list[Part] = []
    pos = 0
    for m in _VARIABLE.finditer(text):
        inner = m.group(1).strip()
        part: Part | None = None
        if inner in _ESCAPES:
            part = Verbatim(_ESCAPES[inner])
        else:
            name, sep, default = inner.partition(",")
            name = name.strip()
            if _KEY.match(name):
                if not sep:
                    part = Variable(name.lower(), name, None)
                else:
                    dm = _DEFAULT.match(default.strip())
                    if dm:
                        part = Variable(name.lower(), name, dm.group(1))
        if part is None:
            continue  # not a variable reference: stays ordinary text
        if m.start() > pos:
            parts.append(text[pos : m.start()])
        parts.append(part)
        pos = m.end()
    if pos < len(text):
        parts.append(text[pos:])
    return tuple(parts) if parts else (text,)


def has_variables(parts: tuple[Part, ...]) -> bool:
    """Whether resolving ``parts`` depends on the request (escapes alone do not)."""
    return any(isinstance(p, Variable) for p in parts)


def variables_in(parts: tuple[Part, ...]) -> list[Variable]:
    """The variables referenced by ``parts``, in order."""
    return [p for p in parts if isinstance(p, Variable)]


Context = Mapping[str, str | Sequence[str]]


def lookup(variable: Variable, context: Context) -> str | None:
    """The single value a variable stands for, its default, or ``None`` if it has neither."""
    values = context.get(variable.key)
    if values is None:
        return variable.default
    if isinstance(values, str):
        return values
    return values[0] if len(values) == 1 else variable.default


def resolve(parts: tuple[Part, ...], context: Context) -> Resolved | None:
    """Substitute every variable from ``context``; ``None`` if one has no value and no default."""
    out: list[str | Verbatim] = []
    for p in parts:
        if isinstance(p, Variable):
            value = lookup(p, context)
            if value is None:
                return None
            out.append(Verbatim(value))
        else:
            out.append(p)
    return tuple(out)


def as_text(parts: Resolved | tuple[Part, ...]) -> str:
    """The resolved parts as plain text (for exact comparisons, where nothing is a wildcard)."""
    return "".join(p if isinstance(p, str) else p.text if isinstance(p, Verbatim) else "" for p in parts)
