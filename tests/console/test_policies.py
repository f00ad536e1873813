"""Policies: the list by type, search and pages; create and edit with AWS's messages; versions,
attached entities, tags, delete; AWS managed policies read-only; CSRF and AccessDenied."""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.conftest import DEV_ACCOUNT, Server, allow
from tests.console.conftest import USER_PASSWORD, console_user, csrf_of, set_root_login, sign_in, sign_in_root

PAGE = "/console/policies"
DOCUMENT = json.dumps(allow("s3:GetObject"))
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
FORM = "application/x-www-form-urlencoded"


def local_arn(name: str) -> str:
    return f"arn:aws:iam::{DEV_ACCOUNT}:policy/{name}"


def as_root(server: Server, browser: httpx.Client) -> str:
    """Sign root in; the session's CSRF token."""
    set_root_login(server)
    sign_in_root(browser)
    return csrf_of(browser.get(PAGE))


def make_policy(iam: Any, name: str = "team-read", **kwargs: Any) -> str:
    return str(iam.create_policy(PolicyName=name, PolicyDocument=DOCUMENT, **kwargs)["Policy"]["Arn"])


def detail(browser: httpx.Client, policy_arn: str, **query: str) -> httpx.Response:
    return browser.get(f"{PAGE}/detail", params={"arn": policy_arn, **query})


def text_of(page: httpx.Response) -> str:
    return html.unescape(page.text)


