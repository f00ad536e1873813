"""Service last accessed reports and ListPoliciesGrantingServiceAccess, from recorded attempts."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest
from sqlalchemy import func, select

from credo.auth.key_usage import KeyUsage
from credo.auth.principal import Principal
from credo.store.db import Store
from credo.store.migrate import upgrade
from credo.store.schema import service_last_accessed
from tests.compat.test_aws_cli import aws
from tests.conftest import NO_RETRIES, Server, allow, error_of

ACCOUNT = "123456789012"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/"
READ_IAM = allow("iam:Get*", "iam:List*")
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
    ],
}


def report(iam: Any, arn: str, **kwargs: Any) -> dict[str, Any]:
    job = iam.generate_service_last_accessed_details(Arn=arn, **kwargs)["JobId"]
    found: dict[str, Any] = iam.get_service_last_accessed_details(JobId=job)
    found["JobId"] = job
    return found


def by_namespace(found: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {service["ServiceNamespace"]: service for service in found["ServicesLastAccessed"]}


def client_in(server: Server, service: str, key: dict[str, str], region: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=server.endpoint,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        aws_session_token=key.get("SessionToken"),
        region_name=region,
        config=NO_RETRIES,
    )


def test_user_report_lists_allowed_services_with_last_attempts(
    server: Server, iam: Any, make_user: Any
) -> None:
    """Every service the user's policies allow is listed by namespace; used ones say when, where, by whom."""
    _, client_for = make_user("alice", policy=allow("iam:List*", "sts:GetCallerIdentity", "s3:GetObject"))
    client_for("iam").list_users()
    found = report(iam, USER_ARN + "alice")
    assert found["JobStatus"] == "COMPLETED" and found["JobType"] == "SERVICE_LEVEL"
    assert found["JobCompletionDate"] >= found["JobCreationDate"]
    assert [s["ServiceNamespace"] for s in found["ServicesLastAccessed"]] == ["iam", "s3", "sts"]
    services = by_namespace(found)
    assert services["iam"]["ServiceName"] == "AWS Identity and Access Management"
    assert services["iam"]["LastAuthenticatedEntity"] == USER_ARN + "alice"
    assert services["iam"]["LastAuthenticatedRegion"] == "us-east-1"
    assert services["iam"]["TotalAuthenticatedEntities"] == 1
    assert "TrackedActionsLastAccessed" not in services["iam"]
    assert services["s3"] == {"ServiceName": "Amazon Simple Storage Service", "ServiceNamespace": "s3"}
    assert "LastAuthenticated" not in services["sts"]


def test_region_and_denied_attempts_count(server: Server, iam: Any) -> None:
    """Attempts count whether allowed or not, as AWS documents, with the region they were made in."""
    iam.create_user(UserName="bob")
    iam.put_user_policy(UserName="bob", PolicyName="p", PolicyDocument=json.dumps(allow("iam:GetUser")))
    key = iam.create_access_key(UserName="bob")["AccessKey"]
    bob = client_in(server, "iam", key, "eu-west-1")
    with pytest.raises(botocore.exceptions.ClientError):
        bob.create_user(UserName="nope")
    found = by_namespace(report(iam, USER_ARN + "bob", Granularity="ACTION_LEVEL"))
    assert found["iam"]["LastAuthenticatedRegion"] == "eu-west-1"
    assert [action["ActionName"] for action in found["iam"]["TrackedActionsLastAccessed"]] == ["CreateUser"]


def test_action_level_tracks_iam_actions_only(iam: Any, make_user: Any) -> None:
    """ACTION_LEVEL adds IAM's tracked actions (newest attempt each); STS is tracked as a whole."""
    _, client_for = make_user("carol", policy=allow("iam:*", "sts:*"))
    client_for("iam").list_users()
    client_for("iam").get_user()
    client_for("sts").get_caller_identity()
    found = report(iam, USER_ARN + "carol", Granularity="ACTION_LEVEL")
    assert found["JobType"] == "ACTION_LEVEL"
    services = by_namespace(found)
    tracked = services["iam"]["TrackedActionsLastAccessed"]
    assert [action["ActionName"] for action in tracked] == ["GetUser", "ListUsers"]
    assert {action["LastAccessedEntity"] for action in tracked} == {USER_ARN + "carol"}
    assert all(
        action["LastAccessedRegion"] == "us-east-1" and action["LastAccessedTime"] for action in tracked
    )
    assert services["sts"]["TotalAuthenticatedEntities"] == 1
    assert "TrackedActionsLastAccessed" not in services["sts"]


