"""Service-linked roles: AWS's names, paths, trust and policies; protection; deletion tasks."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from tests.compat.test_aws_cli import aws
from tests.conftest import Server, error_of

ACCOUNT = "123456789012"
SERVICE_POLICY = "arn:aws:iam::aws:policy/aws-service-role/"
PROTECTED = "Cannot perform the operation on the protected role '{}' - this role is only modifiable by AWS"
TASK_ID = re.compile(
    r"task/aws-service-role/([^/]+)/([^/]+)/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"
)
POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)


def trust_of(service: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }


@pytest.mark.parametrize(
    ("service", "role_name", "policy"),
    [
        (
            "elasticbeanstalk.amazonaws.com",
            "AWSServiceRoleForElasticBeanstalk",
            "AWSElasticBeanstalkServiceRolePolicy",
        ),
        ("autoscaling.amazonaws.com", "AWSServiceRoleForAutoScaling", "AutoScalingServiceRolePolicy"),
        ("ecs.amazonaws.com", "AWSServiceRoleForECS", "AmazonECSServiceRolePolicy"),
        ("rds.amazonaws.com", "AWSServiceRoleForRDS", "AmazonRDSServiceRolePolicy"),
        (
            "elasticloadbalancing.amazonaws.com",
            "AWSServiceRoleForElasticLoadBalancing",
            "AWSElasticLoadBalancingServiceRolePolicy",
        ),
        (
            "organizations.amazonaws.com",
            "AWSServiceRoleForOrganizations",
            "AWSOrganizationsServiceTrustPolicy",
        ),
        ("sso.amazonaws.com", "AWSServiceRoleForSSO", "AWSSSOServiceRolePolicy"),
        ("support.amazonaws.com", "AWSServiceRoleForSupport", "AWSSupportServiceRolePolicy"),
        (
            "trustedadvisor.amazonaws.com",
            "AWSServiceRoleForTrustedAdvisor",
            "AWSTrustedAdvisorServiceRolePolicy",
        ),
        ("config.amazonaws.com", "AWSServiceRoleForConfig", "AWSConfigServiceRolePolicy"),
        ("guardduty.amazonaws.com", "AWSServiceRoleForAmazonGuardDuty", "AmazonGuardDutyServiceRolePolicy"),
        (
            "cassandra.application-autoscaling.amazonaws.com",
            "AWSServiceRoleForApplicationAutoScaling_CassandraTable",
            "AWSApplicationAutoscalingCassandraTablePolicy",
        ),
    ],
)
def test_create_makes_the_services_role(iam: Any, service: str, role_name: str, policy: str) -> None:
    """The role has AWS's name, path, service trust policy and the service's managed policy."""
    role = iam.create_service_linked_role(AWSServiceName=service)["Role"]
    assert role["RoleName"] == role_name
    assert role["Path"] == f"/aws-service-role/{service}/"
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/{service}/{role_name}"
    assert role["RoleId"].startswith("AROA")
    assert role["AssumeRolePolicyDocument"] == trust_of(service)
    assert role["MaxSessionDuration"] == 3600
    assert "Description" not in role and "RoleLastUsed" not in role
    assert iam.get_role(RoleName=role_name)["Role"]["Arn"] == role["Arn"]
    attached = iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
    assert attached == [{"PolicyName": policy, "PolicyArn": SERVICE_POLICY + policy}]
    assert iam.list_role_policies(RoleName=role_name)["PolicyNames"] == []


def test_create_keeps_the_description(iam: Any) -> None:
    """A Description given at creation is the role's description."""
    role = iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com", Description="for ECS")["Role"]
    assert role["Description"] == "for ECS"
    assert iam.get_role(RoleName="AWSServiceRoleForECS")["Role"]["Description"] == "for ECS"


