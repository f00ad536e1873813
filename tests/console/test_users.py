"""Users list and user detail pages: what they show and each change, checked through boto3."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import httpx
import pytest

from tests.conftest import DEV_ACCOUNT, Server, allow
from tests.console.conftest import USER_PASSWORD, console_user, csrf_of, set_root_login, sign_in, sign_in_root
from tests.mfa_support import create_device, enable

LIST = "/console/users"
ODD = "a+b=c,d.e@f-g_h"  # every punctuation mark a user name may hold
ODD_PATH = f"{LIST}/a%2Bb%3Dc%2Cd.e%40f-g_h"
KEY_ID = re.compile(r'<code id="access-key-id">([A-Z0-9]+)</code>')
READ_ONLY = json.dumps(
    allow(
        "iam:List*", "iam:Get*", "iam:PutUserPolicy", "iam:DeleteUserPolicy", "iam:TagUser", "iam:UntagUser"
    )
)


def as_root(server: Server, browser: httpx.Client) -> str:
    """Sign root in; the CSRF token of its session."""
    set_root_login(server)
    sign_in_root(browser)
    return csrf_of(browser.get("/console/home"))


def rows_of(page: str) -> str:
    return page.split("<tbody>")[1].split("</tbody>")[0]


def test_list_columns(server: Server, iam: Any, browser: httpx.Client, clock: Any) -> None:
    """Each row: name linked to its page, path, groups, last activity, MFA, password age, key age, created."""
    console_user(iam, "alice")
    iam.create_group(GroupName="Admins")
    iam.add_user_to_group(GroupName="Admins", UserName="alice")
    iam.create_user(UserName="bob", Path="/team/")
    serial, seed = create_device(iam)
    enable(iam, clock, "bob", serial, seed)
    key = iam.create_access_key(UserName="bob")["AccessKey"]
    clock.move(3 * 86400)
    server.client("sts", key["AccessKeyId"], key["SecretAccessKey"]).get_caller_identity()
    as_root(server, browser)
    page = browser.get(LIST)
    assert page.status_code == 200 and "<title>Users | credo</title>" in page.text
    rows = rows_of(page.text)
    alice, bob = rows.split("</tr>")[0], rows.split("</tr>")[1]
    assert f'href="{LIST}/alice"' in alice and "<td>/</td>" in alice
    assert "1 (Admins)" in alice and "Never" in alice and "<td>3 days</td>" in alice
    assert "<td>-</td>" in alice  # no MFA, no active key
    assert "<td>/team/</td>" in bob and "<td>Virtual</td>" in bob and "Today" in bob
    assert "<td>3 days</td>" in bob  # the key's age; no password
    assert 'href="/console/users/create"' in page.text and "Create user" in page.text


def test_list_search_and_pages(server: Server, iam: Any, browser: httpx.Client) -> None:
    """30 users: 25 on the first page, the rest on the second; the search box filters by name."""
    for index in range(30):
        iam.create_user(UserName=f"user-{index:02d}")
    as_root(server, browser)
    first = browser.get(LIST).text
    assert "1–25 of 30" in first and "user-24" in first and "user-25" not in first
    second = browser.get(LIST, params={"page": "2"}).text
    assert "user-25" in second and "user-29" in second and "user-00" not in second
    found = browser.get(LIST, params={"q": "USER-1"}).text
    assert "1–10 of 10" in found and "user-19" in found and "user-20" not in found


def test_list_refused_with_aws_message(server: Server, iam: Any, browser: httpx.Client) -> None:
    """A user without iam:ListUsers sees AWS's AccessDenied message with status 403 (the dashboard still works)."""
    console_user(iam, "alice")
    sign_in(browser, DEV_ACCOUNT, "alice", USER_PASSWORD)
    page = browser.get(LIST)
    assert page.status_code == 403
    assert (
        "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:ListUsers on resource: "
        "arn:aws:iam::123456789012:user/ because no identity-based policy allows the iam:ListUsers action"
    ) in page.text
    dashboard = browser.get("/console/home")
    assert dashboard.status_code == 200
    assert "not authorized to perform: iam:GetAccountSummary" in dashboard.text