def test_list_by_type_search_and_pages(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Type filter (ListPolicies Scope), search over name and description, Used as, pages that keep the filter."""
    as_root(server, browser)
    arn = make_policy(iam, Description="Read the team bucket")
    iam.create_user(UserName="bob")
    iam.attach_user_policy(UserName="bob", PolicyArn=arn)
    iam.put_user_permissions_boundary(UserName="bob", PermissionsBoundary=arn)

    local = text_of(browser.get(PAGE, params={"scope": "Local"}))
    assert "Policies (1)" in local and "team-read" in local and "AdministratorAccess" not in local
    assert "Customer managed" in local and "Read the team bucket" in local
    assert "Permissions policy (1), Permissions boundary (1)" in local
    found = text_of(browser.get(PAGE, params={"q": "team bucket"}))
    assert "Policies (1)" in found and "team-read" in found

    job = text_of(browser.get(PAGE, params={"scope": "AWS", "q": "ViewOnlyAccess"}))
    assert "AWS managed - job function" in job and "team-read" not in job
    first = text_of(browser.get(PAGE, params={"scope": "AWS"}))
    total = sum(len(page["Policies"]) for page in iam.get_paginator("list_policies").paginate(Scope="AWS"))
    assert total > 1000 and f"1–25 of {total}" in first  # every ListPolicies page was read
    assert 'href="/console/policies?scope=AWS&page=2"' in first
    second = text_of(browser.get(PAGE, params={"scope": "AWS", "page": "2"}))
    assert "26–50 of" in second and "Page 2 of" in second and "team-read" not in second
    # Only customer managed policies can be chosen for Delete.
    assert second.count('type="checkbox"') == 0 and local.count('type="checkbox"') == 1


def test_create_policy_invalid_then_valid(server: Server, iam: Any, browser: httpx.Client) -> None:
    """A bad document or name is refused beside the editor or name, all text kept; a good one is created."""
    token = as_root(server, browser)
    form = browser.get(f"{PAGE}/create")
    assert '"Sid": "Statement1"' in text_of(form) and "Policy editor" in form.text
    skeleton = json.loads(
        text_of(form).split('name="document" rows="20" spellcheck="false">')[1].split("</textarea>")[0]
    )
    bad = {
        "csrf_token": token,
        "document": json.dumps(skeleton),
        "name": "team-read",
        "description": "kept text",
    }
    refused = browser.post(f"{PAGE}/create", data=bad)
    assert refused.status_code == 400
    shown = text_of(refused)
    assert "Policy statement must contain actions." in shown
    assert "Statement 'Statement1' has no Action or NotAction entries." in shown
    assert "kept text" in shown and 'value="team-read"' in shown
    assert iam.list_policies(Scope="Local")["Policies"] == []

    named = browser.post(f"{PAGE}/create", data={**bad, "document": DOCUMENT, "name": "bad name!"})
    assert named.status_code == 400
    assert "Value 'bad name!' at 'policyName' failed to satisfy constraint" in text_of(named)

    more = browser.post(
        f"{PAGE}/create", data={**bad, "tag_key": "team", "tag_value": "blue", "step": "add-tag"}
    )
    assert more.status_code == 200 and 'value="team"' in more.text and 'id="tag-key-2"' in more.text
    assert iam.list_policies(Scope="Local")["Policies"] == []

    good = {**bad, "document": DOCUMENT, "tag_key": "team", "tag_value": "blue"}
    made = browser.post(f"{PAGE}/create", data=good)
    assert made.status_code == 303
    arn = local_arn("team-read")
    assert made.headers["location"] == f"{PAGE}/detail?arn={arn.replace(':', '%3A').replace('/', '%2F')}"
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    assert policy["Description"] == "kept text" and policy["Tags"] == [{"Key": "team", "Value": "blue"}]
    again = browser.post(f"{PAGE}/create", data=good)
    assert again.status_code == 409
    assert "A policy called team-read already exists. Duplicate names are not allowed." in text_of(again)


def test_edit_makes_new_default_and_asks_which_version_to_delete_at_five(
    server: Server, iam: Any, browser: httpx.Client
) -> None:
    """Edit saves a new default version; at five versions the chosen non-default one is deleted first."""
    token = as_root(server, browser)
    arn = make_policy(iam)
    editor = text_of(browser.get(f"{PAGE}/edit", params={"arn": arn}))
    assert '"s3:GetObject"' in editor and "choose a non-default version" not in editor
    new = json.dumps(allow("s3:ListBucket"))
    saved = browser.post(f"{PAGE}/edit", data={"csrf_token": token, "arn": arn, "document": new})
    assert saved.status_code == 303
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2"
    assert "s3:ListBucket" in detail(browser, arn).text

    for _ in range(3):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=DOCUMENT)
    editor = text_of(browser.get(f"{PAGE}/edit", params={"arn": arn}))
    assert "choose a non-default version to delete" in editor
    assert 'value="v1"' in editor and 'value="v2"' not in editor  # v2 is the default
    newest = json.dumps(allow("s3:PutObject"))
    unchosen = browser.post(f"{PAGE}/edit", data={"csrf_token": token, "arn": arn, "document": newest})
    assert unchosen.status_code == 409 and "A managed policy can have up to 5 versions." in text_of(unchosen)
    assert "s3:PutObject" in text_of(unchosen)
    malformed = browser.post(
        f"{PAGE}/edit", data={"csrf_token": token, "arn": arn, "document": "{", "delete_version": "v1"}
    )
    assert malformed.status_code == 400 and "Syntax errors in policy." in text_of(malformed)
    assert len(iam.list_policy_versions(PolicyArn=arn)["Versions"]) == 5
    chosen = browser.post(
        f"{PAGE}/edit", data={"csrf_token": token, "arn": arn, "document": newest, "delete_version": "v1"}
    )
    assert chosen.status_code == 303
    versions = {
        v["VersionId"]: v["IsDefaultVersion"] for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]
    }
    assert versions == {"v6": True, "v5": False, "v4": False, "v3": False, "v2": False}


def test_versions_view_set_default_and_delete(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Policy versions: view one's JSON, Set as default, Delete a non-default; the default's delete is refused."""
    token = as_root(server, browser)
    arn = make_policy(iam)
    iam.create_policy_version(
        PolicyArn=arn, PolicyDocument=json.dumps(allow("sqs:SendMessage")), SetAsDefault=True
    )
    page = text_of(detail(browser, arn, tab="versions", version="v1"))
    assert "Set as default v1" in page and "Set as default v2" not in page and '"s3:GetObject"' in page
    form = {"csrf_token": token, "arn": arn, "version": "v1"}
    assert browser.post(f"{PAGE}/set-default-version", data=form).status_code == 303
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"
    refused = browser.post(f"{PAGE}/delete-version", data=form)
    assert refused.status_code == 409 and "Cannot delete the default version of a policy." in refused.text
    assert browser.post(f"{PAGE}/delete-version", data={**form, "version": "v2"}).status_code == 303
    assert [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]] == ["v1"]


