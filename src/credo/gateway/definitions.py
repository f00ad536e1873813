"""A service definition: what AWS's Service Authorization Reference says of a service, for one of
ours — its prefix, actions (with access level), resource types (with ARN formats), condition keys,
and how HTTP requests map to actions and resources (``routes``).

``parse_definition`` checks a document and says where the first problem is
(``DefinitionError``: ``routes[2].resource (line 31): …``). The checked definition's
``document`` is its canonical JSON form, the one the store keeps.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from credo.gateway.definition_source import DefinitionError, Path, SourceDocument, read_source
from credo.gateway.routes import Route, RouteTable, parse_route

# AWS's access levels, as the Service Authorization Reference lists them.
ACCESS_LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")
# The condition key types IAM's reference uses.
KEY_TYPES = ("String", "ArrayOfString", "Numeric", "Date", "Bool", "ARN", "IPAddress", "Binary")
# Prefixes credo answers for itself; a service of ours may not take them.
RESERVED_PREFIXES = frozenset({"aws", "credo", "iam", "sts", "sso", "sso-oauth", "identitystore"})
BUILTIN_VARIABLES = frozenset({"Partition", "Region", "Account"})
TARGETS_REMEMBERED = 4_096

_PREFIX = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\Z")
_ACTION = re.compile(r"[A-Za-z][A-Za-z0-9]{0,127}\Z")
_RESOURCE_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,63}\Z")
_KEY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]{0,127}\Z")
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_VARIABLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}\Z")
_FIELDS = ("service", "name", "actions", "resources", "condition_keys", "routes")


@dataclass(frozen=True)
class ActionDefinition:
    name: str
    access_level: str
    resource_types: tuple[str, ...] = ()
    condition_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResourceType:
    name: str
    arn_format: str  # arn:${Partition}:widgets:${Region}:${Account}:widget/${WidgetId}
    variables: tuple[str, ...]  # the ${…} names it uses, in order
    template: str = ""  # arn_format for str.format: ``{Name}`` for ``${Name}``, other braces doubled

    def arn(self, values: dict[str, str]) -> str:
        """The ARN with every ``${Name}`` replaced from ``values`` (all present: checked at parse)."""
        return self.template.format_map(values)


@dataclass(frozen=True)
class ConditionKey:
    name: str  # widgets:Color, as written
    type: str


@dataclass(frozen=True)
class ServiceDefinition:
    prefix: str
    name: str
    actions: dict[str, ActionDefinition]  # by name as written (matched case-insensitively)
    resource_types: dict[str, ResourceType]
    condition_keys: dict[str, ConditionKey]  # by lower-cased name
    routes: RouteTable
    document: dict[str, Any]
    # (method, raw path, region, account) → (prefix:Action, resource ARN) of requests routed
    # before: a repeated request's target is one look-up. Bounded: starts over when full.
    targets: dict[tuple[str, str, str, str], tuple[str, str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def remember_target(self, key: tuple[str, str, str, str], target: tuple[str, str]) -> None:
        if len(self.targets) >= TARGETS_REMEMBERED:
            self.targets.clear()
        self.targets[key] = target

    def action(self, name: str) -> ActionDefinition | None:
        """The action called ``name`` in any case, as IAM matches action names."""
        found = self.actions.get(name)
        if found is None:
            found = next((a for n, a in self.actions.items() if n.lower() == name.lower()), None)
        return found

    @property
    def text(self) -> str:
        return json.dumps(self.document, sort_keys=False, separators=(",", ":"))


def load_definition(text: str) -> ServiceDefinition:
    """Parse and check a definition file's text (YAML or JSON)."""
    return parse_definition(read_source(text))


def definition_from_json(text: str) -> ServiceDefinition:
    """A definition as the store keeps it (its canonical JSON, checked when it was put)."""
    return parse_definition(SourceDocument(json.loads(text), {}))


