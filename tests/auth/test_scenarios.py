"""The seeds' permission scenarios, end to end with boto3 against a real server."""

from __future__ import annotations

import json
from typing import Any

import botocore.exceptions
import pytest

from tests.conftest import Server, allow, start_server, stop_server
from tests.mfa_support import STEP, code, create_device, enable
from tests.store.test_change_feed import eventually, refused

ACCOUNT = "123456789012"

SELF_MANAGE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "OwnKeysPasswordAndMFA",
            "Effect": "Allow",
            "Action": [
                "iam:CreateAccessKey",
                "iam:DeleteAccessKey",
                "iam:ListAccessKeys",
                "iam:UpdateAccessKey",
                "iam:GetUser",
                "iam:ChangePassword",
                "iam:GetLoginProfile",
                "iam:ListMFADevices",
                "iam:EnableMFADevice",
                "iam:ResyncMFADevice",
            ],
            "Resource": "arn:aws:iam::*:user/${aws:username}",
        },
        {
            "Sid": "OwnVirtualMFA",
            "Effect": "Allow",
            "Action": ["iam:CreateVirtualMFADevice", "iam:DeleteVirtualMFADevice"],
            "Resource": "arn:aws:iam::*:mfa/${aws:username}",
        },
    ],
}

REQUIRE_MFA = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "AllowEverything", "Effect": "Allow", "Action": "*", "Resource": "*"},
        {
            "Sid": "DenyAllExceptSelfManagementUnlessMFA",
            "Effect": "Deny",
            "NotAction": [
                "iam:CreateVirtualMFADevice",
                "iam:EnableMFADevice",
                "iam:GetUser",
                "iam:ListMFADevices",
                "iam:ListVirtualMFADevices",
                "iam:ResyncMFADevice",
                "sts:GetSessionToken",
            ],
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        },
    ],
}


def denied(caught: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> str:
    error = caught.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    return str(error["Message"])


def test_administrators_group_can_do_everything(server: Server, iam: Any) -> None:
    """Root makes an Administrators group with AdministratorAccess; its member can do anything."""
    iam.create_group(GroupName="Administrators")
    iam.attach_group_policy(
        GroupName="Administrators", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
    )
    iam.create_user(UserName="Administrator")
    iam.add_user_to_group(GroupName="Administrators", UserName="Administrator")
    key = iam.create_access_key(UserName="Administrator")["AccessKey"]
    admin = server.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    admin.create_user(UserName="alice")
    admin.create_group(GroupName="Developers")
    admin.add_user_to_group(GroupName="Developers", UserName="alice")
    assert [u["UserName"] for u in admin.list_users()["Users"]] == ["Administrator", "alice"]
    admin.create_access_key(UserName="alice")


def test_s3_only_user_cannot_create_users(make_user: Any, iam: Any) -> None:
    """A user with only AmazonS3FullAccess is refused CreateUser with AWS's exact message."""
    name, client_for = make_user("s3user")
    iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client_for("iam").create_user(UserName="alice")
    assert denied(caught) == (
        f"User: arn:aws:iam::{ACCOUNT}:user/s3user is not authorized to perform: iam:CreateUser on resource: "
        f"arn:aws:iam::{ACCOUNT}:user/alice because no identity-based policy allows the iam:CreateUser action"
    )


def test_bare_users_manage_only_their_own_keys(server: Server, make_user: Any) -> None:
    """With a ${aws:username} self-management policy each user rotates their own keys only."""
    _, bob_for = make_user("bob", policy=SELF_MANAGE)
    _, carol_for = make_user("carol", policy=SELF_MANAGE)
    carol = carol_for("iam")
    old = bob_for("iam").list_access_keys()["AccessKeyMetadata"][0]["AccessKeyId"]
    new = bob_for("iam").create_access_key()["AccessKey"]
    bob = server.client("iam", new["AccessKeyId"], new["SecretAccessKey"])
    bob.update_access_key(AccessKeyId=old, Status="Inactive")
    bob.delete_access_key(AccessKeyId=old)
    assert [k["AccessKeyId"] for k in bob.list_access_keys()["AccessKeyMetadata"]] == [new["AccessKeyId"]]
    for attempt in (
        lambda: carol.list_access_keys(UserName="bob"),
        lambda: carol.create_access_key(UserName="bob"),
        lambda: carol.delete_access_key(UserName="bob", AccessKeyId=new["AccessKeyId"]),
        lambda: carol.get_user(UserName="bob"),
    ):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            attempt()
        assert f"on resource: arn:aws:iam::{ACCOUNT}:user/bob" in denied(caught)


def test_mfa_required_policy_refuses_long_term_keys(make_user: Any) -> None:
    """Deny-unless-MFA (BoolIfExists) refuses long-term keys everything but self-management."""
    _, client_for = make_user("dana", policy=REQUIRE_MFA)
    dana = client_for("iam")
    assert dana.get_user()["User"]["UserName"] == "dana"
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        dana.list_users()
    assert denied(caught) == (
        f"User: arn:aws:iam::{ACCOUNT}:user/dana is not authorized to perform: iam:ListUsers on resource: "
        f"arn:aws:iam::{ACCOUNT}:user/ with an explicit deny in an identity-based policy"
    )


def test_bool_instead_of_bool_if_exists_lets_long_term_keys_through(make_user: Any) -> None:
    """The common mistake: Bool on an absent key never matches, so the Deny never applies."""
    policy = json.loads(json.dumps(REQUIRE_MFA))
    condition = policy["Statement"][1]["Condition"]
    condition["Bool"] = condition.pop("BoolIfExists")
    _, client_for = make_user("erin", policy=policy)
    assert client_for("iam").list_users()["Users"]


def test_permissions_boundary_caps_and_is_named(make_user: Any, iam: Any) -> None:
    """A boundary caps what the identity policy grants, and the message says so."""
    name, client_for = make_user("fay", policy=allow("iam:*"))
    iam.put_user_permissions_boundary(
        UserName=name, PermissionsBoundary="arn:aws:iam::aws:policy/IAMReadOnlyAccess"
    )
    fay = client_for("iam")
    assert fay.list_users()["Users"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        fay.create_user(UserName="x")
    assert denied(caught).endswith("because no permissions boundary allows the iam:CreateUser action")


def test_explicit_deny_wins_over_allow(make_user: Any, iam: Any) -> None:
    """An explicit Deny in any attached policy beats an Allow elsewhere."""
    name, client_for = make_user("gil", policy=allow("iam:*"))
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "*"}],
    }
    iam.put_user_policy(UserName=name, PolicyName="no-delete", PolicyDocument=json.dumps(deny))
    iam.create_user(UserName="victim")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client_for("iam").delete_user(UserName="victim")
    assert "with an explicit deny in an identity-based policy" in denied(caught)


