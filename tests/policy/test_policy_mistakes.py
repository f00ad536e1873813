"""Mistakes people make with IAM policies, and what AWS actually does with them.

Ids cite the IAM User Guide pages that warn about each one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pytest

from credo.policy import Request, evaluate, parse_policy

A = "111111111111"
USER = f"arn:aws:iam::{A}:user/alice"

ALLOW_ALL: dict[str, object] = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def decide(statements: Sequence[Mapping[str, object]], request: Request) -> str:
    p = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": statements}))
    return evaluate(request, identity=[("p", p)]).result


def deny_without_mfa(operator: str) -> list[dict[str, object]]:
    return [
        ALLOW_ALL,
        {
            "Effect": "Deny",
            "Action": "iam:*",
            "Resource": "*",
            "Condition": {operator: {"aws:MultiFactorAuthPresent": "false"}},
        },
    ]


@pytest.mark.parametrize(
    ("operator", "context", "expected"),
    [
        pytest.param(
            "Bool",
            {},
            "allowed",
            id="condition-keys MultiFactorAuthPresent: long-term keys lack the key, Bool false misses",
        ),
        pytest.param(
            "BoolIfExists",
            {},
            "explicitDeny",
            id="condition-keys MultiFactorAuthPresent: BoolIfExists false catches long-term keys",
        ),
        pytest.param(
            "Bool", {"aws:MultiFactorAuthPresent": "false"}, "explicitDeny", id="ops: Bool key present"
        ),
        pytest.param(
            "BoolIfExists", {"aws:MultiFactorAuthPresent": "true"}, "allowed", id="ops: MFA present"
        ),
    ],
)
def test_bool_versus_bool_if_exists_for_mfa(operator: str, context: dict[str, str], expected: str) -> None:
    """A Deny on MultiFactorAuthPresent=false needs BoolIfExists to catch requests signed with access keys."""
    assert decide(deny_without_mfa(operator), Request("iam:DeleteUser", USER, context)) == expected


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        pytest.param({}, "allowed", id="sets: ForAllValues with the key missing is true"),
        pytest.param({"aws:TagKeys": ["env"]}, "allowed", id="sets: allowed tag keys"),
        pytest.param({"aws:TagKeys": ["env", "owner"]}, "implicitDeny", id="sets: an extra tag key"),
    ],
)
def test_for_all_values_on_missing_key(context: dict[str, list[str]], expected: str) -> None:
    """ForAllValues is true when the request has no tags at all, so it allows untagged requests too."""
    statements = [
        {
            "Effect": "Allow",
            "Action": "iam:TagUser",
            "Resource": "*",
            "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}},
        }
    ]
    assert decide(statements, Request("iam:TagUser", USER, context)) == expected


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        pytest.param(USER, "allowed", id="principal NotPrincipal: the listed principal is exempt"),
        pytest.param(
            f"arn:aws:iam::{A}:user/mallory", "explicitDeny", id="principal NotPrincipal: others denied"
        ),
    ],
)
def test_not_principal_in_a_deny(caller: str, expected: str) -> None:
    """NotPrincipal with Deny denies every principal except the ones listed."""
    bucket = parse_policy(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Deny",
                    "NotPrincipal": {"AWS": [USER, f"arn:aws:iam::{A}:root"]},
                    "Action": "s3:*",
                    "Resource": "arn:aws:s3:::secret/*",
                },
            }
        ),
        "resource",
    )
    identity = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": ALLOW_ALL}))
    request = Request("s3:GetObject", "arn:aws:s3:::secret/x", principal_arn=caller, principal_account=A)
    assert evaluate(request, identity=[("id", identity)], resource=[("bucket", bucket)]).result == expected


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        pytest.param(
            Request("IAM:getuser", f"arn:aws:iam::{A}:user/Alice"),
            "allowed",
            id="action: action names are case-insensitive",
        ),
        pytest.param(
            Request("iam:GetUser", f"arn:aws:iam::{A}:user/alice"),
            "implicitDeny",
            id="resource: ARNs are case-sensitive",
        ),
    ],
)
def test_action_case_insensitive_resource_case_sensitive(request_: Request, expected: str) -> None:
    """Actions ignore case but resources do not: user/Alice is not user/alice."""
    statements = [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": f"arn:aws:iam::{A}:user/Alice"}]
    assert decide(statements, request_) == expected


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        pytest.param("StringEquals", "dev-*", "implicitDeny", id="ops: StringEquals treats * literally"),
        pytest.param("StringLike", "dev-*", "allowed", id="ops: StringLike treats * as a wildcard"),
    ],
)
def test_wildcard_in_string_equals_is_literal(operator: str, value: str, expected: str) -> None:
    """A * inside StringEquals matches only a literal *; wildcards need StringLike."""
    statements = [
        {
            "Effect": "Allow",
            "Action": "iam:*",
            "Resource": "*",
            "Condition": {operator: {"aws:PrincipalTag/team": value}},
        }
    ]
    request = Request("iam:GetUser", USER, {"aws:PrincipalTag/team": "dev-blue"})
    assert decide(statements, request) == expected
