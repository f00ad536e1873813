"""IAM Identity Center in the console: the section, users and groups (list, create, detail,
memberships, delete), another account's view, refusals in AWS's words, and CSRF."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import DEV_ACCOUNT, Server
from tests.console.conftest import USER_PASSWORD, console_user, csrf_of, sign_in
from tests.console.identity_center_support import (
    BASE,
    group_ids,
    identitystore,
    instance,
    root,
    signed_in_user,
    sso,
    token,
    user_ids,
)
from tests.sso.conftest import SECOND_ACCOUNT, Instance, create_account, make_user

__all__ = ["identitystore", "instance", "root", "sso"]  # fixtures used by the tests below

NEW_USER = {
    "user_name": "alice",
    "email": "alice@example.com",
    "given_name": "Alice",
    "family_name": "Example",
    "display_name": "Alice Example",
}


def test_section_in_the_navigation_and_its_dashboard(root: httpx.Client, instance: Instance) -> None:
    """Every console page links the section; its dashboard shows the instance and the portal URL."""
    home = root.get("/console/home").text
    assert f'<a href="{BASE}">IAM Identity Center</a>' in home
    page = root.get(BASE)
    assert page.status_code == 200
    assert instance.arn in page.text and instance.identity_store_id in page.text
    assert f"{root.base_url}/start" in page.text
    assert 'aria-label="IAM Identity Center"' in page.text and 'aria-current="page">Dashboard' in page.text


def test_add_user_with_group_then_detail_search_remove_and_delete(
    root: httpx.Client, identitystore: Any, instance: Instance
) -> None:
    """Add user: CreateUser and CreateGroupMembership; the page, list, search, removal and Delete."""
    group = identitystore.create_group(IdentityStoreId=instance.identity_store_id, DisplayName="Admins")[
        "GroupId"
    ]
    form = root.get(f"{BASE}/users/create")
    assert form.status_code == 200 and "Admins" in form.text and "First name" in form.text
    made = root.post(
        f"{BASE}/users/create",
        data={"csrf_token": csrf_of(form), **NEW_USER, "group": group, "step": "create"},
    )
    assert made.status_code == 303
    user_id = user_ids(identitystore, instance)["alice"]
    assert made.headers["location"] == f"{BASE}/users/{user_id}"
    described = identitystore.describe_user(IdentityStoreId=instance.identity_store_id, UserId=user_id)
    assert (
        described["DisplayName"] == "Alice Example" and described["Emails"][0]["Value"] == "alice@example.com"
    )
    assert described["Name"] == {"GivenName": "Alice", "FamilyName": "Example"}

    page = root.get(made.headers["location"])
    assert page.status_code == 200
    assert user_id in page.text and f'href="{BASE}/groups/{group}">Admins' in page.text
    assert "No AWS account assignments." in page.text
    listing = root.get(f"{BASE}/users", params={"q": "EXAMPLE.com"}).text
    assert f'href="{BASE}/users/{user_id}">alice' in listing and "Alice Example" in listing
    assert "No users match." in root.get(f"{BASE}/users", params={"q": "zzz"}).text

    membership = identitystore.get_group_membership_id(
        IdentityStoreId=instance.identity_store_id, GroupId=group, MemberId={"UserId": user_id}
    )["MembershipId"]
    removed = root.post(
        f"{BASE}/users/{user_id}/groups/remove", data={"csrf_token": csrf_of(page), "membership": membership}
    )
    assert removed.status_code == 303
    members = identitystore.list_group_memberships(IdentityStoreId=instance.identity_store_id, GroupId=group)
    assert members["GroupMemberships"] == []

    confirm = root.get(f"{BASE}/users/delete", params={"name": "alice"})
    assert "enter the user name" in confirm.text
    done = root.post(
        f"{BASE}/users/delete", data={"csrf_token": csrf_of(confirm), "name": "alice", "confirm": "alice"}
    )
    assert done.status_code == 303 and done.headers["location"] == f"{BASE}/users"
    assert user_ids(identitystore, instance) == {}


def test_add_user_refused_with_what_was_typed_kept(
    root: httpx.Client, identitystore: Any, instance: Instance
) -> None:
    """A missing first name and a taken user name are refused in the API's words; nothing is made."""
    make_user(identitystore, instance, "alice")
    csrf = token(root, f"{BASE}/users/create")
    missing = root.post(
        f"{BASE}/users/create",
        data={"csrf_token": csrf, **NEW_USER, "user_name": "bob", "given_name": "", "step": "create"},
    )
    assert missing.status_code == 400
    assert "Value null at &#39;name.givenName&#39; failed to satisfy constraint" in missing.text
    assert 'value="bob"' in missing.text and 'value="Example"' in missing.text
    taken = root.post(f"{BASE}/users/create", data={"csrf_token": csrf, **NEW_USER, "step": "create"})
    assert taken.status_code == 400 and "Duplicate UserName" in taken.text
    assert sorted(user_ids(identitystore, instance)) == ["alice"]
    unknown = root.get(f"{BASE}/users/00000000-0000-0000-0000-000000000000")
    assert (
        unknown.status_code == 404
        and "User with id 00000000-0000-0000-0000-000000000000 not found." in unknown.text
    )


