"""Every console route, walked: CSRF on every POST, sign-in before every /console page, and every
page's title and labelled controls — read from the route table, so a new page is walked too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from tests.conftest import DEV_ACCOUNT, Server, allow
from tests.console.conftest import (
    ROOT_EMAIL,
    ROOT_PASSWORD,
    USER_PASSWORD,
    console_user,
    csrf_of,
    set_root_login,
    sign_in,
    sign_in_root,
)
from tests.console.route_walk_support import (
    Crawl,
    Form,
    changed_tables,
    crawl,
    fetch_unreached,
    new_token,
    route_of,
    route_table,
    snapshot,
    title_of,
    unlabelled_fields,
)
from tests.mfa_support import DeviceClock, code, create_device, enable
from tests.sso.conftest import Instance, make_user

ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
# Authenticated by what they carry (a sign-in token, an IdP's signed SAMLResponse), not by a
# console cookie, so a forged cross-site POST has nothing to ride on: no CSRF token by design.
NOT_COOKIE_AUTHENTICATED = {"/federation", "/saml"}
CATCH_ALL = "/console/{rest:path}"
SIGNED_IN_STEPS = {"/signin/mfa", "/signin/password", "/signout"}  # nothing to do without a session


@dataclass
class Walk:
    """A seeded account, browsers signed in every way, and what a crawl as the admin found."""

    server: Server
    routes: list[Route]
    admin: httpx.Client  # an IAM user with AdministratorAccess
    root: httpx.Client
    pending_mfa: httpx.Client  # password given, MFA code not yet
    pending_password: httpx.Client  # password given, must choose a new one
    mfa_seed: str
    found: Crawl
    strangers: list[httpx.Client]  # browsers made during the tests, closed with the module


def browser(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.endpoint, follow_redirects=False, timeout=30)


def seed(server: Server) -> list[str]:
    """One of everything a console page shows: users, group, role, policy, alias, Identity Center.

    Returns the seeded detail pages, so the crawl reaches them whatever the lists put first.
    """
    iam = server.client("iam")
    set_root_login(server)
    iam.create_account_alias(AccountAlias="walk-team")
    iam.update_account_password_policy(MinimumPasswordLength=10, AllowUsersToChangePassword=True)
    console_user(iam, "admin")
    iam.attach_user_policy(UserName="admin", PolicyArn=ADMIN_POLICY)
    document = json.dumps(allow("s3:ListBucket"))
    policy = iam.create_policy(PolicyName="WalkPolicy", PolicyDocument=document)["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=policy, PolicyDocument=json.dumps(allow("s3:*")))
    console_user(iam, "walker", policy=document)
    iam.attach_user_policy(UserName="walker", PolicyArn=policy)
    iam.put_user_permissions_boundary(UserName="walker", PermissionsBoundary=policy)
    iam.tag_user(UserName="walker", Tags=[{"Key": "team", "Value": "walk"}])
    iam.create_access_key(UserName="walker")
    iam.create_group(GroupName="Walkers")
    iam.add_user_to_group(GroupName="Walkers", UserName="walker")
    iam.attach_group_policy(GroupName="Walkers", PolicyArn=policy)
    iam.put_group_policy(GroupName="Walkers", PolicyName="inline", PolicyDocument=document)
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": DEV_ACCOUNT}, "Action": "sts:AssumeRole"}],
    }
    iam.create_role(RoleName="WalkRole", AssumeRolePolicyDocument=json.dumps(trust))
    iam.attach_role_policy(RoleName="WalkRole", PolicyArn=policy)
    iam.put_role_policy(RoleName="WalkRole", PolicyName="inline", PolicyDocument=document)
    sso, identitystore = server.client("sso-admin"), server.client("identitystore")
    (instance,) = sso.list_instances()["Instances"]
    store_id = instance["IdentityStoreId"]
    person = make_user(identitystore, Instance(instance["InstanceArn"], store_id), "walker")
    group = identitystore.create_group(IdentityStoreId=store_id, DisplayName="walkers")["GroupId"]
    identitystore.create_group_membership(
        IdentityStoreId=store_id, GroupId=group, MemberId={"UserId": person}
    )
    permission_set = sso.create_permission_set(InstanceArn=instance["InstanceArn"], Name="Walk")[
        "PermissionSet"
    ]["PermissionSetArn"]
    sso.attach_managed_policy_to_permission_set(
        InstanceArn=instance["InstanceArn"], PermissionSetArn=permission_set, ManagedPolicyArn=ADMIN_POLICY
    )
    sso.create_account_assignment(
        InstanceArn=instance["InstanceArn"],
        TargetId=DEV_ACCOUNT,
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=permission_set,
        PrincipalType="USER",
        PrincipalId=person,
    )
    return [
        "/console/users/walker",
        "/console/groups/Walkers",
        "/console/roles/WalkRole",
        f"/console/policies/detail?{httpx.QueryParams({'arn': policy})}",
        f"/console/identity-center/users/{person}",
        f"/console/identity-center/groups/{group}",
        f"/console/identity-center/permission-sets/{permission_set.rsplit('/', 1)[1]}",
        f"/console/identity-center/accounts/{DEV_ACCOUNT}",
    ]


@pytest.fixture(scope="module")
def walk(dev_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    """The dev server, seeded once for the module; every browser the walk uses, signed in."""
    server = dev_server
    server.reset()
    routes = route_table(tmp_path_factory.mktemp("routes"))
    seeded = seed(server)
    iam = server.client("iam")
    console_user(iam, "pending-mfa")
    serial, mfa_seed = create_device(iam)
    enable(iam, DeviceClock(server), "pending-mfa", serial, mfa_seed)
    console_user(iam, "pending-password", reset=True)
    clients = [browser(server) for _ in range(4)]
    admin, root, pending_mfa, pending_password = clients
    strangers: list[httpx.Client] = []
    try:
        assert sign_in(admin, "walk-team", "admin", USER_PASSWORD).headers["location"] == "/console/home"
        assert sign_in_root(root).headers["location"] == "/console/home"
        assert sign_in(pending_mfa, DEV_ACCOUNT, "pending-mfa", USER_PASSWORD).headers["location"] == (
            "/signin/mfa"
        )
        assert sign_in(pending_password, DEV_ACCOUNT, "pending-password", USER_PASSWORD).headers[
            "location"
        ] == ("/signin/password")
        switch_link = f"/switchrole?{httpx.QueryParams({'account': 'walk-team', 'roleName': 'WalkRole'})}"
        seeds = [route.path for route in routes if _walkable_get(route)] + seeded + [switch_link]
        found = crawl(admin, routes, seeds)
        fetch_unreached(admin, routes, found)
        yield Walk(server, routes, admin, root, pending_mfa, pending_password, mfa_seed, found, strangers)
    finally:
        for client in clients + strangers:
            client.close()


def _walkable_get(route: Route) -> bool:
    """A console page with no path parameter, reached by a signed-in admin's GET."""
    return "GET" in (route.methods or ()) and route.path.startswith("/console") and "{" not in route.path


