"""The IAM policy simulator: SimulateCustomPolicy, SimulatePrincipalPolicy, GetContextKeysFor*."""

from __future__ import annotations

import json
from typing import Any

import botocore.exceptions
import pytest

from tests.conftest import allow

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "999999999999"
BUCKET = "arn:aws:s3:::reports/q1.csv"

# Laid out by json.dumps(indent=2): statement 1 spans lines 4-9, statement 2 lines 10-18.
LAYERED = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": "iam:Get*", "Resource": "*"},
            {
                "Sid": "NoUsers",
                "Effect": "Deny",
                "Action": ["iam:GetUser", "iam:DeleteUser"],
                "Resource": "*",
            },
        ],
    },
    indent=2,
)


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def when(condition: dict[str, Any], action: str = "s3:GetObject") -> str:
    """An identity policy allowing ``action`` under ``condition``."""
    return doc({"Effect": "Allow", "Action": action, "Resource": "*", "Condition": condition})


def only(response: dict[str, Any]) -> dict[str, Any]:
    (result,) = response["EvaluationResults"]
    return result


def positions(result: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (
            s["SourcePolicyId"],
            s["SourcePolicyType"],
            s["StartPosition"]["Line"],
            s["StartPosition"]["Column"],
            s["EndPosition"]["Line"],
            s["EndPosition"]["Column"],
        )
        for s in result["MatchedStatements"]
    ]


