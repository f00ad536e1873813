"""Corpus: policy documents — huge, deeply nested, odd numbers, escaped controls, broken JSON.

Each document goes to every operation that reads one without touching stored state first:
CreatePolicy (a managed identity policy), CreateRole (a trust policy), SimulateCustomPolicy and
GetContextKeysForCustomPolicy (identity policies, nothing stored).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.hostile.corpus import Case, case, iam
from tests.hostile.wire import Request

ALLOW: dict[str, object] = {"Effect": "Allow", "Action": "*", "Resource": "*"}
TRUST: dict[str, object] = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}


def _with(statement: dict[str, object], **fields: object) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": {**statement, **fields}})


def _condition_value(literal: str) -> tuple[str, str]:
    """An identity and a trust document whose condition value is ``literal`` exactly as written."""
    identity = _with(ALLOW, Condition={"NumericEquals": {"aws:x": "@"}}).replace('"@"', literal)
    trust = _with(TRUST, Condition={"NumericEquals": {"aws:x": "@"}}).replace('"@"', literal)
    return identity, trust


def _documents() -> list[tuple[str, str, str]]:
    """(name, identity document, trust document): each malformed for both kinds."""
    documents: list[tuple[str, str, str]] = []

    def both(name: str, text: str) -> None:
        documents.append((name, text, text))

    for depth in (65, 200, 10_000):
        both(f"arrays nested {depth} deep", "[" * depth + "]" * depth)
        both(f"objects nested {depth} deep", '{"a":' * depth + "1" + "}" * depth)
    both(
        "statement nested 100 deep",
        json.dumps({"Version": "2012-10-17", "Statement": [ALLOW]}).replace(
            '"*"}', '"*", "Condition": ' + '{"a":' * 100 + "1" + "}" * 100 + "}"
        ),
    )
    for name, literal in [
        ("a 4,301-digit integer", "9" * 4301),
        ("a 5,000-digit negative integer", "-" + "9" * 5000),
        ("a 100,000-digit integer", "9" * 100_000),
    ]:
        identity, trust = _condition_value(literal)
        documents.append((f"condition value {name}", identity, trust))
    for name, literal in [
        ("NaN", "NaN"),
        ("Infinity", "Infinity"),
        ("-Infinity", "-Infinity"),
        ("leading zeros", "007"),
        ("a hex number", "0x10"),
        ("a bare plus", "+1"),
    ]:
        identity, trust = _condition_value(literal)
        documents.append((f"condition value {name}", identity, trust))
    for name, number in [("1e999", "1e999"), ("-0", "-0"), ("4,301 digits", "9" * 4301), ("0.5", "0.5")]:
        both(f"Statement is the number {name}", '{"Version":"2012-10-17","Statement":' + number + "}")
        both(
            f"Version is the number {name}",
            '{"Version":' + number + ',"Statement":' + json.dumps(ALLOW) + "}",
        )
    for name, escape in [
        ("NUL", "\\u0000"),
        ("control character", "\\u0001"),
        ("lone surrogate", "\\ud800"),
        ("non-character", "\\uffff"),
    ]:
        documents.append(
            (
                f"{name} escaped in a condition key",
                _with(ALLOW, Condition={"StringEquals": {"@": "v"}}).replace('"@"', f'"a{escape}b"'),
                _with(TRUST, Condition={"StringEquals": {"@": "v"}}).replace('"@"', f'"a{escape}b"'),
            )
        )
        documents.append(
            (
                f"{name} escaped in a Sid",
                _with(ALLOW, Sid="@").replace('"@"', f'"S{escape}"'),
                _with(TRUST, Sid="@").replace('"@"', f'"S{escape}"'),
            )
        )
    for name, text in [
        ("empty", " "),
        ("null", "null"),
        ("a string", '"policy"'),
        ("an array", "[]"),
        ("truncated", _with(ALLOW)[:-5]),
        ("trailing garbage", _with(ALLOW) + "}"),
        ("trailing comma", _with(ALLOW)[:-2] + ",}}"),
        ("single quotes", _with(ALLOW).replace('"', "'")),
        ("a comment", "/* c */" + _with(ALLOW)),
        ("unterminated string", '{"Version":"2012-10-17'),
        ("a bad escape", '{"Version":"2012\\x","Statement":[]}'),
        ("Effect maybe", _with(ALLOW, Effect="Maybe")),
        ("Statement a string", '{"Version":"2012-10-17","Statement":"*"}'),
        ("Action a number", _with(ALLOW, Action=1)),
        ("Condition operator unknown with keys", _with(ALLOW, Condition={"StringEqualz": {"a": "b"}})),
        (
            "10,000 statements, the last broken",
            json.dumps({"Version": "2012-10-17", "Statement": [ALLOW] * 9_999 + [{"Effect": "Allow"}]}),
        ),
    ]:
        both(name, text)
    return documents


def _cases_for(name: str, identity: str, trust: str) -> list[Case]:
    """One document through the four operations; each refuses it as its policy type does: the
    model's length first, then (managed policies) the 6,144-character quota, then the document."""
    too_long = len(identity) > 131_072
    code = "ValidationError" if too_long else "MalformedPolicyDocument"
    over_quota = sum(1 for char in identity if not char.isspace()) > 6144
    managed = (409, "LimitExceeded") if over_quota and not too_long else (400, code)
    calls: list[tuple[str, Callable[[], bytes], tuple[int, str]]] = [
        ("CreatePolicy", lambda: iam("CreatePolicy", PolicyName="hostile", PolicyDocument=identity), managed),
        (
            "CreateRole",
            lambda: iam("CreateRole", RoleName="hostile", AssumeRolePolicyDocument=trust),
            (400, "ValidationError" if len(trust) > 131_072 else "MalformedPolicyDocument"),
        ),
        (
            "SimulateCustomPolicy",
            lambda: iam(
                "SimulateCustomPolicy",
                **{"PolicyInputList.member.1": identity, "ActionNames.member.1": "iam:GetUser"},
            ),
            (400, code),
        ),
        (
            "GetContextKeysForCustomPolicy",
            lambda: iam("GetContextKeysForCustomPolicy", **{"PolicyInputList.member.1": identity}),
            (400, code),
        ),
    ]
    return [
        case(f"{operation}: {name}", Request(body()), status, expected)
        for operation, body, (status, expected) in calls
    ]


