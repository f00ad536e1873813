"""Roles: list, create (AWS account trust with MFA or an external id, custom trust), detail edits, delete."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import httpx
import pytest

from tests.conftest import DEV_ACCOUNT, Server, allow
from tests.console.conftest import USER_PASSWORD, console_user, csrf_of, set_root_login, sign_in, sign_in_root

BASE = "/console/roles"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
ASSUME: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{DEV_ACCOUNT}:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@pytest.fixture
def root(server: Server, browser: httpx.Client) -> httpx.Client:
    """The browser, signed in as the account's root user."""
    set_root_login(server)
    sign_in_root(browser)
    return browser


def create(browser: httpx.Client, **fields: Any) -> httpx.Response:
    """Press **Create role** with ``fields`` (the page's CSRF token unless one is given)."""
    data = {"csrf_token": csrf_of(browser.get(f"{BASE}/create")), "step": "create", **fields}
    return browser.post(f"{BASE}/create", data=data)


def trust_of(iam: Any, name: str) -> Any:
    return iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]


def role_names(iam: Any) -> list[str]:
    return [role["RoleName"] for role in iam.list_roles()["Roles"]]


def test_create_for_this_account_requiring_mfa(root: httpx.Client, iam: Any) -> None:
    """This account + Require MFA: the console's trust policy, details, tags and policies, in one Create role."""
    form = root.get(f"{BASE}/create")
    assert f"This account ({DEV_ACCOUNT})" in form.text
    searched = root.post(
        f"{BASE}/create",
        data={
            "csrf_token": csrf_of(form),
            "name": "Admin",
            "policy_q": "AdministratorAccess",
            "step": "search",
        },
    )
    assert searched.status_code == 200 and f'value="{ADMIN}"' in searched.text and role_names(iam) == []
    made = create(
        root,
        entity="account",
        account_choice="this",
        require_mfa="on",
        name="Admin",
        description="Administrators, with MFA",
        max_session="7200",
        tag_key=["team", ""],
        tag_value=["ops", ""],
        policy=ADMIN,
    )
    assert made.status_code == 303 and made.headers["location"] == f"{BASE}/Admin"
    role = iam.get_role(RoleName="Admin")["Role"]
    assert role["AssumeRolePolicyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{DEV_ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }
    assert (role["Description"], role["MaxSessionDuration"]) == ("Administrators, with MFA", 7200)
    assert role["Tags"] == [{"Key": "team", "Value": "ops"}]
    assert [
        p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName="Admin")["AttachedPolicies"]
    ] == [ADMIN]
    listing = root.get(BASE).text
    assert f"Account: {DEV_ACCOUNT}" in listing and 'href="/console/roles/Admin"' in listing


def test_create_for_another_account_with_external_id_and_boundary(root: httpx.Client, iam: Any) -> None:
    """Another account + Require external ID: StringEquals sts:ExternalId; the boundary is set by CreateRole."""
    refused = create(root, account_choice="another", account_id="1234", name="Vendor")
    assert refused.status_code == 400 and "Enter a valid 12-digit AWS account ID." in refused.text
    assert 'value="1234"' in refused.text and role_names(iam) == []
    made = create(
        root,
        account_choice="another",
        account_id="111122223333",
        require_external_id="on",
        external_id="Example-Corp-7",
        name="Vendor",
        boundary=READ_ONLY,
    )
    assert made.status_code == 303
    assert trust_of(iam, "Vendor") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "Example-Corp-7"}},
            }
        ],
    }
    role = iam.get_role(RoleName="Vendor")["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == READ_ONLY
    assert role["MaxSessionDuration"] == 3600 and "Description" not in role


def test_custom_trust_policy_errors_kept_beside_the_editor(root: httpx.Client, iam: Any) -> None:
    """An invalid custom trust policy: AWS's message and the detail beside it, the text kept, nothing created."""
    bad = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {}, "Action": "sts:AssumeRole"}]}'
    refused = create(root, entity="custom", trust_policy=bad, name="Custom", policy=READ_ONLY)
    assert refused.status_code == 400
    assert "Invalid principal in policy" in refused.text and 'class="detail"' in refused.text
    assert "&#34;Principal&#34;: {}" in refused.text and 'value="Custom"' in refused.text
    assert role_names(iam) == []
    taken = create(root, entity="custom", trust_policy=json.dumps(ASSUME), name="Custom")
    assert taken.status_code == 303 and trust_of(iam, "Custom") == ASSUME
    again = create(root, entity="custom", trust_policy=json.dumps(ASSUME), name="custom")
    assert again.status_code == 409 and "Role with name custom already exists." in again.text


