"""The identity store through boto3's identitystore client: users, groups and memberships."""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import pytest

from tests.conftest import error_of
from tests.sso.conftest import Instance, make_user


def test_user_lifecycle(identitystore: Any, instance: Instance) -> None:
    """CreateUser answers the id, ARN and revision; DescribeUser returns every attribute given;
    UpdateUser changes one attribute and the revision; DeleteUser removes the user."""
    store = instance.identity_store_id
    created = identitystore.create_user(
        IdentityStoreId=store,
        UserName="alice",
        DisplayName="Alice Liddell",
        Name={"GivenName": "Alice", "FamilyName": "Liddell", "MiddleName": "P"},
        Emails=[{"Value": "alice@example.com", "Type": "work", "Primary": True}],
        Title="Engineer",
        Locale="en-GB",
    )
    user_id = created["UserId"]
    assert created["UserArn"] == f"arn:aws:identitystore:::user/{user_id}"
    assert created["Revision"] == "1"
    user = identitystore.describe_user(IdentityStoreId=store, UserId=user_id)
    assert (user["UserName"], user["DisplayName"], user["Title"], user["Locale"]) == (
        "alice",
        "Alice Liddell",
        "Engineer",
        "en-GB",
    )
    assert user["Name"] == {"GivenName": "Alice", "FamilyName": "Liddell", "MiddleName": "P"}
    assert user["Emails"] == [{"Value": "alice@example.com", "Type": "work", "Primary": True}]
    assert user["UserStatus"] == "ENABLED"
    assert user["CreatedBy"] == "arn:aws:iam::123456789012:root"
    updated = identitystore.update_user(
        IdentityStoreId=store,
        UserId=user_id,
        Operations=[
            {"AttributePath": "displayName", "AttributeValue": "Alice L."},
            {"AttributePath": "name.givenName", "AttributeValue": "Alicia"},
            {"AttributePath": "title"},
        ],
    )
    assert updated["Revision"] == "2"
    user = identitystore.describe_user(IdentityStoreId=store, UserId=user_arn_or_id(user_id))
    assert (user["DisplayName"], user["Name"]["GivenName"], "Title" in user) == ("Alice L.", "Alicia", False)
    identitystore.delete_user(IdentityStoreId=store, UserId=user_id)
    with pytest.raises(identitystore.exceptions.ResourceNotFoundException) as caught:
        identitystore.describe_user(IdentityStoreId=store, UserId=user_id)
    assert caught.value.response["ResourceType"] == "USER"


def user_arn_or_id(user_id: str) -> str:
    """The identitystore API takes a user's ARN wherever it takes its id."""
    return f"arn:aws:identitystore:::user/{user_id}"


@pytest.mark.parametrize(
    ("attributes", "code", "fragment"),
    [
        (
            {"DisplayName": "A", "Name": {"GivenName": "A", "FamilyName": "B"}},
            "ValidationException",
            "'userName'",
        ),
        (
            {"UserName": "a", "Name": {"GivenName": "A", "FamilyName": "B"}},
            "ValidationException",
            "'displayName'",
        ),
        ({"UserName": "a", "DisplayName": "A"}, "ValidationException", "'name.givenName'"),
        (
            {"UserName": "Administrator", "DisplayName": "A", "Name": {"GivenName": "A", "FamilyName": "B"}},
            "ValidationException",
            "reserved names",
        ),
        (
            {"UserName": "ALICE", "DisplayName": "A", "Name": {"GivenName": "A", "FamilyName": "B"}},
            "ConflictException",
            "Duplicate UserName",
        ),
    ],
)
def test_user_rules(
    identitystore: Any, instance: Instance, attributes: dict[str, Any], code: str, fragment: str
) -> None:
    """A user needs a user name (unique ignoring case, not a reserved one), a display name and a name."""
    make_user(identitystore, instance, "alice")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        identitystore.create_user(IdentityStoreId=instance.identity_store_id, **attributes)
    found_code, message = error_of(caught)
    assert found_code == code
    assert fragment in message


def test_stale_revision_is_a_conflict(identitystore: Any, instance: Instance) -> None:
    """UpdateUser and DeleteUser naming an older revision are refused with CONCURRENT_MODIFICATION."""
    user_id = make_user(identitystore, instance)
    store = instance.identity_store_id
    change = [{"AttributePath": "nickName", "AttributeValue": "Al"}]
    identitystore.update_user(IdentityStoreId=store, UserId=user_id, Operations=change, Revision="1")
    with pytest.raises(identitystore.exceptions.ConflictException) as caught:
        identitystore.update_user(IdentityStoreId=store, UserId=user_id, Operations=change, Revision="1")
    assert caught.value.response["Reason"] == "CONCURRENT_MODIFICATION"
    with pytest.raises(identitystore.exceptions.ConflictException):
        identitystore.delete_user(IdentityStoreId=store, UserId=user_id, Revision="1")


