"""Managed policies over the real Query API: customer policies, versions, tags, the AWS catalog."""

from __future__ import annotations

import json
from typing import Any

import botocore.exceptions
import pytest

from tests.conftest import error_of

ACCOUNT = "123456789012"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def document(action: str = "s3:GetObject") -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}
    )


def local_arn(name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{ACCOUNT}:policy{path}{name}"


def test_create_policy_answers_the_policy(iam: Any) -> None:
    """CreatePolicy returns an ANPA id, the ARN with its path, v1 as default, and the tags."""
    policy = iam.create_policy(
        PolicyName="Reader",
        Path="/team/",
        PolicyDocument=document(),
        Description="reads",
        Tags=[{"Key": "env", "Value": "dev"}],
    )["Policy"]
    assert policy["PolicyId"].startswith("ANPA") and len(policy["PolicyId"]) == 21
    assert policy["Arn"] == local_arn("Reader", "/team/")
    assert policy["DefaultVersionId"] == "v1"
    assert (policy["AttachmentCount"], policy["PermissionsBoundaryUsageCount"]) == (0, 0)
    assert policy["IsAttachable"] is True
    assert policy["Tags"] == [{"Key": "env", "Value": "dev"}]
    assert "Description" not in policy  # AWS's CreatePolicy answer leaves it out
    fetched = iam.get_policy(PolicyArn=policy["Arn"])["Policy"]
    assert fetched["Description"] == "reads"
    assert fetched["CreateDate"] == policy["CreateDate"] == fetched["UpdateDate"]


@pytest.mark.parametrize(
    "policy_arn", [pytest.param(None, id="customer managed"), pytest.param(READ_ONLY, id="AWS managed")]
)
def test_get_policy_always_carries_tags_and_list_policies_never(iam: Any, policy_arn: str | None) -> None:
    """GetPolicy answers Tags even when empty; ListPolicies carries neither Tags nor Description."""
    if policy_arn is None:
        policy_arn = iam.create_policy(PolicyName="Plain", PolicyDocument=document(), Description="d")[
            "Policy"
        ]["Arn"]
        iam.create_policy(
            PolicyName="Tagged", PolicyDocument=document(), Description="d", Tags=[{"Key": "k", "Value": "v"}]
        )
    assert iam.get_policy(PolicyArn=policy_arn)["Policy"]["Tags"] == []
    listed = iam.list_policies(Scope="All")["Policies"]
    assert listed and not any("Tags" in p or "Description" in p for p in listed)


def test_document_round_trips_exactly(iam: Any) -> None:
    """The document comes back, URL-decoded by boto3, as the same JSON that was sent."""
    text = (
        '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow",'
        ' "Action": "s3:*", "Resource": "arn:aws:s3:::x/a b+c%d~é/*"}]\n}'
    )
    policy_arn = iam.create_policy(PolicyName="p", PolicyDocument=text)["Policy"]["Arn"]
    version = iam.get_policy_version(PolicyArn=policy_arn, VersionId="v1")["PolicyVersion"]
    assert version["Document"] == json.loads(text)
    assert version["IsDefaultVersion"] is True


def test_policy_names_are_unique_ignoring_case(iam: Any) -> None:
    """A second policy of the same name, in any case and path, is EntityAlreadyExists."""
    iam.create_policy(PolicyName="Reader", PolicyDocument=document())
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.create_policy(PolicyName="READER", Path="/other/", PolicyDocument=document())
    assert error_of(exc) == (
        "EntityAlreadyExists",
        "A policy called READER already exists. Duplicate names are not allowed.",
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}',
            "MalformedPolicyDocument",
        ),
        ("not json", "MalformedPolicyDocument"),
        (
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",'
            ' "Action": "s3:*", "Resource": "*"}]}',
            "MalformedPolicyDocument",
        ),
        (document("s3:" + "x" * 6200), "LimitExceeded"),
    ],
)
def test_create_policy_rejects_bad_documents(iam: Any, text: str, code: str) -> None:
    """Invalid identity-policy documents are MalformedPolicyDocument; oversized ones LimitExceeded."""
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.create_policy(PolicyName="p", PolicyDocument=text)
    assert error_of(exc)[0] == code
    if code == "LimitExceeded":
        assert error_of(exc)[1] == "Cannot exceed quota for PolicySize: 6144"


def test_whitespace_does_not_count_toward_the_size_limit(iam: Any) -> None:
    """A document padded with whitespace past 6,144 characters is still accepted."""
    padded = document().replace(", ", "," + " " * 7000, 1)
    assert len(padded) > 6144
    iam.create_policy(PolicyName="p", PolicyDocument=padded)


