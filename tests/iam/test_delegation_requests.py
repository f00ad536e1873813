"""Partner-only and service-made IAM features: delegation requests and role templates."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from tests.compat.test_aws_cli import aws
from tests.conftest import DEV_ACCOUNT, Server, allow, error_of

MakeUser = Callable[..., tuple[str, Any]]
REQUEST_ID = "dr-0123456789abcdef0123"
NOT_FOUND = ("NoSuchEntity", f"The delegation request with ID {REQUEST_ID} cannot be found.")
TEMPLATE_ARN = "arn:aws:iam::aws:role-template/LambdaBasicExecution"
CREATE_REQUEST = {
    "Description": "Deploy the monitoring stack",
    "Permissions": {"PolicyTemplateArn": "arn:aws:iam::aws:policy-template/ExampleTemplate"},
    "RequestorWorkflowId": "workflow-42",
    "NotificationChannel": "arn:aws:sns:us-east-1:210987654321:delegation",
    "SessionDuration": 3600,
}


def test_create_delegation_request_needs_partner_onboarding(iam: Any) -> None:
    """CreateDelegationRequest is refused: no account in credo is an onboarded partner."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.create_delegation_request(**CREATE_REQUEST)
    assert error_of(caught) == (
        "AccessDenied",
        f"User: arn:aws:iam::{DEV_ACCOUNT}:root is not authorized to perform: iam:CreateDelegationRequest "
        f"because account {DEV_ACCOUNT} is not onboarded for IAM temporary delegation",
    )


@pytest.mark.parametrize(
    ("method", "extra"),
    [
        ("get_delegation_request", {}),
        ("get_delegation_request", {"DelegationPermissionCheck": True}),
        ("associate_delegation_request", {}),
        ("update_delegation_request", {"Notes": "please approve"}),
        ("accept_delegation_request", {}),
        ("reject_delegation_request", {"Notes": "not now"}),
        ("send_delegation_token", {}),
    ],
)
def test_no_delegation_request_exists(iam: Any, method: str, extra: dict[str, Any]) -> None:
    """Every operation on a delegation request answers NoSuchEntity: none can be created."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(iam, method)(DelegationRequestId=REQUEST_ID, **extra)
    assert error_of(caught) == NOT_FOUND


def test_list_delegation_requests_is_empty(iam: Any) -> None:
    """ListDelegationRequests lists none, untruncated."""
    listed = iam.list_delegation_requests(OwnerId=f"arn:aws:iam::{DEV_ACCOUNT}:root")
    assert (listed["DelegationRequests"], listed["isTruncated"]) == ([], False)


def test_human_readable_summary_of_a_delegation_request(iam: Any) -> None:
    """A delegation request ARN is summarized only if the request exists: here NoSuchEntity."""
    arn = f"arn:aws:iam::{DEV_ACCOUNT}:delegation-request/{REQUEST_ID}"
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.get_human_readable_summary(EntityArn=arn, Locale="en-US")
    assert error_of(caught) == NOT_FOUND


@pytest.mark.parametrize(
    "entity_arn",
    [f"arn:aws:iam::{DEV_ACCOUNT}:role/some-role", "arn:aws:s3:::a-bucket-name", "not-an-arn-at-all-here"],
)
def test_human_readable_summary_supports_delegation_requests_only(iam: Any, entity_arn: str) -> None:
    """Any other entity is InvalidInput naming the one supported type."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.get_human_readable_summary(EntityArn=entity_arn)
    assert error_of(caught) == (
        "InvalidInput",
        f"The entity {entity_arn} cannot be summarized: the only supported entity type is delegation-request.",
    )


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("get_role_template_version", {"TemplateArn": TEMPLATE_ARN}),
        ("get_role_template_version", {"TemplateArn": TEMPLATE_ARN, "MinorVersion": 2}),
        ("acquire_role", {"TemplateArn": TEMPLATE_ARN}),
        (
            "acquire_role",
            {"TemplateArn": TEMPLATE_ARN, "ReplacementValues": {"bucketName": {"Values": ["b"]}}},
        ),
    ],
)
def test_no_role_template_exists(iam: Any, method: str, kwargs: dict[str, Any]) -> None:
    """credo publishes no role templates: a template ARN is NoSuchEntity, and no role is made."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(iam, method)(**kwargs)
    assert error_of(caught) == ("NoSuchEntity", f"The role template {TEMPLATE_ARN} cannot be found.")
    assert iam.list_roles()["Roles"] == []


@pytest.mark.parametrize("method", ["get_role_template_version", "acquire_role"])
def test_role_template_arn_must_be_an_iam_arn(iam: Any, method: str) -> None:
    """A template ARN that is no IAM ARN is InvalidInput, as IAM words a bad policy ARN."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(iam, method)(TemplateArn="role-template/not-an-arn")
    assert error_of(caught) == ("InvalidInput", "ARN role-template/not-an-arn is not valid.")


@pytest.mark.parametrize(
    ("method", "kwargs", "action", "resource"),
    [
        ("list_delegation_requests", {}, "iam:ListDelegationRequests", "*"),
        ("get_delegation_request", {"DelegationRequestId": REQUEST_ID}, "iam:GetDelegationRequest", "*"),
        ("create_delegation_request", CREATE_REQUEST, "iam:CreateDelegationRequest", "*"),
        ("acquire_role", {"TemplateArn": TEMPLATE_ARN}, "iam:AcquireRole", TEMPLATE_ARN),
        (
            "get_role_template_version",
            {"TemplateArn": TEMPLATE_ARN},
            "iam:GetRoleTemplateVersion",
            TEMPLATE_ARN,
        ),
    ],
)
def test_authorized_like_every_operation(
    make_user: MakeUser, method: str, kwargs: dict[str, Any], action: str, resource: str
) -> None:
    """A user without the action is denied on its resource (a template ARN, else "*")."""
    _name, nobody_for = make_user("nobody")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(nobody_for("iam"), method)(**kwargs)
    assert error_of(caught) == (
        "AccessDenied",
        f"User: arn:aws:iam::{DEV_ACCOUNT}:user/nobody is not authorized to perform: {action} on resource: "
        f"{resource} because no identity-based policy allows the {action} action",
    )


def test_allowed_user_reaches_the_answer(make_user: MakeUser) -> None:
    """Allowed on AWS's IAM resources, a user gets the template answer, not AccessDenied."""
    _name, alice_for = make_user("alice", allow("iam:GetRoleTemplateVersion", resource="arn:aws:iam::aws:*"))
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        alice_for("iam").get_role_template_version(TemplateArn=TEMPLATE_ARN)
    assert error_of(caught)[0] == "NoSuchEntity"


def test_delegation_requests_with_the_aws_cli(server: Server, tmp_path: Path) -> None:
    """`aws iam list-delegation-requests` lists none."""
    done = aws(server, tmp_path, "iam", "list-delegation-requests")
    assert done.returncode == 0, done.stderr
    assert '"DelegationRequests": []' in done.stdout
