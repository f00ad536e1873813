"""Condition operators, one table row per documented rule.

Ids cite the AWS IAM User Guide: "IAM JSON policy elements: Condition operators" (ops),
"Conditions with multiple context keys or values" (multi) and "Set operators for
multivalued context keys" (sets).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from credo.errors import MalformedPolicyDocument
from credo.policy import Request, evaluate, parse_policy

ARN = "arn:aws:iam::123456789012:user/alice"


def allowed(condition: dict[str, object], context: dict[str, object], version: str = "2012-10-17") -> bool:
    text = json.dumps(
        {
            "Version": version,
            "Statement": {
                "Effect": "Allow",
                "Action": "iam:GetUser",
                "Resource": "*",
                "Condition": condition,
            },
        }
    )
    request = Request("iam:GetUser", ARN, context)  # type: ignore[arg-type]
    return evaluate(request, identity=[("p", parse_policy(text))]).result == "allowed"


CASES = [
    # --- string ---
    ("StringEquals", "aws:username", "alice", {"aws:username": "alice"}, True, "ops: StringEquals exact"),
    (
        "StringEquals",
        "aws:username",
        "Alice",
        {"aws:username": "alice"},
        False,
        "ops: StringEquals case-sensitive",
    ),
    (
        "StringEquals",
        "aws:username",
        "al*",
        {"aws:username": "alice"},
        False,
        "ops: StringEquals * is literal",
    ),
    ("StringEquals", "aws:username", "al*", {"aws:username": "al*"}, True, "ops: StringEquals * matches *"),
    ("StringEquals", "aws:username", ["bob", "alice"], {"aws:username": "alice"}, True, "multi: values ORed"),
    ("StringEquals", "aws:username", "alice", {}, False, "ops: missing key, plain operator false"),
    ("StringNotEquals", "aws:username", "bob", {"aws:username": "alice"}, True, "ops: StringNotEquals"),
    ("StringNotEquals", "aws:username", ["bob", "alice"], {"aws:username": "alice"}, False, "multi: NOR"),
    ("StringNotEquals", "aws:username", "bob", {}, True, "ops: missing key, negated operator true"),
    ("StringEqualsIgnoreCase", "aws:username", "ALICE", {"aws:username": "alice"}, True, "ops: ignore case"),
    (
        "StringNotEqualsIgnoreCase",
        "aws:username",
        "ALICE",
        {"aws:username": "alice"},
        False,
        "ops: negated ic",
    ),
    ("StringLike", "aws:username", "al*", {"aws:username": "alice"}, True, "ops: StringLike *"),
    ("StringLike", "aws:username", "al?ce", {"aws:username": "alice"}, True, "ops: StringLike ?"),
    ("StringLike", "aws:username", "al?", {"aws:username": "alice"}, False, "ops: StringLike ? is one char"),
    ("StringLike", "aws:username", "Al*", {"aws:username": "alice"}, False, "ops: StringLike case-sensitive"),
    ("StringLike", "s3:prefix", "home/*", {"s3:prefix": "home/a/b"}, True, "ops: StringLike * crosses /"),
    ("StringNotLike", "aws:username", "al*", {"aws:username": "bob"}, True, "ops: StringNotLike"),
    ("StringNotLike", "aws:username", "al*", {}, True, "ops: StringNotLike missing key true"),
    ("StringEqualsIfExists", "aws:username", "bob", {}, True, "ops: IfExists missing key true"),
    (
        "StringEqualsIfExists",
        "aws:username",
        "bob",
        {"aws:username": "alice"},
        False,
        "ops: IfExists present",
    ),
    (
        "stringequals",
        "AWS:UserName",
        "alice",
        {"aws:username": "alice"},
        True,
        "credo: operator names accepted in any case",
    ),
    # --- numeric ---
    ("NumericEquals", "s3:max-keys", "10", {"s3:max-keys": "10"}, True, "ops: NumericEquals"),
    ("NumericEquals", "s3:max-keys", 10, {"s3:max-keys": "10.0"}, True, "ops: numeric compares numbers"),
    ("NumericNotEquals", "s3:max-keys", "10", {"s3:max-keys": "11"}, True, "ops: NumericNotEquals"),
    ("NumericLessThan", "s3:max-keys", "10", {"s3:max-keys": "9"}, True, "ops: NumericLessThan"),
    ("NumericLessThan", "s3:max-keys", "10", {"s3:max-keys": "10"}, False, "ops: NumericLessThan strict"),
    ("NumericLessThanEquals", "s3:max-keys", "10", {"s3:max-keys": "10"}, True, "ops: LessThanEquals"),
    ("NumericGreaterThan", "s3:max-keys", "10", {"s3:max-keys": "11"}, True, "ops: NumericGreaterThan"),
    ("NumericGreaterThanEquals", "s3:max-keys", "10", {"s3:max-keys": "9"}, False, "ops: GreaterThanEquals"),
    ("NumericEquals", "s3:max-keys", "10", {"s3:max-keys": "ten"}, False, "ops: non-number never equal"),
    ("NumericLessThan", "aws:MultiFactorAuthAge", "3600", {}, False, "ops: missing key numeric false"),
    # --- date ---
    (
        "DateGreaterThan",
        "aws:CurrentTime",
        "2020-01-01T00:00:00Z",
        {"aws:CurrentTime": "2021-06-01T00:00:00Z"},
        True,
        "ops: DateGreaterThan ISO 8601",
    ),
    (
        "DateLessThan",
        "aws:CurrentTime",
        "2020-01-01",
        {"aws:CurrentTime": "2021-06-01T00:00:00Z"},
        False,
        "ops: DateLessThan date-only",
    ),
    (
        "DateEquals",
        "aws:EpochTime",
        "2020-01-01T00:00:00Z",
        {"aws:EpochTime": "1577836800"},
        True,
        "ops: dates accept epoch seconds",
    ),
    (
        "DateNotEquals",
        "aws:CurrentTime",
        "2020-01-01T00:00:00+00:00",
        {"aws:CurrentTime": "2020-01-01T01:00:00+01:00"},
        False,
        "ops: DateNotEquals compares instants",
    ),
    (
        "DateLessThanEquals",
        "aws:TokenIssueTime",
        "2020-01-01T00:00:00Z",
        {"aws:TokenIssueTime": "2019-12-31T23:59:59Z"},
        True,
        "ops: DateLessThanEquals",
    ),
    (
        "DateGreaterThanEquals",
        "aws:CurrentTime",
        "2020-01-01T00:00:00Z",
        {"aws:CurrentTime": "garbage"},
        False,
        "ops: unparsable date never matches",
    ),
    # --- bool, binary ---
    ("Bool", "aws:SecureTransport", "true", {"aws:SecureTransport": "true"}, True, "ops: Bool"),
    (
        "Bool",
        "aws:SecureTransport",
        True,
        {"aws:SecureTransport": "TRUE"},
        True,
        "ops: Bool case-insensitive",
    ),
    ("Bool", "aws:SecureTransport", "true", {"aws:SecureTransport": "false"}, False, "ops: Bool false"),
    ("Bool", "aws:SecureTransport", "false", {}, False, "ops: Bool missing key false"),
    ("BoolIfExists", "aws:SecureTransport", "false", {}, True, "ops: BoolIfExists missing key true"),
    (
        "BinaryEquals",
        "ex:blob",
        "QmluYXJ5VmFsdWU=",
        {"ex:blob": "QmluYXJ5VmFsdWU="},
        True,
        "ops: BinaryEquals",
    ),
    (
        "BinaryEquals",
        "ex:blob",
        "QmluYXJ5VmFsdWU=",
        {"ex:blob": "b3RoZXI="},
        False,
        "ops: BinaryEquals differs",
    ),
    # --- ip ---
    (
        "IpAddress",
        "aws:SourceIp",
        "203.0.113.0/24",
        {"aws:SourceIp": "203.0.113.7"},
        True,
        "ops: IpAddress CIDR",
    ),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "198.51.100.7"}, False, "ops: outside"),
    (
        "IpAddress",
        "aws:SourceIp",
        "203.0.113.7",
        {"aws:SourceIp": "203.0.113.7"},
        True,
        "ops: single address",
    ),
    ("IpAddress", "aws:SourceIp", "2001:db8::/32", {"aws:SourceIp": "2001:db8::1"}, True, "ops: IPv6 CIDR"),
    (
        "IpAddress",
        "aws:SourceIp",
        "2001:db8::/32",
        {"aws:SourceIp": "203.0.113.7"},
        False,
        "ops: v4 not in v6",
    ),
    (
        "NotIpAddress",
        "aws:SourceIp",
        "203.0.113.0/24",
        {"aws:SourceIp": "198.51.100.7"},
        True,
        "ops: NotIpAddress",
    ),
    ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", {}, True, "ops: NotIpAddress missing key true"),
    # --- arn ---
    (
        "ArnEquals",
        "aws:SourceArn",
        "arn:aws:sns:us-east-1:123456789012:t",
        {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:t"},
        True,
        "ops: ArnEquals",
    ),
    (
        "ArnLike",
        "aws:SourceArn",
        "arn:aws:sns:*:123456789012:*",
        {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic:x"},
        True,
        "ops: ArnLike per segment, resource has colons",
    ),
    (
        "ArnLike",
        "aws:SourceArn",
        "arn:aws:sns:*:123456789012:t",
        {"aws:SourceArn": "arn:aws:sns:us-east-1:extra:123456789012:t"},
        False,
        "ops: ArnLike * does not cross segments",
    ),
    (
        "ArnNotLike",
        "aws:PrincipalArn",
        "arn:aws:iam::*:role/admin",
        {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/dev"},
        True,
        "ops: ArnNotLike",
    ),
    (
        "ArnNotEquals",
        "aws:PrincipalArn",
        "arn:aws:iam::123456789012:role/dev",
        {},
        True,
        "ops: ArnNotEquals missing",
    ),
    (
        "ArnLike",
        "aws:SourceArn",
        "arn:aws:sns:*",
        {"aws:SourceArn": "arn:aws:sns:x"},
        False,
        "ops: not an ARN",
    ),
    # --- null ---
    ("Null", "aws:TokenIssueTime", "true", {}, True, "ops: Null true means absent"),
    (
        "Null",
        "aws:TokenIssueTime",
        "true",
        {"aws:TokenIssueTime": "2020-01-01"},
        False,
        "ops: Null true present",
    ),
    (
        "Null",
        "aws:TokenIssueTime",
        False,
        {"aws:TokenIssueTime": "2020-01-01"},
        True,
        "ops: Null false present",
    ),
    ("Null", "aws:TokenIssueTime", "false", {}, False, "ops: Null false absent"),
    # --- set operators ---
    ("ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"], {"aws:TagKeys": ["a"]}, True, "sets: subset"),
    (
        "ForAllValues:StringEquals",
        "aws:TagKeys",
        ["a", "b"],
        {"aws:TagKeys": ["a", "c"]},
        False,
        "sets: not subset",
    ),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["a"], {}, True, "sets: ForAllValues missing key true"),
    (
        "ForAllValues:StringEquals",
        "aws:TagKeys",
        ["a"],
        {"aws:TagKeys": []},
        True,
        "sets: ForAllValues empty true",
    ),
    (
        "ForAnyValue:StringEquals",
        "aws:TagKeys",
        ["a", "b"],
        {"aws:TagKeys": ["c", "b"]},
        True,
        "sets: overlap",
    ),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["a"], {"aws:TagKeys": ["c"]}, False, "sets: no overlap"),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["a"], {}, False, "sets: ForAnyValue missing key false"),
    (
        "ForAnyValue:StringLike",
        "aws:TagKeys",
        ["env*"],
        {"aws:TagKeys": ["x", "envname"]},
        True,
        "sets: any like",
    ),
    (
        "ForAllValues:StringNotEquals",
        "aws:TagKeys",
        ["secret"],
        {"aws:TagKeys": ["a", "b"]},
        True,
        "sets: none",
    ),
    (
        "ForAllValues:StringNotEquals",
        "aws:TagKeys",
        ["secret"],
        {"aws:TagKeys": ["a", "secret"]},
        False,
        "sets: one forbidden",
    ),
    (
        "ForAnyValue:StringNotEquals",
        "aws:TagKeys",
        ["a"],
        {"aws:TagKeys": ["a", "b"]},
        True,
        "sets: any not a",
    ),
    ("StringEquals", "aws:TagKeys", "b", {"aws:TagKeys": ["a", "b"]}, True, "multi: single op, any value"),
    # --- variables in condition values ---
    (
        "StringEquals",
        "s3:prefix",
        "home/${aws:username}",
        {"s3:prefix": "home/alice", "aws:username": "alice"},
        True,
        "variables: in condition values",
    ),
    (
        "StringLike",
        "s3:prefix",
        "home/${aws:username}/*",
        {"s3:prefix": "home/al*/x", "aws:username": "al*"},
        True,
        "variables: substituted value is literal",
    ),
    (
        "StringLike",
        "s3:prefix",
        "home/${aws:username}/*",
        {"s3:prefix": "home/alex/x", "aws:username": "al*"},
        False,
        "variables: substituted * is not a wildcard",
    ),
    (
        "StringEquals",
        "s3:prefix",
        "home/${aws:username}",
        {"s3:prefix": "home/alice"},
        False,
        "variables: unresolved variable, condition false",
    ),
    (
        "StringNotEquals",
        "s3:prefix",
        "home/${aws:username}",
        {"s3:prefix": "home/alice"},
        True,
        "novalue: unresolved variable, negated condition matches",
    ),
    (
        "StringEquals",
        "s3:prefix",
        ["home/${aws:username}", "home/alice"],
        {"s3:prefix": "home/alice"},
        True,
        "novalue: the other values still match",
    ),
    (
        "StringNotEquals",
        "s3:prefix",
        ["home/${aws:username}", "home/alice"],
        {"s3:prefix": "home/alice"},
        False,
        "novalue: a negated operator still refuses the other values",
    ),
    (
        "StringEquals",
        "s3:prefix",
        "home/${aws:username, 'anon'}",
        {"s3:prefix": "home/anon"},
        True,
        "variables: default value",
    ),
]


@pytest.mark.parametrize(
    ("operator", "key", "values", "context", "expected"),
    [pytest.param(*case[:5], id=case[5]) for case in CASES],
)
def test_condition_operator(
    operator: str, key: str, values: object, context: dict[str, object], expected: bool
) -> None:
    """Each condition operator decides as the AWS condition-operator reference describes."""
    assert allowed({operator: {key: values}}, context) is expected


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        pytest.param(
            {"StringEquals": {"a:x": "1", "a:y": "2"}}, {"a:x": "1", "a:y": "2"}, True, id="multi: keys ANDed"
        ),
        pytest.param(
            {"StringEquals": {"a:x": "1", "a:y": "2"}}, {"a:x": "1", "a:y": "3"}, False, id="multi: one fails"
        ),
        pytest.param(
            {"StringEquals": {"a:x": "1"}, "Bool": {"a:y": "true"}},
            {"a:x": "1", "a:y": "true"},
            True,
            id="multi: operators ANDed",
        ),
        pytest.param(
            {"StringEquals": {"a:x": "1"}, "Bool": {"a:y": "true"}},
            {"a:x": "1"},
            False,
            id="multi: second operator fails",
        ),
        pytest.param(
            {"StringEquals": {"a:x": "1"}}, {"A:X": "1"}, True, id="ops: context keys case-insensitive"
        ),
    ],
)
def test_condition_combination(
    condition: dict[str, object], context: dict[str, object], expected: bool
) -> None:
    """Keys within an operator and operator blocks within a Condition are ANDed."""
    assert allowed(condition, context) is expected


def test_variables_are_literal_in_2008_policies() -> None:
    """In a 2008-10-17 document ${...} is plain text (variables reference: Version element)."""
    assert allowed(
        {"StringEquals": {"s3:prefix": "${aws:username}"}}, {"s3:prefix": "${aws:username}"}, "2008-10-17"
    )
    assert not allowed(
        {"StringEquals": {"s3:prefix": "${aws:username}"}},
        {"s3:prefix": "alice", "aws:username": "alice"},
        "2008-10-17",
    )


@pytest.mark.parametrize(
    "operator",
    [
        pytest.param("StringEqualz", id="ops: unknown operator"),
        pytest.param("NullIfExists", id="ops: Null has no IfExists"),
        pytest.param("ForAllValues:Null", id="sets: Null takes no set operator"),
        pytest.param("ForSomeValues:StringEquals", id="sets: unknown set operator"),
    ],
)
def test_unknown_condition_operator_is_rejected(operator: str) -> None:
    """An operator AWS does not define makes the document malformed ("Syntax errors in policy.")."""
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {operator: {"aws:x": "1"}},
            },
        }
    )
    with pytest.raises(MalformedPolicyDocument) as caught:
        parse_policy(text)
    assert caught.value.message == "Syntax errors in policy."
    assert caught.value.detail == f"Statement #1: {operator!r} is not a condition operator."


NEGATED_WITH_VARIABLES = [
    ("StringNotEquals", "aws:RequestTag/team", "blue", "${aws:PrincipalTag/team}"),
    ("StringNotEqualsIgnoreCase", "aws:RequestTag/team", "blue", "${aws:PrincipalTag/team}"),
    ("StringNotLike", "aws:RequestTag/team", "blue", "${aws:PrincipalTag/team}"),
    (
        "ArnNotEquals",
        "aws:SourceArn",
        "arn:aws:iam::123456789012:user/blue",
        "arn:aws:iam::*:user/${aws:PrincipalTag/team}",
    ),
    (
        "ArnNotLike",
        "aws:SourceArn",
        "arn:aws:iam::123456789012:user/blue",
        "arn:aws:iam::*:user/${aws:PrincipalTag/team}",
    ),
]


def denied_by(condition: Mapping[str, object], context: Mapping[str, object]) -> bool:
    """Whether an Allow-all plus a Deny with ``condition`` denies iam:GetUser."""
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": condition},
            ],
        }
    )
    request = Request("iam:GetUser", ARN, context)  # type: ignore[arg-type]
    return evaluate(request, identity=[("p", parse_policy(text))]).result == "explicitDeny"


@pytest.mark.parametrize(
    ("operator", "key", "request_value", "policy_value"),
    [
        pytest.param(op + suffix, key, request_value, value, id=f"novalue: {op}{suffix}")
        for op, key, request_value, value in NEGATED_WITH_VARIABLES
        for suffix in ("", "IfExists")
    ],
)
def test_negated_operator_matches_a_variable_without_value(
    operator: str, key: str, request_value: str, policy_value: str
) -> None:
    """A negated operator whose policy variable has no value matches, so its Deny fires."""
    condition = {operator: {key: policy_value}}
    assert denied_by(condition, {key: request_value})
    # the same caller with the tag that the variable names is not denied
    assert not denied_by(condition, {key: request_value, "aws:PrincipalTag/team": "blue"})


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        pytest.param("ForAllValues:StringNotEquals", True, id="novalue: ForAllValues:StringNotEquals"),
        pytest.param("ForAnyValue:StringNotEquals", True, id="novalue: ForAnyValue:StringNotEquals"),
        pytest.param("ForAllValues:StringNotLike", True, id="novalue: ForAllValues:StringNotLike"),
        pytest.param("ForAnyValue:StringEquals", False, id="novalue: ForAnyValue:StringEquals"),
        pytest.param("StringEquals", False, id="novalue: StringEquals does not match"),
        pytest.param("StringLike", False, id="novalue: StringLike does not match"),
        pytest.param("StringEqualsIfExists", False, id="novalue: StringEqualsIfExists does not match"),
    ],
)
def test_set_and_positive_operators_with_a_variable_without_value(operator: str, expected: bool) -> None:
    """Set operators treat a variable without value as a value equal to nothing; positive ones never match it."""
    condition = {operator: {"aws:TagKeys": "${aws:PrincipalTag/allowed}"}}
    assert denied_by(condition, {"aws:TagKeys": ["a", "b"]}) is expected
