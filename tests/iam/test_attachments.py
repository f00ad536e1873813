"""Managed-policy attachments, ListEntitiesForPolicy, and the policies that apply to a user."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest

from credo.iam.effective_policies import policies_for_user
from credo.store.db import Store
from tests.conftest import Server, error_of

ACCOUNT = "123456789012"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
SERVICE_ROLE_POLICY = "arn:aws:iam::aws:policy/aws-service-role/AWSSupportServiceRolePolicy"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)

KINDS: list[tuple[str, Callable[[Any], Any]]] = [
    ("User", lambda iam: iam.create_user(UserName="e")),
    ("Group", lambda iam: iam.create_group(GroupName="e")),
    ("Role", lambda iam: iam.create_role(RoleName="e", AssumeRolePolicyDocument=TRUST)),
]


def document(action: str = "s3:GetObject") -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}
    )


def op(iam: Any, verb: str, kind: str, **params: Any) -> Any:
    """attach/detach/list_attached for a kind, with the entity named "e"."""
    name = {"list_attached": f"list_attached_{kind.lower()}_policies"}.get(
        verb, f"{verb}_{kind.lower()}_policy"
    )
    return getattr(iam, name)(**{f"{kind}Name": "e"}, **params)


def make_policy(iam: Any, name: str, path: str = "/") -> str:
    return str(iam.create_policy(PolicyName=name, Path=path, PolicyDocument=document())["Policy"]["Arn"])


@pytest.mark.parametrize(("kind", "create"), KINDS)
def test_attach_list_detach(iam: Any, kind: str, create: Any) -> None:
    """Attached customer and AWS policies are listed (PathPrefix filters) until detached."""
    create(iam)
    mine = make_policy(iam, "mine", "/team/")
    op(iam, "attach", kind, PolicyArn=mine)
    op(iam, "attach", kind, PolicyArn=READ_ONLY)
    op(iam, "attach", kind, PolicyArn=READ_ONLY)  # again: no change
    listed = op(iam, "list_attached", kind)["AttachedPolicies"]
    assert sorted((p["PolicyName"], p["PolicyArn"]) for p in listed) == [
        ("ReadOnlyAccess", READ_ONLY),
        ("mine", mine),
    ]
    assert op(iam, "list_attached", kind, PathPrefix="/team/")["AttachedPolicies"] == [
        {"PolicyName": "mine", "PolicyArn": mine}
    ]
    op(iam, "detach", kind, PolicyArn=mine)
    assert op(iam, "list_attached", kind)["AttachedPolicies"] == [
        {"PolicyName": "ReadOnlyAccess", "PolicyArn": READ_ONLY}
    ]


@pytest.mark.parametrize(("kind", "create"), KINDS)
def test_attach_missing_policy(iam: Any, kind: str, create: Any) -> None:
    """Attaching an unknown policy is NoSuchEntity "does not exist or is not attachable"."""
    create(iam)
    missing = f"arn:aws:iam::{ACCOUNT}:policy/ghost"
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        op(iam, "attach", kind, PolicyArn=missing)
    assert error_of(exc) == ("NoSuchEntity", f"Policy {missing} does not exist or is not attachable.")


@pytest.mark.parametrize(("kind", "create"), KINDS)
def test_detach_not_attached_policy(iam: Any, kind: str, create: Any) -> None:
    """Detaching a policy that is not attached is NoSuchEntity "was not found"."""
    create(iam)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        op(iam, "detach", kind, PolicyArn=READ_ONLY)
    assert error_of(exc) == ("NoSuchEntity", f"Policy {READ_ONLY} was not found.")


@pytest.mark.parametrize(("kind", "create"), KINDS)
def test_at_most_ten_attached_policies(iam: Any, kind: str, create: Any) -> None:
    """The eleventh attached policy is LimitExceeded with the kind's quota name."""
    create(iam)
    for index in range(10):
        op(iam, "attach", kind, PolicyArn=make_policy(iam, f"p{index}"))
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        op(iam, "attach", kind, PolicyArn=READ_ONLY)
    assert error_of(exc) == ("LimitExceeded", f"Cannot exceed quota for PoliciesPer{kind}: 10")


@pytest.mark.parametrize(
    ("kind", "create", "target"),
    [
        (KINDS[0][0], KINDS[0][1], "User"),
        (KINDS[1][0], KINDS[1][1], "Group"),
        (KINDS[2][0], KINDS[2][1], "Customer Role"),
    ],
)
def test_service_role_policies_are_not_attachable(iam: Any, kind: str, create: Any, target: str) -> None:
    """Policies for service-linked roles are PolicyNotAttachable."""
    create(iam)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        op(iam, "attach", kind, PolicyArn=SERVICE_ROLE_POLICY)
    assert error_of(exc) == ("PolicyNotAttachable", f"Cannot attach a Service Role Policy to a {target}.")


@pytest.mark.parametrize(("kind", "create"), [KINDS[0], KINDS[2]])
def test_entity_with_attachments_cannot_be_deleted(iam: Any, kind: str, create: Any) -> None:
    """DeleteUser/DeleteRole refuse while managed policies are attached."""
    create(iam)
    op(iam, "attach", kind, PolicyArn=READ_ONLY)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        getattr(iam, f"delete_{kind.lower()}")(**{f"{kind}Name": "e"})
    assert error_of(exc) == ("DeleteConflict", "Cannot delete entity, must detach all policies first.")