def _posts(walk: Walk) -> list[Route]:
    return [
        route
        for route in walk.routes
        if "POST" in (route.methods or ()) and route.path not in NOT_COOKIE_AUTHENTICATED | {CATCH_ALL}
    ]


def _form_for(walk: Walk, route: Route) -> Form:
    """The form a page offers for ``route`` (as a person would send it), else the bare route."""
    for form in walk.found.forms:
        if route_of(walk.routes, form.action.split("?", 1)[0], "POST") is route:
            return form
    return Form(walk.found.fill(route.path), {})


def _signed_out_form(walk: Walk, path: str, fields: dict[str, str]) -> tuple[httpx.Client, Form, str]:
    """A fresh browser holding ``path``'s sign-in form (its cookie), the right details, and another browser's token."""
    client = browser(walk.server)
    walk.strangers.append(client)
    client.get(path)
    with browser(walk.server) as other:
        foreign = csrf_of(other.get(path))
    return client, Form(path, fields), foreign


def test_every_post_route_refuses_missing_and_forged_csrf_tokens(walk: Walk) -> None:
    """Each state-changing route answers 403 without a CSRF token, with a made-up one and with another
    session's, and the store is unchanged — even when the rest of the form is right."""
    root_token = csrf_of(walk.root.get("/console/home"))
    database = walk.server.extra["database_url"]
    before = snapshot(database)
    refused: dict[str, list[tuple[str, int]]] = {}
    for route in _posts(walk):
        foreign: str
        if route.path == "/signin":
            client, form, foreign = _signed_out_form(
                walk, "/signin", {"account": "walk-team", "username": "admin", "password": USER_PASSWORD}
            )
        elif route.path == "/signin/root":
            client, form, foreign = _signed_out_form(
                walk, "/signin/root", {"email": ROOT_EMAIL, "password": ROOT_PASSWORD}
            )
        elif route.path == "/signin/mfa":
            # The next step's code: the current one was spent enabling the device.
            unused = code(walk.mfa_seed, DeviceClock(walk.server).step() + 1)
            client, form, foreign = walk.pending_mfa, Form(route.path, {"code": unused}), root_token
        elif route.path == "/signin/password":
            new = {
                "old_password": USER_PASSWORD,
                "new_password": "Walk-New-Pass-1",
                "confirm_password": "Walk-New-Pass-1",
            }
            client, form, foreign = walk.pending_password, Form(route.path, new), root_token
        else:
            client, form, foreign = walk.admin, _form_for(walk, route), root_token
        for token in (None, new_token(), foreign):
            fields = {k: v for k, v in form.fields.items() if k != "csrf_token"}
            if token is not None:
                fields["csrf_token"] = token
            status = client.post(form.action, data=fields).status_code
            if status != 403:
                refused.setdefault(route.path, []).append((form.action, status))
    assert refused == {}
    assert changed_tables(before, snapshot(database)) == []
    # The sessions the refused requests rode on are still where they were.
    assert walk.admin.get("/console/home").status_code == 200
    assert walk.pending_mfa.get("/console/home").headers["location"] == "/signin/mfa"
    assert walk.pending_password.get("/console/home").headers["location"] == "/signin/password"