def test_entities_attached_detach_and_boundary(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Entities attached lists users, groups, roles and boundary users; Detach and Remove boundary act on them."""
    token = as_root(server, browser)
    arn = make_policy(iam)
    iam.create_user(UserName="bob")
    iam.create_user(UserName="carol")
    iam.create_group(GroupName="readers")
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=json.dumps(trust()))
    iam.attach_user_policy(UserName="bob", PolicyArn=arn)
    iam.attach_group_policy(GroupName="readers", PolicyArn=arn)
    iam.attach_role_policy(RoleName="worker", PolicyArn=arn)
    iam.put_user_permissions_boundary(UserName="carol", PermissionsBoundary=arn)
    page = detail(browser, arn, tab="entities").text
    for link in (
        "/console/users/bob",
        "/console/groups/readers",
        "/console/roles/worker",
        "/console/users/carol",
    ):
        assert f'href="{link}"' in page
    assert page.count(">Detach<") == 3 and page.count(">Remove boundary<") == 1

    form = {"csrf_token": token, "arn": arn}
    assert browser.post(f"{PAGE}/detach", data={**form, "kind": "users", "name": "bob"}).status_code == 303
    assert iam.list_attached_user_policies(UserName="bob")["AttachedPolicies"] == []
    assert browser.post(f"{PAGE}/detach", data={**form, "kind": "roles", "name": "worker"}).status_code == 303
    assert iam.list_attached_role_policies(RoleName="worker")["AttachedPolicies"] == []
    removed = browser.post(f"{PAGE}/remove-boundary", data={**form, "kind": "users", "name": "carol"})
    assert removed.status_code == 303 and "PermissionsBoundary" not in iam.get_user(UserName="carol")["User"]
    assert iam.list_attached_group_policies(GroupName="readers")["AttachedPolicies"] != []


def trust() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": DEV_ACCOUNT}, "Action": "sts:AssumeRole"}],
    }


def test_delete_detaches_and_drops_versions_first(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Delete (confirmed by name) detaches the policy everywhere and deletes its versions; a boundary blocks it."""
    token = as_root(server, browser)
    arn = make_policy(iam)
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=DOCUMENT, SetAsDefault=True)
    iam.create_user(UserName="bob")
    iam.create_group(GroupName="readers")
    iam.attach_user_policy(UserName="bob", PolicyArn=arn)
    iam.attach_group_policy(GroupName="readers", PolicyArn=arn)
    confirm = browser.get(f"{PAGE}/delete", params={"name": arn})
    assert "enter the policy name" in confirm.text
    mismatch = browser.post(f"{PAGE}/delete", data={"csrf_token": token, "name": arn, "confirm": "nope"})
    assert mismatch.status_code == 400
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 2
    done = browser.post(f"{PAGE}/delete", data={"csrf_token": token, "name": arn, "confirm": "team-read"})
    assert done.status_code == 303
    assert iam.list_policies(Scope="Local")["Policies"] == []
    assert iam.list_attached_user_policies(UserName="bob")["AttachedPolicies"] == []

    kept = make_policy(iam, "boundary")
    gone = make_policy(iam, "unused")
    iam.put_user_permissions_boundary(UserName="bob", PermissionsBoundary=kept)
    both = urlencode([("csrf_token", token), ("name", kept), ("name", gone), ("confirm", "delete")])
    partly = browser.post(f"{PAGE}/delete", content=both, headers={"content-type": FORM})
    assert partly.status_code == 409
    assert "boundary: Cannot delete a policy attached to entities." in partly.text
    assert [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]] == ["boundary"]