def test_attachment_count_of_aws_policy_is_per_account(iam: Any) -> None:
    """An AWS managed policy's AttachmentCount counts the caller's account's attachments."""
    for kind, create in KINDS:
        create(iam)
        op(iam, "attach", kind, PolicyArn=READ_ONLY)
    assert iam.get_policy(PolicyArn=READ_ONLY)["Policy"]["AttachmentCount"] == 3


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"PolicyGroups": ["devs"], "PolicyRoles": ["e"], "PolicyUsers": ["alice", "bob"]}),
        ({"EntityFilter": "User"}, {"PolicyGroups": [], "PolicyRoles": [], "PolicyUsers": ["alice", "bob"]}),
        ({"PathPrefix": "/eng/"}, {"PolicyGroups": [], "PolicyRoles": [], "PolicyUsers": ["bob"]}),
        (
            {"PolicyUsageFilter": "PermissionsBoundary"},
            {"PolicyGroups": [], "PolicyRoles": [], "PolicyUsers": ["bob"]},
        ),
        (
            {"PolicyUsageFilter": "PermissionsPolicy"},
            {"PolicyGroups": ["devs"], "PolicyRoles": ["e"], "PolicyUsers": ["alice"]},
        ),
        ({"EntityFilter": "AWSManagedPolicy"}, {"PolicyGroups": [], "PolicyRoles": [], "PolicyUsers": []}),
    ],
)
def test_list_entities_for_policy(iam: Any, params: dict[str, Any], expected: dict[str, list[str]]) -> None:
    """ListEntitiesForPolicy names the users, groups and roles using the policy, filtered."""
    policy_arn = make_policy(iam, "shared")
    iam.create_user(UserName="alice")
    iam.create_user(UserName="bob", Path="/eng/", PermissionsBoundary=policy_arn)
    iam.create_group(GroupName="devs")
    KINDS[2][1](iam)
    iam.attach_user_policy(UserName="alice", PolicyArn=policy_arn)
    iam.attach_group_policy(GroupName="devs", PolicyArn=policy_arn)
    iam.attach_role_policy(RoleName="e", PolicyArn=policy_arn)
    answer = iam.list_entities_for_policy(PolicyArn=policy_arn, **params)
    names = {
        "PolicyGroups": [g["GroupName"] for g in answer["PolicyGroups"]],
        "PolicyRoles": [r["RoleName"] for r in answer["PolicyRoles"]],
        "PolicyUsers": [u["UserName"] for u in answer["PolicyUsers"]],
    }
    assert names == expected
    assert all(u["UserId"].startswith("AIDA") for u in answer["PolicyUsers"])


def test_list_entities_for_policy_pages(iam: Any) -> None:
    """ListEntitiesForPolicy pages across kinds with MaxItems and Marker."""
    iam.create_group(GroupName="devs")
    iam.attach_group_policy(GroupName="devs", PolicyArn=READ_ONLY)
    for name in ("u1", "u2"):
        iam.create_user(UserName=name)
        iam.attach_user_policy(UserName=name, PolicyArn=READ_ONLY)
    first = iam.list_entities_for_policy(PolicyArn=READ_ONLY, MaxItems=2)
    assert first["IsTruncated"] and [g["GroupName"] for g in first["PolicyGroups"]] == ["devs"]
    assert [u["UserName"] for u in first["PolicyUsers"]] == ["u1"]
    rest = iam.list_entities_for_policy(PolicyArn=READ_ONLY, MaxItems=2, Marker=first["Marker"])
    assert not rest["IsTruncated"] and [u["UserName"] for u in rest["PolicyUsers"]] == ["u2"]
    assert rest["PolicyGroups"] == []


def test_policies_for_user_collects_every_source(iam: Any, server: Server) -> None:
    """policies_for_user returns the user's and its groups' inline and attached policies, once each."""
    iam.create_user(UserName="alice")
    iam.create_user(UserName="bob")
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    user_doc, group_doc = document("s3:GetObject"), document("ec2:Describe*")
    iam.put_user_policy(UserName="alice", PolicyName="own", PolicyDocument=user_doc)
    iam.put_group_policy(GroupName="devs", PolicyName="team", PolicyDocument=group_doc)
    iam.put_user_policy(UserName="bob", PolicyName="other", PolicyDocument=document("iam:*"))
    mine = make_policy(iam, "mine")
    iam.create_policy_version(PolicyArn=mine, PolicyDocument=document("sqs:*"), SetAsDefault=True)
    iam.attach_user_policy(UserName="alice", PolicyArn=mine)
    iam.attach_group_policy(GroupName="devs", PolicyArn=mine)
    iam.attach_group_policy(GroupName="devs", PolicyArn=READ_ONLY)
    user_id = iam.get_user(UserName="alice")["User"]["UserId"]
    store = Store(server.extra["database_url"])
    try:
        with store.read() as conn:
            found = dict(policies_for_user(conn, ACCOUNT, user_id))
    finally:
        store.dispose()
    assert set(found) == {"user/alice/own", "group/devs/team", mine, READ_ONLY}
    assert found["user/alice/own"] == user_doc and found["group/devs/team"] == group_doc
    assert json.loads(found[mine])["Statement"][0]["Action"] == "sqs:*"
    assert json.loads(found[READ_ONLY])["Statement"][0]["Effect"] == "Allow"
