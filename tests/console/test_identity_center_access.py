"""IAM Identity Center in the console: permission sets (create with AWS's validation, policies,
inline, boundary, edit, provision, delete) and AWS accounts (assign, remove), the provisioned
role's IAM page, refusals in AWS's words, and CSRF."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.conftest import DEV_ACCOUNT, Server, allow
from tests.console.conftest import csrf_of
from tests.console.identity_center_support import (
    ADMIN,
    BASE,
    READ_ONLY,
    assign,
    create_permission_set,
    identitystore,
    instance,
    permission_sets,
    reserved_roles,
    root,
    signed_in_user,
    sso,
    token,
)
from tests.sso.conftest import SECOND_ACCOUNT, Instance, create_account, make_user

__all__ = ["identitystore", "instance", "root", "sso"]  # fixtures used by the tests below

INLINE = json.dumps(allow("s3:ListBucket"))


def test_create_permission_set_with_policy_inline_and_tags(
    root: httpx.Client, sso: Any, instance: Instance
) -> None:
    """Create permission set: CreatePermissionSet, AttachManagedPolicyToPermissionSet, PutInlinePolicyToPermissionSet."""
    form = root.get(f"{BASE}/permission-sets/create")
    assert form.status_code == 200 and "Session duration" in form.text
    csrf = csrf_of(form)
    searched = root.post(
        f"{BASE}/permission-sets/create",
        data={"csrf_token": csrf, "name": "Admins", "policy_q": "AdministratorAccess", "step": "search"},
    )
    assert f'value="{ADMIN}"' in searched.text and 'value="Admins"' in searched.text
    assert "AWSServiceRoleForSSO" not in searched.text  # service-role policies are not offered
    made = root.post(
        f"{BASE}/permission-sets/create",
        data={
            "csrf_token": csrf,
            "name": "Admins",
            "description": "Full access",
            "duration": "PT8H",
            "policy": ADMIN,
            "inline_policy": INLINE,
            "tag_key": "team",
            "tag_value": "ops",
            "step": "create",
        },
    )
    assert made.status_code == 303
    arn = permission_sets(sso, instance)["Admins"]
    assert made.headers["location"] == f"{BASE}/permission-sets/{arn.rsplit('/', 1)[-1]}"
    described = sso.describe_permission_set(InstanceArn=instance.arn, PermissionSetArn=arn)["PermissionSet"]
    assert described["SessionDuration"] == "PT8H" and described["Description"] == "Full access"
    attached = sso.list_managed_policies_in_permission_set(InstanceArn=instance.arn, PermissionSetArn=arn)
    assert [policy["Arn"] for policy in attached["AttachedManagedPolicies"]] == [ADMIN]
    inline = sso.get_inline_policy_for_permission_set(InstanceArn=instance.arn, PermissionSetArn=arn)
    assert json.loads(inline["InlinePolicy"]) == json.loads(INLINE)
    tags = sso.list_tags_for_resource(InstanceArn=instance.arn, ResourceArn=arn)["Tags"]
    assert tags == [{"Key": "team", "Value": "ops"}]

    page = root.get(made.headers["location"]).text
    assert arn in page and "8 hours" in page and "AdministratorAccess" in page and "s3:ListBucket" in page
    assert "<td>team</td><td>ops</td>" in page and "Not provisioned to any account" in page
    listing = root.get(f"{BASE}/permission-sets", params={"q": "full"}).text
    assert ">Admins</a>" in listing and "8 hours" in listing


def test_bad_inline_policy_is_refused_beside_the_editor(
    root: httpx.Client, sso: Any, instance: Instance
) -> None:
    """IAM's message for a bad document, beside the editor with everything kept; nothing is created."""
    bad = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}'
    refused = root.post(
        f"{BASE}/permission-sets/create",
        data={
            "csrf_token": token(root),
            "name": "Ops",
            "policy": READ_ONLY,
            "inline_policy": bad,
            "step": "create",
        },
    )
    assert refused.status_code == 400
    assert "Policy statement must contain resources." in refused.text and 'class="detail"' in refused.text
    assert 'value="Ops"' in refused.text and "Selected: ReadOnlyAccess" in refused.text
    assert permission_sets(sso, instance) == {}
    create_permission_set(sso, instance, "Taken")
    duplicate = root.post(
        f"{BASE}/permission-sets/create", data={"csrf_token": token(root), "name": "Taken", "step": "create"}
    )
    assert duplicate.status_code == 400 and "PermissionSet with name Taken already exists." in duplicate.text