@pytest.mark.parametrize(
    "call",
    [
        lambda iam, arn: iam.get_policy(PolicyArn=arn),
        lambda iam, arn: iam.delete_policy(PolicyArn=arn),
        lambda iam, arn: iam.list_policy_versions(PolicyArn=arn),
        lambda iam, arn: iam.create_policy_version(PolicyArn=arn, PolicyDocument=document()),
        lambda iam, arn: iam.list_policy_tags(PolicyArn=arn),
        lambda iam, arn: iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "k", "Value": "v"}]),
        lambda iam, arn: iam.list_entities_for_policy(PolicyArn=arn),
    ],
)
def test_missing_policy_is_no_such_entity(iam: Any, call: Any) -> None:
    """Policy operations on an unknown ARN answer NoSuchEntity naming it."""
    missing = local_arn("Ghost")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        call(iam, missing)
    assert error_of(exc) == ("NoSuchEntity", f"Policy {missing} was not found.")


def test_a_malformed_arn_is_invalid_input(iam: Any) -> None:
    """A PolicyArn that is not an IAM policy ARN is InvalidInput."""
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.get_policy(PolicyArn="arn:aws:s3:::some-bucket-name")
    assert error_of(exc) == ("InvalidInput", "ARN arn:aws:s3:::some-bucket-name is not valid.")


def test_the_arn_must_name_the_policy_path(iam: Any) -> None:
    """The policy is found only under its own path."""
    iam.create_policy(PolicyName="p", Path="/a/", PolicyDocument=document())
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.get_policy(PolicyArn=local_arn("p", "/b/"))
    assert error_of(exc)[0] == "NoSuchEntity"


def test_versions_lifecycle(iam: Any) -> None:
    """New versions count up, can become default, and ids are never reused after deletion."""
    policy_arn = iam.create_policy(PolicyName="p", PolicyDocument=document())["Policy"]["Arn"]
    v2 = iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=document("s3:PutObject"))[
        "PolicyVersion"
    ]
    assert (v2["VersionId"], v2["IsDefaultVersion"]) == ("v2", False)
    v3 = iam.create_policy_version(
        PolicyArn=policy_arn, PolicyDocument=document("s3:ListBucket"), SetAsDefault=True
    )["PolicyVersion"]
    assert (v3["VersionId"], v3["IsDefaultVersion"]) == ("v3", True)
    assert iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"] == "v3"
    versions = iam.list_policy_versions(PolicyArn=policy_arn)["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in versions] == [
        ("v3", True),
        ("v2", False),
        ("v1", False),
    ]
    assert all("Document" not in v for v in versions)
    iam.delete_policy_version(PolicyArn=policy_arn, VersionId="v2")
    v4 = iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=document())["PolicyVersion"]
    assert v4["VersionId"] == "v4"
    iam.set_default_policy_version(PolicyArn=policy_arn, VersionId="v1")
    fetched = iam.get_policy_version(PolicyArn=policy_arn, VersionId="v1")["PolicyVersion"]
    assert fetched["IsDefaultVersion"] and fetched["Document"] == json.loads(document())


def test_at_most_five_versions(iam: Any) -> None:
    """The sixth version is LimitExceeded with AWS's advice."""
    policy_arn = iam.create_policy(PolicyName="p", PolicyDocument=document())["Policy"]["Arn"]
    for _ in range(4):
        iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=document())
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=document())
    assert error_of(exc) == (
        "LimitExceeded",
        "A managed policy can have up to 5 versions. "
        "Before you create a new version, you must delete an existing version.",
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda iam, arn: iam.get_policy_version(PolicyArn=arn, VersionId="v7"),
        lambda iam, arn: iam.delete_policy_version(PolicyArn=arn, VersionId="v7"),
        lambda iam, arn: iam.set_default_policy_version(PolicyArn=arn, VersionId="v7"),
    ],
)
def test_missing_version_is_no_such_entity(iam: Any, call: Any) -> None:
    """Operations on an unknown version answer NoSuchEntity naming policy and version."""
    policy_arn = iam.create_policy(PolicyName="p", PolicyDocument=document())["Policy"]["Arn"]
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        call(iam, policy_arn)
    assert error_of(exc) == (
        "NoSuchEntity",
        f"Policy {policy_arn} version v7 does not exist or is not attachable.",
    )


