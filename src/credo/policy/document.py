"""Policy documents: parse, validate against the IAM grammar, and compile into fast matchers.

``parse_policy`` validates with ``credo.policy.validation`` (AWS's checks in AWS's order,
raising ``MalformedPolicyDocument`` with AWS's exact message and credo's ``detail``). Each
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
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from credo.errors import MalformedPolicyDocument
from credo.policy.conditions import Condition, compile_condition
from credo.policy.element_formats import known_operator
from credo.policy.matching import ActionMatcher, ResourceMatcher
from credo.policy.memo import Memo
from credo.policy.principals import PrincipalMatcher, compile_principal
from credo.policy.source import JsonSyntaxError, Located, Span
from credo.policy.validation import INVALID_JSON, SYNTAX, check_document, entries, where
from credo.policy.variables import Part, parse_template, variables_in

if TYPE_CHECKING:
    from credo.policy.outcome import Report

PolicyKind = Literal["identity", "resource", "trust", "boundary", "session"]

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


def _compile_statement(
    st: dict[str, Any], index: int, kind: PolicyKind, variables: bool, located: Located
) -> Statement:
    """Compile one statement that ``check_document`` accepted."""
    at = where(st, index)
    not_action = "NotAction" in st
    actions = entries(st["NotAction" if not_action else "Action"])

    resources: ResourceMatcher | None = None
    not_resource = "NotResource" in st
    templates: list[tuple[Part, ...]] = []
    if "Resource" in st or not_resource:
        resource_entries = entries(st["NotResource" if not_resource else "Resource"])
        templates = [parse_template(e) if variables else (e,) for e in resource_entries]
        resources = ResourceMatcher.build(templates)

    not_principal = "NotPrincipal" in st
    principals: PrincipalMatcher | None = None
    if kind in _WITH_PRINCIPAL:
        principals = compile_principal(st["NotPrincipal" if not_principal else "Principal"], at)

    conditions: list[Condition] = []
    for op, block in st.get("Condition", {}).items():
        if not known_operator(op):
            continue  # an unknown operator with no keys, which AWS ignores
        for key, values in block.items():
            conditions.append(compile_condition(op, key, values, variables=variables, where=at))

    needed: dict[str, str] = {}
    for cond in conditions:
        needed.setdefault(cond.key, cond.key_name)
        for lkey, name in cond.variable_keys:
            needed.setdefault(lkey, name)
    for parts in templates:
        for var in variables_in(parts):
            if var.default is None:
                needed.setdefault(var.key, var.name)

    sid = st.get("Sid")
    effect: str = st["Effect"]
    return Statement(
        index=index,
        sid=sid if isinstance(sid, str) else None,
        effect=effect,
        deny=effect == "Deny",
        actions=ActionMatcher.build(actions),
        not_action=not_action,
        resources=resources,
        not_resource=not_resource,
        principals=principals,
        not_principal=not_principal,
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


def parse_policy(text: str, kind: PolicyKind = "identity", *, managed: bool = False) -> Policy:
    """Validate and compile a policy document; raise MalformedPolicyDocument as AWS does.

    ``managed``: the document of a managed policy (CreatePolicy, CreatePolicyVersion), which
    must say ``"Version": "2012-10-17"``.
    """
    try:
        located = Located(text)
    except (JsonSyntaxError, RecursionError) as error:
        message = INVALID_JSON if kind == "trust" else SYNTAX
        raise MalformedPolicyDocument(message, detail=f"The document is not valid JSON: {error}.") from None
    doc = located.value
    if kind == "trust" and not isinstance(doc, dict):
        raise MalformedPolicyDocument(INVALID_JSON, detail="The document is not a JSON object.")
    raw = check_document(doc, kind, managed=managed)
    version = doc.get("Version")
    policy_id = doc.get("Id")
    variables = version == "2012-10-17"
    statements = tuple(_compile_statement(st, i, kind, variables, located) for i, st in enumerate(raw))
    return Policy(kind, version, policy_id, statements, doc)


@functools.lru_cache(maxsize=2048)
def compile_policy(text: str, kind: PolicyKind = "identity") -> Policy:
    """``parse_policy``, cached by text and kind (policies are immutable once compiled)."""
    return parse_policy(text, kind)