def parse_definition(source: SourceDocument) -> ServiceDefinition:
    doc = source.data
    if not isinstance(doc, dict):
        raise source.error("a service definition is a mapping (service, actions, resources, routes…)", ())
    for name in doc:
        if name not in _FIELDS:
            raise source.error(f"unknown field; a definition has {', '.join(_FIELDS)}", (name,))
    prefix = _prefix(source, doc.get("service"))
    name = doc.get("name", prefix)
    if not isinstance(name, str) or not name.strip():
        raise source.error("the service's name is a non-empty string", ("name",))
    keys = _condition_keys(source, prefix, doc.get("condition_keys", {}))
    resource_types = _resource_types(source, prefix, doc.get("resources", {}))
    actions = _actions(source, doc.get("actions"), resource_types, keys)
    routes = _routes(source, doc.get("routes", []), actions, resource_types)
    document = {
        "service": prefix,
        "name": name,
        "actions": {
            a.name: {
                "access": a.access_level,
                "resources": list(a.resource_types),
                "condition_keys": list(a.condition_keys),
            }
            for a in actions.values()
        },
        "resources": {r.name: {"arn": r.arn_format} for r in resource_types.values()},
        "condition_keys": {k.name: {"type": k.type} for k in keys.values()},
        "routes": [route.document() for route in routes.routes],
    }
    return ServiceDefinition(prefix, name, actions, resource_types, keys, routes, document)


def _prefix(source: SourceDocument, value: object) -> str:
    where: Path = ("service",)
    if value is None:
        raise source.error("missing: the service prefix that actions start with (widgets:GetWidget)", where)
    if not isinstance(value, str) or not _PREFIX.match(value):
        raise source.error(
            f"{value!r} is not a service prefix: lower-case letters, digits and dashes, 1 to 64", where
        )
    if value in RESERVED_PREFIXES or value in _aws_namespaces():
        raise source.error(f"{value!r} is an AWS service's prefix; choose a name of your own", where)
    return value


@functools.cache
def _aws_namespaces() -> frozenset[str]:
    """AWS's service prefixes (the file ``credo.iam.service_access`` names services by; read here
    without importing the IAM side, which ``credo service`` does not need)."""
    raw = resources.files("credo").joinpath("data/service-namespaces.json").read_bytes()
    return frozenset(json.loads(raw))