def test_groups_create_members_and_delete(root: httpx.Client, identitystore: Any, instance: Instance) -> None:
    """Create group with a user; Add users, Remove; the list's member count; Delete keeps the users."""
    alice, bob = make_user(identitystore, instance, "alice"), make_user(identitystore, instance, "bob")
    csrf = token(root, f"{BASE}/groups/create")
    searched = root.post(
        f"{BASE}/groups/create",
        data={"csrf_token": csrf, "name": "Admins", "user_q": "bob", "step": "search"},
    )
    assert (
        searched.status_code == 200
        and f'value="{bob}"' in searched.text
        and f'value="{alice}"' not in searched.text
    )
    made = root.post(
        f"{BASE}/groups/create",
        data={
            "csrf_token": csrf,
            "name": "Admins",
            "description": "People who run it",
            "user": alice,
            "step": "create",
        },
    )
    assert made.status_code == 303
    group = group_ids(identitystore, instance)["Admins"]
    assert made.headers["location"] == f"{BASE}/groups/{group}"
    page = root.get(made.headers["location"]).text
    assert (
        "Users in this group (1)" in page and "People who run it" in page and f"{BASE}/users/{alice}" in page
    )

    add = root.get(f"{BASE}/groups/{group}/members/add").text
    assert f'value="{bob}"' in add and f'value="{alice}"' not in add
    added = root.post(
        f"{BASE}/groups/{group}/members/add", data={"csrf_token": csrf, "user": bob, "step": "add"}
    )
    assert added.status_code == 303
    listing = root.get(f"{BASE}/groups").text
    assert f'href="{BASE}/groups/{group}">Admins' in listing and "<td>2</td>" in listing
    membership = identitystore.get_group_membership_id(
        IdentityStoreId=instance.identity_store_id, GroupId=group, MemberId={"UserId": bob}
    )["MembershipId"]
    removed = root.post(
        f"{BASE}/groups/{group}/members/remove", data={"csrf_token": csrf, "membership": membership}
    )
    assert removed.status_code == 303
    assert "Users in this group (1)" in root.get(f"{BASE}/groups/{group}").text

    taken = root.post(f"{BASE}/groups/create", data={"csrf_token": csrf, "name": "admins", "step": "create"})
    assert taken.status_code == 400 and 'value="admins"' in taken.text
    mismatch = root.post(f"{BASE}/groups/delete", data={"csrf_token": csrf, "name": "Admins", "confirm": "x"})
    assert mismatch.status_code == 400 and "Admins" in group_ids(identitystore, instance)
    done = root.post(
        f"{BASE}/groups/delete", data={"csrf_token": csrf, "name": "Admins", "confirm": "Admins"}
    )
    assert done.status_code == 303
    assert group_ids(identitystore, instance) == {} and sorted(user_ids(identitystore, instance)) == [
        "alice",
        "bob",
    ]


