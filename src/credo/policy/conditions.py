"""Condition operators, compiled once per policy into predicates over the request context.

The context maps lowercased keys to tuples of values. For one key, a policy's values are
ORed; for a negated operator (``StringNotEquals``, ``NotIpAddress``, ``ArnNotLike``...) the
request value must match none of them. A key missing from the context makes plain operators
false and negated ones true (AWS: "If the policy condition requires that the key is not
matched ... and the right key is not present, the condition is true"); ``...IfExists`` makes
it true; ``ForAllValues:`` is true and ``ForAnyValue:`` false on a missing or empty key.
``Null: true`` holds when the key is absent. A policy value whose variable has no value (and
no default) is effectively null: it equals and is like nothing, so positive operators do not
match it and negated ones do (AWS: "Policy variables with no value").
"""

from __future__ import annotations

import base64
import binascii
import datetime
import functools
import ipaddress
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from credo.errors import MalformedPolicyDocument
from credo.policy.matching import any_of, arn_source, glob_source
from credo.policy.variables import Part, Resolved, Variable, lookup, parse_template, resolve

# The request context as the evaluator passes it: lowercased keys, a string or a sequence.
Context = Mapping[str, str | Sequence[str]]
Predicate = Callable[[str], bool]
_Compare = Callable[[float, float], bool]

_COMPARE: dict[str, _Compare] = {
    "equals": operator.eq,
    "lessthan": operator.lt,
    "lessthanequals": operator.le,
    "greaterthan": operator.gt,
    "greaterthanequals": operator.ge,
}

# lowercased base operator -> (family, negated)
OPERATORS: dict[str, tuple[str, bool]] = {
    "stringequals": ("string", False),
    "stringnotequals": ("string", True),
    "stringequalsignorecase": ("istring", False),
    "stringnotequalsignorecase": ("istring", True),
    "stringlike": ("like", False),
    "stringnotlike": ("like", True),
    "bool": ("bool", False),
    "binaryequals": ("binary", False),
    "ipaddress": ("ip", False),
    "notipaddress": ("ip", True),
    "arnequals": ("arn", False),
    "arnlike": ("arn", False),
    "arnnotequals": ("arn", True),
    "arnnotlike": ("arn", True),
    "numericnotequals": ("numeric:equals", True),
    "datenotequals": ("date:equals", True),
}
for _name in _COMPARE:
    OPERATORS["numeric" + _name] = ("numeric:" + _name, False)
    OPERATORS["date" + _name] = ("date:" + _name, False)

# Families whose values may contain policy variables (string and ARN comparisons).
_TEMPLATED = frozenset({"string", "istring", "like", "arn"})


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _date(text: str) -> float | None:
    seconds = _number(text)
    if seconds is not None:
        return seconds
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.timestamp()


def _binary(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.split("/", 1)[0])
    except ValueError:
        return None


def _text(parts: Resolved) -> str:
    return "".join(p if isinstance(p, str) else p.text for p in parts)


def _memo(test: Predicate) -> Predicate:
    """Remember a costly test's answers per request value (IP, number and date parsing)."""
    answers: dict[str, bool] = {}

    def remembered(value: str) -> bool:
        found = answers.get(value)
        if found is None:
            found = test(value)
            if len(answers) >= 1024:
                answers.clear()
            answers[value] = found
        return found

    return remembered


@functools.lru_cache(maxsize=4096)
def predicate(family: str, values: tuple[Resolved, ...]) -> Predicate:
    """Whether one request value matches any of the policy ``values`` (the positive operator)."""
    if family == "string":
        return frozenset(_text(v) for v in values).__contains__
    if family == "istring":
        folded = frozenset(_text(v).casefold() for v in values)
        return lambda c: c.casefold() in folded
    if family == "like":
        like = any_of(glob_source(v) for v in values)
        return lambda c: like.fullmatch(c) is not None
    if family == "arn":
        arn = any_of(arn_source(v) for v in values)
        return lambda c: arn.fullmatch(c) is not None
    if family == "bool":
        truth = frozenset(_text(v).lower() for v in values)
        return lambda c: c.lower() in truth
    if family == "binary":
        blobs = frozenset(b for b in (_binary(_text(v)) for v in values) if b is not None)
        return _memo(lambda c: _binary(c) in blobs)
    if family == "ip":
        nets = []
        for v in values:
            try:
                nets.append(ipaddress.ip_network(_text(v), strict=False))
            except ValueError:
                continue
        return _memo(lambda c: (a := _ip(c)) is not None and any(a in n for n in nets))
    kind, _, name = family.partition(":")
    convert = _number if kind == "numeric" else _date
    compare = _COMPARE[name]
    bounds = [b for b in (convert(_text(v)) for v in values) if b is not None]
    return _memo(lambda c: (x := convert(c)) is not None and any(compare(x, b) for b in bounds))