def test_delete_users_with_dependents(server: Server, iam: Any, browser: httpx.Client, clock: Any) -> None:
    """Deleting a user removes its password, keys, MFA, groups, policies and boundary first."""
    console_user(iam, "alice")
    iam.create_access_key(UserName="alice")
    serial, seed = create_device(iam)
    enable(iam, clock, "alice", serial, seed)
    iam.create_group(GroupName="Admins")
    iam.add_user_to_group(GroupName="Admins", UserName="alice")
    iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.put_user_policy(UserName="alice", PolicyName="inline", PolicyDocument=json.dumps(allow("s3:*")))
    iam.put_user_permissions_boundary(
        UserName="alice", PermissionsBoundary="arn:aws:iam::aws:policy/ReadOnlyAccess"
    )
    iam.create_user(UserName="bob")
    token = as_root(server, browser)
    confirm = browser.get(f"{LIST}/delete", params=[("name", "alice"), ("name", "bob")])
    assert confirm.status_code == 200 and "enter <em>delete</em>" in confirm.text
    form = {"csrf_token": token, "name": ["alice", "bob"]}
    assert browser.post(f"{LIST}/delete", data={**form, "confirm": "nope"}).status_code == 400
    assert len(iam.list_users()["Users"]) == 2
    done = browser.post(f"{LIST}/delete", data={**form, "confirm": "delete"})
    assert done.status_code == 303
    assert iam.list_users()["Users"] == []
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    assert iam.get_group(GroupName="Admins")["Users"] == []


def test_delete_from_detail_page_reports_refusal(server: Server, iam: Any, browser: httpx.Client) -> None:
    """The detail page's Delete asks for the name; a refused step is reported in AWS's words, 403."""
    console_user(iam, "alice", policy=READ_ONLY)
    iam.create_user(UserName="bob")
    iam.create_access_key(UserName="bob")
    sign_in(browser, DEV_ACCOUNT, "alice", USER_PASSWORD)
    detail = browser.get(f"{LIST}/bob")
    assert f'href="{LIST}/delete?name=bob"' in detail.text
    refused = browser.post(
        f"{LIST}/delete", data={"csrf_token": csrf_of(detail), "name": "bob", "confirm": "bob"}
    )
    assert refused.status_code == 403
    assert (
        "bob: User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:DeleteAccessKey"
        in (refused.text)
    )
    assert [user["UserName"] for user in iam.list_users()["Users"]] == ["alice", "bob"]


def test_unknown_user_is_404(server: Server, browser: httpx.Client) -> None:
    """A user that does not exist: AWS's NoSuchEntity message, 404."""
    as_root(server, browser)
    page = browser.get(f"{LIST}/nobody")
    assert page.status_code == 404
    assert "The user with name nobody cannot be found." in page.text


def test_detail_summary_and_url_encoded_name(server: Server, iam: Any, browser: httpx.Client) -> None:
    """A name with + = , . @ travels URL-encoded; the summary shows ARN, console access, keys."""
    iam.create_user(UserName=ODD)
    iam.create_login_profile(UserName=ODD, Password=USER_PASSWORD, PasswordResetRequired=True)
    key_id = iam.create_access_key(UserName=ODD)["AccessKey"]["AccessKeyId"]
    as_root(server, browser)
    assert f'href="{ODD_PATH}"' in browser.get(LIST).text
    page = browser.get(ODD_PATH)
    assert page.status_code == 200
    assert f"arn:aws:iam::{DEV_ACCOUNT}:user/{ODD}" in page.text and "Copy ARN" in page.text
    assert "Enabled (password reset required)" in page.text and "Never" in page.text
    assert f"<code>{key_id}</code> - Active" in page.text
    for tab in ("permissions", "groups", "tags", "security_credentials"):
        assert f'href="{ODD_PATH}?tab={tab}"' in page.text