def test_permission_set_page_actions(
    root: httpx.Client, sso: Any, identitystore: Any, instance: Instance, iam: Any
) -> None:
    """Attach, detach, inline (refused then saved, deleted), boundary, Edit, and Update in provisioned accounts."""
    arn = create_permission_set(sso, instance, "Ops")
    base = f"{BASE}/permission-sets/{arn.rsplit('/', 1)[-1]}"
    csrf = token(root, base)
    attached = root.post(
        f"{base}/policies/attach", data={"csrf_token": csrf, "policy": READ_ONLY, "step": "save"}
    )
    assert attached.status_code == 303 and "ReadOnlyAccess" in root.get(base).text
    detached = root.post(f"{base}/policies/detach", data={"csrf_token": csrf, "policy_arn": READ_ONLY})
    assert detached.status_code == 303
    listed = sso.list_managed_policies_in_permission_set(InstanceArn=instance.arn, PermissionSetArn=arn)
    assert listed["AttachedManagedPolicies"] == []

    assert (
        "&#34;Statement1&#34;" in root.get(f"{base}/inline").text
    )  # a new policy starts from AWS's skeleton
    refused = root.post(
        f"{base}/inline", data={"csrf_token": csrf, "inline_policy": '{"Version": "2012-10-17"}'}
    )
    assert refused.status_code == 400 and "Syntax errors in policy." in refused.text
    assert "&#34;2012-10-17&#34;" in refused.text
    saved = root.post(f"{base}/inline", data={"csrf_token": csrf, "inline_policy": INLINE})
    assert saved.status_code == 303 and "s3:ListBucket" in root.get(base).text
    deleted = root.post(f"{base}/inline/delete", data={"csrf_token": csrf})
    assert deleted.status_code == 303
    assert "InlinePolicy" not in sso.get_inline_policy_for_permission_set(
        InstanceArn=instance.arn, PermissionSetArn=arn
    )

    bounded = root.post(f"{base}/boundary", data={"csrf_token": csrf, "policy": READ_ONLY, "step": "save"})
    assert bounded.status_code == 303
    boundary = sso.get_permissions_boundary_for_permission_set(InstanceArn=instance.arn, PermissionSetArn=arn)
    assert boundary["PermissionsBoundary"] == {"ManagedPolicyArn": READ_ONLY}
    assert root.post(f"{base}/boundary/delete", data={"csrf_token": csrf}).status_code == 303
    assert "Permissions boundary (not set)" in root.get(base).text

    assign(sso, instance, arn, DEV_ACCOUNT, "USER", make_user(identitystore, instance))
    edited = root.post(
        f"{base}/edit", data={"csrf_token": csrf, "description": "Operators", "duration": "PT4H"}
    )
    assert edited.status_code == 303
    page = root.get(base).text
    assert "Operators" in page and "4 hours" in page and "Update needed" in page
    (role,) = reserved_roles(iam)
    assert iam.get_role(RoleName=role)["Role"]["MaxSessionDuration"] == 3600
    provisioned = root.post(f"{base}/provision", data={"csrf_token": csrf})
    assert provisioned.status_code == 303
    assert iam.get_role(RoleName=role)["Role"]["MaxSessionDuration"] == 4 * 3600
    assert "Update needed" not in root.get(base).text
    bad = root.post(f"{base}/edit", data={"csrf_token": csrf, "duration": "PT13H"})
    assert bad.status_code == 400 and "Invalid SessionDuration PT13H" in bad.text