def _size_limits() -> list[Case]:
    """Documents over the length limits: the model's (131,072) and the managed policy quota (6,144)."""
    over_quota = json.dumps({"Version": "2012-10-17", "Statement": [ALLOW] * 300})
    raw_control = '{"Version":"2012-10-17\x01","Statement":[]}'
    return [
        case(
            "CreatePolicy: a raw control character",
            Request(iam("CreatePolicy", PolicyName="hostile", PolicyDocument=raw_control)),
            400,
            "ValidationError",
        ),
        case(
            "CreateRole: a raw control character",
            Request(iam("CreateRole", RoleName="hostile", AssumeRolePolicyDocument=raw_control)),
            400,
            "ValidationError",
        ),
        case(
            "CreatePolicy: over the 6,144-character quota",
            Request(iam("CreatePolicy", PolicyName="hostile", PolicyDocument=over_quota)),
            409,
            "LimitExceeded",
        ),
        case(
            "CreatePolicy: 131,073 characters",
            Request(iam("CreatePolicy", PolicyName="hostile", PolicyDocument=" " * 131_073)),
            400,
            "ValidationError",
        ),
        case(
            "SimulateCustomPolicy: 131,073 characters",
            Request(
                iam(
                    "SimulateCustomPolicy",
                    **{
                        "PolicyInputList.member.1": "{" + " " * 131_072,
                        "ActionNames.member.1": "iam:GetUser",
                    },
                )
            ),
            400,
            "ValidationError",
        ),
    ]


CASES = [
    c for name, identity, trust in _documents() for c in _cases_for(name, identity, trust)
] + _size_limits()