def test_every_console_path_signed_out_goes_to_signin(walk: Walk) -> None:
    """Signed out, every /console route (GET and POST, parameters filled), the sign-in's later steps and
    sign-out are a 303 to /signin, changing nothing."""
    database = walk.server.extra["database_url"]
    before = snapshot(database)
    wrong: list[tuple[str, str, int, str | None]] = []
    with browser(walk.server) as stranger:
        for route in walk.routes:
            if not route.path.startswith("/console") and route.path not in SIGNED_IN_STEPS:
                continue
            path = walk.found.fill(route.path)
            for method in sorted((route.methods or set()) - {"HEAD"}):
                response = stranger.request(
                    method, path, data={"csrf_token": new_token()} if method == "POST" else None
                )
                if response.status_code != 303 or response.headers.get("location") != "/signin":
                    wrong.append((method, path, response.status_code, response.headers.get("location")))
    assert wrong == []
    assert changed_tables(before, snapshot(database)) == []


def test_every_console_page_has_a_title_and_labelled_controls(walk: Walk) -> None:
    """A crawl as an admin (and root's, the pending sign-in's and the signed-out pages) finds a <title> on
    every page and no input, select or textarea without a <label> or aria-label."""
    pages = dict(walk.found.pages)
    assert len(pages) > 60, sorted(pages)  # the crawl really went through the console
    for path in [route.path for route in walk.routes if _walkable_get(route)]:
        pages[f"root {path}"] = walk.root.get(path)
    pages["mfa step"] = walk.pending_mfa.get("/signin/mfa")
    pages["new password step"] = walk.pending_password.get("/signin/password")
    with browser(walk.server) as stranger:
        for path in ("/signin", "/signin?account=walk-team", "/signin/root"):
            pages[f"signed out {path}"] = stranger.get(path)
    problems: dict[str, Any] = {}
    for where, response in pages.items():
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        if response.status_code >= 500:
            problems[where] = response.status_code
        elif not title_of(response.text):
            problems[where] = "no <title>"
        elif missing := unlabelled_fields(response.text):
            problems[where] = missing
    assert problems == {}
    # Every POST form on those pages carries the session's CSRF token.
    assert [form.action for form in walk.found.forms if "csrf_token" not in form.fields] == []
