"""Groups over the real Query API: create, read, rename, delete, membership, paging, errors."""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import pytest

ACCOUNT = "123456789012"


def error_of(exc: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def test_create_group_returns_the_group(iam: Any) -> None:
    """CreateGroup answers the group with an AGPA id, its path and ARN."""
    group = iam.create_group(GroupName="Admins", Path="/ops/")["Group"]
    assert group["GroupName"] == "Admins"
    assert group["GroupId"].startswith("AGPA") and len(group["GroupId"]) == 21
    assert group["Path"] == "/ops/"
    assert group["Arn"] == f"arn:aws:iam::{ACCOUNT}:group/ops/Admins"
    assert iam.get_group(GroupName="admins")["Group"] == group


def test_group_names_are_unique_ignoring_case(iam: Any) -> None:
    """A second group whose name differs only in case is EntityAlreadyExists."""
    iam.create_group(GroupName="Admins")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.create_group(GroupName="ADMINS")
    assert error_of(exc) == ("EntityAlreadyExists", "Group with name ADMINS already exists.")


@pytest.mark.parametrize(
    "call",
    [
        lambda iam: iam.get_group(GroupName="ghost"),
        lambda iam: iam.delete_group(GroupName="ghost"),
        lambda iam: iam.update_group(GroupName="ghost", NewPath="/x/"),
        lambda iam: iam.add_user_to_group(GroupName="ghost", UserName="alice"),
        lambda iam: iam.remove_user_from_group(GroupName="ghost", UserName="alice"),
    ],
)
def test_missing_group_is_no_such_entity(iam: Any, call: Any) -> None:
    """Every group operation on a missing group answers NoSuchEntity."""
    iam.create_user(UserName="alice")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        call(iam)
    assert error_of(exc) == ("NoSuchEntity", "The group with name ghost cannot be found.")


def test_membership_round_trip(iam: Any) -> None:
    """Added users show in GetGroup and ListGroupsForUser; removed ones no longer do."""
    for name in ("carol", "alice", "bob"):
        iam.create_user(UserName=name)
        iam.add_user_to_group(
            GroupName=iam.create_group(GroupName=f"g-{name}")["Group"]["GroupName"], UserName=name
        )
        iam.add_user_to_group(GroupName="g-carol", UserName=name)
    iam.add_user_to_group(GroupName="g-carol", UserName="alice")  # again: no change
    members = iam.get_group(GroupName="g-carol")["Users"]
    assert [user["UserName"] for user in members] == ["alice", "bob", "carol"]
    groups = iam.list_groups_for_user(UserName="alice")["Groups"]
    assert [group["GroupName"] for group in groups] == ["g-alice", "g-carol"]
    iam.remove_user_from_group(GroupName="g-carol", UserName="alice")
    assert [user["UserName"] for user in iam.get_group(GroupName="g-carol")["Users"]] == ["bob", "carol"]


def test_removing_a_non_member_is_no_such_entity(iam: Any) -> None:
    """RemoveUserFromGroup for a user who is not a member answers NoSuchEntity."""
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="devs")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.remove_user_from_group(GroupName="devs", UserName="alice")
    assert error_of(exc) == ("NoSuchEntity", "The user with name alice cannot be found.")


def test_adding_a_missing_user_is_no_such_entity(iam: Any) -> None:
    """AddUserToGroup with an unknown user names the user."""
    iam.create_group(GroupName="devs")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.add_user_to_group(GroupName="devs", UserName="ghost")
    assert error_of(exc) == ("NoSuchEntity", "The user with name ghost cannot be found.")


def test_a_user_is_in_at_most_ten_groups(iam: Any) -> None:
    """The eleventh group for one user is LimitExceeded."""
    iam.create_user(UserName="alice")
    for index in range(10):
        iam.create_group(GroupName=f"g{index}")
        iam.add_user_to_group(GroupName=f"g{index}", UserName="alice")
    iam.create_group(GroupName="g10")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.add_user_to_group(GroupName="g10", UserName="alice")
    assert error_of(exc) == ("LimitExceeded", "Cannot exceed quota for GroupsPerUser: 10")


