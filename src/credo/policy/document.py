"""Policy documents: parse, validate against the IAM grammar, and compile into fast matchers.

``parse_policy`` raises ``MalformedPolicyDocument`` with AWS's message where AWS documents
one, followed by where the problem is (``statement #2`` or ``statement 'Sid'``). Each
statement is compiled once: actions into a set plus one regex, resources into one regex
(entries with policy variables are resolved per request), conditions into predicates. A
policy indexes its statements by the service prefix of their actions, and keeps per action a
plan of the statements that match it (``Policy.plans``), so a decision for ``iam:CreateUser``
only looks at statements whose Action matches it. A plan also holds what evaluation remembers
(see ``credo.policy.evaluate``).
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from credo.errors import MalformedPolicyDocument
from credo.policy.conditions import Condition, compile_condition
from credo.policy.matching import ActionMatcher, ResourceMatcher
from credo.policy.memo import Memo
from credo.policy.principals import PrincipalMatcher, compile_principal
from credo.policy.source import JsonSyntaxError, Located, Span
from credo.policy.variables import Part, parse_template, variables_in

if TYPE_CHECKING:
    from credo.policy.evaluate import Report

PolicyKind = Literal["identity", "resource", "trust", "boundary", "session"]

VERSIONS = ("2012-10-17", "2008-10-17")
_TOP_FIELDS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_FIELDS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)
_VENDOR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
_ACTION = re.compile(r"[A-Za-z0-9\-*?]+:[^:\s]*\Z")
_CONDITION_KEY = re.compile(r"[A-Za-z0-9\-*?]+:\S+\Z")
_WITH_PRINCIPAL: frozenset[str] = frozenset({"resource", "trust"})


@dataclass(frozen=True, slots=True)
class MatchedStatement:
    """A statement that decided, positioned as SimulateCustomPolicy reports it (1-based)."""

    policy_id: str
    sid: str | None
    effect: str
    start_line: int
    start_column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True, eq=False)
class Statement:
    """One compiled statement and where it was written."""

    index: int
    sid: str | None
    effect: str
    deny: bool
    actions: ActionMatcher
    not_action: bool
    resources: ResourceMatcher | None  # None: no Resource element (trust policies)
    not_resource: bool
    principals: PrincipalMatcher | None
    not_principal: bool
    conditions: tuple[Condition, ...]
    needed_keys: tuple[tuple[str, str], ...]  # (lowercased, as written): keys a decision reads
    uses_context: bool  # whether deciding it reads the request context at all
    reads: tuple[str, ...]  # every lowercased context key its decision can depend on
    span: Span
    _reported: dict[str, MatchedStatement] = field(default_factory=dict, repr=False)

    def matched_as(self, policy_id: str) -> MatchedStatement:
        """This statement as a MatchedStatement of the policy named ``policy_id`` (cached)."""
        found = self._reported.get(policy_id)
        if found is None:
            s = self.span
            found = MatchedStatement(
                policy_id, self.sid, self.effect, s.start_line, s.start_column, s.end_line, s.end_column
            )
            if len(self._reported) < 64:
                self._reported[policy_id] = found
        return found


def missing_keys(statements: tuple[Statement, ...], present: Container[str]) -> tuple[tuple[str, str], ...]:
    """The keys ``statements`` need that are not in ``present``: (lowercased, as first written)."""
    missing: dict[str, str] = {}
    for st in statements:
        for key, name in st.needed_keys:
            if key not in present:
                missing.setdefault(key, name)
    return tuple(missing.items())


@dataclass(frozen=True, slots=True)
class Reader:
    """How to read a plan's ``reads`` from contexts whose keys are spelled one way.

    ``values(context)`` gives the values of the keys in ``present`` (the ``reads`` the
    context has, lowercased, in plan order); ``absent`` tells which ``reads`` it lacks
    (bit ``i`` for ``reads[i]``), so that it and the values identify what the plan reads.
    ``missing`` is what the plan's statements need that such a context lacks: it depends on
    nothing else.
    """

    present: tuple[str, ...]
    absent: int
    missing: tuple[tuple[str, str], ...]
    values: Callable[[Mapping[str, object]], tuple[Any, ...]]


def _getter(spelled: tuple[str, ...]) -> Callable[[Mapping[str, object]], tuple[Any, ...]]:
    """A function giving the values under ``spelled`` as a tuple (``itemgetter`` is the fastest)."""
    if len(spelled) > 1:
        return operator.itemgetter(*spelled)
    if spelled:
        key = spelled[0]
        return lambda context: (context[key],)
    return lambda context: ()


@dataclass(frozen=True, eq=False)
class ActionPlan:
    """The statements of a policy that match one action, and what evaluation remembers of them.

    What a policy says about a request depends only on the resource and the context keys in
    ``reads``, so the evaluator keeps its report in ``reports`` under the policy id and those
    values (bounded; cleared when full), and a repeated request is decided by look-up.
    ``distinct`` keeps each different report once, so requests that the policy answers alike
    share one report (and the Decisions cached on it). ``readers[keys]`` is the Reader for
    contexts with these keys as the caller spelled them: callers build contexts with the same
    keys call after call, so finding a remembered report needs no lowercasing of the context.
    """

    statements: tuple[Statement, ...]
    reads: tuple[str, ...]
    reports: dict[object, Report] = field(default_factory=dict, repr=False)
    distinct: dict[object, Report] = field(default_factory=dict, repr=False)
    readers: Memo[tuple[str, ...], Reader] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "readers", Memo(self._reader, 64))

    def remember(self, key: object, report: Report) -> Report:
        if len(self.reports) >= 1024:
            self.reports.clear()
        self.reports[key] = report
        return report

    def _reader(self, keys: tuple[str, ...]) -> Reader:
        """When a key appears in several spellings, the last one counts, as when lowercasing."""
        last = {k.lower(): k for k in keys}
        present = tuple(r for r in self.reads if r in last)
        absent = sum(1 << i for i, r in enumerate(self.reads) if r not in last)
        missing = missing_keys(self.statements, last)
        return Reader(present, absent, missing, _getter(tuple(last[r] for r in present)))


@dataclass(frozen=True, eq=False)
class Policy:
    """A validated, compiled policy document.

    ``plans[action]`` (any case) is the ActionPlan of the statements whose Action/NotAction
    matches the action. Plans are kept per action name as spelled (a bounded set: the actions
    AWS defines, spelled as callers do), every spelling sharing one plan, so a decision does
    no action matching, not even lowercasing, after the first request for an action.
    """

    kind: PolicyKind
    version: str | None
    id: str | None
    statements: tuple[Statement, ...]
    document: dict[str, Any] = field(repr=False)
    plans: Memo[str, ActionPlan] = field(init=False, repr=False)
    _by_service: Memo[str, tuple[Statement, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "plans", Memo(self._plan, 4096))
        object.__setattr__(self, "_by_service", Memo(self._for_service, 1024))

    def _for_service(self, service: str) -> tuple[Statement, ...]:
        """The statements whose Action could match some action of ``service`` (lowercase)."""
        return tuple(
            s
            for s in self.statements
            if s.not_action or s.actions.services is None or service in s.actions.services
        )

    def _plan(self, action: str) -> ActionPlan:
        lowered = action.lower()
        if lowered != action:
            return self.plans[lowered]
        statements = tuple(
            s
            for s in self._by_service[action.partition(":")[0]]
            if s.actions.matches(action) is not s.not_action
        )
        return ActionPlan(statements, tuple(dict.fromkeys(k for s in statements for k in s.reads)))


def _strings(value: object, name: str, where: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) for v in items):
        raise MalformedPolicyDocument(
            f"Syntax errors in policy. {name} must be a string or a list of strings ({where})"
        )
    return [v for v in items if isinstance(v, str)]


def _check_resource(resource: str, where: str) -> None:
    if resource == "*":
        return
    segments = resource.split(":", 5)
    if len(segments) < 6 or segments[0] != "arn":
        raise MalformedPolicyDocument(f'Resource {resource} must be in ARN format or "*". ({where})')
    if not segments[2] or "*" in segments[2] or "?" in segments[2]:
        raise MalformedPolicyDocument(
            f"Resource vendor must be fully qualified and cannot contain regexes. ({where}: {resource})"
        )


def _one_of(st: dict[str, Any], positive: str, negative: str, where: str) -> tuple[object, bool] | None:
    if positive in st and negative in st:
        raise MalformedPolicyDocument(
            f"Syntax errors in policy. A statement may contain {positive} or {negative}, not both ({where})"
        )
    if positive in st:
        return st[positive], False
    if negative in st:
        return st[negative], True
    return None


def _compile_statement(
    st: object, index: int, kind: PolicyKind, variables: bool, located: Located
) -> Statement:
    if not isinstance(st, dict):
        raise MalformedPolicyDocument(f"Syntax errors in policy. Statement #{index + 1} is not an object")
    sid = st.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise MalformedPolicyDocument(
            f"Syntax errors in policy. Sid must be a string (statement #{index + 1})"
        )
    where = f"statement {sid!r}" if sid else f"statement #{index + 1}"
    for name in st:
        if name not in _STATEMENT_FIELDS:
            raise MalformedPolicyDocument(f"Unknown field {name} ({where})")

    effect = st.get("Effect")
    if effect is None:
        raise MalformedPolicyDocument(f"Missing required field Effect ({where})")
    if effect not in ("Allow", "Deny"):
        raise MalformedPolicyDocument(f"Invalid effect: {effect} ({where})")

    action_el = _one_of(st, "Action", "NotAction", where)
    if action_el is None:
        raise MalformedPolicyDocument(f"Policy statement must contain actions. ({where})")
    actions = _strings(action_el[0], "Action", where)
    if not actions:
        raise MalformedPolicyDocument(f"Policy statement must contain actions. ({where})")
    for action in actions:
        if action != "*" and not _ACTION.match(action):
            raise MalformedPolicyDocument(f"{_VENDOR} ({where}: {action})")

    resource_el = _one_of(st, "Resource", "NotResource", where)
    resources: ResourceMatcher | None = None
    templates: list[tuple[Part, ...]] = []
    if kind == "trust":
        if resource_el is not None:
            name = "NotResource" if resource_el[1] else "Resource"
            raise MalformedPolicyDocument(f"Has prohibited field {name} ({where})")
    else:
        if resource_el is None:
            raise MalformedPolicyDocument(f"Policy statement must contain resources. ({where})")
        entries = _strings(resource_el[0], "Resource", where)
        if not entries:
            raise MalformedPolicyDocument(f"Policy statement must contain resources. ({where})")
        for entry in entries:
            _check_resource(entry, where)
        templates = [parse_template(e) if variables else (e,) for e in entries]
        resources = ResourceMatcher.build(templates)

    principal_el = _one_of(st, "Principal", "NotPrincipal", where)
    principals: PrincipalMatcher | None = None
    if kind not in _WITH_PRINCIPAL:
        if principal_el is not None:
            raise MalformedPolicyDocument(f"Policy document should not specify a principal. ({where})")
    elif principal_el is None:
        raise MalformedPolicyDocument(f"Missing required field Principal ({where})")
    else:
        if principal_el[1] and kind == "trust":
            raise MalformedPolicyDocument(
                f"Invalid principal in policy: NotPrincipal cannot be used in a role trust policy ({where})"
            )
        if principal_el[1] and effect == "Allow":
            raise MalformedPolicyDocument(f'NotPrincipal must be used with "Effect":"Deny" ({where})')
        principals = compile_principal(principal_el[0], where)

    conditions: list[Condition] = []
    raw_conditions = st.get("Condition", {})
    if not isinstance(raw_conditions, dict):
        raise MalformedPolicyDocument(f"Syntax errors in policy. Condition must be an object ({where})")
    for op, block in raw_conditions.items():
        if not isinstance(block, dict):
            raise MalformedPolicyDocument(
                f"Syntax errors in policy. Condition {op} must be an object ({where})"
            )
        for key, values in block.items():
            if not _CONDITION_KEY.match(key):
                raise MalformedPolicyDocument(f"{_VENDOR} ({where}: condition key {key})")
            conditions.append(compile_condition(op, key, values, variables=variables, where=where))

    needed: dict[str, str] = {}
    for cond in conditions:
        needed.setdefault(cond.key, cond.key_name)
        for lkey, name in cond.variable_keys:
            needed.setdefault(lkey, name)
    for parts in templates:
        for var in variables_in(parts):
            if var.default is None:
                needed.setdefault(var.key, var.name)

    return Statement(
        index=index,
        sid=sid,
        effect=effect,
        deny=effect == "Deny",
        actions=ActionMatcher.build(actions),
        not_action=action_el[1],
        resources=resources,
        not_resource=bool(resource_el and resource_el[1]),
        principals=principals,
        not_principal=bool(principal_el and principal_el[1]),
        conditions=tuple(conditions),
        needed_keys=tuple(needed.items()),
        uses_context=bool(needed or conditions or (resources is not None and resources.templates)),
        reads=tuple(
            dict.fromkeys(
                [*needed, *(v.key for t in (resources.templates if resources else ()) for v in t.variables)]
            )
        ),
        span=located.span_of(st),
    )


def parse_policy(text: str, kind: PolicyKind = "identity") -> Policy:
    """Validate and compile a policy document; raise MalformedPolicyDocument if it is invalid."""
    try:
        located = Located(text)
    except (JsonSyntaxError, RecursionError):
        raise MalformedPolicyDocument("Syntax errors in policy.") from None
    doc = located.value
    if not isinstance(doc, dict):
        raise MalformedPolicyDocument("Syntax errors in policy.")
    for name in doc:
        if name not in _TOP_FIELDS:
            raise MalformedPolicyDocument(f"Unknown field {name}")
    version = doc.get("Version")
    if version is not None and version not in VERSIONS:
        raise MalformedPolicyDocument(f"Invalid Version: {version!r} (expected 2012-10-17 or 2008-10-17)")
    policy_id = doc.get("Id")
    if policy_id is not None and not isinstance(policy_id, str):
        raise MalformedPolicyDocument("Syntax errors in policy. Id must be a string")
    raw = doc.get("Statement")
    if raw is None:
        raise MalformedPolicyDocument("Missing required field Statement")
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise MalformedPolicyDocument("Syntax errors in policy. Statement must not be empty")
    variables = version == "2012-10-17"
    statements = tuple(_compile_statement(st, i, kind, variables, located) for i, st in enumerate(items))
    sids = [st.sid for st in statements if st.sid]
    if len(sids) != len(set(sids)):
        duplicate = next(sid for sid in sids if sids.count(sid) > 1)
        raise MalformedPolicyDocument(
            f"Statement IDs (SID) in a single policy must be unique. (duplicate Sid {duplicate!r})"
        )
    return Policy(kind, version, policy_id, statements, doc)


@functools.lru_cache(maxsize=2048)
def compile_policy(text: str, kind: PolicyKind = "identity") -> Policy:
    """``parse_policy``, cached by text and kind (policies are immutable once compiled)."""
    return parse_policy(text, kind)
