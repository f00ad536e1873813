"""Properties of evaluation over generated identity policies, checked with Hypothesis.

The compiled engine is compared with ``reference_decision``: a deliberately naive
interpreter over the raw JSON, written from the AWS documentation rules it names.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from credo.policy import Request, evaluate, parse_policy

ACTIONS = [
    "iam:GetUser",
    "iam:CreateUser",
    "iam:*",
    "iam:Get*",
    "IAM:getuser",
    "s3:GetObject",
    "s3:*",
    "s3:?etObject",
    "*",
]
RESOURCES = [
    "*",
    "arn:aws:iam::111111111111:user/alice",
    "arn:aws:iam::111111111111:user/*",
    "arn:aws:iam::*:user/a*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/k",
    "arn:aws:s3:::b/?",
]
OPERATORS = [
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
    "StringEqualsIfExists",
    "Bool",
    "BoolIfExists",
    "Null",
]
KEYS = {"aws:username": ["alice", "bob", "a*"], "aws:SecureTransport": ["true", "false"]}

REQ_ACTIONS = ["iam:GetUser", "iam:CreateUser", "s3:GetObject", "s3:PutObject", "ec2:RunInstances"]
REQ_RESOURCES = [
    "arn:aws:iam::111111111111:user/alice",
    "arn:aws:iam::222222222222:user/alice",
    "arn:aws:s3:::b/k",
    "arn:aws:s3:::b/xy",
    "*",
]


# --- the reference interpreter ----------------------------------------------------------------


def glob(pattern: str, text: str) -> bool:
    """* matches any run of characters, ? exactly one; everything else itself."""
    if not pattern:
        return not text
    if pattern[0] == "*":
        return glob(pattern[1:], text) or (bool(text) and glob(pattern, text[1:]))
    if not text:
        return False
    return pattern[0] in ("?", text[0]) and glob(pattern[1:], text[1:])


def action_matches(pattern: str, action: str) -> bool:
    """Action element: case-insensitive wildcard match."""
    return glob(pattern.lower(), action.lower())


def resource_matches(pattern: str, resource: str) -> bool:
    """Resource element: "*" matches all; otherwise each of the six ARN segments matches separately."""
    if pattern == "*":
        return True
    p, r = pattern.split(":", 5), resource.split(":", 5)
    return len(p) == 6 and len(r) == 6 and all(glob(a, b) for a, b in zip(p, r, strict=True))


def condition_holds(operator: str, key: str, values: list[str], context: dict[str, str]) -> bool:
    """Condition operators page: missing key false, negated true, IfExists true; Null true = absent."""
    present = key in context
    if operator == "Null":
        return any((v == "true") != present for v in values)
    if operator.endswith("IfExists"):
        if not present:
            return True
        operator = operator[: -len("IfExists")]
    negated = "Not" in operator
    if not present:
        return negated
    value = context[key]
    if operator in ("StringEquals", "StringNotEquals"):
        hit = value in values
    elif operator in ("StringLike", "StringNotLike"):
        hit = any(glob(v, value) for v in values)
    else:  # Bool
        hit = value.lower() in [v.lower() for v in values]
    return hit != negated


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statement_applies(s: dict[str, Any], action: str, resource: str, context: dict[str, str]) -> bool:
    if "Action" in s:
        if not any(action_matches(p, action) for p in as_list(s["Action"])):
            return False
    elif any(action_matches(p, action) for p in as_list(s["NotAction"])):
        return False
    if "Resource" in s:
        if not any(resource_matches(p, resource) for p in as_list(s["Resource"])):
            return False
    elif any(resource_matches(p, resource) for p in as_list(s["NotResource"])):
        return False
    return all(
        condition_holds(op, key, as_list(vals), context)
        for op, block in s.get("Condition", {}).items()
        for key, vals in block.items()
    )


def reference_decision(
    documents: list[dict[str, Any]], action: str, resource: str, context: dict[str, str]
) -> str:
    """Evaluation logic: any matching Deny wins, else any matching Allow, else implicit deny."""
    effects = {
        s["Effect"]
        for d in documents
        for s in as_list(d["Statement"])
        if statement_applies(s, action, resource, context)
    }
    return "explicitDeny" if "Deny" in effects else "allowed" if "Allow" in effects else "implicitDeny"


# --- strategies ---------------------------------------------------------------------------------


def one_or_list(items: list[str]) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(items), st.lists(st.sampled_from(items), min_size=1, max_size=3))


@st.composite
def statements(draw: st.DrawFn, effect: str | None = None) -> dict[str, Any]:
    s: dict[str, Any] = {"Effect": effect or draw(st.sampled_from(["Allow", "Deny"]))}
    s[draw(st.sampled_from(["Action", "Action", "NotAction"]))] = draw(one_or_list(ACTIONS))
    s[draw(st.sampled_from(["Resource", "Resource", "NotResource"]))] = draw(one_or_list(RESOURCES))
    conditions: dict[str, dict[str, Any]] = {}
    for _ in range(draw(st.integers(0, 2))):
        op = draw(st.sampled_from(OPERATORS))
        key = draw(st.sampled_from(sorted(KEYS)))
        choices = ["true", "false"] if op == "Null" else KEYS[key]
        conditions.setdefault(op, {})[key] = draw(one_or_list(choices))
    if conditions:
        s["Condition"] = conditions
    return s


documents = st.lists(statements(), min_size=1, max_size=6).map(
    lambda ss: {"Version": "2012-10-17", "Statement": ss}
)
requests = st.tuples(
    st.sampled_from(REQ_ACTIONS),
    st.sampled_from(REQ_RESOURCES),
    st.dictionaries(st.sampled_from(sorted(KEYS)), st.sampled_from(["alice", "bob", "a*", "true", "false"])),
)


def engine_decision(docs: list[dict[str, Any]], request: tuple[str, str, dict[str, str]]) -> str:
    policies = [(f"p{i}", parse_policy(json.dumps(d))) for i, d in enumerate(docs)]
    return evaluate(Request(*request), identity=policies).result


@settings(max_examples=400, deadline=None)
@given(st.lists(documents, min_size=1, max_size=3), requests)
def test_engine_agrees_with_reference(
    docs: list[dict[str, Any]], request: tuple[str, str, dict[str, str]]
) -> None:
    """The compiled engine decides exactly as the naive reference interpreter."""
    assert engine_decision(docs, request) == reference_decision(docs, *request)


@settings(max_examples=200, deadline=None)
@given(documents, statements(effect="Deny"), requests)
def test_adding_a_deny_never_allows(
    doc: dict[str, Any], deny: dict[str, Any], request: tuple[str, str, dict[str, str]]
) -> None:
    """Adding a Deny statement never turns a denied request into an allowed one."""
    before = engine_decision([doc], request)
    after = engine_decision([{**doc, "Statement": [*doc["Statement"], deny]}], request)
    if before != "allowed":
        assert after != "allowed"
    if after == "allowed":
        assert before == "allowed"


@settings(max_examples=200, deadline=None)
@given(documents, st.randoms(use_true_random=False), requests)
def test_statement_order_does_not_matter(
    doc: dict[str, Any], rnd: Any, request: tuple[str, str, dict[str, str]]
) -> None:
    """Shuffling the statements of a policy does not change the decision."""
    shuffled = list(doc["Statement"])
    rnd.shuffle(shuffled)
    assert engine_decision([doc], request) == engine_decision([{**doc, "Statement": shuffled}], request)


@settings(max_examples=150, deadline=None)
@given(documents, st.lists(requests, min_size=1, max_size=12))
def test_remembered_outcomes_match_fresh_decisions(
    doc: dict[str, Any], batch: list[tuple[str, str, dict[str, str]]]
) -> None:
    """A compiled policy reused for many requests (remembering outcomes) decides like a fresh one."""
    reused = parse_policy(json.dumps(doc))
    for request in [*batch, *reversed(batch)]:
        decision = evaluate(Request(*request), identity=[("p", reused)])
        assert decision.result == reference_decision([doc], *request)
        assert decision == evaluate(Request(*request), identity=[("p", parse_policy(json.dumps(doc)))])
