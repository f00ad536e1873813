"""The sso portal API as botocore's sso client sees it: accounts and roles from assignments (direct
or through groups), role credentials acting as the provisioned role, revocation at once."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import httpx
import pytest

from tests.conftest import Server, error_of
from tests.sso.conftest import SECOND_ACCOUNT, Instance, create_account, make_user
from tests.sso.portal.support import Assigned, assign, device_token, permission_set, portal, set_password

ROLE_ARN = re.compile(r"arn:aws:sts::(\d{12}):assumed-role/AWSReservedSSO_(\w+)_[0-9a-f]{16}/(.+)")


def _as_role(server: Server, credentials: dict[str, Any], service: str = "sts") -> Any:
    return server.client(
        service, credentials["accessKeyId"], credentials["secretAccessKey"], credentials["sessionToken"]
    )


def test_role_credentials_act_as_the_provisioned_role(
    server: Server, alice: Assigned, browser: Callable[[], httpx.Client]
) -> None:
    """GetRoleCredentials is a session of AWSReservedSSO_<permission set>_… named after the user,
    lasting the permission set's session duration, expiration in epoch milliseconds."""
    token = device_token(server, browser())
    sso = portal(server)
    before = time.time()
    credentials = sso.get_role_credentials(
        accessToken=token["accessToken"], accountId="123456789012", roleName="AdministratorAccess"
    )["roleCredentials"]
    assert abs(credentials["expiration"] / 1000 - (before + 7200)) < 120
    arn = _as_role(server, credentials).get_caller_identity()["Arn"]
    assert ROLE_ARN.fullmatch(arn) and ROLE_ARN.fullmatch(arn).groups() == (  # type: ignore[union-attr]
        "123456789012",
        "AdministratorAccess",
        "alice",
    )
    assert _as_role(server, credentials, "iam").list_users()["Users"] is not None


def test_accounts_and_roles_through_groups(
    server: Server,
    sso: Any,
    identitystore: Any,
    instance: Instance,
    alice: Assigned,
    browser: Callable[[], httpx.Client],
) -> None:
    """ListAccounts and ListAccountRoles show what the user reaches directly and through groups."""
    create_account(server)
    group = identitystore.create_group(IdentityStoreId=instance.identity_store_id, DisplayName="Readers")[
        "GroupId"
    ]
    identitystore.create_group_membership(
        IdentityStoreId=instance.identity_store_id, GroupId=group, MemberId={"UserId": alice.user_id}
    )
    readers = permission_set(sso, instance, "ReadOnly", "ReadOnlyAccess")
    assign(sso, instance, readers, group, SECOND_ACCOUNT, "GROUP")
    assign(sso, instance, readers, group, "123456789012", "GROUP")
    token = device_token(server, browser())["accessToken"]
    client = portal(server)
    accounts = client.list_accounts(accessToken=token)["accountList"]
    assert sorted(account["accountId"] for account in accounts) == ["123456789012", SECOND_ACCOUNT]
    roles = client.list_account_roles(accessToken=token, accountId="123456789012")["roleList"]
    assert roles == [
        {"roleName": "AdministratorAccess", "accountId": "123456789012"},
        {"roleName": "ReadOnly", "accountId": "123456789012"},
    ]
    first = client.list_accounts(accessToken=token, maxResults=1)
    assert len(first["accountList"]) == 1 and first["nextToken"]
    rest = client.list_accounts(accessToken=token, maxResults=1, nextToken=first["nextToken"])
    assert rest["accountList"][0]["accountId"] != first["accountList"][0]["accountId"]
    credentials = client.get_role_credentials(
        accessToken=token, accountId=SECOND_ACCOUNT, roleName="ReadOnly"
    )
    arn = _as_role(server, credentials["roleCredentials"]).get_caller_identity()["Arn"]
    assert arn.startswith(f"arn:aws:sts::{SECOND_ACCOUNT}:assumed-role/AWSReservedSSO_ReadOnly_")


def test_removing_the_assignment_refuses_the_next_call(
    server: Server, sso: Any, instance: Instance, alice: Assigned, browser: Callable[[], httpx.Client]
) -> None:
    """Once the assignment goes, GetRoleCredentials is ForbiddenException and the account is not listed."""
    token = device_token(server, browser())["accessToken"]
    client = portal(server)
    client.get_role_credentials(accessToken=token, accountId="123456789012", roleName="AdministratorAccess")
    sso.delete_account_assignment(
        InstanceArn=instance.arn,
        TargetId="123456789012",
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=alice.permission_set_arn,
        PrincipalType="USER",
        PrincipalId=alice.user_id,
    )
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client.get_role_credentials(
            accessToken=token, accountId="123456789012", roleName="AdministratorAccess"
        )
    assert error_of(caught) == ("ForbiddenException", "No access")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert client.list_accounts(accessToken=token)["accountList"] == []