def test_role_sessions_count_for_the_role(server: Server, iam: Any, make_user: Any) -> None:
    """A role's sessions are attributed to the role's ARN."""
    iam.create_role(RoleName="ops", Path="/team/", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(RoleName="ops", PolicyName="p", PolicyDocument=json.dumps(READ_IAM))
    _, client_for = make_user("assumer", policy=allow("sts:AssumeRole"))
    credentials = client_for("sts").assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/team/ops", RoleSessionName="s1"
    )
    session = credentials["Credentials"]
    key = {
        "AccessKeyId": session["AccessKeyId"],
        "SecretAccessKey": session["SecretAccessKey"],
        "SessionToken": session["SessionToken"],
    }
    client_in(server, "iam", key, "us-east-1").list_roles()
    found = by_namespace(report(iam, f"arn:aws:iam::{ACCOUNT}:role/team/ops"))
    assert list(found) == ["iam"]
    assert found["iam"]["LastAuthenticatedEntity"] == f"arn:aws:iam::{ACCOUNT}:role/team/ops"


def test_group_report_covers_members(iam: Any, make_user: Any) -> None:
    """A group's report names the member who last tried; WithEntities lists every member, newest first."""
    iam.create_group(GroupName="readers")
    iam.put_group_policy(GroupName="readers", PolicyName="read", PolicyDocument=json.dumps(READ_IAM))
    _, dave = make_user("dave")
    make_user("erin")
    for member in ("dave", "erin"):
        iam.add_user_to_group(GroupName="readers", UserName=member)
    dave("iam").list_groups()
    found = report(iam, f"arn:aws:iam::{ACCOUNT}:group/readers")
    service = by_namespace(found)["iam"]
    assert service["LastAuthenticatedEntity"] == USER_ARN + "dave"
    assert service["TotalAuthenticatedEntities"] == 1
    entities = iam.get_service_last_accessed_details_with_entities(
        JobId=found["JobId"], ServiceNamespace="iam"
    )
    assert entities["JobStatus"] == "COMPLETED"
    listed = entities["EntityDetailsList"]
    assert [detail["EntityInfo"]["Name"] for detail in listed] == ["dave", "erin"]
    assert listed[0]["EntityInfo"]["Type"] == "USER" and listed[0]["EntityInfo"]["Arn"] == USER_ARN + "dave"
    assert "LastAuthenticated" in listed[0] and "LastAuthenticated" not in listed[1]


def test_policy_report_covers_attached_users_groups_and_roles(iam: Any, make_user: Any) -> None:
    """A managed policy's report covers users (direct or via groups) and roles it is attached to."""
    policy_arn = iam.create_policy(PolicyName="ReadIam", PolicyDocument=json.dumps(READ_IAM))["Policy"]["Arn"]
    _, frank = make_user("frank")
    make_user("gina")
    iam.attach_user_policy(UserName="frank", PolicyArn=policy_arn)
    iam.create_group(GroupName="g")
    iam.add_user_to_group(GroupName="g", UserName="gina")
    iam.attach_group_policy(GroupName="g", PolicyArn=policy_arn)
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.attach_role_policy(RoleName="worker", PolicyArn=policy_arn)
    frank("iam").get_user()
    found = report(iam, policy_arn)
    assert by_namespace(found)["iam"]["LastAuthenticatedEntity"] == USER_ARN + "frank"
    listed = iam.get_service_last_accessed_details_with_entities(
        JobId=found["JobId"], ServiceNamespace="iam"
    )["EntityDetailsList"]
    assert [(d["EntityInfo"]["Type"], d["EntityInfo"]["Name"]) for d in listed] == [
        ("USER", "frank"),
        ("ROLE", "worker"),
        ("USER", "gina"),
    ]
    assert [("LastAuthenticated" in detail) for detail in listed] == [True, False, False]


def test_star_lists_every_service_and_pages(iam: Any, make_user: Any) -> None:
    """Action "*" allows every service; pages of MaxItems reassemble the whole sorted list."""
    make_user("root-like", policy=allow("*"))
    first = report(iam, USER_ARN + "root-like")
    namespaces = [service["ServiceNamespace"] for service in first["ServicesLastAccessed"]]
    assert namespaces == sorted(namespaces)
    assert first["IsTruncated"] and len(namespaces) == 100
    collected, marker = [], None
    while True:
        page = iam.get_service_last_accessed_details(
            JobId=first["JobId"], MaxItems=150, **({"Marker": marker} if marker else {})
        )
        collected += [service["ServiceNamespace"] for service in page["ServicesLastAccessed"]]
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    assert collected == sorted(set(collected)) and len(collected) > 300
    assert {"iam", "sts", "s3", "ec2"} <= set(collected)


