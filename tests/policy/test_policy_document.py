"""Parsing and validating policy documents ("IAM JSON policy element reference", "grammar")."""

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
    ("text", "kind", "message"),
    [
        pytest.param("{not json", "identity", "Syntax errors in policy.", id="grammar: not JSON"),
        pytest.param("[]", "identity", "Syntax errors in policy.", id="grammar: top level must be an object"),
        pytest.param(
            doc(ALLOW_ALL) + "x", "identity", "Syntax errors in policy.", id="grammar: trailing data"
        ),
        pytest.param(
            doc({**ALLOW_ALL, "Sid": "A"}, {**ALLOW_ALL, "Sid": "A"}),
            "identity",
            "Statement IDs (SID) in a single policy must be unique.",
            id="Sid: unique within a policy",
        ),
        pytest.param(
            doc(ALLOW_ALL, Extra=1), "identity", "Unknown field Extra", id="grammar: unknown top field"
        ),
        pytest.param(
            doc({**ALLOW_ALL, "Bogus": 1}), "identity", "Unknown field Bogus", id="grammar: unknown field"
        ),
        pytest.param(
            doc(ALLOW_ALL, version="2013-01-01"), "identity", "Invalid Version", id="Version: values"
        ),
        pytest.param(
            json.dumps({"Version": "2012-10-17"}),
            "identity",
            "Missing required field Statement",
            id="grammar: Statement required",
        ),
        pytest.param(
            doc({**ALLOW_ALL, "Effect": "allow"}),
            "identity",
            "Invalid effect: allow",
            id="Effect: Allow or Deny, case-sensitive",
        ),
        pytest.param(
            doc({"Action": "*", "Resource": "*"}),
            "identity",
            "Missing required field Effect",
            id="Effect: required",
        ),
        pytest.param(
            doc({"Effect": "Allow", "Resource": "*"}),
            "identity",
            "Policy statement must contain actions.",
            id="Action: required",
        ),
        pytest.param(
            doc({**ALLOW_ALL, "Action": []}),
            "identity",
            "Policy statement must contain actions.",
            id="Action: not empty",
        ),
        pytest.param(
            doc({**ALLOW_ALL, "NotAction": "iam:*"}),
            "identity",
            "Action or NotAction, not both",
            id="Action: exactly one of Action/NotAction",
        ),
        pytest.param(
            doc({**ALLOW_ALL, "Action": "CreateUser"}),
            "identity",
            "Actions/Conditions must be prefaced by a vendor",
            id="Action: service prefix required",
        ),
        pytest.param(
            doc({"Effect": "Allow", "Action": "*"}),
            "identity",
            "Policy statement must contain resources.",
            id="Resource: required in identity policies",
        ),
        pytest.param(
            doc({**ALLOW_ALL, "Resource": "user/bob"}),
            "identity",
            'Resource user/bob must be in ARN format or "*".',
            id="Resource: ARN or *",
        ),
        pytest.param(
            doc({**ALLOW_ALL, "Resource": "arn:aws:i*m::1:user/x"}),
            "identity",
            "Resource vendor must be fully qualified",
            id="Resource: no wildcard in service segment",
        ),
        pytest.param(
            doc({**ALLOW_ALL, "Principal": "*"}),
            "identity",
            "Policy document should not specify a principal.",
            id="Principal: not in identity policies",
        ),
        pytest.param(
            doc({**ALLOW_ALL, "NotPrincipal": {"AWS": ACCOUNT}}),
            "boundary",
            "Policy document should not specify a principal.",
            id="NotPrincipal: not in boundaries",
        ),
        pytest.param(
            doc(ALLOW_ALL),
            "resource",
            "Missing required field Principal",
            id="Principal: required in resource policies",
        ),
        pytest.param(
            doc({"Effect": "Allow", "Action": "sts:AssumeRole"}),
            "trust",
            "Missing required field Principal",
            id="Principal: required in trust policies",
        ),
        pytest.param(
            doc({**TRUST, "Resource": "*"}),
            "trust",
            "Has prohibited field Resource",
            id="trust: Resource prohibited",
        ),
        pytest.param(
            doc({**TRUST, "Principal": {"AWS": "bob"}}),
            "trust",
            "Invalid principal in policy",
            id="Principal: AWS must be account, ARN or *",
        ),
        pytest.param(
            doc({**TRUST, "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/*"}}),
            "trust",
            "Invalid principal in policy",
            id="Principal: no wildcard inside an ARN",
        ),
        pytest.param(
            doc({**TRUST, "Principal": {"Users": "x"}}),
            "trust",
            "Invalid principal in policy",
            id="Principal: known types only",
        ),
        pytest.param(
            doc({**ALLOW_ALL, "NotPrincipal": {"AWS": ACCOUNT}}),
            "resource",
            'NotPrincipal must be used with "Effect":"Deny"',
            id="NotPrincipal: Deny only",
        ),
        pytest.param(
            doc({"Effect": "Deny", "Action": "sts:AssumeRole", "NotPrincipal": {"AWS": ACCOUNT}}),
            "trust",
            "NotPrincipal cannot be used in a role trust policy",
            id="NotPrincipal: not in trust policies",
        ),
        pytest.param(
            doc({**ALLOW_ALL, "Condition": {"StringEquals": {"username": "x"}}}),
            "identity",
            "Actions/Conditions must be prefaced by a vendor",
            id="Condition: key needs a vendor",
        ),
        pytest.param(
            doc({**ALLOW_ALL, "Condition": {"StringEquals": {"aws:x": {"a": 1}}}}),
            "identity",
            "Syntax errors in policy.",
            id="Condition: values are scalars",
        ),
        pytest.param(
            doc({**ALLOW_ALL, "Condition": {"Strung": {"aws:x": "1"}}}),
            "identity",
            "Invalid Condition type : Strung",
            id="Condition: unknown operator",
        ),
    ],
)
def test_invalid_documents_are_rejected(text: str, kind: PolicyKind, message: str) -> None:
    """Invalid documents raise MalformedPolicyDocument with AWS's message for the problem."""
    with pytest.raises(MalformedPolicyDocument) as excinfo:
        parse_policy(text, kind)
    assert message in excinfo.value.message


@pytest.mark.parametrize(
    ("statement", "where"),
    [
        pytest.param(
            {**ALLOW_ALL, "Sid": "Named", "Effect": "Maybe"}, "statement 'Named'", id="located by Sid"
        ),
        pytest.param({**ALLOW_ALL, "Effect": "Maybe"}, "statement #2", id="located by position"),
    ],
)
def test_errors_say_which_statement(statement: dict[str, object], where: str) -> None:
    """A statement-level error names the statement by Sid, else by 1-based position."""
    with pytest.raises(MalformedPolicyDocument, match=where):
        parse_policy(doc(ALLOW_ALL, statement))


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
