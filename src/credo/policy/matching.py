"""Wildcard matchers for actions, resources and ARNs, compiled once per policy.

Actions are case-insensitive and ``*``/``?`` match any characters. Resources and ARN
condition values are case-sensitive and matched segment by segment: in the first five
colon-separated segments of ``arn:partition:service:region:account:resource`` a wildcard
never crosses a ``:``; in the resource segment it matches anything. A whole pattern ``*``
matches every resource. Every entry of an element is folded into one regular expression.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from credo.policy.variables import Context, Part, Variable, Verbatim, has_variables, lookup

_NEVER = "(?!)"


@functools.lru_cache(maxsize=8192)
def compiled(source: str) -> re.Pattern[str]:
    """Compile a regular expression once (shared by every policy)."""
    return re.compile(source, re.DOTALL)


def glob_source(parts: Iterable[str | Verbatim] | str) -> str:
    """A regex source for a ``*``/``?`` pattern where wildcards match anything (StringLike, actions)."""
    if isinstance(parts, str):
        parts = (parts,)
    out: list[str] = []
    for part in parts:
        if isinstance(part, Verbatim):
            out.append(re.escape(part.text))
            continue
        for ch in part:
            out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
    return "".join(out)


def arn_source(parts: Iterable[str | Verbatim] | str) -> str:
    """A regex source for an ARN pattern matched segment by segment (Resource, ArnLike)."""
    if isinstance(parts, str):
        parts = (parts,)
    parts = tuple(parts)
    if parts == ("*",):
        return ".*"
    colons = 0
    out: list[str] = []
    for part in parts:
        text = part.text if isinstance(part, Verbatim) else part
        out.append(_segment_source(text, colons, isinstance(part, Verbatim)))
        colons += text.count(":")
    if colons < 5:
        return _NEVER  # not an ARN: it cannot match one
    return "".join(out)


def any_of(sources: Iterable[str]) -> re.Pattern[str]:
    """One pattern that fully matches whatever any of ``sources`` fully matches."""
    unique = list(dict.fromkeys(sources))
    if not unique:
        return compiled(_NEVER)
    if len(unique) == 1:
        return compiled(unique[0])
    return compiled("|".join(f"(?:{s})" for s in unique))


@dataclass(frozen=True, slots=True)
class ActionMatcher:
    """Matches lowercased ``service:action`` names against an Action/NotAction element."""

    exact: frozenset[str]
    pattern: re.Pattern[str] | None
    services: frozenset[str] | None  # services it can match; None: possibly any

    @classmethod
    def build(cls, actions: Iterable[str]) -> ActionMatcher:
        exact: set[str] = set()
        wild: list[str] = []
        services: set[str] | None = set()
        for action in actions:
            lowered = action.lower()
            service = lowered.split(":", 1)[0]
            if "*" in service or "?" in service or ":" not in lowered:
                services = None
            elif services is not None:
                services.add(service)
            if "*" in lowered or "?" in lowered:
                wild.append(glob_source(lowered))
            else:
                exact.add(lowered)
        pattern = any_of(wild) if wild else None
        return cls(frozenset(exact), pattern, None if services is None else frozenset(services))

    def matches(self, action: str) -> bool:
        """``action`` must already be lowercase."""
        if action in self.exact:
            return True
        return self.pattern is not None and self.pattern.fullmatch(action) is not None


@dataclass(frozen=True, slots=True, eq=False)
class ArnTemplate:
    """An ARN pattern with variables: regex fragments around them, patterns cached per value set.

    A substituted value is matched literally; the wildcards after it keep the segment they
    were written in (a value containing ``:`` does not shift them).
    """

    parts: tuple[Part, ...]
    fragments: tuple[str | Variable, ...]
    variables: tuple[Variable, ...]
    cache: dict[tuple[str | None, ...], re.Pattern[str]]

    @classmethod
    def build(cls, parts: tuple[Part, ...]) -> ArnTemplate:
        fragments: list[str | Variable] = []
        colons = 0
        for part in parts:
            if isinstance(part, Variable):
                fragments.append(part)
                continue
            text = part.text if isinstance(part, Verbatim) else part
            source = _segment_source(text, colons, isinstance(part, Verbatim))
            colons += text.count(":")
            fragments.append(source)
        complete = colons >= 5 or parts == ("*",)
        variables = tuple(p for p in parts if isinstance(p, Variable))
        return cls(parts, tuple(fragments) if complete else (_NEVER,), variables, {})

    def pattern(self, context: Context) -> re.Pattern[str] | None:
        """The pattern for this request's variable values; ``None`` if one cannot be resolved."""
        variables = self.variables
        if len(variables) == 1:
            values: tuple[str | None, ...] = (lookup(variables[0], context),)
        else:
            values = tuple(lookup(v, context) for v in variables)
        found = self.cache.get(values)
        if found is not None:
            return found
        if None in values:
            return None
        it = iter(values)
        source = "".join(re.escape(next(it) or "") if isinstance(f, Variable) else f for f in self.fragments)
        found = compiled(source)
        if len(self.cache) >= 256:
            self.cache.clear()
        self.cache[values] = found
        return found


def _segment_source(text: str, colons: int, verbatim: bool) -> str:
    out: list[str] = []
    for ch in text:
        if ch == ":":
            colons += 1
            out.append(":")
        elif not verbatim and ch == "*":
            out.append("[^:]*" if colons < 5 else ".*")
        elif not verbatim and ch == "?":
            out.append("[^:]" if colons < 5 else ".")
        else:
            out.append(re.escape(ch))
    return "".join(out)


@dataclass(frozen=True, slots=True)
class ResourceMatcher:
    """Matches a resource ARN against a Resource/NotResource element, resolving variables."""

    pattern: re.Pattern[str] | None  # all entries without variables
    templates: tuple[ArnTemplate, ...]  # entries with variables, resolved per request
    match_all: bool

    @classmethod
    def build(cls, entries: Iterable[tuple[Part, ...]]) -> ResourceMatcher:
        static: list[str] = []
        templates: list[ArnTemplate] = []
        match_all = False
        for parts in entries:
            if has_variables(parts):
                templates.append(ArnTemplate.build(parts))
                continue
            if parts == ("*",):
                match_all = True
            static.append(arn_source(parts))  # type: ignore[arg-type]  # no Variable here
        pattern = any_of(static) if static else None
        return cls(pattern, tuple(templates), match_all)

    def matches(self, resource: str, context: Context) -> bool | None:
        """True or False; ``None`` when nothing matched and some entry could not be resolved."""
        if self.match_all:
            return True
        if self.pattern is not None and self.pattern.fullmatch(resource) is not None:
            return True
        unresolved = False
        for template in self.templates:
            pattern = template.pattern(context)
            if pattern is None:
                unresolved = True
            elif pattern.fullmatch(resource) is not None:
                return True
        return None if unresolved else False