def test_assign_users_and_groups_to_an_account_then_remove(
    server: Server, root: httpx.Client, sso: Any, identitystore: Any, instance: Instance
) -> None:
    """Assign: CreateAccountAssignment for each pair, which provisions the role; Remove access removes it."""
    keys = create_account(server)
    other_iam = server.client("iam", keys["AccessKeyId"], keys["SecretAccessKey"])
    alice = make_user(identitystore, instance, "alice")
    group = identitystore.create_group(IdentityStoreId=instance.identity_store_id, DisplayName="Admins")[
        "GroupId"
    ]
    arn = create_permission_set(sso, instance, "Admins", ADMIN)
    listing = root.get(f"{BASE}/accounts")
    assert listing.status_code == 200
    assert f'href="{BASE}/accounts/{SECOND_ACCOUNT}"' in listing.text and DEV_ACCOUNT in listing.text
    page = root.get(f"{BASE}/accounts/{SECOND_ACCOUNT}")
    assert "No users or groups have access to this account." in page.text
    form = root.get(f"{BASE}/accounts/{SECOND_ACCOUNT}/assign")
    assert (
        f'value="{alice}"' in form.text and f'value="{group}"' in form.text and f'value="{arn}"' in form.text
    )
    csrf = csrf_of(form)
    nothing = root.post(
        f"{BASE}/accounts/{SECOND_ACCOUNT}/assign", data={"csrf_token": csrf, "user": alice, "step": "assign"}
    )
    assert nothing.status_code == 400 and "Choose at least one user or group" in nothing.text
    done = root.post(
        f"{BASE}/accounts/{SECOND_ACCOUNT}/assign",
        data={"csrf_token": csrf, "user": alice, "group": group, "permission_set": arn, "step": "assign"},
    )
    assert done.status_code == 303 and done.headers["location"] == f"{BASE}/accounts/{SECOND_ACCOUNT}"
    (role,) = reserved_roles(other_iam)
    assert role.startswith("AWSReservedSSO_Admins_")
    assigned = root.get(done.headers["location"]).text
    assert (
        f'href="{BASE}/users/{alice}">alice' in assigned
        and f'href="{BASE}/groups/{group}">Admins' in assigned
    )
    assert f"{SECOND_ACCOUNT}</a></td><td><a" in root.get(f"{BASE}/users/{alice}").text
    assert "Admins" in root.get(f"{BASE}/accounts").text

    kept = sso.list_account_assignments(
        InstanceArn=instance.arn, AccountId=SECOND_ACCOUNT, PermissionSetArn=arn
    )
    assert len(kept["AccountAssignments"]) == 2
    for kind, principal_id in (("USER", alice), ("GROUP", group)):
        removed = root.post(
            f"{BASE}/accounts/{SECOND_ACCOUNT}/assignments/remove",
            data={
                "csrf_token": csrf,
                "permission_set_arn": arn,
                "principal_type": kind,
                "principal_id": principal_id,
            },
        )
        assert removed.status_code == 303
    assert reserved_roles(other_iam) == []
    again = root.post(
        f"{BASE}/accounts/{SECOND_ACCOUNT}/assignments/remove",
        data={"csrf_token": csrf, "permission_set_arn": arn, "principal_type": "USER", "principal_id": alice},
    )
    assert again.status_code == 400 and "Could not find an assignment" in again.text
    unknown = root.get(f"{BASE}/accounts/999999999999")
    assert (
        unknown.status_code == 404 and "999999999999 is not an account of this installation." in unknown.text
    )


def test_delete_permission_set_refused_while_assigned(
    root: httpx.Client, sso: Any, identitystore: Any, instance: Instance
) -> None:
    """DeletePermissionSet's ConflictException while it is assigned; deleted once it is not."""
    arn = create_permission_set(sso, instance, "Ops")
    alice = make_user(identitystore, instance)
    assign(sso, instance, arn, DEV_ACCOUNT, "USER", alice)
    csrf = token(root)
    refused = root.post(
        f"{BASE}/permission-sets/delete", data={"csrf_token": csrf, "name": "Ops", "confirm": "Ops"}
    )
    assert (
        refused.status_code == 400
        and "Ops: PermissionSet" in refused.text
        and "has account assignments" in refused.text
    )
    root.post(
        f"{BASE}/accounts/{DEV_ACCOUNT}/assignments/remove",
        data={"csrf_token": csrf, "permission_set_arn": arn, "principal_type": "USER", "principal_id": alice},
    )
    done = root.post(
        f"{BASE}/permission-sets/delete", data={"csrf_token": csrf, "name": "Ops", "confirm": "Ops"}
    )
    assert done.status_code == 303 and permission_sets(sso, instance) == {}


