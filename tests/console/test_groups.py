"""User groups: list, create (users + policies), detail (members, permissions), delete, refusals."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.conftest import DEV_ACCOUNT, Server, allow
from tests.console.conftest import USER_PASSWORD, console_user, csrf_of, set_root_login, sign_in, sign_in_root

BASE = "/console/groups"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
# What the console needs to show groups, and nothing that changes them.
READER = json.dumps(allow("iam:List*", "iam:Get*"))


@pytest.fixture
def root(server: Server, browser: httpx.Client) -> httpx.Client:
    """The browser, signed in as the account's root user."""
    set_root_login(server)
    sign_in_root(browser)
    return browser


def token(browser: httpx.Client, path: str = BASE) -> str:
    return csrf_of(browser.get(path))


def members(iam: Any, group: str) -> list[str]:
    return [user["UserName"] for user in iam.get_group(GroupName=group)["Users"]]


def attached(iam: Any, group: str) -> list[str]:
    return [p["PolicyArn"] for p in iam.list_attached_group_policies(GroupName=group)["AttachedPolicies"]]


def test_create_administrators_with_user_and_administrator_access(root: httpx.Client, iam: Any) -> None:
    """Search "AdministratorAccess", tick it and a user, create: CreateGroup, AddUserToGroup, AttachGroupPolicy."""
    iam.create_user(UserName="alice")
    form = root.get(f"{BASE}/create")
    assert form.status_code == 200 and "User group name" in form.text and "alice" in form.text
    csrf = csrf_of(form)
    searched = root.post(
        f"{BASE}/create",
        data={
            "csrf_token": csrf,
            "name": "Administrators",
            "user": "alice",
            "policy_q": "AdministratorAccess",
            "step": "search",
        },
    )
    assert searched.status_code == 200
    assert f'value="{ADMIN}"' in searched.text and 'value="Administrators"' in searched.text
    assert 'name="user" value="alice" checked' in searched.text
    assert iam.list_groups()["Groups"] == []
    made = root.post(
        f"{BASE}/create",
        data={
            "csrf_token": csrf,
            "name": "Administrators",
            "user": "alice",
            "policy": ADMIN,
            "step": "create",
        },
    )
    assert made.status_code == 303 and made.headers["location"] == f"{BASE}/Administrators"
    assert members(iam, "Administrators") == ["alice"]
    assert attached(iam, "Administrators") == [ADMIN]
    page = root.get(made.headers["location"])
    assert (
        f"arn:aws:iam::{DEV_ACCOUNT}:group/Administrators" in page.text
        and "/console/users/alice" in page.text
    )
    listing = root.get(BASE, params={"q": "admin"}).text
    assert 'href="/console/groups/Administrators"' in listing and "Defined (1 attached, 0 inline)" in listing
    assert "No user groups match." in root.get(BASE, params={"q": "zzz"}).text


@pytest.mark.parametrize(
    ("name", "status", "message"),
    [
        ("bad name", 400, "Member must satisfy regular expression pattern: [\\w+=,.@-]+"),
        ("Taken", 409, "Group with name Taken already exists."),
    ],
)
def test_create_refused_beside_the_name_with_choices_kept(
    root: httpx.Client, iam: Any, name: str, status: int, message: str
) -> None:
    """An invalid or taken name is refused in AWS's words; what was typed and chosen is kept."""
    iam.create_group(GroupName="Taken")
    refused = root.post(
        f"{BASE}/create",
        data={"csrf_token": token(root), "name": name, "policy": READ_ONLY, "step": "create"},
    )
    assert refused.status_code == status
    assert message in refused.text
    assert f'value="{name}"' in refused.text and "Selected: ReadOnlyAccess" in refused.text
    assert [group["GroupName"] for group in iam.list_groups()["Groups"]] == ["Taken"]
    assert attached(iam, "Taken") == []