def test_permissions_tab_actions(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Attach, detach, inline create/remove, boundary set/remove; policies via groups are listed."""
    iam.create_user(UserName="bob")
    iam.create_group(GroupName="Devs")
    iam.attach_group_policy(GroupName="Devs", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.add_user_to_group(GroupName="Devs", UserName="bob")
    token = as_root(server, browser)
    base = f"{LIST}/bob"
    picker = browser.get(f"{base}/policies/attach")
    assert picker.status_code == 200 and "Attach policies" in picker.text
    arn = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
    attached = browser.post(
        f"{base}/policies/attach", data={"csrf_token": token, "policy": arn, "step": "attach"}
    )
    assert attached.status_code == 303
    assert [p["PolicyArn"] for p in iam.list_attached_user_policies(UserName="bob")["AttachedPolicies"]] == [
        arn
    ]

    bad = browser.post(
        f"{base}/policies/inline",
        data={"csrf_token": token, "policy_name": "mine", "policy_document": '{"Version": "2012-10-17"'},
    )
    assert bad.status_code == 400 and "MalformedPolicyDocument" not in bad.text
    assert "Syntax errors in policy." in bad.text and "{&#34;Version&#34;: &#34;2012-10-17&#34;" in bad.text
    document = json.dumps(allow("s3:GetObject"))
    made = browser.post(
        f"{base}/policies/inline",
        data={"csrf_token": token, "policy_name": "mine", "policy_document": document},
    )
    assert made.status_code == 303 and iam.list_user_policies(UserName="bob")["PolicyNames"] == ["mine"]

    boundary = "arn:aws:iam::aws:policy/PowerUserAccess"
    chosen = browser.post(f"{base}/boundary", data={"csrf_token": token, "policy": boundary, "step": "set"})
    assert chosen.status_code == 303
    assert iam.get_user(UserName="bob")["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary

    tab = browser.get(base, params={"tab": "permissions"}).text
    assert "IAMReadOnlyAccess" in tab and "s3:GetObject" in tab and boundary in tab
    via = tab.split("Permissions from groups")[1]
    assert 'href="/console/groups/Devs"' in via and "ReadOnlyAccess" in via

    for path, data in [
        ("policies/detach", {"policy_arn": arn}),
        ("policies/inline/delete", {"policy_name": "mine"}),
        ("boundary/delete", {}),
    ]:
        assert browser.post(f"{base}/{path}", data={"csrf_token": token, **data}).status_code == 303
    assert iam.list_attached_user_policies(UserName="bob")["AttachedPolicies"] == []
    assert iam.list_user_policies(UserName="bob")["PolicyNames"] == []
    assert "PermissionsBoundary" not in iam.get_user(UserName="bob")["User"]


def test_groups_tab_add_and_remove(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Add user to groups offers the groups it is not in; Remove takes it out."""
    iam.create_user(UserName="bob")
    for group in ("Admins", "Devs"):
        iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName="Admins", UserName="bob")
    token = as_root(server, browser)
    offered = browser.get(f"{LIST}/bob/groups/add").text
    assert 'value="Devs"' in offered and 'value="Admins"' not in offered
    added = browser.post(f"{LIST}/bob/groups/add", data={"csrf_token": token, "group": "Devs", "step": "add"})
    assert added.status_code == 303
    assert {g["GroupName"] for g in iam.list_groups_for_user(UserName="bob")["Groups"]} == {"Admins", "Devs"}
    tab = browser.get(f"{LIST}/bob", params={"tab": "groups"}).text
    assert 'href="/console/groups/Admins"' in tab and "User groups membership (2)" in tab
    removed = browser.post(f"{LIST}/bob/groups/remove", data={"csrf_token": token, "group": "Admins"})
    assert removed.status_code == 303
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="bob")["Groups"]] == ["Devs"]