@pytest.mark.parametrize(
    ("service", "suffix", "role_name"),
    [
        ("autoscaling.amazonaws.com", "web-tier", "AWSServiceRoleForAutoScaling_web-tier"),
        ("lexv2.amazonaws.com", "bot1", "AWSServiceRoleForLexV2Bots_bot1"),
        ("connect.amazonaws.com", "x", "AWSServiceRoleForAmazonConnect_x"),
    ],
)
def test_custom_suffix_names_the_role(iam: Any, service: str, suffix: str, role_name: str) -> None:
    """Services that take a CustomSuffix name the role <name>_<suffix>, so several can coexist."""
    iam.create_service_linked_role(AWSServiceName=service)
    role = iam.create_service_linked_role(AWSServiceName=service, CustomSuffix=suffix)["Role"]
    assert role["RoleName"] == role_name
    assert role["Path"] == f"/aws-service-role/{service}/"


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        (
            {"AWSServiceName": "elasticbeanstalk.amazonaws.com", "CustomSuffix": "x"},
            "InvalidInput",
            "Custom suffix is not allowed for elasticbeanstalk.amazonaws.com",
        ),
        (
            {"AWSServiceName": "ecs.amazonaws.com", "CustomSuffix": "one"},
            "InvalidInput",
            "Custom suffix is not allowed for ecs.amazonaws.com",
        ),
        (
            {"AWSServiceName": "autoscaling.amazonaws.com", "CustomSuffix": "s" * 40},
            "InvalidInput",
            "Role name AWSServiceRoleForAutoScaling_"
            + "s" * 40
            + " is longer than 64 characters; use a shorter suffix.",
        ),
        (
            {"AWSServiceName": "nosuch.amazonaws.com"},
            "NoSuchEntity",
            "No service-linked role is defined for the service principal nosuch.amazonaws.com.",
        ),
        (
            {"AWSServiceName": "ECS.amazonaws.com"},
            "NoSuchEntity",
            "No service-linked role is defined for the service principal ECS.amazonaws.com.",
        ),
    ],
)
def test_create_refuses(iam: Any, kwargs: dict[str, str], code: str, message: str) -> None:
    """Suffixes where the service takes none, overlong names and unknown services are refused."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.create_service_linked_role(**kwargs)
    assert error_of(caught) == (code, message)


@pytest.mark.parametrize(
    ("service", "suffix", "name"),
    [
        ("batch.amazonaws.com", None, "AWSServiceRoleForBatch"),
        ("autoscaling.amazonaws.com", "dup", "AWSServiceRoleForAutoScaling_dup"),
    ],
)
def test_create_twice_answers_name_taken(iam: Any, service: str, suffix: str | None, name: str) -> None:
    """A second role of the same name is refused with AWS's InvalidInput wording."""
    kwargs = {"AWSServiceName": service, **({"CustomSuffix": suffix} if suffix else {})}
    iam.create_service_linked_role(**kwargs)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.create_service_linked_role(**kwargs)
    assert error_of(caught) == (
        "InvalidInput",
        f"Service role name {name} has been taken in this account, please try a different suffix.",
    )


def test_an_ordinary_role_of_that_name_takes_the_name(iam: Any) -> None:
    """A customer role already named like the service's role blocks it, as in AWS."""
    iam.create_role(
        RoleName="awsserviceroleforecs", AssumeRolePolicyDocument=json.dumps(trust_of("ecs.amazonaws.com"))
    )
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    assert error_of(caught)[0] == "InvalidInput"


BOUNDARY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
REFUSED_CHANGES: list[tuple[str, dict[str, Any]]] = [
    ("delete_role", {}),
    ("update_assume_role_policy", {"PolicyDocument": json.dumps(trust_of("ec2.amazonaws.com"))}),
    ("put_role_policy", {"PolicyName": "extra", "PolicyDocument": POLICY}),
    ("delete_role_policy", {"PolicyName": "extra"}),
    ("attach_role_policy", {"PolicyArn": BOUNDARY}),
    ("detach_role_policy", {"PolicyArn": SERVICE_POLICY + "AmazonECSServiceRolePolicy"}),
    ("put_role_permissions_boundary", {"PermissionsBoundary": BOUNDARY}),
    ("delete_role_permissions_boundary", {}),
    ("update_role", {"MaxSessionDuration": 7200}),
    ("update_role", {"Description": "new", "MaxSessionDuration": 7200}),
]


