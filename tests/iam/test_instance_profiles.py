"""Instance profiles: create, read, list, add and remove the one role, delete."""

from __future__ import annotations

import json
from typing import Any

import botocore.exceptions
import pytest

ACCOUNT = "123456789012"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def error_of(exc: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def make_role(iam: Any, name: str) -> None:
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)


def test_create_instance_profile_returns_aws_shape(iam: Any) -> None:
    """CreateInstanceProfile answers with an AIPA id, the instance-profile ARN, no roles, and tags."""
    profile = iam.create_instance_profile(
        InstanceProfileName="web", Path="/ec2/", Tags=[{"Key": "env", "Value": "prod"}]
    )["InstanceProfile"]
    assert profile["InstanceProfileId"].startswith("AIPA") and len(profile["InstanceProfileId"]) == 21
    assert profile["Arn"] == f"arn:aws:iam::{ACCOUNT}:instance-profile/ec2/web"
    assert profile["Roles"] == []
    assert profile["Tags"] == [{"Key": "env", "Value": "prod"}]


def test_create_instance_profile_twice_is_entity_already_exists(iam: Any) -> None:
    """Instance profile names are unique per account, ignoring case."""
    iam.create_instance_profile(InstanceProfileName="web")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.create_instance_profile(InstanceProfileName="WEB")
    assert error_of(exc) == ("EntityAlreadyExists", "Instance Profile WEB already exists.")


@pytest.mark.parametrize(
    "call",
    [
        lambda iam: iam.get_instance_profile(InstanceProfileName="ghost"),
        lambda iam: iam.delete_instance_profile(InstanceProfileName="ghost"),
        lambda iam: iam.add_role_to_instance_profile(InstanceProfileName="ghost", RoleName="r"),
        lambda iam: iam.remove_role_from_instance_profile(InstanceProfileName="ghost", RoleName="r"),
        lambda iam: iam.tag_instance_profile(InstanceProfileName="ghost", Tags=[{"Key": "a", "Value": "b"}]),
        lambda iam: iam.list_instance_profile_tags(InstanceProfileName="ghost"),
    ],
)
def test_missing_instance_profile_is_no_such_entity(iam: Any, call: Any) -> None:
    """Operations on an instance profile that does not exist say so as AWS does."""
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        call(iam)
    assert error_of(exc) == ("NoSuchEntity", "Instance Profile ghost cannot be found.")


def test_add_role_shows_in_get_and_lists(iam: Any) -> None:
    """A role added to a profile appears in GetInstanceProfile, ListInstanceProfiles and ...ForRole."""
    make_role(iam, "app")
    iam.create_instance_profile(InstanceProfileName="web")
    iam.create_instance_profile(InstanceProfileName="other")
    iam.add_role_to_instance_profile(InstanceProfileName="WEB", RoleName="APP")
    roles = iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]["Roles"]
    assert [r["RoleName"] for r in roles] == ["app"]
    assert roles[0]["AssumeRolePolicyDocument"] == json.loads(TRUST)
    listed = {p["InstanceProfileName"]: p["Roles"] for p in iam.list_instance_profiles()["InstanceProfiles"]}
    assert [r["RoleName"] for r in listed["web"]] == ["app"] and listed["other"] == []
    for_role = iam.list_instance_profiles_for_role(RoleName="app")["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in for_role] == ["web"]


@pytest.mark.parametrize("second_role", ["app", "other"])
def test_a_profile_holds_at_most_one_role(iam: Any, second_role: str) -> None:
    """Adding a second role, or the same role again, exceeds InstanceSessionsPerInstanceProfile."""
    make_role(iam, "app")
    make_role(iam, "other")
    iam.create_instance_profile(InstanceProfileName="web")
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="app")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName=second_role)
    assert error_of(exc) == ("LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")


def test_add_missing_role_is_no_such_entity(iam: Any) -> None:
    """Adding a role that does not exist names the role."""
    iam.create_instance_profile(InstanceProfileName="web")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="ghost")
    assert error_of(exc) == ("NoSuchEntity", "The role with name ghost cannot be found.")


def test_remove_role_not_in_profile_is_no_such_entity(iam: Any) -> None:
    """Removing a role the profile does not hold is NoSuchEntity."""
    make_role(iam, "app")
    iam.create_instance_profile(InstanceProfileName="web")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.remove_role_from_instance_profile(InstanceProfileName="web", RoleName="app")
    assert error_of(exc)[0] == "NoSuchEntity"


def test_delete_profile_with_role_is_delete_conflict(iam: Any) -> None:
    """An instance profile with a role cannot be deleted until the role is removed."""
    make_role(iam, "app")
    iam.create_instance_profile(InstanceProfileName="web", Tags=[{"Key": "a", "Value": "b"}])
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="app")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.delete_instance_profile(InstanceProfileName="web")
    assert error_of(exc) == (
        "DeleteConflict",
        "Cannot delete entity, must remove roles from instance profile first.",
    )
    iam.remove_role_from_instance_profile(InstanceProfileName="web", RoleName="app")
    assert iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]["Roles"] == []
    iam.delete_instance_profile(InstanceProfileName="web")
    assert iam.list_instance_profiles()["InstanceProfiles"] == []
    recreated = iam.create_instance_profile(InstanceProfileName="web")["InstanceProfile"]
    assert "Tags" not in recreated


def test_list_instance_profiles_pages_and_filters_by_path(iam: Any) -> None:
    """ListInstanceProfiles sorts by name, pages with Marker/MaxItems and filters by PathPrefix."""
    for name, path in [("c", "/a/"), ("a", "/a/"), ("b", "/b/")]:
        iam.create_instance_profile(InstanceProfileName=name, Path=path)
    first = iam.list_instance_profiles(MaxItems=2)
    assert [p["InstanceProfileName"] for p in first["InstanceProfiles"]] == ["a", "b"]
    assert first["IsTruncated"] is True
    second = iam.list_instance_profiles(MaxItems=2, Marker=first["Marker"])
    assert [p["InstanceProfileName"] for p in second["InstanceProfiles"]] == ["c"]
    assert second["IsTruncated"] is False
    filtered = iam.list_instance_profiles(PathPrefix="/a/")["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in filtered] == ["a", "c"]


def test_list_instance_profiles_for_role_pages(iam: Any) -> None:
    """ListInstanceProfilesForRole pages like the other lists and needs an existing role."""
    make_role(iam, "app")
    for name in ["p3", "p1", "p2"]:
        iam.create_instance_profile(InstanceProfileName=name)
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName="app")
    first = iam.list_instance_profiles_for_role(RoleName="app", MaxItems=2)
    assert [p["InstanceProfileName"] for p in first["InstanceProfiles"]] == ["p1", "p2"]
    second = iam.list_instance_profiles_for_role(RoleName="app", MaxItems=2, Marker=first["Marker"])
    assert [p["InstanceProfileName"] for p in second["InstanceProfiles"]] == ["p3"]
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.list_instance_profiles_for_role(RoleName="ghost")
    assert error_of(exc) == ("NoSuchEntity", "The role with name ghost cannot be found.")