def test_detail_switch_link_and_edits(server: Server, root: httpx.Client, iam: Any) -> None:
    """Switch-role link (path and alias); Edit → UpdateRole; trust policy, tags and boundary edited."""
    iam.create_role(RoleName="ops", Path="/dev/", AssumeRolePolicyDocument=json.dumps(ASSUME))
    page = root.get(f"{BASE}/ops")
    assert f"arn:aws:iam::{DEV_ACCOUNT}:role/dev/ops" in page.text and "1 hour" in page.text
    assert f"{server.endpoint}/switchrole?account={DEV_ACCOUNT}&amp;roleName=dev/ops" in page.text
    iam.create_account_alias(AccountAlias="example-corp")
    assert (
        f"{server.endpoint}/switchrole?account=example-corp&amp;roleName=dev/ops"
        in root.get(f"{BASE}/ops").text
    )
    csrf = csrf_of(page)

    edited = root.post(
        f"{BASE}/ops/edit", data={"csrf_token": csrf, "description": "Ops", "max_session": "14400"}
    )
    assert edited.status_code == 303
    role = iam.get_role(RoleName="ops")["Role"]
    assert (role["Description"], role["MaxSessionDuration"]) == ("Ops", 14400)
    assert "4 hours" in root.get(f"{BASE}/ops").text

    assert "Edit trust policy" in root.get(f"{BASE}/ops", params={"tab": "trust"}).text
    refused = root.post(f"{BASE}/ops/trust", data={"csrf_token": csrf, "policy_document": "{nope"})
    assert refused.status_code == 400
    assert "This policy contains invalid Json" in refused.text and "{nope" in refused.text
    mfa = {
        **ASSUME,
        "Statement": [
            {**ASSUME["Statement"][0], "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}
        ],
    }
    assert (
        root.post(
            f"{BASE}/ops/trust", data={"csrf_token": csrf, "policy_document": json.dumps(mfa)}
        ).status_code
        == 303
    )
    assert trust_of(iam, "ops") == mfa

    tags = {"csrf_token": csrf, "tag_key": ["team", "env"], "tag_value": ["ops", "dev"], "step": "save"}
    assert root.post(f"{BASE}/ops/tags", data=tags).status_code == 303
    changed = {**tags, "tag_value": ["platform", "dev"], "remove_tag": "1"}
    assert root.post(f"{BASE}/ops/tags", data=changed).status_code == 303
    assert iam.list_role_tags(RoleName="ops")["Tags"] == [{"Key": "team", "Value": "platform"}]
    assert "platform" in root.get(f"{BASE}/ops", params={"tab": "tags"}).text

    set_boundary = {"csrf_token": csrf, "boundary": READ_ONLY, "step": "set"}
    assert root.post(f"{BASE}/ops/boundary", data=set_boundary).status_code == 303
    assert iam.get_role(RoleName="ops")["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == READ_ONLY
    assert "Remove boundary" in root.get(f"{BASE}/ops").text
    assert root.post(f"{BASE}/ops/boundary/delete", data={"csrf_token": csrf}).status_code == 303
    assert "PermissionsBoundary" not in iam.get_role(RoleName="ops")["Role"]


def test_delete_empties_roles_and_reports_protected_ones(root: httpx.Client, iam: Any) -> None:
    """Delete removes instance profiles and policies first; a service-linked role is refused in AWS's words."""
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(ASSUME))
    iam.create_instance_profile(InstanceProfileName="app-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="app-profile", RoleName="app")
    iam.attach_role_policy(RoleName="app", PolicyArn=READ_ONLY)
    iam.put_role_policy(RoleName="app", PolicyName="p", PolicyDocument=json.dumps(allow("s3:ListBucket")))
    linked = iam.create_service_linked_role(AWSServiceName="access-analyzer.amazonaws.com")["Role"][
        "RoleName"
    ]
    assert "AWS Service: access-analyzer (Service-Linked Role)" in root.get(BASE).text
    confirm = root.get(f"{BASE}/delete", params={"name": "app"})
    assert "To confirm deletion, enter the role name" in confirm.text
    csrf = csrf_of(confirm)
    assert (
        root.post(f"{BASE}/delete", data={"csrf_token": csrf, "name": "app", "confirm": "ap"}).status_code
        == 400
    )
    assert "app" in role_names(iam)
    done = root.post(
        f"{BASE}/delete", data={"csrf_token": csrf, "name": ["app", linked], "confirm": "delete"}
    )
    assert done.status_code == 400
    assert f"{linked}: Cannot perform the operation on the protected role &#39;{linked}&#39;" in done.text
    assert role_names(iam) == [linked]
    assert iam.list_instance_profiles()["InstanceProfiles"] == []


@pytest.mark.parametrize("csrf", [None, "forged"])
def test_state_changes_need_the_csrf_token(root: httpx.Client, iam: Any, csrf: str | None) -> None:
    """Create, edit, trust, tags, boundary and delete without the session's token: 403, nothing changed."""
    iam.create_role(RoleName="ops", AssumeRolePolicyDocument=json.dumps(ASSUME))
    sent = {} if csrf is None else {"csrf_token": csrf}
    posts = [
        (f"{BASE}/create", {"name": "new", "step": "create"}),
        (f"{BASE}/ops/edit", {"max_session": "7200"}),
        (f"{BASE}/ops/trust", {"policy_document": "{}"}),
        (f"{BASE}/ops/tags", {"tag_key": "a", "tag_value": "b", "step": "save"}),
        (f"{BASE}/ops/boundary", {"boundary": READ_ONLY, "step": "set"}),
        (f"{BASE}/ops/policies/attach", {"policy": READ_ONLY, "step": "attach"}),
        (f"{BASE}/delete", {"name": "ops", "confirm": "ops"}),
    ]
    for path, data in posts:
        assert root.post(path, data={**sent, **data}).status_code == 403, path
    role = iam.get_role(RoleName="ops")["Role"]
    assert role_names(iam) == ["ops"] and role["MaxSessionDuration"] == 3600
    assert "Tags" not in role and "PermissionsBoundary" not in role and trust_of(iam, "ops") == ASSUME


def test_user_without_create_role_sees_access_denied(iam: Any, browser: httpx.Client) -> None:
    """A user who may only read is refused CreateRole with AWS's message and status 403; nothing is made."""
    console_user(iam, "reader", policy=json.dumps(allow("iam:List*", "iam:Get*")))
    sign_in(browser, DEV_ACCOUNT, "reader", USER_PASSWORD)
    refused = create(browser, name="Admin")
    assert refused.status_code == 403
    assert (
        f"User: arn:aws:iam::{DEV_ACCOUNT}:user/reader is not authorized to perform: iam:CreateRole on resource: "
        f"arn:aws:iam::{DEV_ACCOUNT}:role/Admin"
    ) in refused.text
    assert role_names(iam) == []


def test_unknown_role_is_not_found(root: httpx.Client) -> None:
    """A role that does not exist: AWS's NoSuchEntity message on a 404 page."""
    page = root.get(f"{BASE}/nope")
    assert page.status_code == 404 and "The role with name nope cannot be found." in page.text
    assert re.search(r"<title>nope \|", page.text)


def test_list_search_and_pages(root: httpx.Client, iam: Any) -> None:
    """31 roles: 25 on the first page, 6 on the second; the search box matches names and trusted entities."""
    service = {
        **ASSUME,
        "Statement": [{**ASSUME["Statement"][0], "Principal": {"Service": "ec2.amazonaws.com"}}],
    }
    iam.create_role(RoleName="app-server", AssumeRolePolicyDocument=json.dumps(service))
    for index in range(30):
        iam.create_role(RoleName=f"role-{index:02d}", AssumeRolePolicyDocument=json.dumps(ASSUME))
    first = root.get(BASE).text
    assert "Roles (31)" in first and "1–25 of 31" in first and "Page 1 of 2" in first
    assert ">app-server</a>" in first and ">role-23</a>" in first and ">role-24</a>" not in first
    assert 'href="/console/roles?page=2" rel="next">Next page' in first and "Previous page" not in first
    second = root.get(BASE, params={"page": "2"}).text
    assert "26–31 of 31" in second and ">role-24</a>" in second and ">role-29</a>" in second
    assert ">role-23</a>" not in second and "Next page" not in second and "Previous page" in second
    assert "26–31 of 31" in root.get(BASE, params={"page": "9"}).text  # past the end: the last page
    by_name = root.get(BASE, params={"q": "ROLE-1"}).text
    assert "Roles (10)" in by_name and ">role-10</a>" in by_name and ">role-19</a>" in by_name
    assert ">role-20</a>" not in by_name and ">app-server</a>" not in by_name
    assert 'value="ROLE-1"' in by_name  # the search box keeps what was typed
    by_trust = root.get(BASE, params={"q": "AWS Service: ec2"}).text
    assert "Roles (1)" in by_trust and ">app-server</a>" in by_trust and ">role-00</a>" not in by_trust
    searched = root.get(BASE, params={"q": "role-"}).text
    assert "1–25 of 30" in searched
    next_link = re.search(r'href="([^"]+)" rel="next"', searched)
    assert next_link is not None
    assert "26–30 of 30" in root.get(html.unescape(next_link.group(1))).text  # the search kept
    assert "No roles match." in root.get(BASE, params={"q": "nothing-like-this"}).text
