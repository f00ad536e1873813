"""Assignments provision permission sets as AWSReservedSSO_ roles in the target account, kept in
step by ProvisionPermissionSet and removed with the last assignment; IAM callers cannot change them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest

from tests.conftest import error_of
from tests.sso.conftest import SECOND_ACCOUNT, Instance, make_user

INLINE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}
ROLE_PATH = "/aws-reserved/sso.amazonaws.com/"


def admin_permission_set(sso: Any, instance: Instance) -> str:
    """AdministratorAccess with an inline policy and a boundary, eight-hour sessions."""
    arn = sso.create_permission_set(
        InstanceArn=instance.arn, Name="Admin", Description="administrators", SessionDuration="PT8H"
    )["PermissionSet"]["PermissionSetArn"]
    names = {"InstanceArn": instance.arn, "PermissionSetArn": arn}
    sso.attach_managed_policy_to_permission_set(
        **names, ManagedPolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
    )
    sso.put_inline_policy_to_permission_set(**names, InlinePolicy=json.dumps(INLINE))
    sso.put_permissions_boundary_to_permission_set(
        **names, PermissionsBoundary={"ManagedPolicyArn": "arn:aws:iam::aws:policy/PowerUserAccess"}
    )
    return str(arn)


def assign(
    sso: Any, instance: Instance, permission_set: str, principal: str, kind: str = "USER"
) -> dict[str, Any]:
    status: dict[str, Any] = sso.create_account_assignment(
        InstanceArn=instance.arn,
        TargetId=SECOND_ACCOUNT,
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=permission_set,
        PrincipalType=kind,
        PrincipalId=principal,
    )["AccountAssignmentCreationStatus"]
    return status


def unassign(sso: Any, instance: Instance, permission_set: str, principal: str, kind: str = "USER") -> None:
    sso.delete_account_assignment(
        InstanceArn=instance.arn,
        TargetId=SECOND_ACCOUNT,
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=permission_set,
        PrincipalType=kind,
        PrincipalId=principal,
    )


def reserved_roles(iam: Any) -> list[dict[str, Any]]:
    roles: list[dict[str, Any]] = iam.list_roles(PathPrefix="/aws-reserved/")["Roles"]
    return roles


def test_assignment_provisions_the_role_in_the_target_account(
    sso: Any, identitystore: Any, instance: Instance, second_account: Callable[[str], Any]
) -> None:
    """The role AWSReservedSSO_Admin_<16 hex> appears in the second account with the permission set's
    policies, inline policy, boundary, duration and description, trusting Identity Center's provider."""
    permission_set = admin_permission_set(sso, instance)
    status = assign(sso, instance, permission_set, make_user(identitystore, instance))
    assert status["Status"] == "SUCCEEDED"
    described = sso.describe_account_assignment_creation_status(
        InstanceArn=instance.arn, AccountAssignmentCreationRequestId=status["RequestId"]
    )["AccountAssignmentCreationStatus"]
    assert described["Status"] == "SUCCEEDED" and described["TargetId"] == SECOND_ACCOUNT
    iam = second_account("iam")
    (role,) = reserved_roles(iam)
    name = role["RoleName"]
    assert name.startswith("AWSReservedSSO_Admin_") and len(name.rsplit("_", 1)[1]) == 16
    assert int(name.rsplit("_", 1)[1], 16) >= 0
    assert role["Path"] == ROLE_PATH
    assert role["Arn"] == f"arn:aws:iam::{SECOND_ACCOUNT}:role{ROLE_PATH}{name}"
    full = iam.get_role(RoleName=name)["Role"]
    assert (full["MaxSessionDuration"], full["Description"]) == (28800, "administrators")
    assert full["PermissionsBoundary"]["PermissionsBoundaryArn"] == "arn:aws:iam::aws:policy/PowerUserAccess"
    (statement,) = full["AssumeRolePolicyDocument"]["Statement"]
    provider = statement["Principal"]["Federated"]
    assert provider.startswith(f"arn:aws:iam::{SECOND_ACCOUNT}:saml-provider/AWSSSO_")
    assert (
        provider.endswith("_DO_NOT_DELETE")
        and len(provider.split("/")[1]) == len("AWSSSO__DO_NOT_DELETE") + 16
    )
    assert statement["Action"] == ["sts:AssumeRoleWithSAML", "sts:TagSession"]
    assert statement["Condition"] == {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == ["arn:aws:iam::aws:policy/AdministratorAccess"]
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["AwsSSOInlinePolicy"]
    inline = iam.get_role_policy(RoleName=name, PolicyName="AwsSSOInlinePolicy")["PolicyDocument"]
    assert inline == INLINE
    assert reserved_roles(sso_account_iam := second_account("iam")) and sso_account_iam is not None
    listed = sso.list_accounts_for_provisioned_permission_set(
        InstanceArn=instance.arn, PermissionSetArn=permission_set
    )
    assert listed["AccountIds"] == [SECOND_ACCOUNT]
    assert sso.list_permission_sets_provisioned_to_account(
        InstanceArn=instance.arn, AccountId=SECOND_ACCOUNT
    )["PermissionSets"] == [permission_set]


def test_permission_set_change_reaches_the_role_on_provisioning(
    sso: Any, identitystore: Any, instance: Instance, second_account: Callable[[str], Any]
) -> None:
    """A changed permission set leaves the role as it was (LATEST_PERMISSION_SET_NOT_PROVISIONED) until
    ProvisionPermissionSet rebuilds it, with the same name."""
    permission_set = admin_permission_set(sso, instance)
    assign(sso, instance, permission_set, make_user(identitystore, instance))
    iam = second_account("iam")
    (before,) = reserved_roles(iam)
    names = {"InstanceArn": instance.arn, "PermissionSetArn": permission_set}
    sso.detach_managed_policy_from_permission_set(
        **names, ManagedPolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
    )
    sso.attach_managed_policy_to_permission_set(
        **names, ManagedPolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
    )
    sso.delete_inline_policy_from_permission_set(**names)
    sso.update_permission_set(**names, SessionDuration="PT2H", Description="readers")
    stale = sso.list_accounts_for_provisioned_permission_set(
        **names, ProvisioningStatus="LATEST_PERMISSION_SET_NOT_PROVISIONED"
    )
    assert stale["AccountIds"] == [SECOND_ACCOUNT]
    unchanged = iam.list_attached_role_policies(RoleName=before["RoleName"])["AttachedPolicies"]
    assert [policy["PolicyName"] for policy in unchanged] == ["AdministratorAccess"]
    status = sso.provision_permission_set(**names, TargetType="ALL_PROVISIONED_ACCOUNTS")[
        "PermissionSetProvisioningStatus"
    ]
    assert status["Status"] == "SUCCEEDED"
    assert (
        sso.describe_permission_set_provisioning_status(
            InstanceArn=instance.arn, ProvisionPermissionSetRequestId=status["RequestId"]
        )["PermissionSetProvisioningStatus"]["Status"]
        == "SUCCEEDED"
    )
    (after,) = reserved_roles(iam)
    assert after["RoleName"] == before["RoleName"]
    full = iam.get_role(RoleName=after["RoleName"])["Role"]
    assert (full["MaxSessionDuration"], full["Description"]) == (7200, "readers")
    attached = iam.list_attached_role_policies(RoleName=after["RoleName"])["AttachedPolicies"]
    assert [policy["PolicyName"] for policy in attached] == ["ReadOnlyAccess"]
    assert iam.list_role_policies(RoleName=after["RoleName"])["PolicyNames"] == []
    latest = sso.list_accounts_for_provisioned_permission_set(
        **names, ProvisioningStatus="LATEST_PERMISSION_SET_PROVISIONED"
    )
    assert latest["AccountIds"] == [SECOND_ACCOUNT]


def test_last_assignment_removes_the_role(
    sso: Any, identitystore: Any, instance: Instance, second_account: Callable[[str], Any]
) -> None:
    """A user's and a group's assignments share one role; it goes with the last of them, and the
    permission set can then be deleted."""
    permission_set = admin_permission_set(sso, instance)
    user = make_user(identitystore, instance)
    group = identitystore.create_group(IdentityStoreId=instance.identity_store_id, DisplayName="Admins")[
        "GroupId"
    ]
    assign(sso, instance, permission_set, user)
    assign(sso, instance, permission_set, group, "GROUP")
    iam = second_account("iam")
    assert len(reserved_roles(iam)) == 1
    listed = sso.list_account_assignments(
        InstanceArn=instance.arn, AccountId=SECOND_ACCOUNT, PermissionSetArn=permission_set
    )["AccountAssignments"]
    assert sorted((a["PrincipalType"], a["PrincipalId"]) for a in listed) == sorted(
        [("USER", user), ("GROUP", group)]
    )
    with pytest.raises(sso.exceptions.ConflictException):
        sso.delete_permission_set(InstanceArn=instance.arn, PermissionSetArn=permission_set)
    unassign(sso, instance, permission_set, user)
    assert len(reserved_roles(iam)) == 1
    unassign(sso, instance, permission_set, group, "GROUP")
    assert reserved_roles(iam) == []
    assert (
        sso.list_accounts_for_provisioned_permission_set(
            InstanceArn=instance.arn, PermissionSetArn=permission_set
        )["AccountIds"]
        == []
    )
    sso.delete_permission_set(InstanceArn=instance.arn, PermissionSetArn=permission_set)


def test_deleting_a_user_removes_its_assignments_and_role(
    sso: Any, identitystore: Any, instance: Instance, second_account: Callable[[str], Any]
) -> None:
    """DeleteUser takes the user's assignments with it, and the role no assignment needs any more."""
    permission_set = admin_permission_set(sso, instance)
    user = make_user(identitystore, instance)
    assign(sso, instance, permission_set, user)
    identitystore.delete_user(IdentityStoreId=instance.identity_store_id, UserId=user)
    assert reserved_roles(second_account("iam")) == []
    assert (
        sso.list_account_assignments_for_principal(
            InstanceArn=instance.arn, PrincipalId=user, PrincipalType="USER"
        )["AccountAssignments"]
        == []
    )


@pytest.mark.parametrize(
    "change",
    [
        lambda iam, name: iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(TRUST)),
        lambda iam, name: iam.attach_role_policy(
            RoleName=name, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
        ),
        lambda iam, name: iam.detach_role_policy(
            RoleName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
        ),
        lambda iam, name: iam.put_role_policy(
            RoleName=name, PolicyName="more", PolicyDocument=json.dumps(INLINE)
        ),
        lambda iam, name: iam.delete_role_policy(RoleName=name, PolicyName="AwsSSOInlinePolicy"),
        lambda iam, name: iam.put_role_permissions_boundary(
            RoleName=name, PermissionsBoundary="arn:aws:iam::aws:policy/ReadOnlyAccess"
        ),
        lambda iam, name: iam.delete_role_permissions_boundary(RoleName=name),
        lambda iam, name: iam.update_role(RoleName=name, MaxSessionDuration=3600),
        lambda iam, name: iam.update_role_description(RoleName=name, Description="mine now"),
        lambda iam, name: iam.delete_role(RoleName=name),
    ],
    ids=[
        "UpdateAssumeRolePolicy",
        "AttachRolePolicy",
        "DetachRolePolicy",
        "PutRolePolicy",
        "DeleteRolePolicy",
        "PutRolePermissionsBoundary",
        "DeleteRolePermissionsBoundary",
        "UpdateRole",
        "UpdateRoleDescription",
        "DeleteRole",
    ],
)
def test_iam_callers_cannot_change_the_role(
    sso: Any,
    identitystore: Any,
    instance: Instance,
    second_account: Callable[[str], Any],
    change: Callable[[Any, str], Any],
) -> None:
    """Even the account's root gets AWS's UnmodifiableEntity for any change to an AWSReservedSSO_ role."""
    permission_set = admin_permission_set(sso, instance)
    assign(sso, instance, permission_set, make_user(identitystore, instance))
    iam = second_account("iam")
    (role,) = reserved_roles(iam)
    name = role["RoleName"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        change(iam, name)
    assert error_of(caught) == (
        "UnmodifiableEntity",
        f"Cannot perform the operation on the protected role '{name}' - this role is only modifiable by AWS",
    )
    still = iam.get_role(RoleName=name)["Role"]
    assert still["Description"] == "administrators"
    assert [p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]] == [
        "AdministratorAccess"
    ]