def test_the_default_version_cannot_be_deleted(iam: Any) -> None:
    """DeletePolicyVersion of the default version is DeleteConflict."""
    policy_arn = iam.create_policy(PolicyName="p", PolicyDocument=document())["Policy"]["Arn"]
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.delete_policy_version(PolicyArn=policy_arn, VersionId="v1")
    assert error_of(exc) == ("DeleteConflict", "Cannot delete the default version of a policy.")


def test_delete_policy_conflicts_while_it_has_other_versions(iam: Any) -> None:
    """A policy with non-default versions cannot be deleted until they are."""
    policy_arn = iam.create_policy(PolicyName="p", PolicyDocument=document())["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=document())
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.delete_policy(PolicyArn=policy_arn)
    assert error_of(exc) == (
        "DeleteConflict",
        "This policy has more than one version. Before you delete a policy, you must delete the policy's "
        "versions. The default version is deleted with the policy.",
    )
    iam.delete_policy_version(PolicyArn=policy_arn, VersionId="v2")
    iam.delete_policy(PolicyArn=policy_arn)
    assert iam.list_policies(Scope="Local")["Policies"] == []


@pytest.mark.parametrize(
    "use",
    [
        lambda iam, arn: iam.attach_user_policy(UserName="alice", PolicyArn=arn),
        lambda iam, arn: iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=arn),
    ],
)
def test_delete_policy_conflicts_while_in_use(iam: Any, use: Any) -> None:
    """A policy attached or used as a permissions boundary cannot be deleted."""
    iam.create_user(UserName="alice")
    policy_arn = iam.create_policy(PolicyName="p", PolicyDocument=document())["Policy"]["Arn"]
    use(iam, policy_arn)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.delete_policy(PolicyArn=policy_arn)
    assert error_of(exc) == ("DeleteConflict", "Cannot delete a policy attached to entities.")


def test_usage_counts(iam: Any) -> None:
    """GetPolicy counts attachments and permissions-boundary uses in the account."""
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="devs")
    policy_arn = iam.create_policy(PolicyName="p", PolicyDocument=document())["Policy"]["Arn"]
    iam.attach_user_policy(UserName="alice", PolicyArn=policy_arn)
    iam.attach_group_policy(GroupName="devs", PolicyArn=policy_arn)
    iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=policy_arn)
    policy = iam.get_policy(PolicyArn=policy_arn)["Policy"]
    assert (policy["AttachmentCount"], policy["PermissionsBoundaryUsageCount"]) == (2, 1)