@pytest.mark.parametrize(("method", "kwargs"), REFUSED_CHANGES)
def test_service_linked_role_is_protected(iam: Any, method: str, kwargs: dict[str, Any]) -> None:
    """Changing a service-linked role's trust, policies, boundary or duration is UnmodifiableEntity."""
    iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(iam, method)(RoleName="awsserviceroleforecs", **kwargs)
    assert error_of(caught) == ("UnmodifiableEntity", PROTECTED.format("AWSServiceRoleForECS"))
    role = iam.get_role(RoleName="AWSServiceRoleForECS")["Role"]
    assert role["MaxSessionDuration"] == 3600 and "PermissionsBoundary" not in role
    assert role["AssumeRolePolicyDocument"] == trust_of("ecs.amazonaws.com")
    attached = iam.list_attached_role_policies(RoleName="AWSServiceRoleForECS")["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [SERVICE_POLICY + "AmazonECSServiceRolePolicy"]


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("update_role_description", {"Description": "edited"}),
        ("update_role", {"Description": "edited"}),
    ],
)
def test_description_stays_editable(iam: Any, method: str, kwargs: dict[str, Any]) -> None:
    """The account may edit a service-linked role's description, as AWS allows."""
    iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    getattr(iam, method)(RoleName="AWSServiceRoleForECS", **kwargs)
    assert iam.get_role(RoleName="AWSServiceRoleForECS")["Role"]["Description"] == "edited"


def test_ordinary_roles_stay_modifiable(iam: Any) -> None:
    """A customer role under a look-alike path is not protected."""
    iam.create_role(
        RoleName="lookalike",
        Path="/aws-service-role/ecs.amazonaws.com/",
        AssumeRolePolicyDocument=json.dumps(trust_of("ecs.amazonaws.com")),
    )
    iam.put_role_policy(RoleName="lookalike", PolicyName="p", PolicyDocument=POLICY)
    iam.delete_role_policy(RoleName="lookalike", PolicyName="p")
    iam.delete_role(RoleName="lookalike")


def test_delete_succeeds_at_once(iam: Any) -> None:
    """DeleteServiceLinkedRole answers a task id in AWS's form; the task has SUCCEEDED and the role is gone."""
    iam.create_service_linked_role(AWSServiceName="batch.amazonaws.com", Description="d")
    task_id = iam.delete_service_linked_role(RoleName="AWSServiceRoleForBatch")["DeletionTaskId"]
    match = TASK_ID.fullmatch(task_id)
    assert match is not None and match.groups() == ("batch.amazonaws.com", "AWSServiceRoleForBatch")
    status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task_id)
    assert status["Status"] == "SUCCEEDED" and "Reason" not in status
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.get_role(RoleName="AWSServiceRoleForBatch")
    assert error_of(caught)[0] == "NoSuchEntity"
    assert iam.create_service_linked_role(AWSServiceName="batch.amazonaws.com")["Role"]["RoleName"]


def test_delete_fails_while_an_instance_profile_uses_the_role(iam: Any) -> None:
    """The task FAILS, naming the instance profile that uses the role; the role stays until freed."""
    iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    iam.create_instance_profile(InstanceProfileName="web", Path="/apps/")
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="AWSServiceRoleForECS")
    task_id = iam.delete_service_linked_role(RoleName="AWSServiceRoleForECS")["DeletionTaskId"]
    status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task_id)
    assert status["Status"] == "FAILED"
    assert status["Reason"]["RoleUsageList"] == [
        {"Region": "us-east-1", "Resources": [f"arn:aws:iam::{ACCOUNT}:instance-profile/apps/web"]}
    ]
    assert status["Reason"]["Reason"]
    assert iam.get_role(RoleName="AWSServiceRoleForECS")["Role"]["RoleName"] == "AWSServiceRoleForECS"
    iam.remove_role_from_instance_profile(InstanceProfileName="web", RoleName="AWSServiceRoleForECS")
    retry = iam.delete_service_linked_role(RoleName="AWSServiceRoleForECS")["DeletionTaskId"]
    assert retry != task_id
    assert iam.get_service_linked_role_deletion_status(DeletionTaskId=retry)["Status"] == "SUCCEEDED"


