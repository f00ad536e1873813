"""Action and resource matching, and policy variables in Resource.

Ids cite the IAM User Guide: "IAM JSON policy elements: Action" (action),
"... Resource" (resource) and "IAM policy elements: Variables and tags" (variables).
"""

from __future__ import annotations

import json

import pytest

from credo.policy import Request, evaluate, parse_policy

ACCOUNT = "123456789012"


def decide(
    action_el: object,
    resource_el: object,
    action: str,
    resource: str,
    context: dict[str, str] | None = None,
    *,
    version: str = "2012-10-17",
    negate_action: bool = False,
    negate_resource: bool = False,
) -> bool:
    statement = {
        "Effect": "Allow",
        "NotAction" if negate_action else "Action": action_el,
        "NotResource" if negate_resource else "Resource": resource_el,
    }
    policy = parse_policy(json.dumps({"Version": version, "Statement": statement}))
    return evaluate(Request(action, resource, context or {}), identity=[("p", policy)]).result == "allowed"


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        pytest.param("iam:CreateUser", "iam:CreateUser", True, id="action: exact"),
        pytest.param("IAM:createuser", "iam:CreateUser", True, id="action: case-insensitive"),
        pytest.param("iam:*", "iam:CreateUser", True, id="action: service wildcard"),
        pytest.param("iam:*", "s3:GetObject", False, id="action: other service"),
        pytest.param("iam:*User", "iam:CreateUser", True, id="action: * inside name"),
        pytest.param("iam:*User", "iam:CreateUserX", False, id="action: whole name must match"),
        pytest.param("iam:?etUser", "iam:GetUser", True, id="action: ? one character"),
        pytest.param("*", "sts:AssumeRole", True, id="action: * matches every action"),
        pytest.param("*:GetUser", "iam:GetUser", True, id="action: wildcard service prefix"),
        pytest.param(["s3:*", "iam:Get*"], "iam:GetRole", True, id="action: list ORed"),
        pytest.param("iam:Get.*", "iam:GetUser", False, id="action: regex characters are literal"),
    ],
)
def test_action_matching(pattern: object, action: str, expected: bool) -> None:
    """Action patterns match case-insensitively with * and ? wildcards."""
    assert decide(pattern, "*", action, "*") is expected


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        pytest.param("iam:*", "s3:GetObject", True, id="action: NotAction matches everything else"),
        pytest.param("iam:*", "IAM:GetUser", False, id="action: NotAction case-insensitive"),
    ],
)
def test_not_action(pattern: str, action: str, expected: bool) -> None:
    """NotAction matches every action except those listed."""
    assert decide(pattern, "*", action, "*", negate_action=True) is expected


U = f"arn:aws:iam::{ACCOUNT}:user"


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        pytest.param("*", f"{U}/bob", True, id="resource: * matches all"),
        pytest.param(f"{U}/bob", f"{U}/bob", True, id="resource: exact"),
        pytest.param(f"{U}/Bob", f"{U}/bob", False, id="resource: case-sensitive"),
        pytest.param(f"{U}/*", f"{U}/team/bob", True, id="resource: * in resource part crosses /"),
        pytest.param("arn:aws:iam::*:user/bob", f"{U}/bob", True, id="resource: * within account segment"),
        pytest.param(
            "arn:aws:iam::*:user/bob",
            "arn:aws:iam::1:2:user/bob",
            False,
            id="resource: * does not cross segments",
        ),
        pytest.param(
            "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b", True, id="resource: colons in resource"
        ),
        pytest.param(f"{U}/b?b", f"{U}/bob", True, id="resource: ? one character"),
        pytest.param(f"{U}/b?b", f"{U}/boob", False, id="resource: ? exactly one"),
        pytest.param([f"{U}/x", f"{U}/bob"], f"{U}/bob", True, id="resource: list ORed"),
        pytest.param(f"{U}/bob", "*", False, id="resource: request * only matches pattern *"),
        pytest.param(f"{U}/bo.", f"{U}/bob", False, id="resource: regex characters are literal"),
    ],
)
def test_resource_matching(pattern: object, resource: str, expected: bool) -> None:
    """Resource patterns match case-sensitively, segment by segment."""
    assert decide("iam:*", pattern, "iam:GetUser", resource) is expected


def test_not_resource() -> None:
    """NotResource matches every resource except those listed."""
    assert decide("iam:*", f"{U}/admin", "iam:GetUser", f"{U}/bob", negate_resource=True)
    assert not decide("iam:*", f"{U}/admin", "iam:GetUser", f"{U}/admin", negate_resource=True)


@pytest.mark.parametrize(
    ("pattern", "resource", "context", "expected"),
    [
        pytest.param(
            f"{U}/${{aws:username}}", f"{U}/bob", {"aws:username": "bob"}, True, id="variables: username"
        ),
        pytest.param(
            f"{U}/${{aws:username}}", f"{U}/eve", {"aws:username": "bob"}, False, id="variables: other"
        ),
        pytest.param(
            f"{U}/${{AWS:UserName}}",
            f"{U}/bob",
            {"aws:username": "bob"},
            True,
            id="variables: key case-insensitive",
        ),
        pytest.param(f"{U}/${{aws:username}}", f"{U}/bob", {}, False, id="variables: unresolved, no match"),
        pytest.param(
            f"{U}/${{aws:username, 'guest'}}", f"{U}/guest", {}, True, id="variables: default value"
        ),
        pytest.param(
            f"{U}/${{aws:PrincipalTag/team}}/*",
            f"{U}/red/bob",
            {"aws:PrincipalTag/team": "red"},
            True,
            id="variables: principal tag",
        ),
        pytest.param(
            f"{U}/${{aws:username}}",
            f"{U}/bxb",
            {"aws:username": "b?b"},
            False,
            id="variables: substituted ? is literal",
        ),
        pytest.param(f"{U}/${{*}}", f"{U}/bob", {}, False, id="variables: ${*} is a literal *"),
        pytest.param(f"{U}/${{*}}", f"{U}/*", {}, True, id="variables: ${*} matches *"),
        pytest.param(f"{U}/a${{?}}", f"{U}/a?", {}, True, id="variables: ${?} matches ?"),
        pytest.param(f"{U}/${{$}}x", f"{U}/$x", {}, True, id="variables: ${$} matches $"),
        pytest.param(
            [f"{U}/${{aws:username}}", f"{U}/shared"],
            f"{U}/shared",
            {},
            True,
            id="variables: other entries still match",
        ),
        pytest.param(
            f"{U}/${{aws:userid}}",
            f"{U}/AIDAEXAMPLE",
            {"aws:userid": "AIDAEXAMPLE"},
            True,
            id="variables: userid",
        ),
    ],
)
def test_variables_in_resource(
    pattern: object, resource: str, context: dict[str, str], expected: bool
) -> None:
    """Policy variables in Resource resolve from the request context (2012-10-17 only)."""
    assert decide("iam:*", pattern, "iam:GetUser", resource, context) is expected


def test_variables_are_text_in_2008_documents() -> None:
    """In a 2008-10-17 document ${aws:username} is literal text, not a variable."""
    pattern = f"{U}/${{aws:username}}"
    assert not decide(
        "iam:*", pattern, "iam:GetUser", f"{U}/bob", {"aws:username": "bob"}, version="2008-10-17"
    )
    assert decide("iam:*", pattern, "iam:GetUser", pattern, {}, version="2008-10-17")