def test_tags_added_and_removed(server: Server, iam: Any, browser: httpx.Client) -> None:
    """The Tags tab adds a tag (TagPolicy) and removes one (UntagPolicy)."""
    token = as_root(server, browser)
    arn = make_policy(iam)
    form = {"csrf_token": token, "arn": arn}
    assert browser.post(f"{PAGE}/tag", data={**form, "key": "team", "value": "blue"}).status_code == 303
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert "Remove tag team" in detail(browser, arn, tab="tags").text
    assert browser.post(f"{PAGE}/untag", data={**form, "key": "team"}).status_code == 303
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == []


def test_aws_managed_is_read_only_and_bad_arns_refused(
    server: Server, iam: Any, browser: httpx.Client
) -> None:
    """An AWS managed policy shows its JSON without Edit or tag forms, and changes are refused; unknown and
    malformed ARNs get AWS's messages with 404 and 400."""
    token = as_root(server, browser)
    page = text_of(detail(browser, ADMIN))
    assert page.count("AWS managed") >= 1 and '"Action": "*"' in page and f"{PAGE}/edit" not in page
    assert 'action="/console/policies/tag"' not in detail(browser, ADMIN, tab="tags").text
    assert browser.get(f"{PAGE}/edit", params={"arn": ADMIN}).headers["location"].startswith(f"{PAGE}/detail")
    edit = browser.post(f"{PAGE}/edit", data={"csrf_token": token, "arn": ADMIN, "document": DOCUMENT})
    assert edit.status_code == 403 and "iam:CreatePolicyVersion on resource: policy " + ADMIN in text_of(edit)
    tag = browser.post(f"{PAGE}/tag", data={"csrf_token": token, "arn": ADMIN, "key": "a", "value": "b"})
    assert tag.status_code == 403
    missing = local_arn("nothing-here")
    unknown = detail(browser, missing)
    assert unknown.status_code == 404 and f"Policy {missing} was not found." in text_of(unknown)
    malformed = detail(browser, "this-is-not-an-arn-at-all")
    assert malformed.status_code == 400 and "ARN this-is-not-an-arn-at-all is not valid." in text_of(
        malformed
    )


@pytest.mark.parametrize("token", [None, "forged"])
def test_csrf_refused(server: Server, iam: Any, browser: httpx.Client, token: str | None) -> None:
    """Create, Delete and Set as default without the session's token: 403, nothing changed."""
    as_root(server, browser)
    arn = make_policy(iam)
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=DOCUMENT)
    sent = {} if token is None else {"csrf_token": token}
    created = browser.post(f"{PAGE}/create", data={**sent, "name": "other", "document": DOCUMENT})
    deleted = browser.post(f"{PAGE}/delete", data={**sent, "name": arn, "confirm": "team-read"})
    default = browser.post(f"{PAGE}/set-default-version", data={**sent, "arn": arn, "version": "v2"})
    assert [created.status_code, deleted.status_code, default.status_code] == [403, 403, 403]
    assert [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]] == ["team-read"]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"


def test_user_without_create_policy_sees_access_denied(
    server: Server, iam: Any, browser: httpx.Client
) -> None:
    """A user allowed to list but not iam:CreatePolicy: the list works, Create policy shows AWS's message, 403."""
    console_user(iam, "alice", policy=json.dumps(allow("iam:ListPolicies")))
    sign_in(browser, DEV_ACCOUNT, "alice", USER_PASSWORD)
    listing = browser.get(PAGE, params={"scope": "Local"})
    assert listing.status_code == 200
    refused = browser.post(
        f"{PAGE}/create", data={"csrf_token": csrf_of(listing), "name": "mine", "document": DOCUMENT}
    )
    assert refused.status_code == 403
    assert (
        f"User: arn:aws:iam::{DEV_ACCOUNT}:user/alice is not authorized to perform: iam:CreatePolicy on resource: "
        "policy mine because no identity-based policy allows the iam:CreatePolicy action"
    ) in text_of(refused)
    assert 'value="mine"' in refused.text
    assert iam.list_policies(Scope="Local")["Policies"] == []