def test_permission_set_change_applies_once_provisioned(
    server: Server, sso: Any, identitystore: Any, instance: Instance, browser: Callable[[], httpx.Client]
) -> None:
    """A permission set changed and provisioned again: the next credentials carry the change."""
    user_id = make_user(identitystore, instance, "bob")
    assert set_password(server, "bob").returncode == 0
    readers = permission_set(sso, instance, "Ops", "ReadOnlyAccess")
    assign(sso, instance, readers, user_id, "123456789012")
    token = device_token(server, browser(), user_name="bob")["accessToken"]
    client = portal(server)

    def iam_as_ops() -> Any:
        made = client.get_role_credentials(accessToken=token, accountId="123456789012", roleName="Ops")
        return _as_role(server, made["roleCredentials"], "iam")

    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam_as_ops().create_user(UserName="made-by-ops")
    assert error_of(caught)[0] == "AccessDenied"
    sso.attach_managed_policy_to_permission_set(
        InstanceArn=instance.arn,
        PermissionSetArn=readers,
        ManagedPolicyArn="arn:aws:iam::aws:policy/AdministratorAccess",
    )
    sso.provision_permission_set(
        InstanceArn=instance.arn, PermissionSetArn=readers, TargetType="ALL_PROVISIONED_ACCOUNTS"
    )
    assert iam_as_ops().create_user(UserName="made-by-ops")["User"]["UserName"] == "made-by-ops"


def test_logout_revokes_the_token_and_the_sign_in(
    server: Server, alice: Assigned, browser: Callable[[], httpx.Client]
) -> None:
    """Logout ends the token at once, and the browser sign-in that approved it."""
    web = browser()
    token = device_token(server, web)["accessToken"]
    client = portal(server)
    client.logout(accessToken=token)
    with pytest.raises(client.exceptions.UnauthorizedException):
        client.list_accounts(accessToken=token)
    assert "/start/signin" in web.get("/start").text
    with pytest.raises(client.exceptions.UnauthorizedException):
        client.logout(accessToken=token)


def test_tokens_end_with_the_sign_in(
    server: Server,
    identitystore: Any,
    instance: Instance,
    alice: Assigned,
    browser: Callable[[], httpx.Client],
    clock: Any,
) -> None:
    """A token stops at the end of its sign-in (8 hours), and when its user is deleted."""
    client = portal(server)
    expiring = device_token(server, browser())["accessToken"]
    clock.move(8 * 3600 + 1)
    with pytest.raises(client.exceptions.UnauthorizedException):
        client.list_accounts(accessToken=expiring)
    token = device_token(server, browser())["accessToken"]
    assert client.list_accounts(accessToken=token)["accountList"]
    identitystore.delete_user(IdentityStoreId=instance.identity_store_id, UserId=alice.user_id)
    with pytest.raises(client.exceptions.UnauthorizedException) as caught:
        client.list_accounts(accessToken=token)
    assert error_of(caught) == ("UnauthorizedException", "Session token not found or invalid")


@pytest.mark.parametrize(
    ("path", "headers", "status", "code"),
    [
        ("/assignment/accounts", {}, 400, "InvalidRequestException"),
        ("/assignment/accounts", {"x-amz-sso_bearer_token": "made-up"}, 401, "UnauthorizedException"),
        (
            "/assignment/accounts?max_result=0",
            {"x-amz-sso_bearer_token": "t"},
            400,
            "InvalidRequestException",
        ),
        (
            "/assignment/accounts?max_result=x",
            {"x-amz-sso_bearer_token": "t"},
            400,
            "InvalidRequestException",
        ),
        ("/assignment/roles", {"x-amz-sso_bearer_token": "t"}, 400, "InvalidRequestException"),
        (
            "/federation/credentials?account_id=1",
            {"x-amz-sso_bearer_token": "t"},
            400,
            "InvalidRequestException",
        ),
        (
            "/federation/credentials?account_id=123456789012&role_name=" + "r" * 5000,
            {"x-amz-sso_bearer_token": "t"},
            401,
            "UnauthorizedException",
        ),
    ],
)
def test_hostile_portal_requests(
    server: Server, path: str, headers: dict[str, str], status: int, code: str
) -> None:
    """Missing or malformed members and unknown tokens are the portal's errors, never a 500."""
    reply = httpx.get(server.endpoint + path, headers=headers)
    assert (reply.status_code, reply.headers.get("x-amzn-ErrorType")) == (status, code), reply.text
    assert "message" in reply.json()


def test_bad_next_token_and_unassigned_roles(
    server: Server, alice: Assigned, browser: Callable[[], httpx.Client]
) -> None:
    """A next token credo did not issue is InvalidRequestException; a role not assigned is ForbiddenException."""
    token = device_token(server, browser())["accessToken"]
    client = portal(server)
    with pytest.raises(client.exceptions.InvalidRequestException):
        client.list_accounts(accessToken=token, nextToken="garbage")
    for account, role in (("123456789012", "Nope"), ("999999999999", "AdministratorAccess")):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            client.get_role_credentials(accessToken=token, accountId=account, roleName=role)
        assert error_of(caught)[0] == "ForbiddenException"
