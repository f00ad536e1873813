"""Access keys through boto3 against a real server."""

from __future__ import annotations

import re
from typing import Any

import botocore.exceptions
import pytest

from tests.conftest import Server, allow


def test_create_access_key_shape(iam: Any) -> None:
    """A new key is AKIA + 16, its secret 40 characters, returned only at creation."""
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", key["AccessKeyId"])
    assert len(key["SecretAccessKey"]) == 40
    assert key["Status"] == "Active"
    listed = iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [key["AccessKeyId"]]
    assert "SecretAccessKey" not in listed[0]


def test_at_most_two_keys(iam: Any) -> None:
    """A third key is LimitExceeded with AWS's quota message."""
    iam.create_user(UserName="bob")
    iam.create_access_key(UserName="bob")
    iam.create_access_key(UserName="bob")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.create_access_key(UserName="bob")
    assert caught.value.response["Error"] == {
        "Type": "Sender",
        "Code": "LimitExceeded",
        "Message": "Cannot exceed quota for AccessKeysPerUser: 2",
    }


def test_key_without_user_name_is_the_callers(make_user: Any) -> None:
    """CreateAccessKey without UserName creates a key for the calling user."""
    _, client_for = make_user("carol", policy=allow("iam:CreateAccessKey", "iam:ListAccessKeys"))
    carol = client_for("iam")
    key = carol.create_access_key()["AccessKey"]
    assert key["UserName"] == "carol"
    assert len(carol.list_access_keys()["AccessKeyMetadata"]) == 2


def test_new_key_works_immediately(server: Server, iam: Any) -> None:
    """A key signs requests as its user as soon as it is created."""
    iam.create_user(UserName="dan")
    key = iam.create_access_key(UserName="dan")["AccessKey"]
    sts = server.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::123456789012:user/dan"


@pytest.mark.parametrize("operation", ["update", "delete"])
def test_unknown_key_is_no_such_entity(iam: Any, operation: str) -> None:
    """Updating or deleting a key that does not exist is NoSuchEntity."""
    iam.create_user(UserName="erin")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        if operation == "update":
            iam.update_access_key(UserName="erin", AccessKeyId="AKIAAAAAAAAAAAAAAAAA", Status="Inactive")
        else:
            iam.delete_access_key(UserName="erin", AccessKeyId="AKIAAAAAAAAAAAAAAAAA")
    assert caught.value.response["Error"]["Code"] == "NoSuchEntity"
    assert (
        caught.value.response["Error"]["Message"]
        == "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found."
    )


def test_invalid_status_is_validation_error(iam: Any) -> None:
    """Status must be Active or Inactive."""
    iam.create_user(UserName="fay")
    key = iam.create_access_key(UserName="fay")["AccessKey"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.update_access_key(UserName="fay", AccessKeyId=key["AccessKeyId"], Status="Paused")
    assert caught.value.response["Error"]["Code"] == "ValidationError"


def test_last_used_is_tracked(server: Server, iam: Any) -> None:
    """GetAccessKeyLastUsed reports N/A before first use, then the service, region and date."""
    iam.create_user(UserName="gus")
    key = iam.create_access_key(UserName="gus")["AccessKey"]
    before = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
    assert before["UserName"] == "gus"
    assert before["AccessKeyLastUsed"] == {"ServiceName": "N/A", "Region": "N/A"}
    server.client("sts", key["AccessKeyId"], key["SecretAccessKey"]).get_caller_identity()
    after = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
    assert after["ServiceName"] == "sts"
    assert after["Region"] == "us-east-1"
    assert "LastUsedDate" in after


def test_root_keys_can_be_listed(iam: Any) -> None:
    """ListAccessKeys as root without UserName lists the root user's own keys."""
    keys = iam.list_access_keys()["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == ["test"]
    assert "UserName" not in keys[0]


def test_last_used_is_authorized_against_the_keys_owner(make_user: Any, iam: Any) -> None:
    """GetAccessKeyLastUsed is allowed by a policy on the key's owner (AWS's self-service policy):
    the caller's own key passes, another user's is denied naming that user, an unknown key
    names ``*``."""
    own = allow("iam:GetAccessKeyLastUsed", resource="arn:aws:iam::*:user/${aws:username}")
    _, client_for = make_user("gus", policy=own)
    gus = client_for("iam")
    mine = iam.list_access_keys(UserName="gus")["AccessKeyMetadata"][0]["AccessKeyId"]
    assert gus.get_access_key_last_used(AccessKeyId=mine)["UserName"] == "gus"
    iam.create_user(UserName="hal", Path="/team/")
    theirs = iam.create_access_key(UserName="hal")["AccessKey"]["AccessKeyId"]
    for key_id, resource in [
        (theirs, "arn:aws:iam::123456789012:user/team/hal"),
        ("AKIAAAAAAAAAAAAAAAAA", "*"),
    ]:
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            gus.get_access_key_last_used(AccessKeyId=key_id)
        assert caught.value.response["Error"]["Code"] == "AccessDenied"
        assert (
            f"iam:GetAccessKeyLastUsed on resource: {resource} because"
            in caught.value.response["Error"]["Message"]
        )