def _mapping(source: SourceDocument, value: object, where: Path, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise source.error(f"{what} is a mapping of names to their description", where)
    return value


def _names(source: SourceDocument, value: object, where: Path, what: str) -> list[str]:
    """A list of strings (a single string is a list of one)."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise source.error(f"{what} is a list of names", where)
    return items


def _condition_keys(source: SourceDocument, prefix: str, value: object) -> dict[str, ConditionKey]:
    found: dict[str, ConditionKey] = {}
    for name, spec in _mapping(source, value, ("condition_keys",), "condition_keys").items():
        where: Path = ("condition_keys", name)
        service, colon, key = name.partition(":")
        if not colon or service != prefix or not _KEY_NAME.match(key):
            raise source.error(f"a condition key is named {prefix}:Name (letters, digits, _ . / -)", where)
        if name.lower() in found:
            raise source.error("this key is defined twice (key names ignore case)", where)
        key_type = spec.get("type", "String") if isinstance(spec, dict) else spec
        if key_type not in KEY_TYPES:
            raise source.error(f"type {key_type!r} is not one of {', '.join(KEY_TYPES)}", (*where, "type"))
        found[name.lower()] = ConditionKey(name, str(key_type))
    return found


def _resource_types(source: SourceDocument, prefix: str, value: object) -> dict[str, ResourceType]:
    found: dict[str, ResourceType] = {}
    for name, spec in _mapping(source, value, ("resources",), "resources").items():
        where: Path = ("resources", name)
        if not _RESOURCE_TYPE.match(name):
            raise source.error("a resource type's name is letters, digits and dashes", where)
        arn_format = spec.get("arn") if isinstance(spec, dict) else spec
        if isinstance(spec, dict):
            where = (*where, "arn")
        if not isinstance(arn_format, str):
            raise source.error("the resource type needs its ARN format (arn: …)", where)
        variables = tuple(_VARIABLE.findall(arn_format))
        for variable in variables:
            if not _VARIABLE_NAME.match(variable):
                raise source.error(f"${{{variable}}} is not a variable name (letters and digits)", where)
        parts = arn_format.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or parts[1] not in ("aws", "${Partition}"):
            raise source.error(
                "an ARN format is arn:${Partition}:SERVICE:${Region}:${Account}:RESOURCE", where
            )
        if parts[2] != prefix:
            raise source.error(f"the ARN's service is {parts[2]!r}, not the definition's {prefix!r}", where)
        if not parts[5]:
            raise source.error("the ARN format names no resource after the account", where)
        found[name] = ResourceType(name, arn_format, variables, _template(arn_format))
    return found


def _template(arn_format: str) -> str:
    """``arn_format`` as a ``str.format`` template (done once: formatting is then one call)."""
    pieces = _VARIABLE.split(arn_format)  # literal, name, literal, name, …, literal
    return "".join(
        "{" + piece + "}" if i % 2 else piece.replace("{", "{{").replace("}", "}}")
        for i, piece in enumerate(pieces)
    )


def _actions(
    source: SourceDocument,
    value: object,
    resource_types: dict[str, ResourceType],
    keys: dict[str, ConditionKey],
) -> dict[str, ActionDefinition]:
    if value is None:
        raise source.error("missing: the service's actions (GetWidget: {access: Read} …)", ("actions",))
    found: dict[str, ActionDefinition] = {}
    lowered: set[str] = set()
    for name, spec in _mapping(source, value, ("actions",), "actions").items():
        where: Path = ("actions", name)
        if not _ACTION.match(name):
            raise source.error("an action's name is letters and digits, starting with a letter", where)
        if name.lower() in lowered:
            raise source.error("this action is defined twice (action names ignore case)", where)
        lowered.add(name.lower())
        spec = {"access": spec} if isinstance(spec, str) else spec
        if not isinstance(spec, dict):
            raise source.error("an action is described by its access level (access: Read)", where)
        for field_name in spec:
            if field_name not in ("access", "resources", "condition_keys", "description"):
                raise source.error(
                    "unknown field; an action has access, resources, condition_keys, description",
                    (*where, field_name),
                )
        level = spec.get("access")
        if level not in ACCESS_LEVELS:
            raise source.error(
                f"access level {level!r} is not one of {', '.join(ACCESS_LEVELS)}", (*where, "access")
            )
        types = _names(source, spec.get("resources", []), (*where, "resources"), "resources")
        for i, type_name in enumerate(types):
            if type_name not in resource_types:
                raise source.error(f"no resource type {type_name!r} is defined", (*where, "resources", i))
        action_keys = _names(
            source, spec.get("condition_keys", []), (*where, "condition_keys"), "condition_keys"
        )
        for i, key in enumerate(action_keys):
            if key.lower() not in keys and not key.lower().startswith("aws:"):
                raise source.error(f"no condition key {key!r} is defined", (*where, "condition_keys", i))
        found[name] = ActionDefinition(name, level, tuple(types), tuple(action_keys))
    if not found:
        raise source.error("a service has at least one action", ("actions",))
    return found


def _routes(
    source: SourceDocument,
    value: object,
    actions: dict[str, ActionDefinition],
    resource_types: dict[str, ResourceType],
) -> RouteTable:
    if not isinstance(value, list):
        raise source.error("routes is a list of {method, path, action, resource}", ("routes",))
    routes: list[Route] = []
    seen: dict[tuple[str, str], int] = {}
    for i, spec in enumerate(value):
        route = parse_route(source, ("routes", i), spec, actions, resource_types)
        shape = (route.method, route.shape)
        if shape in seen:
            raise source.error(
                f"routes[{seen[shape]}] already maps {route.method} {route.path}", ("routes", i, "path")
            )
        seen[shape] = i
        routes.append(route)
    return RouteTable(tuple(routes))


__all__ = [
    "ActionDefinition",
    "ConditionKey",
    "DefinitionError",
    "ResourceType",
    "ServiceDefinition",
    "definition_from_json",
    "load_definition",
    "parse_definition",
]