@pytest.mark.parametrize(
    ("make_ordinary", "message"),
    [
        (True, "The role with name plain is not a service-linked role."),
        (False, "The role with name plain cannot be found."),
    ],
)
def test_delete_needs_a_service_linked_role(iam: Any, make_ordinary: bool, message: str) -> None:
    """DeleteServiceLinkedRole refuses ordinary and missing roles with NoSuchEntity."""
    if make_ordinary:
        iam.create_role(RoleName="plain", AssumeRolePolicyDocument=json.dumps(trust_of("ec2.amazonaws.com")))
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.delete_service_linked_role(RoleName="plain")
    assert error_of(caught) == ("NoSuchEntity", message)


@pytest.mark.parametrize(
    ("task_id", "code"),
    [
        (
            "task/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS/00000000-0000-4000-8000-000000000000",
            "NoSuchEntity",
        ),
        ("not-a-task", "InvalidInput"),
        ("task/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS", "InvalidInput"),
    ],
)
def test_deletion_status_of_unknown_tasks(iam: Any, task_id: str, code: str) -> None:
    """An unknown task id is NoSuchEntity; one not shaped like a task id is InvalidInput."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.get_service_linked_role_deletion_status(DeletionTaskId=task_id)
    assert error_of(caught)[0] == code


def test_aws_cli_round_trip(server: Server, tmp_path: Path) -> None:
    """The aws CLI creates, deletes and checks on a service-linked role."""
    created = aws(
        server,
        tmp_path,
        "iam",
        "create-service-linked-role",
        "--aws-service-name",
        "elasticbeanstalk.amazonaws.com",
    )
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["Role"]["RoleName"] == "AWSServiceRoleForElasticBeanstalk"
    refused = aws(server, tmp_path, "iam", "delete-role", "--role-name", "AWSServiceRoleForElasticBeanstalk")
    assert refused.returncode != 0 and "(UnmodifiableEntity)" in refused.stderr
    deleted = aws(
        server,
        tmp_path,
        "iam",
        "delete-service-linked-role",
        "--role-name",
        "AWSServiceRoleForElasticBeanstalk",
    )
    task_id = json.loads(deleted.stdout)["DeletionTaskId"]
    status = aws(
        server, tmp_path, "iam", "get-service-linked-role-deletion-status", "--deletion-task-id", task_id
    )
    assert json.loads(status.stdout) == {"Status": "SUCCEEDED"}


ECS_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": "arn:aws:iam::*:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS*",
            "Condition": {"StringLike": {"iam:AWSServiceName": "ecs.amazonaws.com"}},
        }
    ],
}


@pytest.mark.parametrize(
    ("service", "allowed", "resource"),
    [
        ("ecs.amazonaws.com", True, "aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"),
        ("batch.amazonaws.com", False, "aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch"),
    ],
)
def test_create_is_authorized_on_the_role_it_makes(
    make_user: Any, service: str, allowed: bool, resource: str
) -> None:
    """CreateServiceLinkedRole is checked against the new role's ARN, with iam:AWSServiceName."""
    _, client_for = make_user("deployer", policy=ECS_ONLY)
    iam = client_for("iam")
    if allowed:
        assert iam.create_service_linked_role(AWSServiceName=service)["Role"]["Arn"].endswith(resource)
        return
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.create_service_linked_role(AWSServiceName=service)
    code, message = error_of(caught)
    assert code == "AccessDenied"
    assert f"iam:CreateServiceLinkedRole on resource: arn:aws:iam::{ACCOUNT}:role/{resource} " in message
