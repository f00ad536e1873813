"""HTTP routes of a service definition: ``METHOD /path/{Var}`` → an action and a resource.

A path template's segments are literal text, ``{Name}`` (one segment) or, last only,
``{Name+}`` (the rest of the path, slashes included). Variables fill the ``${Name}`` of the
route's resource type's ARN format. When several routes match a request, the most specific
wins: the one whose first differing segment is literal (``/widgets/search`` before
``/widgets/{WidgetId}``). ``HEAD`` uses the ``GET`` route when it has none of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from credo.gateway.definition_source import Path, SourceDocument

if TYPE_CHECKING:
    from credo.gateway.definitions import ActionDefinition, ResourceType

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_SEGMENT_VARIABLE = re.compile(r"\{([A-Za-z][A-Za-z0-9]{0,63})(\+?)\}\Z")
_LITERAL = 0
_ONE = 1
_REST = 2


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    action: str
    resource_type: str | None
    # (kind, text): literal segments as text, variables by name.
    segments: tuple[tuple[int, str], ...]

    @property
    def shape(self) -> str:
        """The path with variables blanked: two routes of one shape are the same route."""
        return "/".join("{}" if kind != _LITERAL else text for kind, text in self.segments)

    @property
    def specificity(self) -> tuple[int, ...]:
        return tuple(kind for kind, _ in self.segments)

    def document(self) -> dict[str, Any]:
        found: dict[str, Any] = {"method": self.method, "path": self.path, "action": self.action}
        if self.resource_type is not None:
            found["resource"] = self.resource_type
        return found

    def match(self, parts: list[str]) -> dict[str, str] | None:
        """The variables' values if the path's decoded ``parts`` fit this route."""
        values: dict[str, str] = {}
        segments = self.segments
        for i, (kind, text) in enumerate(segments):
            if kind == _REST:
                rest = parts[i:]
                if not rest or not all(rest):
                    return None
                values[text] = "/".join(rest)
                return values
            if i >= len(parts):
                return None
            part = parts[i]
            if kind == _LITERAL:
                if part != text:
                    return None
            elif not part:
                return None
            else:
                values[text] = part
        return values if len(parts) == len(segments) else None


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    values: dict[str, str]


@dataclass(frozen=True)
class RouteTable:
    routes: tuple[Route, ...]
    _by_method: dict[str, tuple[Route, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Per method, the routes most specific first: the first that fits is the one.
        by_method: dict[str, list[Route]] = {}
        for route in sorted(self.routes, key=lambda r: r.specificity):
            by_method.setdefault(route.method, []).append(route)
        object.__setattr__(self, "_by_method", {m: tuple(rs) for m, rs in by_method.items()})

    def match(self, method: str, path: str) -> RouteMatch | None:
        """The route for ``method`` and the raw (percent-encoded) ``path``, if any."""
        raw = path.partition("?")[0]
        parts = [unquote(part) for part in raw.split("/")[1:]] if "%" in raw else raw.split("/")[1:]
        found = self._first(method, parts)
        if found is None and method == "HEAD":
            found = self._first("GET", parts)
        return found

    def _first(self, method: str, parts: list[str]) -> RouteMatch | None:
        for route in self._by_method.get(method, ()):
            values = route.match(parts)
            if values is not None:
                return RouteMatch(route, values)
        return None

    def methods_for(self, path: str) -> list[str]:
        """The methods some route takes on ``path`` (to explain a refusal)."""
        parts = [unquote(part) for part in path.split("?", 1)[0].split("/")[1:]]
        return sorted({r.method for r in self.routes if r.match(parts) is not None})


def parse_route(
    source: SourceDocument,
    where: Path,
    spec: object,
    actions: dict[str, ActionDefinition],
    resource_types: dict[str, ResourceType],
) -> Route:
    """One route, checked against the definition's actions and resource types."""
    if not isinstance(spec, dict):
        raise source.error("a route is {method, path, action} with an optional resource", where)
    for name in spec:
        if name not in ("method", "path", "action", "resource"):
            raise source.error("unknown field; a route has method, path, action, resource", (*where, name))
    method = spec.get("method")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise source.error(f"method {method!r} is not one of {', '.join(METHODS)}", (*where, "method"))
    path = spec.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise source.error("path is a template starting with / (/widgets/{WidgetId})", (*where, "path"))
    segments = _segments(source, (*where, "path"), path)
    action = spec.get("action")
    if not isinstance(action, str) or action not in actions:
        raise source.error(f"no action {action!r} is defined", (*where, "action"))
    resource_type = spec.get("resource")
    if resource_type is not None:
        if not isinstance(resource_type, str) or resource_type not in resource_types:
            raise source.error(f"no resource type {resource_type!r} is defined", (*where, "resource"))
        declared = actions[action].resource_types
        if declared and resource_type not in declared:
            raise source.error(
                f"{action} applies to {', '.join(declared)}, not {resource_type}", (*where, "resource")
            )
        names = {text for kind, text in segments if kind != _LITERAL}
        for variable in resource_types[resource_type].variables:
            if variable not in names and variable not in ("Partition", "Region", "Account"):
                raise source.error(
                    f"the path has no {{{variable}}} for the ARN of {resource_type}", (*where, "path")
                )
    return Route(method.upper(), path, action, resource_type, segments)


def _segments(source: SourceDocument, where: Path, path: str) -> tuple[tuple[int, str], ...]:
    segments: list[tuple[int, str]] = []
    names: set[str] = set()
    texts = path.split("/")[1:]
    for i, text in enumerate(texts):
        variable = _SEGMENT_VARIABLE.match(text)
        if variable is None:
            if "{" in text or "}" in text:
                raise source.error(f"segment {text!r}: a variable is a whole segment, {{Name}}", where)
            segments.append((_LITERAL, text))
            continue
        name, greedy = variable.groups()
        if name in names:
            raise source.error(f"{{{name}}} appears twice", where)
        names.add(name)
        if greedy and i != len(texts) - 1:
            raise source.error(f"{{{name}+}} takes the rest of the path, so it comes last", where)
        segments.append((_REST if greedy else _ONE, name))
    return tuple(segments)