@pytest.mark.parametrize(
    ("arn", "code", "message"),
    [
        (
            "arn:aws:iam::123456789012:user/nobody",
            "NoSuchEntity",
            "The user with name nobody cannot be found.",
        ),
        (
            "arn:aws:iam::123456789012:user/other/path/alice",
            "NoSuchEntity",
            "The user with name alice cannot be found.",
        ),
        ("arn:aws:iam::123456789012:group/none", "NoSuchEntity", "The group with name none cannot be found."),
        (
            "arn:aws:iam::123456789012:policy/Missing",
            "NoSuchEntity",
            "Policy arn:aws:iam::123456789012:policy/Missing was not found.",
        ),
        ("not-an-arn-at-all-really", "InvalidInput", "ARN not-an-arn-at-all-really is not valid."),
        ("arn:aws:s3:::bucket/key", "InvalidInput", "ARN arn:aws:s3:::bucket/key is not valid."),
    ],
)
def test_generate_refuses_unknown_targets(iam: Any, arn: str, code: str, message: str) -> None:
    """Missing users, groups or policies are NoSuchEntity; ARNs of anything else are InvalidInput."""
    iam.create_user(UserName="alice")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.generate_service_last_accessed_details(Arn=arn)
    assert error_of(caught) == (code, message)


def test_jobs_belong_to_who_generated_them(iam: Any, make_user: Any) -> None:
    """Another caller, or an unknown job id, gets NoSuchEntity."""
    _, other = make_user("other", policy=allow("iam:*"))
    job = iam.generate_service_last_accessed_details(Arn=USER_ARN + "other")["JobId"]
    for client, job_id in ((other("iam"), job), (iam, "00000000-0000-4000-8000-000000000000")):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            client.get_service_last_accessed_details(JobId=job_id)
        assert error_of(caught) == ("NoSuchEntity", f"No job with id {job_id} exists.")


def test_with_entities_for_an_unlisted_service_is_empty(iam: Any, make_user: Any) -> None:
    """A namespace the report does not list has no entities."""
    make_user("hank", policy=READ_IAM)
    job = iam.generate_service_last_accessed_details(Arn=USER_ARN + "hank")["JobId"]
    found = iam.get_service_last_accessed_details_with_entities(JobId=job, ServiceNamespace="ec2")
    assert found["EntityDetailsList"] == [] and found["IsTruncated"] is False


def test_policies_granting_service_access(iam: Any, make_user: Any) -> None:
    """Per namespace: the user's and its groups' inline and managed policies that allow it."""
    make_user("ivy", policy=allow("s3:GetObject"))
    iam.attach_user_policy(UserName="ivy", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.create_group(GroupName="admins")
    iam.add_user_to_group(GroupName="admins", UserName="ivy")
    iam.put_group_policy(GroupName="admins", PolicyName="iam-all", PolicyDocument=json.dumps(allow("iam:*")))
    iam.attach_group_policy(GroupName="admins", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    answer = iam.list_policies_granting_service_access(
        Arn=USER_ARN + "ivy", ServiceNamespaces=["iam", "s3", "nosuchservice"]
    )
    assert answer["IsTruncated"] is False
    entries = {
        entry["ServiceNamespace"]: entry["Policies"] for entry in answer["PoliciesGrantingServiceAccess"]
    }
    read_only = {
        "PolicyName": "ReadOnlyAccess",
        "PolicyType": "MANAGED",
        "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
    }
    assert entries["s3"] == [
        {"PolicyName": "test-policy", "PolicyType": "INLINE", "EntityType": "USER", "EntityName": "ivy"},
        read_only,
    ]
    assert entries["iam"] == [
        read_only,
        {"PolicyName": "iam-all", "PolicyType": "INLINE", "EntityType": "GROUP", "EntityName": "admins"},
    ]
    assert entries["nosuchservice"] == []
    group = iam.list_policies_granting_service_access(
        Arn=f"arn:aws:iam::{ACCOUNT}:group/admins", ServiceNamespaces=["s3"]
    )
    assert group["PoliciesGrantingServiceAccess"] == [{"ServiceNamespace": "s3", "Policies": [read_only]}]


@pytest.mark.parametrize(
    ("document", "granted"),
    [
        (allow("*"), ["ec2", "s3", "s3-object-lambda"]),
        (allow("s3:GetObject", "EC2:Describe*"), ["ec2", "s3"]),
        ({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}, []),
        (
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}],
            },
            ["ec2", "s3-object-lambda"],
        ),
        (
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "NotAction": "s3:Get*", "Resource": "*"}],
            },
            ["ec2", "s3", "s3-object-lambda"],
        ),
    ],
)
def test_which_statements_grant_a_service(iam: Any, document: dict[str, Any], granted: list[str]) -> None:
    """Allow statements grant the services their actions reach; Deny grants nothing."""
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(RoleName="r", PolicyName="p", PolicyDocument=json.dumps(document))
    answer = iam.list_policies_granting_service_access(
        Arn=f"arn:aws:iam::{ACCOUNT}:role/r", ServiceNamespaces=["s3", "s3-object-lambda", "ec2"]
    )
    found = [
        entry["ServiceNamespace"] for entry in answer["PoliciesGrantingServiceAccess"] if entry["Policies"]
    ]
    assert sorted(found) == sorted(granted)