def test_another_account_has_no_instance(server: Server, browser: httpx.Client) -> None:
    """Outside the management account, every page of the section says there is no instance."""
    keys = create_account(server)
    other = server.client("iam", keys["AccessKeyId"], keys["SecretAccessKey"])
    console_user(
        other,
        "carol",
        policy='{"Version": "2012-10-17", "Statement": '
        '[{"Effect": "Allow", "Action": "*", "Resource": "*"}]}',
    )
    sign_in(browser, SECOND_ACCOUNT, "carol", USER_PASSWORD)
    for page in ("", "/users", "/groups", "/permission-sets", "/accounts"):
        shown = browser.get(BASE + page)
        assert shown.status_code == 200
        assert "There is no IAM Identity Center instance in this account." in shown.text
        assert 'aria-label="IAM Identity Center"' not in shown.text


def test_principal_without_permission_sees_access_denied(
    browser: httpx.Client, iam: Any, identitystore: Any, instance: Instance
) -> None:
    """Without sso:ListInstances the section is AWS's refusal; without identitystore:* so are its pages and Add user."""
    signed_in_user(browser, iam, "reader", "iam:Get*", "iam:List*")
    refused = browser.get(BASE)
    assert refused.status_code == 403
    assert (
        f"User: arn:aws:iam::{DEV_ACCOUNT}:user/reader is not authorized to perform: sso:ListInstances"
    ) in refused.text
    iam.put_user_policy(
        UserName="reader",
        PolicyName="console",
        PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": '
        '["sso:ListInstances", "iam:Get*", "iam:List*"], "Resource": "*"}]}',
    )
    users = browser.get(f"{BASE}/users")
    assert users.status_code == 403 and "is not authorized to perform: identitystore:ListUsers" in users.text
    form = browser.get(f"{BASE}/users/create")
    assert form.status_code == 200 and "identitystore:ListGroups" in form.text  # the picker's refusal
    made = browser.post(
        f"{BASE}/users/create", data={"csrf_token": csrf_of(form), **NEW_USER, "step": "create"}
    )
    assert made.status_code == 403
    assert (
        f"User: arn:aws:iam::{DEV_ACCOUNT}:user/reader is not authorized to perform: identitystore:CreateUser "
        f"on resource: arn:aws:identitystore::{DEV_ACCOUNT}:identitystore/{instance.identity_store_id}"
    ) in made.text
    assert user_ids(identitystore, instance) == {}


def test_state_changes_need_the_csrf_token(
    root: httpx.Client, identitystore: Any, instance: Instance
) -> None:
    """Without the session's token every form of users and groups is refused (403) and changes nothing."""
    alice = make_user(identitystore, instance, "alice")
    group = identitystore.create_group(IdentityStoreId=instance.identity_store_id, DisplayName="Admins")[
        "GroupId"
    ]
    membership = identitystore.create_group_membership(
        IdentityStoreId=instance.identity_store_id, GroupId=group, MemberId={"UserId": alice}
    )["MembershipId"]
    posts = [
        ("/users/create", {**NEW_USER, "user_name": "bob", "step": "create"}),
        ("/users/delete", {"name": "alice", "confirm": "alice"}),
        (f"/users/{alice}/groups/remove", {"membership": membership}),
        ("/groups/create", {"name": "Other", "step": "create"}),
        (f"/groups/{group}/members/remove", {"membership": membership}),
        ("/groups/delete", {"name": "Admins", "confirm": "Admins"}),
    ]
    for forged in ({}, {"csrf_token": "forged"}):
        for path, data in posts:
            assert root.post(BASE + path, data={**forged, **data}).status_code == 403, path
    assert list(user_ids(identitystore, instance)) == ["alice"] and list(
        group_ids(identitystore, instance)
    ) == ["Admins"]
    members = identitystore.list_group_memberships(IdentityStoreId=instance.identity_store_id, GroupId=group)
    assert len(members["GroupMemberships"]) == 1