@pytest.mark.parametrize(
    ("operation", "fragment"),
    [
        ({"AttributePath": "noSuchAttribute", "AttributeValue": "x"}, "Invalid attribute path"),
        ({"AttributePath": "identityStoreId", "AttributeValue": "d-0000000000"}, "Invalid attribute path"),
        ({"AttributePath": "displayName", "AttributeValue": 5}, "Expected a string"),
        ({"AttributePath": "displayName", "AttributeValue": "x" * 2000}, "less than or equal to 1024"),
        ({"AttributePath": "displayName"}, "'displayName'"),
    ],
)
def test_bad_updates_are_refused(
    identitystore: Any, instance: Instance, operation: dict[str, Any], fragment: str
) -> None:
    """Unknown or frozen attribute paths, values of the wrong type or size, and removing a required
    attribute leave the user unchanged."""
    user_id = make_user(identitystore, instance)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        identitystore.update_user(
            IdentityStoreId=instance.identity_store_id, UserId=user_id, Operations=[operation]
        )
    assert fragment in error_of(caught)[1]
    user = identitystore.describe_user(IdentityStoreId=instance.identity_store_id, UserId=user_id)
    assert (user["DisplayName"], user["Revision"]) == ("Alice Example", "1")


def test_list_users_filters_and_pages(identitystore: Any, instance: Instance) -> None:
    """ListUsers filters on UserName (ignoring case) and pages with NextToken, each user once."""
    for name in ("ann", "bob", "cid", "dee", "eve"):
        make_user(identitystore, instance, name)
    store = instance.identity_store_id
    found = identitystore.list_users(
        IdentityStoreId=store, Filters=[{"AttributePath": "UserName", "AttributeValue": "BOB"}]
    )["Users"]
    assert [user["UserName"] for user in found] == ["bob"]
    names: list[str] = []
    token = None
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = identitystore.list_users(IdentityStoreId=store, MaxResults=2, **kwargs)
        assert len(page["Users"]) <= 2
        names += [user["UserName"] for user in page["Users"]]
        token = page.get("NextToken")
        if not token:
            break
    assert sorted(names) == ["ann", "bob", "cid", "dee", "eve"]
    with pytest.raises(identitystore.exceptions.ValidationException):
        identitystore.list_users(IdentityStoreId=store, NextToken="not-ours")


def test_get_user_id_by_user_name_and_email(identitystore: Any, instance: Instance) -> None:
    """GetUserId finds a user by userName or by emails.value; an unknown one is ResourceNotFoundException."""
    user_id = make_user(identitystore, instance, "alice")
    store = instance.identity_store_id
    for path, value in (("userName", "Alice"), ("emails.value", "ALICE@example.com")):
        found = identitystore.get_user_id(
            IdentityStoreId=store,
            AlternateIdentifier={"UniqueAttribute": {"AttributePath": path, "AttributeValue": value}},
        )
        assert found["UserId"] == user_id
    with pytest.raises(identitystore.exceptions.ResourceNotFoundException):
        identitystore.get_user_id(
            IdentityStoreId=store,
            AlternateIdentifier={
                "UniqueAttribute": {"AttributePath": "userName", "AttributeValue": "nobody"}
            },
        )