@dataclass(frozen=True, slots=True, eq=False)
class Condition:
    """One ``operator: {key: values}`` test. ``check`` takes the normalized request context."""

    operator: str
    key: str  # lowercased
    key_name: str  # as written
    variable_keys: tuple[tuple[str, str], ...]  # (lowercased, as written) of ${...} in values
    check: Callable[[Context], bool]


def _split_operator(name: str) -> tuple[str, str, bool] | None:
    """``(set_prefix, base, if_exists)`` for a known operator name, else ``None``."""
    lowered = name.lower()
    prefix = ""
    for candidate in ("forallvalues:", "foranyvalue:"):
        if lowered.startswith(candidate):
            prefix, lowered = candidate[:-1], lowered[len(candidate) :]
    if lowered == "null":
        return None if prefix else (prefix, "null", False)
    if_exists = lowered.endswith("ifexists")
    base = lowered[: -len("ifexists")] if if_exists else lowered
    return (prefix, base, if_exists) if base in OPERATORS else None


def _scalar(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None


def compile_condition(operator_name: str, key: str, raw: object, *, variables: bool, where: str) -> Condition:
    """Compile one condition; raise MalformedPolicyDocument if the operator or values are invalid."""
    split = _split_operator(operator_name)
    if split is None:
        raise MalformedPolicyDocument(
            "Syntax errors in policy.", detail=f"{where}: {operator_name!r} is not a condition operator."
        )
    prefix, base, if_exists = split
    items: Sequence[object] = raw if isinstance(raw, list) else [raw]
    texts = [_scalar(v) for v in items]
    if any(t is None for t in texts):
        raise MalformedPolicyDocument(
            "Syntax errors in policy.",
            detail=f"{where}: condition key {key!r} takes a string, number, boolean or a list of them.",
        )
    lkey = key.lower()
    if base == "null":
        wanted = frozenset(t.lower() for t in texts if t is not None)

        def null_check(ctx: Context) -> bool:
            value = ctx.get(lkey)
            present = value is not None and (value.__class__ is str or len(value) > 0)
            return (not present and "true" in wanted) or (present and "false" in wanted)

        return Condition(operator_name, lkey, key, (), null_check)

    family, negated = OPERATORS[base]
    parsed: tuple[tuple[Part, ...], ...] = tuple(
        parse_template(t) if variables and family in _TEMPLATED else (t,) for t in texts if t is not None
    )
    variables_used = tuple(p for parts in parsed for p in parts if isinstance(p, Variable))
    var_keys = tuple((v.key, v.name) for v in variables_used)
    static = None if variables_used else predicate(family, parsed)
    by_values: dict[tuple[str | None, ...], Predicate] = {}

    def current(ctx: Context) -> Predicate:
        """The predicate for this request's variable values, built once per value set.

        A policy value whose variable has no value (and no default) is effectively null: it
        equals and is like nothing, so it is left out. Positive operators then cannot match
        it, and negated ones do ("Policy variables with no value", IAM User Guide) — which is
        what lets ``StringNotEquals {key: ${aws:PrincipalTag/x}}`` Deny a caller without the tag.
        """
        values = tuple(lookup(v, ctx) for v in variables_used)
        found = by_values.get(values)
        if found is None:
            resolved = tuple(r for r in (resolve(p, ctx) for p in parsed) if r is not None)
            found = predicate(family, resolved)
            if len(by_values) >= 256:
                by_values.clear()
            by_values[values] = found
        return found

    if prefix == "forallvalues":
        missing_result, mode = True, "all"
    elif prefix == "foranyvalue":
        missing_result, mode = False, "any"
    else:
        missing_result, mode = (True if if_exists else negated), "one"

    if static is not None and mode == "one":
        test = static

        def check_static(ctx: Context) -> bool:
            """The common case, without variables or a set operator."""
            values = ctx.get(lkey)
            if values is None:
                return missing_result
            if values.__class__ is str:
                return test(values) is not negated
            if not values:
                return missing_result
            return any(test(v) for v in values) is not negated

        return Condition(operator_name, lkey, key, var_keys, check_static)

    def check(ctx: Context) -> bool:
        values = ctx.get(lkey)
        if values is None:
            return missing_result
        matches = static if static is not None else current(ctx)
        if values.__class__ is str:
            return matches(values) is not negated
        if not values:
            return missing_result
        if mode == "one":
            return any(matches(v) for v in values) is not negated
        if mode == "all":
            return all(matches(v) is not negated for v in values)
        return any(matches(v) is not negated for v in values)

    return Condition(operator_name, lkey, key, var_keys, check)