def test_update_group_renames_and_moves(iam: Any) -> None:
    """UpdateGroup changes name and path; the members stay."""
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    iam.update_group(GroupName="devs", NewGroupName="engineers", NewPath="/eng/")
    answer = iam.get_group(GroupName="engineers")
    assert answer["Group"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:group/eng/engineers"
    assert [user["UserName"] for user in answer["Users"]] == ["alice"]
    iam.update_group(GroupName="engineers", NewGroupName="Engineers")  # only the case changes
    assert iam.get_group(GroupName="engineers")["Group"]["GroupName"] == "Engineers"


def test_update_group_to_a_taken_name_is_entity_already_exists(iam: Any) -> None:
    """Renaming onto another group's name is refused."""
    iam.create_group(GroupName="devs")
    iam.create_group(GroupName="ops")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.update_group(GroupName="devs", NewGroupName="OPS")
    assert error_of(exc) == ("EntityAlreadyExists", "Group with name OPS already exists.")


DOCUMENT = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda iam: iam.add_user_to_group(GroupName="devs", UserName="alice"),
            "Cannot delete entity, must remove users from group first.",
        ),
        (
            lambda iam: iam.put_group_policy(GroupName="devs", PolicyName="p", PolicyDocument=DOCUMENT),
            "Cannot delete entity, must delete policies first.",
        ),
        (
            lambda iam: iam.attach_group_policy(
                GroupName="devs", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
            ),
            "Cannot delete entity, must detach all policies first.",
        ),
    ],
)
def test_delete_group_conflicts_while_it_has_things(iam: Any, setup: Any, message: str) -> None:
    """DeleteGroup refuses while the group has members, inline or attached policies."""
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="devs")
    setup(iam)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.delete_group(GroupName="devs")
    assert error_of(exc) == ("DeleteConflict", message)


def test_delete_empty_group(iam: Any) -> None:
    """An empty group is deleted and then no longer found."""
    iam.create_group(GroupName="devs")
    iam.delete_group(GroupName="devs")
    assert iam.list_groups()["Groups"] == []


def test_a_group_member_cannot_be_deleted(iam: Any) -> None:
    """DeleteUser refuses while the user is in a group."""
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.delete_user(UserName="alice")
    assert error_of(exc) == (
        "DeleteConflict",
        "Cannot delete entity, must remove user from all groups first.",
    )
    iam.remove_user_from_group(GroupName="devs", UserName="alice")
    iam.delete_user(UserName="alice")


def test_list_groups_filters_by_path_and_pages(iam: Any) -> None:
    """ListGroups honours PathPrefix, and pages by MaxItems/Marker without repeats."""
    for name, path in [("a", "/eng/"), ("b", "/eng/web/"), ("c", "/ops/"), ("d", "/")]:
        iam.create_group(GroupName=name, Path=path)
    assert [g["GroupName"] for g in iam.list_groups(PathPrefix="/eng/")["Groups"]] == ["a", "b"]
    first = iam.list_groups(MaxItems=3)
    assert first["IsTruncated"] and [g["GroupName"] for g in first["Groups"]] == ["a", "b", "c"]
    rest = iam.list_groups(MaxItems=3, Marker=first["Marker"])
    assert not rest["IsTruncated"] and [g["GroupName"] for g in rest["Groups"]] == ["d"]


def test_get_group_pages_its_members(iam: Any) -> None:
    """GetGroup pages the members; the paginator reassembles them all."""
    iam.create_group(GroupName="devs")
    names = [f"user{index}" for index in range(5)]
    for name in names:
        iam.create_user(UserName=name)
        iam.add_user_to_group(GroupName="devs", UserName=name)
    first = iam.get_group(GroupName="devs", MaxItems=2)
    assert first["IsTruncated"] and len(first["Users"]) == 2
    pages = iam.get_paginator("get_group").paginate(GroupName="devs", PaginationConfig={"PageSize": 2})
    assert [user["UserName"] for page in pages for user in page["Users"]] == names


def test_list_groups_for_missing_user_is_no_such_entity(iam: Any) -> None:
    """ListGroupsForUser names the missing user."""
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.list_groups_for_user(UserName="ghost")
    assert error_of(exc) == ("NoSuchEntity", "The user with name ghost cannot be found.")