def test_tags_tab_manage(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Manage tags adds, changes (also a key's case) and removes; AWS's limits are shown, nothing changed."""
    iam.create_user(UserName="bob", Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "a"}])
    token = as_root(server, browser)
    form = browser.get(f"{LIST}/bob/tags").text
    assert 'value="env"' in form and "Add new tag" in form
    rows = {"tag_key": ["Env", "team", "cost"], "tag_value": ["prod", "a", "42"], "remove_tag": "1"}
    saved = browser.post(f"{LIST}/bob/tags", data={"csrf_token": token, "step": "save", **rows})
    assert saved.status_code == 303
    assert iam.list_user_tags(UserName="bob")["Tags"] == [
        {"Key": "Env", "Value": "prod"},
        {"Key": "cost", "Value": "42"},
    ]
    too_long = browser.post(
        f"{LIST}/bob/tags", data={"csrf_token": token, "step": "save", "tag_key": "k" * 129, "tag_value": "v"}
    )
    assert too_long.status_code == 400
    assert "Member must have length less than or equal to 128" in too_long.text and "k" * 129 in too_long.text
    reserved = browser.post(
        f"{LIST}/bob/tags", data={"csrf_token": token, "step": "save", "tag_key": "aws:x", "tag_value": "v"}
    )
    assert "User-defined tag keys can&#39;t start with &#39;aws:&#39;" in reserved.text
    assert len(iam.list_user_tags(UserName="bob")["Tags"]) == 2
    assert "<td>cost</td><td>42</td>" in browser.get(f"{LIST}/bob", params={"tab": "tags"}).text


def test_security_credentials_tab(server: Server, iam: Any, browser: httpx.Client, clock: Any) -> None:
    """Console access, MFA devices (with the MFA pages' links) and access keys with last use."""
    console_user(iam, "bob")
    serial, seed = create_device(iam)
    enable(iam, clock, "bob", serial, seed)
    key = iam.create_access_key(UserName="bob")["AccessKey"]
    server.client("sts", key["AccessKeyId"], key["SecretAccessKey"]).get_caller_identity()
    as_root(server, browser)
    tab = browser.get(f"{LIST}/bob", params={"tab": "security_credentials"}).text
    assert f'href="{LIST}/bob/console-access"' in tab and "Manage console access" in tab
    assert f'href="{LIST}/bob/mfa/assign"' in tab
    assert f'action="{LIST}/bob/mfa/remove"' in tab and f'name="serial" value="{serial}"' in tab
    assert key["AccessKeyId"] in tab and "(sts)" in tab and "<td>us-east-1</td>" in tab


def test_access_key_shown_once_with_csv(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Create access key for a user: the secret once, its CSV, then AWS's quota message at the third."""
    iam.create_user(UserName=ODD)
    token = as_root(server, browser)
    made = browser.post(f"{ODD_PATH}/access-keys/create", data={"csrf_token": token})
    assert made.status_code == 303 and made.headers["location"] == f"{ODD_PATH}/access-keys/created"
    result = browser.get(made.headers["location"]).text
    key_id = KEY_ID.search(result).group(1)  # type: ignore[union-attr]
    found = re.search(
        r'href="data:text/csv;charset=utf-8;base64,([A-Za-z0-9+/=]+)" download="([^"]+)"', result
    )
    assert found and found.group(2) == f"{ODD}_accessKeys.csv"
    body = base64.b64decode(found.group(1))
    secret = body.decode("utf-8-sig").split("\r\n")[1].split(",")[1]
    assert body == f"\ufeffAccess key ID,Secret access key\r\n{key_id},{secret}\r\n".encode()
    assert server.client("sts", key_id, secret).get_caller_identity()["Arn"].endswith(f":user/{ODD}")
    assert f'href="{ODD_PATH}?tab=security_credentials">Done' in result
    again = browser.get(f"{ODD_PATH}/access-keys/created").text
    assert secret not in again and "data:text/csv" not in again
    assert browser.post(f"{ODD_PATH}/access-keys/create", data={"csrf_token": token}).status_code == 303
    third = browser.post(f"{ODD_PATH}/access-keys/create", data={"csrf_token": token})
    assert third.status_code == 409 and "Cannot exceed quota for AccessKeysPerUser: 2" in third.text
    assert secret not in server.log()


def test_access_key_status_and_delete(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Deactivate/Activate call UpdateAccessKey; Delete needs the key id typed again."""
    iam.create_user(UserName="bob")
    key_id = iam.create_access_key(UserName="bob")["AccessKey"]["AccessKeyId"]
    token = as_root(server, browser)
    base = f"{LIST}/bob/access-keys"
    status = browser.post(f"{base}/status", data={"csrf_token": token, "key": key_id, "status": "Inactive"})
    assert status.status_code == 303
    assert iam.list_access_keys(UserName="bob")["AccessKeyMetadata"][0]["Status"] == "Inactive"
    confirm = browser.get(f"{base}/delete", params={"key": key_id}).text
    assert f'action="{base}/delete"' in confirm and "enter the access key ID" in confirm
    mismatch = browser.post(f"{base}/delete", data={"csrf_token": token, "key": key_id, "confirm": "x"})
    assert mismatch.status_code == 400 and len(iam.list_access_keys(UserName="bob")["AccessKeyMetadata"]) == 1
    done = browser.post(f"{base}/delete", data={"csrf_token": token, "key": key_id, "confirm": key_id})
    assert done.status_code == 303 and iam.list_access_keys(UserName="bob")["AccessKeyMetadata"] == []


@pytest.mark.parametrize("token", [None, "forged"])
def test_changes_without_csrf_refused(
    server: Server, iam: Any, browser: httpx.Client, token: str | None
) -> None:
    """Every action refuses a POST without the session's CSRF token (403) and changes nothing."""
    iam.create_user(UserName="bob")
    iam.create_group(GroupName="Devs")
    as_root(server, browser)
    base = f"{LIST}/bob"
    posts = [
        (f"{LIST}/delete", {"name": "bob", "confirm": "bob"}),
        (f"{base}/policies/attach", {"policy": "arn:aws:iam::aws:policy/ReadOnlyAccess", "step": "attach"}),
        (f"{base}/boundary", {"policy": "arn:aws:iam::aws:policy/ReadOnlyAccess", "step": "set"}),
        (f"{base}/groups/add", {"group": "Devs", "step": "add"}),
        (f"{base}/tags", {"tag_key": "k", "tag_value": "v", "step": "save"}),
        (f"{base}/access-keys/create", {}),
    ]
    for path, data in posts:
        form = data if token is None else {**data, "csrf_token": token}
        assert browser.post(path, data=form).status_code == 403, path
    assert iam.get_user(UserName="bob")["User"].get("PermissionsBoundary") is None
    assert iam.list_attached_user_policies(UserName="bob")["AttachedPolicies"] == []
    assert iam.list_groups_for_user(UserName="bob")["Groups"] == []
    assert iam.list_user_tags(UserName="bob")["Tags"] == []
    assert iam.list_access_keys(UserName="bob")["AccessKeyMetadata"] == []


def test_denied_action_shows_aws_message(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Without iam:AttachUserPolicy the page shows AWS's message with 403 and nothing is attached."""
    console_user(iam, "alice", policy=READ_ONLY)
    iam.create_user(UserName="bob")
    sign_in(browser, DEV_ACCOUNT, "alice", USER_PASSWORD)
    page = browser.get(f"{LIST}/bob")
    assert page.status_code == 200
    refused = browser.post(
        f"{LIST}/bob/policies/attach",
        data={
            "csrf_token": csrf_of(page),
            "policy": "arn:aws:iam::aws:policy/ReadOnlyAccess",
            "step": "attach",
        },
    )
    assert refused.status_code == 403
    assert (
        "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:AttachUserPolicy on resource: "
        "arn:aws:iam::123456789012:user/bob because no identity-based policy allows the iam:AttachUserPolicy action"
    ) in refused.text
    assert iam.list_attached_user_policies(UserName="bob")["AttachedPolicies"] == []
    keys = browser.post(f"{LIST}/bob/access-keys/create", data={"csrf_token": csrf_of(page)})
    assert keys.status_code == 403 and "iam:CreateAccessKey" in keys.text and "Summary" in keys.text