def test_policy_tags(iam: Any) -> None:
    """TagPolicy adds or overwrites, UntagPolicy removes, ListPolicyTags pages in set order."""
    policy_arn = iam.create_policy(PolicyName="p", PolicyDocument=document())["Policy"]["Arn"]
    iam.tag_policy(PolicyArn=policy_arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    iam.tag_policy(PolicyArn=policy_arn, Tags=[{"Key": "A", "Value": "3"}, {"Key": "c", "Value": "4"}])
    first = iam.list_policy_tags(PolicyArn=policy_arn, MaxItems=2)
    assert first["IsTruncated"] and first["Tags"] == [{"Key": "A", "Value": "3"}, {"Key": "b", "Value": "2"}]
    rest = iam.list_policy_tags(PolicyArn=policy_arn, Marker=first["Marker"])
    assert rest["Tags"] == [{"Key": "c", "Value": "4"}] and not rest["IsTruncated"]
    iam.untag_policy(PolicyArn=policy_arn, TagKeys=["b", "C"])
    assert iam.list_policy_tags(PolicyArn=policy_arn)["Tags"] == [{"Key": "A", "Value": "3"}]


def test_aws_managed_policy_is_visible(iam: Any) -> None:
    """An AWS managed policy reads like AWS's: ARN, path, default version and its document."""
    policy = iam.get_policy(PolicyArn=READ_ONLY)["Policy"]
    assert policy["PolicyName"] == "ReadOnlyAccess" and policy["Path"] == "/"
    assert policy["PolicyId"].startswith("ANPA") and policy["IsAttachable"]
    default = policy["DefaultVersionId"]
    versions = iam.list_policy_versions(PolicyArn=READ_ONLY)["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in versions] == [(default, True)]
    version = iam.get_policy_version(PolicyArn=READ_ONLY, VersionId=default)["PolicyVersion"]
    assert version["Document"]["Statement"][0]["Effect"] == "Allow"
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.get_policy_version(PolicyArn=READ_ONLY, VersionId="v1")
    assert error_of(exc)[0] == "NoSuchEntity"


@pytest.mark.parametrize(
    ("action", "call"),
    [
        ("DeletePolicy", lambda iam: iam.delete_policy(PolicyArn=READ_ONLY)),
        (
            "CreatePolicyVersion",
            lambda iam: iam.create_policy_version(PolicyArn=READ_ONLY, PolicyDocument=document()),
        ),
        ("DeletePolicyVersion", lambda iam: iam.delete_policy_version(PolicyArn=READ_ONLY, VersionId="v1")),
        (
            "SetDefaultPolicyVersion",
            lambda iam: iam.set_default_policy_version(PolicyArn=READ_ONLY, VersionId="v1"),
        ),
        ("TagPolicy", lambda iam: iam.tag_policy(PolicyArn=READ_ONLY, Tags=[{"Key": "k", "Value": "v"}])),
    ],
)
def test_aws_managed_policies_are_read_only(iam: Any, action: str, call: Any) -> None:
    """Changing an AWS managed policy is AccessDenied, even for the account's root."""
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        call(iam)
    assert error_of(exc) == (
        "AccessDenied",
        f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: iam:{action} "
        f"on resource: policy {READ_ONLY}",
    )


def test_list_policies_scopes(iam: Any) -> None:
    """Scope picks customer (Local), AWS, or both; PathPrefix narrows; the catalog is complete."""
    iam.create_policy(PolicyName="mine", Path="/team/", PolicyDocument=document())
    local = iam.list_policies(Scope="Local")["Policies"]
    assert [p["PolicyName"] for p in local] == ["mine"] and "Description" not in local[0]
    aws = [p for page in iam.get_paginator("list_policies").paginate(Scope="AWS") for p in page["Policies"]]
    assert len(aws) == 1485 and all(p["Arn"].startswith("arn:aws:iam::aws:policy/") for p in aws)
    both = [
        p
        for page in iam.get_paginator("list_policies").paginate(
            Scope="All", PaginationConfig={"PageSize": 400}
        )
        for p in page["Policies"]
    ]
    assert len(both) == 1486 and len({p["Arn"] for p in both}) == 1486
    team = iam.list_policies(PathPrefix="/team/")["Policies"]
    assert [p["PolicyName"] for p in team] == ["mine"]
    job = iam.list_policies(Scope="AWS", PathPrefix="/job-function/")["Policies"]
    assert job and all(p["Path"] == "/job-function/" for p in job)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"OnlyAttached": True}, ["attached", "boundary", "ReadOnlyAccess"]),
        ({"OnlyAttached": True, "Scope": "Local"}, ["attached", "boundary"]),
        ({"OnlyAttached": True, "PolicyUsageFilter": "PermissionsPolicy"}, ["attached", "ReadOnlyAccess"]),
        ({"PolicyUsageFilter": "PermissionsBoundary"}, ["boundary"]),
    ],
)
def test_list_policies_only_attached(iam: Any, params: dict[str, Any], expected: list[str]) -> None:
    """OnlyAttached and PolicyUsageFilter keep the policies in use in the account, by name ignoring case."""
    iam.create_user(UserName="alice")
    for name in ("attached", "boundary", "unused"):
        iam.create_policy(PolicyName=name, PolicyDocument=document())
    iam.attach_user_policy(UserName="alice", PolicyArn=local_arn("attached"))
    iam.attach_user_policy(UserName="alice", PolicyArn=READ_ONLY)
    iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=local_arn("boundary"))
    names = [p["PolicyName"] for p in iam.list_policies(**params)["Policies"]]
    assert names == expected


def test_create_policy_is_authorized_against_the_new_policys_arn(make_user: Any) -> None:
    """CreatePolicy is decided on ``policy/PATH/NAME`` and refused naming ``policy NAME``, as AWS prints it."""
    only_team = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:CreatePolicy", "Resource": "arn:aws:iam::*:policy/team/*"}
        ],
    }
    _, client_for = make_user("ivy", policy=only_team)
    ivy = client_for("iam")
    made = ivy.create_policy(PolicyName="reader", Path="/team/", PolicyDocument=document())["Policy"]
    assert made["Arn"] == local_arn("reader", "/team/")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        ivy.create_policy(PolicyName="elsewhere", PolicyDocument=document())
    assert error_of(caught) == (
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/ivy is not authorized to perform: iam:CreatePolicy on resource: "
        "policy elsewhere because no identity-based policy allows the iam:CreatePolicy action",
    )