def test_missing_customer_managed_policy_fails_the_assignment(
    sso: Any, identitystore: Any, instance: Instance, second_account: Callable[[str], Any]
) -> None:
    """A customer managed policy the target account lacks fails the request (nothing is assigned);
    once the account has it, the role gets it attached."""
    permission_set = sso.create_permission_set(InstanceArn=instance.arn, Name="Team")["PermissionSet"][
        "PermissionSetArn"
    ]
    sso.attach_customer_managed_policy_reference_to_permission_set(
        InstanceArn=instance.arn,
        PermissionSetArn=permission_set,
        CustomerManagedPolicyReference={"Name": "team-policy", "Path": "/teams/"},
    )
    user = make_user(identitystore, instance)
    status = assign(sso, instance, permission_set, user)
    assert status["Status"] == "FAILED"
    assert "/teams/team-policy" in status["FailureReason"]
    iam = second_account("iam")
    assert reserved_roles(iam) == []
    assert (
        sso.list_account_assignments(
            InstanceArn=instance.arn, AccountId=SECOND_ACCOUNT, PermissionSetArn=permission_set
        )["AccountAssignments"]
        == []
    )
    iam.create_policy(PolicyName="team-policy", Path="/teams/", PolicyDocument=json.dumps(INLINE))
    assert assign(sso, instance, permission_set, user)["Status"] == "SUCCEEDED"
    (role,) = reserved_roles(iam)
    attached = iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
    assert attached == [
        {"PolicyName": "team-policy", "PolicyArn": f"arn:aws:iam::{SECOND_ACCOUNT}:policy/teams/team-policy"}
    ]