def test_provisioned_role_page_offers_no_changes(
    root: httpx.Client, sso: Any, identitystore: Any, instance: Instance, iam: Any
) -> None:
    """The AWSReservedSSO_ role's IAM page says Identity Center manages it and offers no edit; others still do."""
    arn = create_permission_set(sso, instance, "Admins", ADMIN)
    assign(sso, instance, arn, DEV_ACCOUNT, "USER", make_user(identitystore, instance))
    (role,) = reserved_roles(iam)
    page = root.get(f"/console/roles/{role}")
    assert page.status_code == 200
    assert "This role is managed by IAM Identity Center" in page.text
    assert f'href="{BASE}/permission-sets/{arn.rsplit("/", 1)[-1]}">Admins</a>' in page.text
    assert (
        f"Cannot perform the operation on the protected role &#39;{role}&#39; - this role is only modifiable by AWS"
        in page.text
    )
    assert "AdministratorAccess" in page.text
    for action in (
        "Attach policies",
        "Remove</button>",
        "/edit",
        "Set permissions boundary",
        "/console/roles/delete",
    ):
        assert action not in page.text, action
    for tab in ("trust", "tags"):
        shown = root.get(f"/console/roles/{role}", params={"tab": tab}).text
        assert "Edit trust policy" not in shown and "Manage tags" not in shown
    iam.create_role(
        RoleName="plain",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": DEV_ACCOUNT}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )
    plain = root.get("/console/roles/plain").text
    assert "managed by IAM Identity Center" not in plain and "Attach policies" in plain and "/edit" in plain


def test_without_permission_pages_show_access_denied(
    browser: httpx.Client, iam: Any, sso: Any, instance: Instance
) -> None:
    """AWS accounts need organizations:ListAccounts; creating a permission set needs sso:CreatePermissionSet."""
    signed_in_user(
        browser, iam, "operator", "sso:List*", "sso:Describe*", "identitystore:*", "iam:List*", "iam:Get*"
    )
    accounts = browser.get(f"{BASE}/accounts")
    assert accounts.status_code == 403
    assert (
        f"User: arn:aws:iam::{DEV_ACCOUNT}:user/operator is not authorized to perform: organizations:ListAccounts"
        in accounts.text
    )
    assert browser.get(f"{BASE}/permission-sets").status_code == 200
    made = browser.post(
        f"{BASE}/permission-sets/create", data={"csrf_token": token(browser), "name": "Ops", "step": "create"}
    )
    assert made.status_code == 403
    assert (
        f"User: arn:aws:iam::{DEV_ACCOUNT}:user/operator is not authorized to perform: sso:CreatePermissionSet "
        f"on resource: {instance.arn}"
    ) in made.text
    assert permission_sets(sso, instance) == {}


def test_state_changes_need_the_csrf_token(
    root: httpx.Client, sso: Any, identitystore: Any, instance: Instance, iam: Any
) -> None:
    """Without the session's token every permission set and account form is refused (403) and changes nothing."""
    arn = create_permission_set(sso, instance, "Ops", READ_ONLY)
    alice = make_user(identitystore, instance)
    assign(sso, instance, arn, DEV_ACCOUNT, "USER", alice)
    base = f"/permission-sets/{arn.rsplit('/', 1)[-1]}"
    assignment = {"permission_set_arn": arn, "principal_type": "USER", "principal_id": alice}
    posts = [
        ("/permission-sets/create", {"name": "New", "step": "create"}),
        ("/permission-sets/delete", {"name": "Ops", "confirm": "Ops"}),
        (f"{base}/edit", {"description": "changed", "duration": "PT2H"}),
        (f"{base}/provision", {}),
        (f"{base}/policies/attach", {"policy": ADMIN, "step": "save"}),
        (f"{base}/policies/detach", {"policy_arn": READ_ONLY}),
        (f"{base}/inline", {"inline_policy": INLINE}),
        (f"{base}/boundary", {"policy": READ_ONLY, "step": "save"}),
        (f"/accounts/{DEV_ACCOUNT}/assign", {"user": alice, "permission_set": arn, "step": "assign"}),
        (f"/accounts/{DEV_ACCOUNT}/assignments/remove", assignment),
    ]
    for forged in ({}, {"csrf_token": "forged"}):
        for path, data in posts:
            assert root.post(BASE + path, data={**forged, **data}).status_code == 403, path
    assert list(permission_sets(sso, instance)) == ["Ops"]
    described = sso.describe_permission_set(InstanceArn=instance.arn, PermissionSetArn=arn)["PermissionSet"]
    assert "Description" not in described and described["SessionDuration"] == "PT1H"
    listed = sso.list_managed_policies_in_permission_set(InstanceArn=instance.arn, PermissionSetArn=arn)
    assert [policy["Arn"] for policy in listed["AttachedManagedPolicies"]] == [READ_ONLY]
    assert len(reserved_roles(iam)) == 1