def test_changes_apply_on_the_very_next_request(make_user: Any, iam: Any) -> None:
    """Attach, detach, policy edits and group changes take effect on the next request."""
    name, client_for = make_user("hal")
    hal = client_for("iam")
    with pytest.raises(botocore.exceptions.ClientError):
        hal.list_users()
    iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    hal.list_users()
    iam.detach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    with pytest.raises(botocore.exceptions.ClientError):
        hal.list_users()
    iam.create_group(GroupName="readers")
    iam.attach_group_policy(GroupName="readers", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    iam.add_user_to_group(GroupName="readers", UserName=name)
    hal.list_users()
    iam.remove_user_from_group(GroupName="readers", UserName=name)
    with pytest.raises(botocore.exceptions.ClientError):
        hal.list_users()
    policy = iam.create_policy(PolicyName="p", PolicyDocument=json.dumps(allow("iam:ListUsers")))["Policy"]
    iam.attach_user_policy(UserName=name, PolicyArn=policy["Arn"])
    hal.list_users()
    iam.create_policy_version(
        PolicyArn=policy["Arn"], PolicyDocument=json.dumps(allow("iam:ListGroups")), SetAsDefault=True
    )
    with pytest.raises(botocore.exceptions.ClientError):
        hal.list_users()


def test_changes_reach_another_server_process(
    server: Server, make_user: Any, iam: Any, tmp_path: Any
) -> None:
    """Two processes on one store: a change through one applies to the other's next requests
    (at once on SQLite, within the change feed's delivery on PostgreSQL: tests/store/test_change_feed.py)."""
    second = start_server(
        tmp_path, "--dev", "--data-dir", str(tmp_path / "second"), database_url=server.extra["database_url"]
    )
    try:
        name, _ = make_user("ivy")
        key = iam.create_access_key(UserName=name)["AccessKey"]
        ivy = second.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
        with pytest.raises(botocore.exceptions.ClientError):
            ivy.list_users()
        iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        assert eventually(lambda: not refused(ivy.list_users, "AccessDenied")())
        iam.detach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        assert eventually(refused(ivy.list_users, "AccessDenied"))
        iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Inactive")
        assert eventually(refused(ivy.list_users, "InvalidClientTokenId"))
    finally:
        stop_server(second)


def test_get_caller_identity_is_always_allowed(make_user: Any, iam: Any) -> None:
    """Even an explicit Deny on everything does not block sts:GetCallerIdentity."""
    deny_all = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    _, client_for = make_user("jo", policy=deny_all)
    assert client_for("sts").get_caller_identity()["Arn"].endswith(":user/jo")


def test_principal_tags_and_request_tags_in_conditions(make_user: Any, iam: Any) -> None:
    """aws:PrincipalTag and aws:RequestTag are in the context for conditions."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:CreateUser",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}},
            }
        ],
    }
    _, client_for = make_user("kim", policy=policy, Tags=[{"Key": "team", "Value": "blue"}])
    kim = client_for("iam")
    kim.create_user(UserName="ok", Tags=[{"Key": "team", "Value": "blue"}])
    with pytest.raises(botocore.exceptions.ClientError):
        kim.create_user(UserName="nope", Tags=[{"Key": "team", "Value": "red"}])


TEAM_GUARD = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "iam:CreateUser",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}},
        },
    ],
}


@pytest.mark.parametrize(
    ("principal_tags", "request_team", "refused"),
    [
        pytest.param([], "blue", True, id="caller without the tag: the Deny fires"),
        pytest.param([{"Key": "team", "Value": "blue"}], "blue", False, id="same team: allowed"),
        pytest.param([{"Key": "team", "Value": "blue"}], "red", True, id="other team: denied"),
    ],
)
def test_negated_condition_with_variable_without_value_denies(
    make_user: Any, principal_tags: list[dict[str, str]], request_team: str, refused: bool
) -> None:
    """A StringNotEquals Deny whose ${aws:PrincipalTag/…} has no value fires on a real request."""
    _, client_for = make_user("tam", policy=TEAM_GUARD, Tags=principal_tags)
    create = lambda: client_for("iam").create_user(  # noqa: E731
        UserName="made", Tags=[{"Key": "team", "Value": request_team}]
    )
    if refused:
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            create()
        assert "with an explicit deny in an identity-based policy" in denied(caught)
    else:
        create()


def test_password_policy_lets_users_change_their_own_password(make_user: Any, iam: Any) -> None:
    """AllowUsersToChangePassword grants ChangePassword on oneself, with no identity policy."""
    name, client_for = make_user("lee")
    iam.create_login_profile(UserName=name, Password="Old-Passw0rd!x")
    user = client_for("iam")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        user.change_password(OldPassword="Old-Passw0rd!x", NewPassword="New-Passw0rd!y")
    denied(caught)
    iam.update_account_password_policy(AllowUsersToChangePassword=True, MinimumPasswordLength=8)
    user.change_password(OldPassword="Old-Passw0rd!x", NewPassword="New-Passw0rd!y")
    assert user.get_account_password_policy()["PasswordPolicy"]["AllowUsersToChangePassword"] is True


def test_denials_carry_a_message_only_the_permitted_can_decode(make_user: Any, sts: Any) -> None:
    """AccessDenied carries an encoded message; sts:DecodeAuthorizationMessage reveals why."""
    _, client_for = make_user("max")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client_for("iam").create_user(UserName="y")
    encoded = caught.value.response["Error"]["EncodedAuthorizationMessage"]
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        client_for("sts").decode_authorization_message(EncodedMessage=encoded)
    assert "sts:DecodeAuthorizationMessage" in denied(refused)
    decoded = json.loads(sts.decode_authorization_message(EncodedMessage=encoded)["DecodedMessage"])
    assert decoded["allowed"] is False
    assert decoded["explicitDeny"] is False
    assert decoded["context"]["action"] == "iam:CreateUser"
    assert decoded["context"]["resource"] == f"arn:aws:iam::{ACCOUNT}:user/y"
    assert decoded["context"]["principal"]["arn"] == f"arn:aws:iam::{ACCOUNT}:user/max"
    with pytest.raises(botocore.exceptions.ClientError) as invalid:
        sts.decode_authorization_message(EncodedMessage=encoded[:-4] + "AAAA")
    assert invalid.value.response["Error"]["Code"] == "InvalidAuthorizationMessageException"


def test_mfa_required_policy_allows_mfa_sessions(server: Server, make_user: Any, clock: Any) -> None:
    """The seeds' MFA flow: a user enables their own device, and only the MFA session gets through."""
    _, client_for = make_user("dana", policy=REQUIRE_MFA)
    dana_iam, dana_sts = client_for("iam"), client_for("sts")
    serial, seed = create_device(dana_iam, "dana")
    enable(dana_iam, clock, "dana", serial, seed)
    clock.move(STEP)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        dana_iam.list_users()
    assert "with an explicit deny in an identity-based policy" in denied(caught)
    credentials = dana_sts.get_session_token(SerialNumber=serial, TokenCode=code(seed, clock.step()))[
        "Credentials"
    ]
    session = server.client(
        "iam", credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )
    assert [user["UserName"] for user in session.list_users()["Users"]] == ["dana"]
    plain = dana_sts.get_session_token()["Credentials"]
    plain_session = server.client(
        "iam", plain["AccessKeyId"], plain["SecretAccessKey"], plain["SessionToken"]
    )
    with pytest.raises(botocore.exceptions.ClientError):
        plain_session.list_users()