def test_detail_members_and_permissions(root: httpx.Client, iam: Any) -> None:
    """Remove and add users; attach and detach policies; inline policies created (errors kept), shown, removed."""
    iam.create_group(GroupName="devs")
    for user in ("alice", "bob"):
        iam.create_user(UserName=user)
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    page = root.get(f"{BASE}/devs")
    csrf = csrf_of(page)
    assert "Users in this group (1)" in page.text
    assert (
        root.post(f"{BASE}/devs/users/remove", data={"csrf_token": csrf, "user": "alice"}).status_code == 303
    )
    assert members(iam, "devs") == []
    add = root.get(f"{BASE}/devs/users/add")
    assert 'value="bob"' in add.text
    done = root.post(
        f"{BASE}/devs/users/add", data={"csrf_token": csrf, "user": ["alice", "bob"], "step": "add"}
    )
    assert done.status_code == 303
    assert sorted(members(iam, "devs")) == ["alice", "bob"]

    attach = root.post(
        f"{BASE}/devs/policies/attach",
        data={"csrf_token": csrf, "policy_q": "ReadOnlyAccess", "step": "search"},
    )
    assert f'value="{READ_ONLY}"' in attach.text
    done = root.post(
        f"{BASE}/devs/policies/attach", data={"csrf_token": csrf, "policy": READ_ONLY, "step": "attach"}
    )
    assert done.headers["location"] == f"{BASE}/devs?tab=permissions"
    assert attached(iam, "devs") == [READ_ONLY]
    tab = root.get(f"{BASE}/devs", params={"tab": "permissions"}).text
    assert "/console/policies/detail?arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess" in tab
    assert (
        root.post(
            f"{BASE}/devs/policies/detach", data={"csrf_token": csrf, "policy_arn": READ_ONLY}
        ).status_code
        == 303
    )
    assert attached(iam, "devs") == []

    bad = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}'
    refused = root.post(
        f"{BASE}/devs/policies/inline", data={"csrf_token": csrf, "policy_name": "s3", "policy_document": bad}
    )
    assert refused.status_code == 400
    assert "Policy statement must contain resources." in refused.text
    assert (
        'class="detail"' in refused.text and "&#34;s3:*&#34;" in refused.text and 'value="s3"' in refused.text
    )
    assert iam.list_group_policies(GroupName="devs")["PolicyNames"] == []
    good = bad.replace('"s3:*"', '"s3:*", "Resource": "*"')
    made = root.post(
        f"{BASE}/devs/policies/inline",
        data={"csrf_token": csrf, "policy_name": "s3", "policy_document": good},
    )
    assert made.status_code == 303
    assert iam.list_group_policies(GroupName="devs")["PolicyNames"] == ["s3"]
    assert "View JSON" in root.get(f"{BASE}/devs", params={"tab": "permissions"}).text
    gone = root.post(f"{BASE}/devs/policies/inline/delete", data={"csrf_token": csrf, "policy_name": "s3"})
    assert gone.status_code == 303
    assert iam.list_group_policies(GroupName="devs")["PolicyNames"] == []


def test_delete_empties_then_deletes_each_group(root: httpx.Client, iam: Any) -> None:
    """Delete removes members, detaches and deletes policies, then DeleteGroup; a mismatched confirmation does nothing."""
    iam.create_user(UserName="alice")
    for group in ("one", "two"):
        iam.create_group(GroupName=group)
        iam.add_user_to_group(GroupName=group, UserName="alice")
        iam.attach_group_policy(GroupName=group, PolicyArn=READ_ONLY)
        iam.put_group_policy(
            GroupName=group, PolicyName="p", PolicyDocument=json.dumps(allow("s3:ListBucket"))
        )
    confirm = root.get(f"{BASE}/delete", params={"name": ["one", "two"]})
    assert "enter <em>delete</em>" in confirm.text
    csrf = csrf_of(confirm)
    mismatch = root.post(
        f"{BASE}/delete", data={"csrf_token": csrf, "name": ["one", "two"], "confirm": "one"}
    )
    assert mismatch.status_code == 400
    assert len(iam.list_groups()["Groups"]) == 2
    done = root.post(f"{BASE}/delete", data={"csrf_token": csrf, "name": ["one", "two"], "confirm": "delete"})
    assert done.status_code == 303
    assert iam.list_groups()["Groups"] == []
    assert iam.list_users()["Users"][0]["UserName"] == "alice"


@pytest.mark.parametrize("csrf", [None, "forged"])
def test_state_changes_need_the_csrf_token(root: httpx.Client, iam: Any, csrf: str | None) -> None:
    """Create, remove a member, attach and delete without the session's token: 403, nothing changed."""
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    sent = {} if csrf is None else {"csrf_token": csrf}
    posts = [
        (f"{BASE}/create", {"name": "new", "step": "create"}),
        (f"{BASE}/devs/users/remove", {"user": "alice"}),
        (f"{BASE}/devs/policies/attach", {"policy": READ_ONLY, "step": "attach"}),
        (f"{BASE}/delete", {"name": "devs", "confirm": "devs"}),
    ]
    for path, data in posts:
        assert root.post(path, data={**sent, **data}).status_code == 403
    assert [group["GroupName"] for group in iam.list_groups()["Groups"]] == ["devs"]
    assert members(iam, "devs") == ["alice"] and attached(iam, "devs") == []


def test_user_without_permission_sees_access_denied(server: Server, iam: Any, browser: httpx.Client) -> None:
    """A user who may only read is refused CreateGroup and DeleteGroup with AWS's message and status 403."""
    console_user(iam, "reader", policy=READER)
    iam.create_group(GroupName="devs")
    sign_in(browser, DEV_ACCOUNT, "reader", USER_PASSWORD)
    csrf = token(browser)
    refused = browser.post(f"{BASE}/create", data={"csrf_token": csrf, "name": "new", "step": "create"})
    assert refused.status_code == 403
    assert (
        f"User: arn:aws:iam::{DEV_ACCOUNT}:user/reader is not authorized to perform: iam:CreateGroup on resource: "
        f"arn:aws:iam::{DEV_ACCOUNT}:group/new"
    ) in refused.text
    failed = browser.post(f"{BASE}/delete", data={"csrf_token": csrf, "name": "devs", "confirm": "devs"})
    assert failed.status_code == 403
    assert "devs: User: " in failed.text and "iam:DeleteGroup" in failed.text
    assert [group["GroupName"] for group in iam.list_groups()["Groups"]] == ["devs"]


def test_unknown_group_is_not_found(root: httpx.Client) -> None:
    """A group that does not exist: AWS's NoSuchEntity message on a 404 page."""
    page = root.get(f"{BASE}/nope")
    assert page.status_code == 404
    assert "The group with name nope cannot be found." in page.text
