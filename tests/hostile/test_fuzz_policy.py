"""Property: any policy text is a Policy or MalformedPolicyDocument, for every kind of policy.

A Policy holds only characters XML can carry: its strings end up in XML replies.

Documents are drawn as arbitrary JSON (huge and negative-zero numbers, escaped control
characters and lone surrogates, deep nesting), as near-valid documents (the grammar's field
names with values of every type), and as valid documents with a few characters cut, added or
swapped. A document that parses is then evaluated against a request with an odd context, and
its context keys listed: no step may fail with anything but ``MalformedPolicyDocument``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credo.errors import MalformedPolicyDocument
from credo.policy import Request, context_keys_of, evaluate, parse_policy
from credo.policy.document import PolicyKind
from tests.hostile.fuzzing import examples

NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
KINDS: list[PolicyKind] = ["identity", "resource", "trust", "boundary", "session"]
# Text with control characters and lone surrogates: json.dumps writes them as \u escapes.
ODD_TEXT = st.text(st.characters(categories=["L", "N", "P", "S", "Z", "C"]), max_size=12)
NUMBERS = st.one_of(
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1e308, -1e-320]),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, ODD_TEXT)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(ODD_TEXT, inner, max_size=4)),
    max_leaves=20,
)

ACTIONS = st.sampled_from(
    ["*", "iam:GetUser", "iam:*", "s3:Get*", "sts:AssumeRole", "iam", ":", "iam:Get:User", ""]
)
RESOURCES = st.sampled_from(
    [
        "*",
        "arn:aws:iam::123456789012:user/${aws:username}",
        "arn:aws:s3:::bucket/*",
        "arn:aws:iam::123456789012:user/${aws:username",
        "arn:aws",
        "arn:aws:iam:us-east-1:123456789012:user/a",
        "arn:${x}:iam::*:*",
        "",
    ]
)
PRINCIPALS = st.one_of(
    st.sampled_from(
        ["*", {"AWS": "*"}, {"AWS": "123456789012"}, {"Service": "ec2.amazonaws.com"}, {"Federated": ""}]
    ),
    st.dictionaries(st.sampled_from(["AWS", "Service", "Federated", "CanonicalUser", "x"]), JSON, max_size=2),
)
OPERATORS = st.sampled_from(
    [
        "StringEquals",
        "StringLike",
        "NumericLessThan",
        "NumericEquals",
        "DateGreaterThan",
        "DateEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddress",
        "ArnLike",
        "Null",
        "ForAnyValue:StringEquals",
        "ForAllValues:NumericEquals",
        "StringEqualsIfExists",
        "NumericGreaterThanIfExists",
        "Unknown",
        "",
    ]
)
CONDITION_VALUES = st.one_of(
    SCALARS,
    st.sampled_from(
        ["NaN", "Infinity", "1e999", "-0", "2024-02-30", "99999-01-01", "10.0.0.0/99", "::/0", "${aws:x}"]
    ),
    st.lists(st.one_of(SCALARS, st.just("${aws:username}")), max_size=3),
    JSON,
)
CONDITIONS = st.dictionaries(
    OPERATORS,
    st.dictionaries(
        st.one_of(st.sampled_from(["aws:username", "aws:SourceIp", "s3:x", "aws:CurrentTime"]), ODD_TEXT),
        CONDITION_VALUES,
        max_size=2,
    ),
    max_size=2,
)


def one_or_many(element: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(element, st.lists(element, max_size=3), JSON)


STATEMENTS = st.fixed_dictionaries(
    {},
    optional={
        "Sid": st.one_of(st.sampled_from(["", "A1", "A1"]), ODD_TEXT, JSON),
        "Effect": st.one_of(st.sampled_from(["Allow", "Deny", "allow", "DENY", ""]), JSON),
        "Action": one_or_many(ACTIONS),
        "NotAction": one_or_many(ACTIONS),
        "Resource": one_or_many(RESOURCES),
        "NotResource": one_or_many(RESOURCES),
        "Principal": PRINCIPALS,
        "NotPrincipal": PRINCIPALS,
        "Condition": st.one_of(CONDITIONS, JSON),
    },
)
DOCUMENTS = st.fixed_dictionaries(
    {"Statement": st.one_of(STATEMENTS, st.lists(STATEMENTS, max_size=3), JSON)},
    optional={
        "Version": st.one_of(st.sampled_from(["2012-10-17", "2008-10-17", "2012-10-18"]), JSON),
        "Id": st.one_of(ODD_TEXT, JSON),
    },
)
VALID = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "A",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": ["sts:AssumeRole", "iam:Get*"],
                "Resource": "arn:aws:iam::123456789012:user/${aws:username}",
                "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
            }
        ],
    }
)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A valid document with a few characters cut, inserted or replaced."""
    text = VALID
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 3))
        insert = draw(
            st.sampled_from(
                ["", "{", "}", "[", "]", '"', ",", ":", "\\u0000", "\\ud800", "9" * 4400, "-0", "1e999"]
            )
        )
        text = text[:at] + insert + text[at + cut :]
    return text


def as_json(value: Any) -> str:
    return json.dumps(value, allow_nan=False)


# Integers longer than Python converts by default (4,300 digits), where any number may go.
HUGE_NUMBERS = st.builds(
    lambda digits, sign, document: as_json(document).replace("0.5", sign + "9" * digits),
    st.integers(4250, 5000),
    st.sampled_from(["", "-"]),
    st.one_of(
        st.just(
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"NumericEquals": {"aws:x": 0.5}},
                },
            }
        ),
        st.just({"Version": "2012-10-17", "Statement": 0.5}),
        st.just({"Version": 0.5}),
        st.just([0.5]),
    ),
)
TEXTS = st.one_of(
    JSON.map(as_json),
    HUGE_NUMBERS,
    DOCUMENTS.map(as_json),
    mutated(),
    st.integers(1, 5000).map(lambda depth: "[" * depth + "]" * depth),
    st.integers(1, 5000).map(lambda depth: '{"a":' * depth + "1" + "}" * depth),
    st.text(max_size=40),
)
CONTEXTS = st.dictionaries(
    st.sampled_from(["aws:username", "aws:SourceIp", "aws:CurrentTime", "aws:MultiFactorAuthAge", "s3:x"]),
    st.one_of(st.text(max_size=10), st.lists(st.text(max_size=6), max_size=3)),
)


@settings(max_examples=examples(600), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS, kind=st.sampled_from(KINDS), managed=st.booleans(), context=CONTEXTS)
def test_any_text_is_a_policy_or_malformed(
    text: str, kind: PolicyKind, managed: bool, context: dict[str, Any]
) -> None:
    """parse_policy raises only MalformedPolicyDocument; what it accepts evaluates without error."""
    try:
        policy = parse_policy(text, kind, managed=managed and kind == "identity")
    except MalformedPolicyDocument:
        return
    # Whatever it holds may be quoted in an XML reply (context keys, simulation results).
    assert not NOT_XML.search(json.dumps(policy.document, ensure_ascii=False))
    assert not any(NOT_XML.search(key) for key in context_keys_of([policy]))
    request = Request(
        "iam:GetUser",
        "arn:aws:iam::123456789012:user/alice",
        context,
        principal_arn="arn:aws:iam::123456789012:user/alice",
        principal_account="123456789012",
    )
    if kind in {"resource", "trust"}:
        evaluate(request, resource=[("p", policy)], resource_account="123456789012")
    else:
        evaluate(request, identity=[("p", policy)], boundaries=[policy], session=[policy])