def error_of(caught: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


@pytest.mark.parametrize(
    ("action", "decision", "matched"),
    [
        ("iam:GetGroup", "allowed", [("PolicyInputList.1", "IAM Policy", 4, 5, 9, 6)]),
        ("iam:GetUser", "explicitDeny", [("PolicyInputList.1", "IAM Policy", 10, 5, 18, 6)]),
        ("iam:DeleteUser", "explicitDeny", [("PolicyInputList.1", "IAM Policy", 10, 5, 18, 6)]),
        ("iam:CreateUser", "implicitDeny", []),
    ],
)
def test_custom_policy_decision_and_matched_statement_positions(
    iam: Any, action: str, decision: str, matched: list[tuple[Any, ...]]
) -> None:
    """Each action is allowed, explicitly or implicitly denied, naming the deciding statements' spans."""
    result = only(iam.simulate_custom_policy(PolicyInputList=[LAYERED], ActionNames=[action]))
    assert result["EvalActionName"] == action
    assert result["EvalResourceName"] == "*"
    assert result["EvalDecision"] == decision
    assert positions(result) == matched
    assert result["MissingContextValues"] == []
    assert "ResourceSpecificResults" not in result


def test_second_input_policy_is_numbered_two(iam: Any) -> None:
    """Matched statements name their input by 1-based position in PolicyInputList."""
    unrelated = doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    result = only(
        iam.simulate_custom_policy(PolicyInputList=[unrelated, LAYERED], ActionNames=["iam:GetRole"])
    )
    assert [s["SourcePolicyId"] for s in result["MatchedStatements"]] == ["PolicyInputList.2"]


@pytest.mark.parametrize(
    ("condition", "entry", "decision"),
    [
        (
            {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            ("aws:MultiFactorAuthPresent", "boolean", ["TRUE"]),
            "allowed",
        ),
        (
            {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            ("aws:MultiFactorAuthPresent", "boolean", ["false"]),
            "implicitDeny",
        ),
        (
            {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
            ("aws:SourceIp", "ip", ["203.0.113.7"]),
            "allowed",
        ),
        (
            {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
            ("aws:SourceIp", "ip", ["198.51.100.1"]),
            "implicitDeny",
        ),
        (
            {"DateGreaterThan": {"aws:CurrentTime": "2018-08-16T12:00:00Z"}},
            ("aws:CurrentTime", "date", ["2019-04-25T11:00:00Z"]),
            "allowed",
        ),
        (
            {"DateGreaterThan": {"aws:CurrentTime": "2018-08-16T12:00:00Z"}},
            ("aws:CurrentTime", "date", ["2014-04-25T11:00:00Z"]),
            "implicitDeny",
        ),
        (
            {"DateGreaterThan": {"aws:EpochTime": "1534420800"}},
            ("aws:EpochTime", "date", ["1556190000"]),
            "allowed",
        ),
        (
            {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
            ("aws:MultiFactorAuthAge", "numeric", ["120"]),
            "allowed",
        ),
        (
            {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
            ("aws:MultiFactorAuthAge", "numeric", ["7200"]),
            "implicitDeny",
        ),
        (
            {"StringEquals": {"aws:PrincipalTag/team": "blue"}},
            ("aws:PrincipalTag/team", "string", ["blue"]),
            "allowed",
        ),
        ({"BinaryEquals": {"s3:Payload": "aGVsbG8="}}, ("s3:Payload", "binary", ["aGVsbG8="]), "allowed"),
        (
            {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env", "team"]}},
            ("aws:TagKeys", "stringList", ["x", "team"]),
            "allowed",
        ),
        (
            {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env", "team"]}},
            ("aws:TagKeys", "stringList", ["x", "y"]),
            "implicitDeny",
        ),
        (
            {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}},
            ("aws:TagKeys", "stringList", ["env", "x"]),
            "implicitDeny",
        ),
        (
            {"ForAllValues:NumericLessThan": {"s3:max-keys": "10"}},
            ("s3:max-keys", "numericList", ["1", "9"]),
            "allowed",
        ),
        (
            {"ForAllValues:NumericLessThan": {"s3:max-keys": "10"}},
            ("s3:max-keys", "numericList", ["1", "12"]),
            "implicitDeny",
        ),
        (
            {"ForAnyValue:Bool": {"s3:flags": "true"}},
            ("s3:flags", "booleanList", ["false", "true"]),
            "allowed",
        ),
        (
            {"ForAnyValue:IpAddress": {"s3:hops": "10.0.0.0/8"}},
            ("s3:hops", "ipList", ["192.0.2.1", "10.1.2.3"]),
            "allowed",
        ),
        (
            {"ForAnyValue:BinaryEquals": {"s3:blobs": "aGVsbG8="}},
            ("s3:blobs", "binaryList", ["d29ybGQ=", "aGVsbG8="]),
            "allowed",
        ),
        (
            {"ForAllValues:DateLessThan": {"s3:dates": "2020-01-01T00:00:00Z"}},
            ("s3:dates", "dateList", ["2019-01-01T00:00:00Z", "2019-06-01"]),
            "allowed",
        ),
        (
            {"ForAllValues:DateLessThan": {"s3:dates": "2020-01-01T00:00:00Z"}},
            ("s3:dates", "dateList", ["2019-01-01T00:00:00Z", "2021-06-01"]),
            "implicitDeny",
        ),
    ],
)
def test_context_entries_of_every_type_drive_conditions(
    iam: Any, condition: dict[str, Any], entry: tuple[str, str, list[str]], decision: str
) -> None:
    """A ContextEntry of each ContextKeyType reaches the condition operator that reads it."""
    name, kind, values = entry
    result = only(
        iam.simulate_custom_policy(
            PolicyInputList=[when(condition)],
            ActionNames=["s3:GetObject"],
            ContextEntries=[{"ContextKeyName": name, "ContextKeyType": kind, "ContextKeyValues": values}],
        )
    )
    assert result["EvalDecision"] == decision
    assert result["MissingContextValues"] == []


def test_missing_context_values_are_reported(iam: Any) -> None:
    """Keys a matching statement reads but the simulation did not supply are MissingContextValues."""
    policy = when({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}, "Bool": {"aws:SecureTransport": "true"}})
    result = only(
        iam.simulate_custom_policy(
            PolicyInputList=[policy],
            ActionNames=["s3:GetObject"],
            ContextEntries=[
                {
                    "ContextKeyName": "aws:SecureTransport",
                    "ContextKeyType": "boolean",
                    "ContextKeyValues": ["true"],
                }
            ],
        )
    )
    assert result["EvalDecision"] == "implicitDeny"
    assert result["MissingContextValues"] == ["aws:SourceIp"]


@pytest.mark.parametrize(
    ("kind", "values", "message"),
    [
        ("ip", ["not-an-ip"], "Invalid value 'not-an-ip' for context key aws:SourceIp of type ip."),
        ("numeric", ["ten"], "Invalid value 'ten' for context key aws:SourceIp of type numeric."),
        ("boolean", ["yes"], "Invalid value 'yes' for context key aws:SourceIp of type boolean."),
        ("date", ["yesterday"], "Invalid value 'yesterday' for context key aws:SourceIp of type date."),
        ("binary", ["!!"], "Invalid value '!!' for context key aws:SourceIp of type binary."),
        ("ipList", ["10.0.0.1", "nope"], "Invalid value 'nope' for context key aws:SourceIp of type ipList."),
        ("string", ["a", "b"], "Context key aws:SourceIp of type string must have exactly one value, got 2."),
    ],
)
def test_bad_context_entry_is_invalid_input(iam: Any, kind: str, values: list[str], message: str) -> None:
    """A context value its type cannot hold is InvalidInput."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.simulate_custom_policy(
            PolicyInputList=[LAYERED],
            ActionNames=["iam:GetUser"],
            ContextEntries=[
                {"ContextKeyName": "aws:SourceIp", "ContextKeyType": kind, "ContextKeyValues": values}
            ],
        )
    assert error_of(caught) == ("InvalidInput", message)


def resource_policy(principal: str, effect: str = "Allow") -> str:
    return doc(
        {"Effect": effect, "Principal": {"AWS": principal}, "Action": "s3:GetObject", "Resource": BUCKET}
    )


NOTHING = doc({"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*"})
READ = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{OTHER_ACCOUNT}:user/bob"


@pytest.mark.parametrize(
    ("identity", "grantee", "caller", "owner", "decision", "details"),
    [
        # Same account: the resource policy alone grants, and so does the identity policy alone.
        (
            NOTHING,
            ALICE,
            ALICE,
            None,
            "allowed",
            {"IAM Policy": "implicitDeny", "Resource Policy": "allowed"},
        ),
        (READ, BOB, ALICE, None, "allowed", {"IAM Policy": "allowed", "Resource Policy": "implicitDeny"}),
        (
            NOTHING,
            BOB,
            ALICE,
            None,
            "implicitDeny",
            {"IAM Policy": "implicitDeny", "Resource Policy": "implicitDeny"},
        ),
        # Cross-account: both sides must allow.
        (READ, BOB, BOB, ACCOUNT, "allowed", {"IAM Policy": "allowed", "Resource Policy": "allowed"}),
        (
            NOTHING,
            BOB,
            BOB,
            ACCOUNT,
            "implicitDeny",
            {"IAM Policy": "implicitDeny", "Resource Policy": "allowed"},
        ),
        (
            READ,
            ALICE,
            BOB,
            f"arn:aws:iam::{ACCOUNT}:root",
            "implicitDeny",
            {"IAM Policy": "allowed", "Resource Policy": "implicitDeny"},
        ),
        (
            READ,
            OTHER_ACCOUNT,
            BOB,
            ACCOUNT,
            "allowed",
            {"IAM Policy": "allowed", "Resource Policy": "allowed"},
        ),
    ],
)
def test_resource_policy_with_caller_and_owner(
    iam: Any,
    identity: str,
    grantee: str,
    caller: str,
    owner: str | None,
    decision: str,
    details: dict[str, str],
) -> None:
    """A resource policy grants within its account alone; across accounts only with the identity side."""
    extra = {"ResourceOwner": owner} if owner else {}
    result = only(
        iam.simulate_custom_policy(
            PolicyInputList=[identity],
            ActionNames=["s3:GetObject"],
            ResourceArns=[BUCKET],
            ResourcePolicy=resource_policy(grantee),
            CallerArn=caller,
            **extra,
        )
    )
    assert result["EvalDecision"] == decision
    assert result["EvalDecisionDetails"] == details
    (specific,) = result["ResourceSpecificResults"]
    assert specific["EvalResourceName"] == BUCKET
    assert specific["EvalResourceDecision"] == decision
    assert specific["EvalDecisionDetails"] == details


def test_resource_policy_statement_is_reported_as_resource_policy(iam: Any) -> None:
    """A deciding resource-policy statement is named ResourcePolicy of type Resource Policy."""
    result = only(
        iam.simulate_custom_policy(
            PolicyInputList=[NOTHING],
            ActionNames=["s3:GetObject"],
            ResourceArns=[BUCKET],
            ResourcePolicy=resource_policy(ALICE, "Deny"),
            CallerArn=ALICE,
        )
    )
    assert result["EvalDecision"] == "explicitDeny"
    assert [(s["SourcePolicyId"], s["SourcePolicyType"]) for s in result["MatchedStatements"]] == [
        ("ResourcePolicy", "Resource Policy")
    ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"ResourcePolicy": resource_policy(ALICE)},
            "CallerArn must be specified when a ResourcePolicy is included in the simulation.",
        ),
        (
            {"CallerArn": f"arn:aws:sts::{ACCOUNT}:assumed-role/r/s"},
            f"Invalid ARN arn:aws:sts::{ACCOUNT}:assumed-role/r/s: it must be the ARN of an IAM user, group or role.",
        ),
        (
            {"ResourceOwner": "someone"},
            "Invalid ResourceOwner someone: it must be an account id or an account ARN.",
        ),
        ({"ResourceArns": ["bucket"]}, 'Resource bucket must be in ARN format or "*".'),
        (
            {"ActionNames": ["s3:Get*"]},
            "Action name s3:Get* is invalid: wildcards are not supported in simulations.",
        ),
        (
            {"ActionNames": ["GetObject"]},
            "Action name GetObject is invalid: it must be a service prefix and an operation, such as iam:CreateUser.",
        ),
        (
            {"PermissionsBoundaryPolicyInputList": [READ, READ]},
            "Only one permissions boundary policy can be simulated at a time.",
        ),
        ({"Marker": "bm90LWEtbnVtYmVy"}, "Invalid Marker."),
    ],
)
def test_invalid_simulation_input(iam: Any, params: dict[str, Any], message: str) -> None:
    """Inputs AWS rejects are InvalidInput."""
    request = {"PolicyInputList": [READ], "ActionNames": ["s3:GetObject"], **params}
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.simulate_custom_policy(**request)
    assert error_of(caught) == ("InvalidInput", message)


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        (
            "simulate_custom_policy",
            {"PolicyInputList": ['{"Statement": []'], "ActionNames": ["s3:GetObject"]},
        ),
        (
            "simulate_custom_policy",
            {
                "PolicyInputList": [READ],
                "ActionNames": ["s3:GetObject"],
                "ResourcePolicy": READ,
                "CallerArn": ALICE,
            },
        ),
        (
            "simulate_custom_policy",
            {
                "PolicyInputList": [READ],
                "ActionNames": ["s3:GetObject"],
                "PermissionsBoundaryPolicyInputList": ["[]"],
            },
        ),
        ("get_context_keys_for_custom_policy", {"PolicyInputList": [READ, '{"Version": "2012-10-17"}']}),
    ],
)
def test_malformed_policy_input(iam: Any, operation: str, params: dict[str, Any]) -> None:
    """An invalid identity, resource or boundary document is MalformedPolicyDocument."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(iam, operation)(**params)
    assert error_of(caught)[0] == "MalformedPolicyDocument"


@pytest.mark.parametrize(
    ("action", "decision", "allowed_by_boundary"),
    [
        ("iam:GetUser", "allowed", True),
        ("iam:CreateUser", "implicitDeny", False),
        ("iam:GetRole", "explicitDeny", False),
    ],
)
def test_permissions_boundary_input_caps_identity_policies(
    iam: Any, action: str, decision: str, allowed_by_boundary: bool
) -> None:
    """A boundary passed in caps what the identity policies allow, and says so per action."""
    boundary = doc(
        {"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:GetRole", "Resource": "*"},
    )
    result = only(
        iam.simulate_custom_policy(
            PolicyInputList=[json.dumps(allow("iam:*"))],
            PermissionsBoundaryPolicyInputList=[boundary],
            ActionNames=[action],
        )
    )
    assert result["EvalDecision"] == decision
    assert result["PermissionsBoundaryDecisionDetail"] == {
        "AllowedByPermissionsBoundary": allowed_by_boundary
    }
    if decision == "explicitDeny":
        assert [s["SourcePolicyId"] for s in result["MatchedStatements"]] == [
            "PermissionsBoundaryPolicyInputList.1"
        ]
        assert result["MatchedStatements"][0]["SourcePolicyType"] == "Permissions Boundary Policy"


def test_several_resources_aggregate_to_the_most_restrictive(iam: Any) -> None:
    """One result per action: the worst per-resource decision on top, each resource in ResourceSpecificResults."""
    mine, theirs = f"arn:aws:iam::{ACCOUNT}:user/alice", f"arn:aws:iam::{ACCOUNT}:user/bob"
    policy = doc({"Effect": "Allow", "Action": "iam:GetUser", "Resource": mine})
    result = only(
        iam.simulate_custom_policy(
            PolicyInputList=[policy], ActionNames=["iam:GetUser"], ResourceArns=[mine, theirs]
        )
    )
    assert result["EvalResourceName"] == "*"
    assert result["EvalDecision"] == "implicitDeny"
    assert result["MatchedStatements"] == []
    assert result["EvalDecisionDetails"] == {}
    assert [
        (r["EvalResourceName"], r["EvalResourceDecision"]) for r in result["ResourceSpecificResults"]
    ] == [
        (mine, "allowed"),
        (theirs, "implicitDeny"),
    ]
    assert [s["SourcePolicyId"] for s in result["ResourceSpecificResults"][0]["MatchedStatements"]] == [
        "PolicyInputList.1"
    ]


def test_results_paginate_over_actions(iam: Any) -> None:
    """MaxItems and Marker page through the per-action results in request order."""
    actions = [f"iam:{name}" for name in ("GetUser", "GetGroup", "GetRole", "ListUsers", "CreateUser")]
    seen: list[str] = []
    pages = 0
    params: dict[str, Any] = {"PolicyInputList": [LAYERED], "ActionNames": actions, "MaxItems": 2}
    while True:
        response = iam.simulate_custom_policy(**params)
        pages += 1
        seen += [r["EvalActionName"] for r in response["EvaluationResults"]]
        if not response["IsTruncated"]:
            assert "Marker" not in response
            break
        params["Marker"] = response["Marker"]
    assert seen == actions
    assert pages == 3


def test_organization_policies_cap_everything(iam: Any) -> None:
    """An SCP level that does not allow an action denies it; its explicit deny decides."""
    root = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
    account = doc(
        {"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:GetRole", "Resource": "*"},
    )
    response = iam.simulate_custom_policy(
        PolicyInputList=[json.dumps(allow("iam:*"))],
        ActionNames=["iam:GetUser", "iam:CreateUser", "iam:GetRole"],
        OrderedOrganizationPolicyInputList=[
            {"ServiceControlPolicyInputList": [root]},
            {"ServiceControlPolicyInputList": [account]},
        ],
    )
    assert [
        (r["EvalDecision"], r["OrganizationsDecisionDetail"]["AllowedByOrganizations"])
        for r in response["EvaluationResults"]
    ] == [
        ("allowed", True),
        ("implicitDeny", False),
        ("explicitDeny", False),
    ]


@pytest.fixture
def grouped_user(iam: Any) -> str:
    """alice: an inline policy on her own ARN, in a group with IAMReadOnlyAccess, capped by a boundary."""
    iam.create_user(UserName="alice", Tags=[{"Key": "team", "Value": "blue"}])
    iam.put_user_policy(
        UserName="alice",
        PolicyName="OwnKeys",
        PolicyDocument=doc(
            {
                "Effect": "Allow",
                "Action": "iam:CreateAccessKey",
                "Resource": f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}",
            },
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}},
            },
        ),
    )
    iam.create_group(GroupName="readers")
    iam.add_user_to_group(GroupName="readers", UserName="alice")
    iam.attach_group_policy(GroupName="readers", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    boundary = iam.create_policy(
        PolicyName="NoRoles",
        PolicyDocument=doc(
            {"Effect": "Allow", "Action": ["iam:*", "s3:*"], "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:GetRole", "Resource": "*"},
        ),
    )["Policy"]["Arn"]
    iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=boundary)
    return ALICE


@pytest.mark.parametrize(
    ("action", "resource", "decision", "matched"),
    [
        ("iam:ListUsers", "*", "allowed", [("IAMReadOnlyAccess", "aws-managed")]),
        ("iam:GetRole", "*", "explicitDeny", [("NoRoles", "Permissions Boundary Policy")]),
        ("iam:CreateAccessKey", ALICE, "allowed", [("OwnKeys", "user")]),
        ("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/bob", "implicitDeny", []),
        ("s3:GetObject", "*", "allowed", [("OwnKeys", "user")]),
        ("iam:CreateUser", "*", "implicitDeny", []),
    ],
)
def test_principal_policy_of_user_in_group_with_boundary(
    iam: Any, grouped_user: str, action: str, resource: str, decision: str, matched: list[tuple[str, str]]
) -> None:
    """A user's inline, group-attached AWS managed policies and boundary decide, with the user's identity keys."""
    result = only(
        iam.simulate_principal_policy(
            PolicySourceArn=grouped_user, ActionNames=[action], ResourceArns=[resource]
        )
    )
    assert result["EvalDecision"] == decision
    assert [(s["SourcePolicyId"], s["SourcePolicyType"]) for s in result["MatchedStatements"]] == matched
    assert result["MissingContextValues"] == []
    assert "PermissionsBoundaryDecisionDetail" in result


def test_principal_policy_context_entries_override_identity_keys(iam: Any, grouped_user: str) -> None:
    """A ContextEntry replaces the identity key the simulator derived for the user."""
    result = only(
        iam.simulate_principal_policy(
            PolicySourceArn=grouped_user,
            ActionNames=["iam:CreateAccessKey"],
            ResourceArns=[ALICE],
            ContextEntries=[
                {"ContextKeyName": "aws:username", "ContextKeyType": "string", "ContextKeyValues": ["bob"]}
            ],
        )
    )
    assert result["EvalDecision"] == "implicitDeny"


@pytest.mark.parametrize(
    ("extra", "action", "decision"),
    [
        ({"PolicyInputList": [json.dumps(allow("iam:CreateUser"))]}, "iam:CreateUser", "allowed"),
        ({"PermissionsBoundaryPolicyInputList": [json.dumps(allow("iam:*"))]}, "iam:GetRole", "allowed"),
        ({"PolicyExclusionList": [{"PolicyType": "aws-managed"}]}, "iam:ListUsers", "implicitDeny"),
        (
            {"PolicyExclusionList": [{"PolicyArn": "arn:aws:iam::aws:policy/IAM*"}]},
            "iam:ListUsers",
            "implicitDeny",
        ),
        ({"PolicyExclusionList": [{"PolicyType": "permission-boundary"}]}, "iam:GetRole", "allowed"),
        (
            {
                "PolicyExclusionList": [
                    {
                        "InlinePolicyIdentifier": {
                            "PolicyName": "OwnKeys",
                            "AttachmentType": "user",
                            "AttachmentName": "alice",
                        }
                    }
                ]
            },
            "s3:GetObject",
            "implicitDeny",
        ),
        ({"PolicyExclusionList": [{"PolicyType": "inline"}]}, "iam:ListUsers", "allowed"),
    ],
)
def test_principal_policy_inputs_and_exclusions(
    iam: Any, grouped_user: str, extra: dict[str, Any], action: str, decision: str
) -> None:
    """Extra policies add, a boundary passed in replaces the stored one, exclusions remove."""
    result = only(iam.simulate_principal_policy(PolicySourceArn=grouped_user, ActionNames=[action], **extra))
    assert result["EvalDecision"] == decision


@pytest.mark.parametrize(
    ("source", "action", "decision", "policy_type"),
    [
        (f"arn:aws:iam::{ACCOUNT}:group/readers", "iam:ListUsers", "allowed", "aws-managed"),
        (f"arn:aws:iam::{ACCOUNT}:group/readers", "s3:GetObject", "implicitDeny", None),
        (f"arn:aws:iam::{ACCOUNT}:role/app", "sqs:SendMessage", "allowed", "role"),
    ],
)
def test_principal_policy_of_group_and_role(
    iam: Any, grouped_user: str, source: str, action: str, decision: str, policy_type: str | None
) -> None:
    """A group's or a role's own policies are simulated."""
    trust = doc(
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    )
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust)
    iam.put_role_policy(
        RoleName="app", PolicyName="Queue", PolicyDocument=json.dumps(allow("sqs:SendMessage"))
    )
    result = only(iam.simulate_principal_policy(PolicySourceArn=source, ActionNames=[action]))
    assert result["EvalDecision"] == decision
    assert [s["SourcePolicyType"] for s in result["MatchedStatements"]] == (
        [policy_type] if policy_type else []
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (f"arn:aws:iam::{ACCOUNT}:user/nobody", "The user with name nobody cannot be found."),
        (f"arn:aws:iam::{ACCOUNT}:user/other/alice", "The user with name alice cannot be found."),
        (f"arn:aws:iam::{ACCOUNT}:group/nobody", "The group with name nobody cannot be found."),
        (f"arn:aws:iam::{ACCOUNT}:role/nobody", "The role with name nobody cannot be found."),
        (f"arn:aws:iam::{OTHER_ACCOUNT}:user/alice", "The user with name alice cannot be found."),
    ],
)
@pytest.mark.parametrize("operation", ["simulate_principal_policy", "get_context_keys_for_principal_policy"])
def test_missing_policy_source_is_no_such_entity(
    iam: Any, grouped_user: str, operation: str, source: str, message: str
) -> None:
    """A PolicySourceArn naming no user, group or role of the account is NoSuchEntity."""
    params: dict[str, Any] = {"PolicySourceArn": source}
    if operation == "simulate_principal_policy":
        params["ActionNames"] = ["iam:GetUser"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(iam, operation)(**params)
    assert error_of(caught) == ("NoSuchEntity", message)


def test_context_keys_for_custom_policy(iam: Any) -> None:
    """Condition keys and policy-variable keys of all inputs, once each, sorted."""
    first = when(
        {
            "IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
            "DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
        }
    )
    second = doc(
        {
            "Effect": "Allow",
            "Action": "iam:GetUser",
            "Resource": f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}",
        },
        {
            "Effect": "Deny",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        },
    )
    response = iam.get_context_keys_for_custom_policy(PolicyInputList=[first, second])
    assert response["ContextKeyNames"] == ["aws:CurrentTime", "aws:SourceIp", "aws:username"]


def test_context_keys_for_principal_policy(iam: Any, grouped_user: str) -> None:
    """The keys of the user's own, its groups' and the extra input policies."""
    extra = when({"NumericLessThan": {"aws:MultiFactorAuthAge": "60"}})
    response = iam.get_context_keys_for_principal_policy(
        PolicySourceArn=grouped_user, PolicyInputList=[extra]
    )
    assert response["ContextKeyNames"] == ["aws:MultiFactorAuthAge", "aws:PrincipalTag/team", "aws:username"]


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("simulate_custom_policy", {"PolicyInputList": [READ], "ActionNames": ["s3:GetObject"]}),
        ("get_context_keys_for_custom_policy", {"PolicyInputList": [READ]}),
        (
            "simulate_principal_policy",
            {"PolicySourceArn": f"arn:aws:iam::{ACCOUNT}:user/bare", "ActionNames": ["s3:GetObject"]},
        ),
        ("get_context_keys_for_principal_policy", {"PolicySourceArn": f"arn:aws:iam::{ACCOUNT}:user/bare"}),
    ],
)
def test_simulation_needs_permission(make_user: Any, operation: str, params: dict[str, Any]) -> None:
    """A user without iam:Simulate*/GetContextKeys* permission is refused; with it, answered."""
    action = "".join(part.capitalize() for part in operation.split("_"))
    _, bare = make_user("bare")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(bare("iam"), operation)(**params)
    code, message = error_of(caught)
    assert code == "AccessDenied"
    assert message.startswith(
        f"User: arn:aws:iam::{ACCOUNT}:user/bare is not authorized to perform: iam:{action}"
    )
    _, granted = make_user("granted", policy=allow(f"iam:{action}"))
    getattr(granted("iam"), operation)(**params)