def test_attempts_are_written_in_batches(tmp_path: Path) -> None:
    """Many attempts make no row until the flush, then one row per user, service and tracked action."""
    store = Store(f"sqlite:///{tmp_path / 'credo.sqlite3'}")
    upgrade(store)
    usage = KeyUsage(store)
    user = Principal(
        ACCOUNT, "user", USER_ARN + "u", "AIDAEXAMPLE", "u", "AKIAEXAMPLE", "user", "AIDAEXAMPLE"
    )
    root = Principal(ACCOUNT, "root", f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, None, "AKIAROOT", "root", "")
    for second in range(1000):
        usage.record_attempt(user, "iam", "ListUsers", "us-east-1", 1_700_000_000 + second)
        usage.record_attempt(user, "sts", "GetCallerIdentity", "us-east-1", 1_700_000_000 + second)
        usage.record_attempt(root, "iam", "ListUsers", "us-east-1", 1_700_000_000 + second)

    def rows() -> int:
        with store.read() as conn:
            return int(conn.execute(select(func.count()).select_from(service_last_accessed)).scalar_one())

    assert rows() == 0
    usage.flush()
    with store.read() as conn:
        written = conn.execute(
            select(service_last_accessed.c.service_namespace, service_last_accessed.c.action_name)
        ).all()
    assert sorted(written) == [("iam", ""), ("iam", "ListUsers"), ("sts", "")]
    usage.record_attempt(user, "iam", "ListUsers", "us-east-1", 1_600_000_000)  # older: kept out
    usage.flush()
    with store.read() as conn:
        newest = conn.execute(select(func.max(service_last_accessed.c.last_authenticated_at))).scalar_one()
    assert (newest if newest.tzinfo else newest.replace(tzinfo=UTC)).timestamp() == 1_700_000_999
    store.dispose()


def test_aws_cli_reports(server: Server, tmp_path: Path, make_user: Any) -> None:
    """The aws CLI generates and reads a report, and lists the policies granting a service."""
    _, client_for = make_user("jill", policy=READ_IAM)
    client_for("iam").list_users()
    generated = aws(
        server, tmp_path, "iam", "generate-service-last-accessed-details", "--arn", USER_ARN + "jill"
    )
    assert generated.returncode == 0, generated.stderr
    job = json.loads(generated.stdout)["JobId"]
    details = json.loads(
        aws(server, tmp_path, "iam", "get-service-last-accessed-details", "--job-id", job).stdout
    )
    assert details["JobStatus"] == "COMPLETED"
    assert details["ServicesLastAccessed"][0]["LastAuthenticatedEntity"] == USER_ARN + "jill"
    listed = aws(
        server,
        tmp_path,
        "iam",
        "list-policies-granting-service-access",
        "--arn",
        USER_ARN + "jill",
        "--service-namespaces",
        "iam",
    )
    assert (
        json.loads(listed.stdout)["PoliciesGrantingServiceAccess"][0]["Policies"][0]["PolicyName"]
        == "test-policy"
    )


def test_a_refused_record_does_not_cost_the_batch(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """When the database refuses one record, the others of the batch are still written."""
    store = Store(f"sqlite:///{tmp_path / 'credo.sqlite3'}")
    upgrade(store)
    usage = KeyUsage(store)
    good = Principal(ACCOUNT, "user", USER_ARN + "u", "AIDAGOOD", "u", "AKIAGOOD", "user", "AIDAGOOD")
    bad = Principal(None, "user", USER_ARN + "v", "AIDABAD", "v", "AKIABAD", "user", "AIDABAD")  # type: ignore[arg-type]
    usage.record_attempt(good, "iam", "ListUsers", "us-east-1", 1_700_000_000)
    usage.record_attempt(bad, "iam", "ListUsers", "us-east-1", 1_700_000_000)  # no account: NOT NULL
    usage.flush()
    with store.read() as conn:
        written = conn.execute(select(service_last_accessed.c.entity_id).distinct()).scalars().all()
    assert written == ["AIDAGOOD"]
    assert "dropped a last-use record the database refused" in caplog.text
    store.dispose()
