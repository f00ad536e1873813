"""Policy validation through the API: AWS's Code and Message, credo's explanation as Error.Detail.

The rules themselves are tabled in test_policy_validation_table.py; these cases check that
each operation that takes a document answers with them, as boto3 and the aws CLI see it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from tests.compat.test_aws_cli import aws
from tests.conftest import Server

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        },
    }
)


def policy(statement: dict[str, Any], version: str | None = "2012-10-17") -> str:
    body: dict[str, Any] = {"Statement": [statement]}
    if version is not None:
        body["Version"] = version
    return json.dumps(body)


def failure(call: Callable[[], Any]) -> dict[str, str]:
    """The Error element of a call that must fail, as botocore parses it."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    error: dict[str, str] = caught.value.response["Error"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return error


CASES = [
    pytest.param(
        lambda iam: iam.create_policy(
            PolicyName="p",
            PolicyDocument=policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, None),
        ),
        "Policy document must be version 2012-10-17 or greater.",
        'Version is null: managed policies need "2012-10-17".',
        id="CreatePolicy: managed policies need Version 2012-10-17",
    ),
    pytest.param(
        lambda iam: iam.put_user_policy(
            UserName="alice",
            PolicyName="p",
            PolicyDocument=policy(
                {"Sid": "Read", "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}
            ),
        ),
        "Policy document should not specify a principal.",
        "Statement 'Read' has Principal; only resource-based policies name principals.",
        id="PutUserPolicy: no Principal in identity policies",
    ),
    pytest.param(
        lambda iam: iam.put_user_policy(
            UserName="alice",
            PolicyName="p",
            PolicyDocument=policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "bucket/key"}),
        ),
        'Resource bucket/key must be in ARN format or "*".',
        "Statement #1: Resource 'bucket/key'.",
        id="PutUserPolicy: Resource is an ARN",
    ),
    pytest.param(
        lambda iam: iam.create_role(RoleName="r", AssumeRolePolicyDocument="AWSLambdaBasicExecutionRole"),
        "This policy contains invalid Json",
        None,
        id="CreateRole: trust policy not JSON",
    ),
    pytest.param(
        lambda iam: iam.create_role(
            RoleName="r",
            AssumeRolePolicyDocument=policy({"Effect": "Allow", "Action": "logs:*", "Resource": "*"}),
        ),
        "Has prohibited field Resource",
        "Statement #1 has Resource, which role trust policies do not take.",
        id="CreateRole: no Resource in a trust policy",
    ),
    pytest.param(
        lambda iam: iam.update_assume_role_policy(
            RoleName="app",
            PolicyDocument=policy(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:GetCallerIdentity",
                }
            ),
        ),
        "Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  "
        "and sts:AssumeRoleWithWebIdentity",
        "Statement #1: Action 'sts:GetCallerIdentity' is not one a role trust policy allows.",
        id="UpdateAssumeRolePolicy: STS trust actions only",
    ),
    pytest.param(
        lambda iam: iam.update_assume_role_policy(
            RoleName="app",
            PolicyDocument=policy(
                {"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "sts:AssumeRole"}
            ),
        ),
        'Invalid principal in policy: "AWS":"bob"',
        "Statement #1: an AWS principal is *, a 12-digit account id, or an account, user, role or "
        "session ARN without wildcards.",
        id="UpdateAssumeRolePolicy: AWS principal",
    ),
]


@pytest.mark.parametrize(("call", "message", "detail"), CASES)
def test_malformed_document_message_and_detail(
    iam: Any, call: Callable[[Any], Any], message: str, detail: str | None
) -> None:
    """A malformed document is MalformedPolicyDocument with AWS's Message and credo's Detail."""
    iam.create_user(UserName="alice")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
    error = failure(lambda: call(iam))
    assert error["Code"] == "MalformedPolicyDocument"
    assert error["Message"] == message
    if detail is None:
        assert error["Detail"].startswith("The document is not valid JSON")
    else:
        assert error["Detail"] == detail


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(
            policy(
                {
                    "Effect": "Allow",
                    "Action": "s3:*",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"foo": "bar"}},
                }
            ),
            id="condition key without a service prefix",
        ),
        pytest.param(
            policy({"Effect": "Allow", "Action": "s3.x-y:Get*", "Resource": "*"}, "2008-10-17"), id="2008"
        ),
        pytest.param(
            policy({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b"}, None), id="no Version"
        ),
    ],
)
def test_inline_policies_accept_what_aws_accepts(iam: Any, document: str) -> None:
    """PutUserPolicy stores documents AWS accepts: unprefixed keys, dotted vendors, old or no Version."""
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=document)
    assert iam.list_user_policies(UserName="alice")["PolicyNames"] == ["p"]


def test_trust_policy_with_session_tags_is_accepted(iam: Any) -> None:
    """CreateRole accepts sts:TagSession and sts:SetSourceIdentity beside sts:AssumeRole."""
    document = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "123456789012"},
            "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
        }
    )
    assert (
        iam.create_role(RoleName="tagged", AssumeRolePolicyDocument=document)["Role"]["RoleName"] == "tagged"
    )


def test_aws_cli_shows_the_message(server: Server, tmp_path: Path) -> None:
    """The aws CLI prints AWS's message for a malformed document, exactly as it would for AWS."""
    document = tmp_path / "policy.json"
    document.write_text(policy({"Effect": "Allow", "Action": "CreateUser", "Resource": "*"}))
    run = aws(
        server,
        tmp_path,
        "iam",
        "create-policy",
        "--policy-name",
        "p",
        "--policy-document",
        f"file://{document}",
    )
    assert run.returncode == 255  # aws CLI v1: service errors
    assert run.stderr.strip() == (
        "An error occurred (MalformedPolicyDocument) when calling the CreatePolicy operation: "
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
    )