@pytest.mark.parametrize("action", ["ListUsers", "GetUser", "CreateAccessKey", "CreateUser", "ListRoles"])
def test_simulation_agrees_with_enforcement(iam: Any, make_user: Any, action: str) -> None:
    """SimulatePrincipalPolicy predicts exactly what the authorizer then does with the real call."""
    policy = doc(
        {"Effect": "Allow", "Action": ["iam:List*", "iam:Get*", "iam:CreateAccessKey"], "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:ListRoles", "Resource": "*"},
    )
    name, client_for = make_user("carol", policy=policy)
    predicted = only(
        iam.simulate_principal_policy(
            PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/{name}",
            ActionNames=[f"iam:{action}"],
            ResourceArns=[
                f"arn:aws:iam::{ACCOUNT}:user/{name}"
                if action != "ListUsers" and action != "ListRoles"
                else "*"
            ],
        )
    )["EvalDecision"]
    client = client_for("iam")
    params = {"CreateUser": {"UserName": "carol"}}.get(action, {})
    if action in {"GetUser", "CreateAccessKey"}:
        params = {"UserName": name}
    try:
        getattr(client, "".join("_" + c.lower() if c.isupper() else c for c in action).lstrip("_"))(**params)
        actual = "allowed"
    except botocore.exceptions.ClientError as error:
        code, message = error.response["Error"]["Code"], error.response["Error"]["Message"]
        assert code == "AccessDenied", message
        actual = "explicitDeny" if "explicit deny" in message else "implicitDeny"
    assert predicted == actual


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            {"PolicyArn": "arn:aws:iam::aws:policy/*Read*"},
            "Invalid PolicyArn policy/*Read*: use at most one * wildcard.",
        ),
        (
            {"PolicyArn": f"arn:aws:iam::{ACCOUNT}:user/alice"},
            f"Invalid PolicyArn arn:aws:iam::{ACCOUNT}:user/alice: it must name an IAM policy.",
        ),
    ],
)
def test_invalid_policy_exclusion_is_invalid_input(
    iam: Any, grouped_user: str, rule: dict[str, Any], message: str
) -> None:
    """A syntactically invalid PolicyExclusionList entry is InvalidInput."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.simulate_principal_policy(
            PolicySourceArn=grouped_user, ActionNames=["iam:GetUser"], PolicyExclusionList=[rule]
        )
    assert error_of(caught) == ("InvalidInput", message)


@pytest.mark.parametrize(
    ("operator", "untagged", "tagged"),
    [
        pytest.param("StringNotEquals", "explicitDeny", "allowed", id="StringNotEquals"),
        pytest.param("StringNotEqualsIgnoreCase", "explicitDeny", "allowed", id="StringNotEqualsIgnoreCase"),
        pytest.param("StringNotLike", "explicitDeny", "allowed", id="StringNotLike"),
        pytest.param("StringNotEqualsIfExists", "explicitDeny", "allowed", id="StringNotEqualsIfExists"),
        pytest.param("StringNotLikeIfExists", "explicitDeny", "allowed", id="StringNotLikeIfExists"),
        pytest.param("StringEquals", "allowed", "explicitDeny", id="StringEquals does not match"),
    ],
)
def test_simulated_negated_condition_with_variable_without_value(
    iam: Any, operator: str, untagged: str, tagged: str
) -> None:
    """The simulator, like the authorizer, lets a negated operator match a variable with no value."""
    policy = doc(
        {"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "iam:CreateUser",
            "Resource": "*",
            "Condition": {operator: {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}},
        },
    )
    team = {"ContextKeyName": "aws:RequestTag/team", "ContextKeyValues": ["blue"], "ContextKeyType": "string"}
    result = only(
        iam.simulate_custom_policy(
            PolicyInputList=[policy], ActionNames=["iam:CreateUser"], ContextEntries=[team]
        )
    )
    assert result["EvalDecision"] == untagged
    tag = {
        "ContextKeyName": "aws:PrincipalTag/team",
        "ContextKeyValues": ["blue"],
        "ContextKeyType": "string",
    }
    result = only(
        iam.simulate_custom_policy(
            PolicyInputList=[policy], ActionNames=["iam:CreateUser"], ContextEntries=[team, tag]
        )
    )
    assert result["EvalDecision"] == tagged


def test_simulated_principal_without_tag_is_denied(iam: Any) -> None:
    """SimulatePrincipalPolicy of an untagged user: the StringNotEquals Deny on its missing tag fires."""
    iam.create_user(UserName="untagged")
    iam.put_user_policy(
        UserName="untagged",
        PolicyName="guard",
        PolicyDocument=doc(
            {"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": "iam:CreateUser",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}},
            },
        ),
    )
    team = {"ContextKeyName": "aws:RequestTag/team", "ContextKeyValues": ["blue"], "ContextKeyType": "string"}
    result = only(
        iam.simulate_principal_policy(
            PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/untagged",
            ActionNames=["iam:CreateUser"],
            ContextEntries=[team],
        )
    )
    assert result["EvalDecision"] == "explicitDeny"
