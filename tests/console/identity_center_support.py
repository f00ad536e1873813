"""What the IAM Identity Center console tests share: root signed in, the admin API clients to
check what a page did, and sign-in for IAM users with a policy."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.conftest import DEV_ACCOUNT, Server
from tests.console.conftest import USER_PASSWORD, console_user, csrf_of, set_root_login, sign_in, sign_in_root
from tests.sso.conftest import Instance

BASE = "/console/identity-center"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


@pytest.fixture
def root(server: Server, browser: httpx.Client) -> httpx.Client:
    """The browser, signed in as the management account's root user."""
    set_root_login(server)
    sign_in_root(browser)
    return browser


@pytest.fixture
def sso(server: Server) -> Any:
    return server.client("sso-admin")


@pytest.fixture
def identitystore(server: Server) -> Any:
    return server.client("identitystore")


@pytest.fixture
def instance(sso: Any) -> Instance:
    (found,) = sso.list_instances()["Instances"]
    return Instance(found["InstanceArn"], found["IdentityStoreId"])


def token(browser: httpx.Client, path: str = BASE) -> str:
    return csrf_of(browser.get(path))


def signed_in_user(browser: httpx.Client, iam: Any, name: str, *actions: str) -> httpx.Client:
    """An IAM user of the management account allowed ``actions`` (on "*"), signed in to the console."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
    }
    console_user(iam, name, policy=json.dumps(policy))
    sign_in(browser, DEV_ACCOUNT, name, USER_PASSWORD)
    return browser


def user_ids(identitystore: Any, instance: Instance) -> dict[str, str]:
    users = identitystore.list_users(IdentityStoreId=instance.identity_store_id)["Users"]
    return {user["UserName"]: user["UserId"] for user in users}


def group_ids(identitystore: Any, instance: Instance) -> dict[str, str]:
    groups = identitystore.list_groups(IdentityStoreId=instance.identity_store_id)["Groups"]
    return {group["DisplayName"]: group["GroupId"] for group in groups}


def permission_sets(sso: Any, instance: Instance) -> dict[str, str]:
    """Name → ARN of every permission set."""
    arns = sso.list_permission_sets(InstanceArn=instance.arn)["PermissionSets"]
    described = [
        sso.describe_permission_set(InstanceArn=instance.arn, PermissionSetArn=arn)["PermissionSet"]
        for arn in arns
    ]
    return {item["Name"]: item["PermissionSetArn"] for item in described}


def create_permission_set(sso: Any, instance: Instance, name: str, *policies: str) -> str:
    arn = str(
        sso.create_permission_set(InstanceArn=instance.arn, Name=name, SessionDuration="PT1H")[
            "PermissionSet"
        ]["PermissionSetArn"]
    )
    for policy in policies:
        sso.attach_managed_policy_to_permission_set(
            InstanceArn=instance.arn, PermissionSetArn=arn, ManagedPolicyArn=policy
        )
    return arn


def assign(sso: Any, instance: Instance, arn: str, account: str, kind: str, principal_id: str) -> None:
    status = sso.create_account_assignment(
        InstanceArn=instance.arn,
        TargetId=account,
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=arn,
        PrincipalType=kind,
        PrincipalId=principal_id,
    )["AccountAssignmentCreationStatus"]
    assert status["Status"] == "SUCCEEDED", status


def reserved_roles(iam: Any) -> list[str]:
    roles = iam.list_roles(PathPrefix="/aws-reserved/sso.amazonaws.com/")["Roles"]
    return [role["RoleName"] for role in roles]
