"""``credo sso admin``'s API commands: the issue's admin journey by name, from an empty server.

The real ``credo`` runs with a profile of the dev root keys pointed at the server; the result is
checked with boto3's own clients and IAM in the second account.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.sso.conftest import SECOND_ACCOUNT, AdminRun, Instance


def test_the_admin_journey_by_name(
    admin: AdminRun, second_account: Callable[[str], Any], identitystore: Any, sso: Any, instance: Instance
) -> None:
    """User, group, membership, permission set with AdministratorAccess, assignment to a second account."""
    made = admin(
        "create-user", "alice", "--display-name", "Alice Example", "--given-name", "Alice",
        "--family-name", "Example", "--email", "alice@example.com",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    user_id = made.stdout.strip()
    assert (
        identitystore.describe_user(IdentityStoreId=instance.identity_store_id, UserId=user_id)["UserName"]
        == "alice"
    )
    assert admin("create-group", "Admins").returncode == 0
    assert admin("add-to-group", "alice", "Admins").returncode == 0
    policy = "arn:aws:iam::aws:policy/AdministratorAccess"
    created = admin(
        "create-permission-set", "Administrators", "--session-duration", "PT8H", "--managed-policy", policy
    )
    assert created.returncode == 0, created.stderr
    assigned = admin("assign", "Administrators", "--account", SECOND_ACCOUNT, "--group", "Admins")
    assert (assigned.returncode, assigned.stdout.strip()) == (0, "SUCCEEDED"), assigned.stderr

    roles = second_account("iam").list_roles(PathPrefix="/aws-reserved/sso.amazonaws.com/")["Roles"]
    (role,) = roles
    assert role["RoleName"].startswith("AWSReservedSSO_Administrators_")
    attached = second_account("iam").list_attached_role_policies(RoleName=role["RoleName"])[
        "AttachedPolicies"
    ]
    assert [entry["PolicyArn"] for entry in attached] == [policy]
    listed = admin("list-assignments", "--account", SECOND_ACCOUNT)
    assert listed.stdout.split() == ["Administrators", "GROUP", listed.stdout.split()[2]]

    assert (
        admin("unassign", "Administrators", "--account", SECOND_ACCOUNT, "--group", "Admins").returncode == 0
    )
    assert second_account("iam").list_roles(PathPrefix="/aws-reserved/sso.amazonaws.com/")["Roles"] == []


def test_names_that_resolve_to_nothing_are_clear(
    admin: AdminRun, second_account: Callable[[str], Any]
) -> None:
    missing_set = admin("assign", "Nope", "--account", SECOND_ACCOUNT, "--user", "nobody")
    assert missing_set.returncode != 0
    assert (
        "An error occurred (ResourceNotFoundException) when calling the GetUserId operation"
        in missing_set.stderr
    )
    both = admin("assign", "Nope", "--account", SECOND_ACCOUNT, "--user", "a", "--group", "b")
    assert both.returncode != 0 and "Name exactly one of --user and --group" in both.stderr
    unknown = admin("provision", "Nope")
    assert unknown.returncode != 0 and "No permission set is called Nope" in unknown.stderr


def test_update_and_delete_users_and_groups(
    admin: AdminRun, identitystore: Any, sso: Any, instance: Instance, second_account: Callable[[str], Any]
) -> None:
    """update-user changes names and email (UpdateUser); delete-user and delete-group remove them
    with their memberships and assignments; unknown names are AWS's ResourceNotFoundException."""
    store = instance.identity_store_id
    made = admin(
        "create-user", "alice", "--display-name", "Alice", "--given-name", "Alice",
        "--family-name", "Example", "--email", "alice@example.com",
    )  # fmt: skip
    user_id = made.stdout.strip()
    updated = admin("update-user", "alice", "--display-name", "Alice B.", "--email", "ab@example.com")
    assert updated.returncode == 0, updated.stderr
    assert updated.stdout.strip() == "Updated user alice: displayName, emails"
    user = identitystore.describe_user(IdentityStoreId=store, UserId=user_id)
    assert user["DisplayName"] == "Alice B." and user["Name"]["GivenName"] == "Alice"
    assert user["Emails"] == [{"Value": "ab@example.com", "Type": "work", "Primary": True}]
    assert admin("update-user", "alice", "--family-name", "Brown").returncode == 0
    assert identitystore.describe_user(IdentityStoreId=store, UserId=user_id)["Name"]["FamilyName"] == "Brown"
    nothing = admin("update-user", "alice")
    assert nothing.returncode == 2 and "Give at least one of" in nothing.stderr

    assert admin("create-group", "Admins").returncode == 0
    assert admin("add-to-group", "alice", "Admins").returncode == 0
    assert admin("create-permission-set", "Ops").returncode == 0
    assert admin("assign", "Ops", "--account", SECOND_ACCOUNT, "--group", "Admins").returncode == 0
    deleted_group = admin("delete-group", "Admins")
    assert (deleted_group.returncode, deleted_group.stdout.strip()) == (0, "Deleted group Admins")
    assert identitystore.list_groups(IdentityStoreId=store)["Groups"] == []
    assert sso.list_account_assignments(
        InstanceArn=instance.arn, AccountId=SECOND_ACCOUNT,
        PermissionSetArn=sso.list_permission_sets(InstanceArn=instance.arn)["PermissionSets"][0],
    )["AccountAssignments"] == []  # fmt: skip

    deleted = admin("delete-user", "alice")
    assert (deleted.returncode, deleted.stdout.strip()) == (0, "Deleted user alice")
    assert identitystore.list_users(IdentityStoreId=store)["Users"] == []
    for again in (admin("delete-user", "alice"), admin("update-user", "alice", "--given-name", "A")):
        assert again.returncode == 255
        assert "(ResourceNotFoundException) when calling the GetUserId operation" in again.stderr
    missing_group = admin("delete-group", "Admins")
    assert missing_group.returncode == 255
    assert "(ResourceNotFoundException) when calling the GetGroupId operation" in missing_group.stderr