@pytest.mark.parametrize("account", ["999999999999", "000000000000"])
def test_unknown_account_is_refused(sso: Any, identitystore: Any, instance: Instance, account: str) -> None:
    """An account the installation does not have is a ValidationException; nothing is assigned."""
    permission_set = admin_permission_set(sso, instance)
    user = make_user(identitystore, instance)
    with pytest.raises(sso.exceptions.ValidationException):
        sso.create_account_assignment(
            InstanceArn=instance.arn,
            TargetId=account,
            TargetType="AWS_ACCOUNT",
            PermissionSetArn=permission_set,
            PrincipalType="USER",
            PrincipalId=user,
        )
    with pytest.raises(sso.exceptions.ValidationException):
        sso.provision_permission_set(
            InstanceArn=instance.arn,
            PermissionSetArn=permission_set,
            TargetType="AWS_ACCOUNT",
            TargetId=account,
        )


def test_unknown_principal_is_refused(
    sso: Any, instance: Instance, second_account: Callable[[str], Any]
) -> None:
    """A principal id that is no user (or group) of the identity store is ResourceNotFoundException."""
    permission_set = admin_permission_set(sso, instance)
    with pytest.raises(sso.exceptions.ResourceNotFoundException):
        assign(sso, instance, permission_set, "11111111-2222-3333-4444-555555555555")
    assert reserved_roles(second_account("iam")) == []
