"""IAM users through boto3 against a real server."""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import pytest

from tests.conftest import allow, error_of


def test_create_and_get_user(iam: Any) -> None:
    """CreateUser returns an AWS-shaped user that GetUser finds again, tags included."""
    created = iam.create_user(UserName="Alice", Path="/team/", Tags=[{"Key": "dept", "Value": "eng"}])["User"]
    assert created["Arn"] == "arn:aws:iam::123456789012:user/team/Alice"
    assert created["UserId"].startswith("AIDA") and len(created["UserId"]) == 21
    fetched = iam.get_user(UserName="alice")["User"]
    assert fetched["UserName"] == "Alice"
    assert fetched["UserId"] == created["UserId"]
    assert fetched["Tags"] == [{"Key": "dept", "Value": "eng"}]


def test_user_names_are_unique_ignoring_case(iam: Any) -> None:
    """A second user whose name differs only in case is EntityAlreadyExists."""
    iam.create_user(UserName="bob")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.create_user(UserName="BOB")
    assert error_of(caught) == ("EntityAlreadyExists", "User with name BOB already exists.")


def test_get_missing_user(iam: Any) -> None:
    """GetUser of an unknown name is NoSuchEntity worded as AWS does."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.get_user(UserName="ghost")
    assert error_of(caught) == ("NoSuchEntity", "The user with name ghost cannot be found.")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_get_user_without_name_is_the_caller(iam: Any, make_user: Any) -> None:
    """GetUser without UserName describes the caller: the root, or the IAM user."""
    assert iam.get_user()["User"]["Arn"] == "arn:aws:iam::123456789012:root"
    _, client_for = make_user(
        "carol", policy=allow("iam:GetUser", resource="arn:aws:iam::*:user/${aws:username}")
    )
    assert client_for("iam").get_user()["User"]["UserName"] == "carol"


@pytest.mark.parametrize(("max_items", "pages"), [(1, 5), (2, 3), (5, 1), (100, 1)])
def test_list_users_paginates(iam: Any, max_items: int, pages: int) -> None:
    """ListUsers pages with Marker/MaxItems/IsTruncated and returns every user once."""
    for index in range(5):
        iam.create_user(UserName=f"user{index}")
    seen: list[str] = []
    kwargs: dict[str, Any] = {"MaxItems": max_items}
    count = 0
    while True:
        response = iam.list_users(**kwargs)
        count += 1
        seen += [user["UserName"] for user in response["Users"]]
        if not response["IsTruncated"]:
            assert "Marker" not in response
            break
        kwargs["Marker"] = response["Marker"]
    assert seen == [f"user{index}" for index in range(5)]
    assert count == pages


def test_marker_stays_correct_while_users_change(iam: Any) -> None:
    """Users created or deleted between pages neither repeat nor shift the next page."""
    for name in ("a", "c", "e"):
        iam.create_user(UserName=name)
    first = iam.list_users(MaxItems=2)
    assert [u["UserName"] for u in first["Users"]] == ["a", "c"]
    iam.delete_user(UserName="a")
    iam.create_user(UserName="b")
    iam.create_user(UserName="d")
    rest = iam.list_users(Marker=first["Marker"])
    assert [u["UserName"] for u in rest["Users"]] == ["d", "e"]


def test_list_users_path_prefix(iam: Any) -> None:
    """PathPrefix keeps only users under that path."""
    iam.create_user(UserName="ops1", Path="/ops/")
    iam.create_user(UserName="dev1", Path="/dev/")
    assert [u["UserName"] for u in iam.list_users(PathPrefix="/ops/")["Users"]] == ["ops1"]


def test_update_user_renames_and_moves(iam: Any) -> None:
    """UpdateUser changes the name and the path; the old name is gone."""
    iam.create_user(UserName="dave")
    iam.update_user(UserName="dave", NewUserName="david", NewPath="/x/")
    assert iam.get_user(UserName="david")["User"]["Arn"].endswith(":user/x/david")
    with pytest.raises(botocore.exceptions.ClientError):
        iam.get_user(UserName="dave")


def test_update_user_to_taken_name(iam: Any) -> None:
    """Renaming onto an existing user's name is EntityAlreadyExists."""
    iam.create_user(UserName="erin")
    iam.create_user(UserName="frank")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.update_user(UserName="erin", NewUserName="Frank")
    assert error_of(caught)[0] == "EntityAlreadyExists"


def test_delete_user_with_keys_conflicts(iam: Any) -> None:
    """DeleteUser is DeleteConflict while the user still has access keys."""
    iam.create_user(UserName="gina")
    key = iam.create_access_key(UserName="gina")["AccessKey"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.delete_user(UserName="gina")
    assert error_of(caught) == ("DeleteConflict", "Cannot delete entity, must delete access keys first.")
    iam.delete_access_key(UserName="gina", AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName="gina")
    assert iam.list_users()["Users"] == []


@pytest.mark.parametrize(
    ("tags", "code"),
    [
        ([{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}], "InvalidInput"),
        ([{"Key": "aws:x", "Value": "1"}], "InvalidInput"),
        ([{"Key": f"k{i}", "Value": "v"} for i in range(51)], "ValidationError"),
    ],
)
def test_create_user_tag_rules(iam: Any, tags: list[dict[str, str]], code: str) -> None:
    """Duplicate keys, the aws: prefix and more than 50 tags are refused, and no user is created."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.create_user(UserName="tagged", Tags=tags)
    assert error_of(caught)[0] == code
    assert iam.list_users()["Users"] == []