def test_groups_and_memberships(identitystore: Any, instance: Instance) -> None:
    """Groups are created, described, found by display name and listed; memberships link users to
    them once, are listed both ways, checked and removed; deleting a group removes its memberships."""
    store = instance.identity_store_id
    alice, bob = make_user(identitystore, instance, "alice"), make_user(identitystore, instance, "bob")
    group = identitystore.create_group(IdentityStoreId=store, DisplayName="Ops", Description="operators")
    group_id = group["GroupId"]
    described = identitystore.describe_group(IdentityStoreId=store, GroupId=group_id)
    assert (described["DisplayName"], described["Description"]) == ("Ops", "operators")
    found = identitystore.get_group_id(
        IdentityStoreId=store,
        AlternateIdentifier={"UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": "ops"}},
    )
    assert found["GroupId"] == group_id
    with pytest.raises(identitystore.exceptions.ConflictException):
        identitystore.create_group(IdentityStoreId=store, DisplayName="OPS")
    membership = identitystore.create_group_membership(
        IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": alice}
    )
    identitystore.create_group_membership(IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": bob})
    with pytest.raises(identitystore.exceptions.ConflictException):
        identitystore.create_group_membership(
            IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": alice}
        )
    members = identitystore.list_group_memberships(IdentityStoreId=store, GroupId=group_id)[
        "GroupMemberships"
    ]
    assert sorted(m["MemberId"]["UserId"] for m in members) == sorted([alice, bob])
    of_alice = identitystore.list_group_memberships_for_member(
        IdentityStoreId=store, MemberId={"UserId": alice}
    )
    assert [m["GroupId"] for m in of_alice["GroupMemberships"]] == [group_id]
    assert (
        identitystore.get_group_membership_id(
            IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": alice}
        )["MembershipId"]
        == membership["MembershipId"]
    )
    checked = identitystore.is_member_in_groups(
        IdentityStoreId=store, MemberId={"UserId": alice}, GroupIds=[group_id]
    )
    assert checked["Results"][0]["MembershipExists"] is True
    described_membership = identitystore.describe_group_membership(
        IdentityStoreId=store, MembershipId=membership["MembershipId"]
    )
    assert described_membership["MemberId"] == {"UserId": alice}
    identitystore.delete_group_membership(IdentityStoreId=store, MembershipId=membership["MembershipId"])
    remaining = identitystore.list_group_memberships(IdentityStoreId=store, GroupId=group_id)[
        "GroupMemberships"
    ]
    assert [m["MemberId"]["UserId"] for m in remaining] == [bob]
    identitystore.update_group(
        IdentityStoreId=store,
        GroupId=group_id,
        Operations=[{"AttributePath": "description", "AttributeValue": "x"}],
    )
    assert identitystore.describe_group(IdentityStoreId=store, GroupId=group_id)["Description"] == "x"
    identitystore.delete_group(IdentityStoreId=store, GroupId=group_id)
    assert (
        identitystore.list_group_memberships_for_member(IdentityStoreId=store, MemberId={"UserId": bob})[
            "GroupMemberships"
        ]
        == []
    )
    listed = identitystore.list_groups(
        IdentityStoreId=store, Filters=[{"AttributePath": "DisplayName", "AttributeValue": "Ops"}]
    )
    assert listed["Groups"] == []


def test_unknown_identity_store_and_resources(identitystore: Any, instance: Instance) -> None:
    """Another identity store id, or a user or group not in the store, is ResourceNotFoundException."""
    with pytest.raises(identitystore.exceptions.ResourceNotFoundException) as caught:
        identitystore.list_users(IdentityStoreId="d-0000000000")
    assert caught.value.response["ResourceType"] == "IDENTITY_STORE"
    store = instance.identity_store_id
    missing = "11111111-2222-3333-4444-555555555555"
    with pytest.raises(identitystore.exceptions.ResourceNotFoundException):
        identitystore.describe_group(IdentityStoreId=store, GroupId=missing)
    with pytest.raises(identitystore.exceptions.ResourceNotFoundException):
        identitystore.create_group_membership(
            IdentityStoreId=store, GroupId=missing, MemberId={"UserId": make_user(identitystore, instance)}
        )


def test_deep_extension_documents_do_not_break_updates(identitystore: Any, instance: Instance) -> None:
    """A user's extension document nested as deep as JSON allows survives UpdateUser and DescribeUser."""
    store = instance.identity_store_id
    deep: Any = "leaf"
    for _ in range(900):
        deep = [deep]
    user_id = identitystore.create_user(
        IdentityStoreId=store,
        UserName="deep",
        DisplayName="Deep",
        Name={"GivenName": "D", "FamilyName": "E"},
        Extensions={"aws:identitystore:enterprise": {"nested": deep}},
    )["UserId"]
    identitystore.update_user(
        IdentityStoreId=store,
        UserId=user_id,
        Operations=[{"AttributePath": "nickName", "AttributeValue": "d"}],
    )
    user = identitystore.describe_user(
        IdentityStoreId=store, UserId=user_id, Extensions=["aws:identitystore:enterprise"]
    )
    assert user["NickName"] == "d"
    assert user["Extensions"]["aws:identitystore:enterprise"]["nested"] == deep
    assert "Extensions" not in identitystore.describe_user(IdentityStoreId=store, UserId=user_id)
