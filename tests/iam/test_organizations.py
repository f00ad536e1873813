"""Organizations-dependent operations, answered as AWS answers an account outside any organization."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest

from tests.compat.test_aws_cli import aws
from tests.conftest import DEV_ACCOUNT, REGION, Server, allow, error_of
from tests.iam.test_account_settings import unchecked_iam
from tests.sts.test_assume_role import create_account

MakeUser = Callable[..., tuple[str, Any]]
NO_ORGANIZATION = (
    "OrganizationNotFoundException",
    "The request was rejected because no organization is associated with your account.",
)
ENTITY_PATH = "o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-1a2b3c-k9l8m7n6o5example"
ROOT_TASK = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"
MEMBER = "111122223333"

ROOT_ACCESS_OPERATIONS = [
    "list_organizations_features",
    "enable_organizations_root_credentials_management",
    "disable_organizations_root_credentials_management",
    "enable_organizations_root_sessions",
    "disable_organizations_root_sessions",
]


@pytest.mark.parametrize("method", ROOT_ACCESS_OPERATIONS)
def test_root_access_features_need_an_organization(iam: Any, method: str) -> None:
    """Centralized root access operations are OrganizationNotFoundException for a standalone account."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(iam, method)()
    assert error_of(caught) == NO_ORGANIZATION
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("method", ROOT_ACCESS_OPERATIONS)
def test_root_access_features_are_authorized_first(make_user: MakeUser, method: str) -> None:
    """A user without the action is AccessDenied; with it, the missing organization is the answer."""
    action = "iam:" + "".join(part.capitalize() for part in method.split("_"))
    _name, denied_for = make_user("nobody")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(denied_for("iam"), method)()
    assert error_of(caught)[0] == "AccessDenied"
    assert f"not authorized to perform: {action} on resource: *" in error_of(caught)[1]
    _name, allowed_for = make_user("admin", allow(action))
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(allowed_for("iam"), method)()
    assert error_of(caught) == NO_ORGANIZATION


def test_list_organizations_features_with_the_aws_cli(server: Server, tmp_path: Path) -> None:
    """`aws iam list-organizations-features` fails with AWS's code for a standalone account."""
    done = aws(server, tmp_path, "iam", "list-organizations-features")
    assert done.returncode != 0
    assert "(OrganizationNotFoundException)" in done.stderr


@pytest.mark.parametrize("policy_id", [None, "p-examplepolicyid111"])
def test_organizations_access_report_fails_without_an_organization(iam: Any, policy_id: str | None) -> None:
    """Generate hands out a job id; the job reports FAILED with Organizations' answer for a non-member."""
    kwargs = {"EntityPath": ENTITY_PATH} | ({"OrganizationsPolicyId": policy_id} if policy_id else {})
    job_id = iam.generate_organizations_access_report(**kwargs)["JobId"]
    assert len(job_id) == 36
    report = iam.get_organizations_access_report(JobId=job_id)
    assert report["JobStatus"] == "FAILED"
    assert report["JobCompletionDate"] == report["JobCreationDate"]
    assert report["ErrorDetails"] == {
        "Code": "AWSOrganizationsNotInUseException",
        "Message": "Your account is not a member of an organization.",
    }
    assert "AccessDetails" not in report


def test_access_report_jobs_are_distinct(iam: Any) -> None:
    """Each Generate call makes a new job, each readable by its own id."""
    first = iam.generate_organizations_access_report(EntityPath=ENTITY_PATH)["JobId"]
    second = iam.generate_organizations_access_report(EntityPath=ENTITY_PATH)["JobId"]
    assert first != second
    assert iam.get_organizations_access_report(JobId=first)["JobStatus"] == "FAILED"
    assert iam.get_organizations_access_report(JobId=second)["JobStatus"] == "FAILED"


def test_unknown_access_report_job(iam: Any) -> None:
    """A job id nobody generated is NoSuchEntity."""
    job_id = "00000000-1111-4222-8333-444444444444"
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.get_organizations_access_report(JobId=job_id)
    assert error_of(caught) == ("NoSuchEntity", f"No job with id {job_id} exists.")


