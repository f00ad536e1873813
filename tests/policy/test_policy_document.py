"""Parsing policy documents ("IAM JSON policy element reference", "grammar").

AWS's validation rules and messages are tabled in test_policy_validation_table.py.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from credo.errors import MalformedPolicyDocument
from credo.policy import Policy, PolicyKind, Request, compile_policy, context_keys_of, evaluate, parse_policy

ACCOUNT = "123456789012"


def doc(*statements: Mapping[str, object], version: str | None = "2012-10-17", **top: object) -> str:
    body: dict[str, object] = {} if version is None else {"Version": version}
    body.update(top)
    body["Statement"] = list(statements) if len(statements) != 1 else statements[0]
    return json.dumps(body)


ALLOW_ALL: dict[str, object] = {"Effect": "Allow", "Action": "*", "Resource": "*"}
TRUST: dict[str, object] = {
    "Effect": "Allow",
    "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole",
}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        pytest.param(doc(ALLOW_ALL), "identity", id="grammar: Statement may be one object"),
        pytest.param(doc(ALLOW_ALL, ALLOW_ALL), "identity", id="grammar: Statement may be a list"),
        pytest.param(doc(ALLOW_ALL, version="2008-10-17"), "identity", id="Version: 2008-10-17 accepted"),
        pytest.param(doc(ALLOW_ALL, version=None), "identity", id="Version: optional"),
        pytest.param(doc(ALLOW_ALL, Id="my-policy"), "identity", id="Id: optional string"),
        pytest.param(
            doc({**ALLOW_ALL, "Sid": "S1", "Action": ["iam:Get*", "s3:List?ucket"]}),
            "identity",
            id="Action: list with wildcards",
        ),
        pytest.param(
            doc({"Effect": "Deny", "NotAction": "iam:*", "NotResource": "arn:aws:iam::*:user/*"}),
            "identity",
            id="NotAction and NotResource",
        ),
        pytest.param(doc(ALLOW_ALL), "boundary", id="boundary: identity grammar"),
        pytest.param(doc(ALLOW_ALL), "session", id="session: identity grammar"),
        pytest.param(doc(TRUST), "trust", id="trust: Principal, no Resource"),
        pytest.param(doc({**TRUST, "Principal": {"AWS": ACCOUNT}}), "trust", id="Principal: account id"),
        pytest.param(
            doc(
                {
                    **TRUST,
                    "Principal": {
                        "AWS": [
                            f"arn:aws:iam::{ACCOUNT}:root",
                            f"arn:aws:iam::{ACCOUNT}:role/path/r",
                            f"arn:aws:sts::{ACCOUNT}:assumed-role/r/s",
                        ]
                    },
                }
            ),
            "trust",
            id="Principal: root, role and session ARNs",
        ),
        pytest.param(
            doc({**TRUST, "Principal": {"Federated": "cognito-identity.amazonaws.com"}}),
            "trust",
            id="Principal: Federated",
        ),
        pytest.param(doc({**ALLOW_ALL, "Principal": "*"}), "resource", id="Principal: * in resource policy"),
        pytest.param(
            doc({**ALLOW_ALL, "Effect": "Deny", "NotPrincipal": {"AWS": ACCOUNT}}),
            "resource",
            id="NotPrincipal: with Deny in resource policy",
        ),
        pytest.param(
            '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*",'
            '"Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}}}',
            "identity",
            id="Condition: number values",
        ),
    ],
)
def test_valid_documents_parse(text: str, kind: PolicyKind) -> None:
    """Documents that follow the policy grammar parse into a Policy of the requested kind."""
    policy = parse_policy(text, kind)
    assert isinstance(policy, Policy)
    assert policy.kind == kind
    assert policy.statements


@pytest.mark.parametrize(
    ("statement", "where"),
    [
        pytest.param(
            {**ALLOW_ALL, "Sid": "Named", "Effect": "Maybe"}, "Statement 'Named'", id="located by Sid"
        ),
        pytest.param({**ALLOW_ALL, "Effect": "Maybe"}, "Statement #2", id="located by position"),
    ],
)
def test_errors_say_which_statement(statement: dict[str, object], where: str) -> None:
    """A statement-level error's detail names the statement by Sid, else by 1-based position."""
    with pytest.raises(MalformedPolicyDocument) as caught:
        parse_policy(doc(ALLOW_ALL, statement))
    assert caught.value.message == "Syntax errors in policy."
    assert caught.value.detail is not None and caught.value.detail.startswith(where)


def test_matched_statement_positions() -> None:
    """MatchedStatements carry 1-based positions of { and just past }, as in SimulateCustomPolicy."""
    text = (
        '{\n  "Version": "2012-10-17",\n  "Statement": [\n'
        '    {"Effect": "Allow",\n     "Action": "*", "Resource": "*"}\n  ]\n}'
    )
    decision = evaluate(Request("iam:GetUser", "*"), identity=[("p1", parse_policy(text))])
    (matched,) = decision.matched
    assert (matched.policy_id, matched.effect) == ("p1", "Allow")
    assert (matched.start_line, matched.start_column) == (4, 5)
    assert (matched.end_line, matched.end_column) == (5, 37)


def test_compile_policy_is_cached() -> None:
    """compile_policy returns the same compiled Policy for the same text and kind."""
    text = doc(ALLOW_ALL)
    assert compile_policy(text) is compile_policy(text)
    assert compile_policy(text, "boundary") is not compile_policy(text)


@pytest.mark.parametrize(
    ("statement", "keys"),
    [
        pytest.param(
            {**ALLOW_ALL, "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
            ["aws:MultiFactorAuthPresent"],
            id="GetContextKeys: condition keys",
        ),
        pytest.param(
            {**ALLOW_ALL, "Resource": "arn:aws:iam::1:user/${aws:username}"},
            ["aws:username"],
            id="GetContextKeys: variables in Resource",
        ),
        pytest.param(
            {**ALLOW_ALL, "Condition": {"StringLike": {"s3:prefix": "${aws:PrincipalTag/team}/*"}}},
            ["aws:PrincipalTag/team", "s3:prefix"],
            id="GetContextKeys: variables in values",
        ),
        pytest.param(
            {**ALLOW_ALL, "Resource": "arn:aws:s3:::b/${*}"}, [], id="variables: escapes are not keys"
        ),
        pytest.param(
            {**ALLOW_ALL, "Condition": {"StringEquals": {"aws:A": "1"}, "Null": {"AWS:a": "false"}}},
            ["aws:A"],
            id="GetContextKeys: keys are case-insensitive",
        ),
    ],
)
def test_context_keys_of(statement: dict[str, object], keys: list[str]) -> None:
    """context_keys_of lists condition keys and variable keys once each."""
    assert context_keys_of([parse_policy(doc(statement))]) == keys
