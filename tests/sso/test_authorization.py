"""sso-admin and identitystore calls are authorized like IAM's: sso:* and identitystore:* actions on
the resources AWS names, refused with AWS's AccessDeniedException; other accounts see nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import DEV_ACCOUNT, allow, error_of
from tests.sso.conftest import Instance, make_user

MakeUser = Callable[..., tuple[str, Any]]


def denied(user: str, action: str, resource: str, source: str = "identity-based policy") -> str:
    return (
        f"User: arn:aws:iam::{DEV_ACCOUNT}:user/{user} is not authorized to perform: {action} on resource: "
        f"{resource} because no {source} allows the {action} action"
    )


def test_user_without_permission_is_refused(make_user: MakeUser, instance: Instance) -> None:
    """A user with no sso: permission gets AccessDeniedException (HTTP 400) naming the instance."""
    _name, client_for = make_user("bob")
    sso = client_for("sso-admin")
    with pytest.raises(sso.exceptions.AccessDeniedException) as caught:
        sso.list_permission_sets(InstanceArn=instance.arn)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error_of(caught) == (
        "AccessDeniedException",
        denied("bob", "sso:ListPermissionSets", instance.arn),
    )


def test_identitystore_refusal_names_each_resource(
    make_user: MakeUser, identitystore: Any, instance: Instance
) -> None:
    """A refusal on several resources names each, the identity store first, as AWS's does."""
    group = identitystore.create_group(IdentityStoreId=instance.identity_store_id, DisplayName="Ops")[
        "GroupId"
    ]
    _name, client_for = make_user("bob")
    client = client_for("identitystore")
    with pytest.raises(client.exceptions.AccessDeniedException) as caught:
        client.describe_group(IdentityStoreId=instance.identity_store_id, GroupId=group)
    store_arn = f"arn:aws:identitystore::{DEV_ACCOUNT}:identitystore/{instance.identity_store_id}"
    group_arn = f"arn:aws:identitystore:::group/{group}"
    assert error_of(caught)[1] == ", ".join(
        [
            denied("bob", "identitystore:DescribeGroup", store_arn),
            denied("bob", "identitystore:DescribeGroup", group_arn),
        ]
    )


def test_user_with_permissions_administers(make_user: MakeUser, instance: Instance) -> None:
    """With sso:* and identitystore:* a user creates users and permission sets like root."""
    _name, client_for = make_user("admin", allow("sso:*", "identitystore:*"))
    user_id = make_user_in_store(client_for("identitystore"), instance)
    sso = client_for("sso-admin")
    permission_set = sso.create_permission_set(InstanceArn=instance.arn, Name="Ops")["PermissionSet"]
    assert permission_set["Name"] == "Ops"
    assert client_for("identitystore").describe_user(
        IdentityStoreId=instance.identity_store_id, UserId=user_id
    )
    assert sso.list_instances()["Instances"][0]["InstanceArn"] == instance.arn


def make_user_in_store(identitystore: Any, instance: Instance) -> str:
    return make_user(identitystore, instance, "carol")


def test_resource_level_and_tag_conditions(make_user: MakeUser, sso: Any, instance: Instance) -> None:
    """A policy may allow one permission set (by ARN, or by its tags) and not another; the refusal
    names the permission set."""
    tagged = sso.create_permission_set(
        InstanceArn=instance.arn, Name="Tagged", Tags=[{"Key": "team", "Value": "core"}]
    )["PermissionSet"]["PermissionSetArn"]
    other = sso.create_permission_set(InstanceArn=instance.arn, Name="Other")["PermissionSet"][
        "PermissionSetArn"
    ]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sso:DescribePermissionSet", "Resource": instance.arn},
            {
                "Effect": "Allow",
                "Action": "sso:DescribePermissionSet",
                "Resource": "arn:aws:sso:::permissionSet/*",
                "Condition": {"StringEquals": {"aws:ResourceTag/team": "core"}},
            },
        ],
    }
    _name, client_for = make_user("dora", policy)
    client = client_for("sso-admin")
    assert client.describe_permission_set(InstanceArn=instance.arn, PermissionSetArn=tagged)["PermissionSet"]
    with pytest.raises(client.exceptions.AccessDeniedException) as caught:
        client.describe_permission_set(InstanceArn=instance.arn, PermissionSetArn=other)
    assert error_of(caught)[1] == denied("dora", "sso:DescribePermissionSet", other)


def test_another_account_sees_no_instance(second_account: Callable[[str], Any], instance: Instance) -> None:
    """Another account's root finds no instance and is refused the management account's, as a
    cross-account resource no resource-based policy shares."""
    sso = second_account("sso-admin")
    assert sso.list_instances()["Instances"] == []
    with pytest.raises(sso.exceptions.AccessDeniedException) as caught:
        sso.list_permission_sets(InstanceArn=instance.arn)
    assert error_of(caught)[1] == (
        "User: arn:aws:iam::210987654321:root is not authorized to perform: sso:ListPermissionSets on "
        f"resource: {instance.arn} because no resource-based policy allows the sso:ListPermissionSets action"
    )
    identitystore = second_account("identitystore")
    with pytest.raises(identitystore.exceptions.AccessDeniedException):
        identitystore.list_users(IdentityStoreId=instance.identity_store_id)