def test_access_report_job_belongs_to_its_account(server: Server, iam: Any) -> None:
    """Another account cannot read a job by its id."""
    job_id = iam.generate_organizations_access_report(EntityPath=ENTITY_PATH)["JobId"]
    keys = create_account(server)
    other = server.client("iam", keys["AccessKeyId"], keys["SecretAccessKey"])
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        other.get_organizations_access_report(JobId=job_id)
    assert error_of(caught)[0] == "NoSuchEntity"


@pytest.mark.parametrize("entity_path", ["r-ab12/ou-ab12-cdefgh12", "o-short/r-ab12", "not-a-path-at-all-xx"])
def test_access_report_entity_path_pattern(server: Server, entity_path: str) -> None:
    """An entity path outside the model's pattern or length is a ValidationError."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        unchecked_iam(server).generate_organizations_access_report(EntityPath=entity_path)
    assert error_of(caught)[0] == "ValidationError"


def test_assume_root_refuses_root_credentials(sts: Any) -> None:
    """AssumeRoot may not be called with root user credentials."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sts.assume_root(TargetPrincipal=MEMBER, TaskPolicyArn={"arn": ROOT_TASK})
    assert error_of(caught) == ("AccessDenied", "Cannot call AssumeRoot with root user credentials")


@pytest.mark.parametrize("target", [MEMBER, f"arn:aws:iam::{MEMBER}:root"])
def test_assume_root_is_authorized_on_the_target_root(make_user: MakeUser, target: str) -> None:
    """Without sts:AssumeRoot on the member's root ARN the call is AccessDenied naming that ARN."""
    _name, alice_for = make_user("alice", allow("sts:AssumeRoot", resource="arn:aws:iam::999999999999:root"))
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        alice_for("sts").assume_root(TargetPrincipal=target, TaskPolicyArn={"arn": ROOT_TASK})
    assert error_of(caught) == (
        "AccessDenied",
        f"User: arn:aws:iam::{DEV_ACCOUNT}:user/alice is not authorized to perform: sts:AssumeRoot "
        f"on resource: arn:aws:iam::{MEMBER}:root because no identity-based policy allows the sts:AssumeRoot action",
    )


def test_assume_root_needs_a_management_account(make_user: MakeUser) -> None:
    """Allowed by policy, AssumeRoot is still denied: no account is an organization's management account."""
    _name, alice_for = make_user("alice", allow("sts:AssumeRoot", resource="arn:aws:iam::*:root"))
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        alice_for("sts").assume_root(
            TargetPrincipal=MEMBER, TaskPolicyArn={"arn": ROOT_TASK}, DurationSeconds=900
        )
    assert error_of(caught) == (
        "AccessDenied",
        f"User: arn:aws:iam::{DEV_ACCOUNT}:user/alice is not authorized to perform: sts:AssumeRoot on resource: "
        f"arn:aws:iam::{MEMBER}:root because account {DEV_ACCOUNT} is not the management account or a delegated "
        "administrator of an organization with centralized root access",
    )


def test_assume_root_duration_limit(server: Server) -> None:
    """A privileged session lasts at most 900 seconds: asking for more is a ValidationError."""
    unchecked_sts = boto3.client(
        "sts",
        endpoint_url=server.endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name=REGION,
        config=unchecked_iam(server).meta.config,
    )
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        unchecked_sts.assume_root(
            TargetPrincipal=MEMBER, TaskPolicyArn={"arn": ROOT_TASK}, DurationSeconds=901
        )
    code, message = error_of(caught)
    assert code == "ValidationError"
    assert "Member must have value less than or equal to 900" in message


def test_assume_root_with_the_aws_cli(server: Server, tmp_path: Path, iam: Any) -> None:
    """`aws sts assume-root` as an allowed user fails with AccessDenied, and prints no credentials."""
    iam.create_user(UserName="cli-user")
    iam.put_user_policy(
        UserName="cli-user", PolicyName="p", PolicyDocument=json.dumps(allow("sts:AssumeRoot"))
    )
    key = iam.create_access_key(UserName="cli-user")["AccessKey"]
    done = aws(
        server,
        tmp_path,
        *("sts", "assume-root", "--target-principal", MEMBER, "--task-policy-arn", f"arn={ROOT_TASK}"),
        key=key["AccessKeyId"],
        secret=key["SecretAccessKey"],
    )
    assert done.returncode != 0
    assert "(AccessDenied)" in done.stderr
    assert done.stdout == ""
