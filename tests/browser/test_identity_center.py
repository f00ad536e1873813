"""IAM Identity Center in a real browser: root adds a user and a group, a permission set with
AdministratorAccess, assigns the group to the account, and finds the role Identity Center made."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.browser.console_steps import expect_title, go_to, screenshot, sign_in_root
from tests.conftest import DEV_ACCOUNT, Server
from tests.console.conftest import set_root_login

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def section_link(page: Any, name: str, title: str | None = None) -> None:
    """Follow a link of the section's own navigation."""
    page.get_by_role("navigation", name="IAM Identity Center").get_by_role(
        "link", name=name, exact=True
    ).click()
    expect_title(page, title or name)


def add_user(page: Any) -> None:
    section_link(page, "Users")
    page.get_by_role("link", name="Add user").click()
    expect_title(page, "Add user")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Email address").fill("alice@example.com")
    page.get_by_label("First name").fill("Alice")
    page.get_by_label("Last name").fill("Example")
    page.get_by_label("Display name").fill("Alice Example")
    page.get_by_role("button", name="Add user").click()
    expect_title(page, "alice")
    section_link(page, "Users")
    screenshot(page, "identity-center-users")


def create_group(page: Any) -> None:
    section_link(page, "Groups")
    page.get_by_role("link", name="Create group").click()
    page.get_by_label("Group name").fill("Admins")
    page.get_by_label("Description - optional").fill("People who run the accounts")
    page.get_by_role("group", name="Add users to group - optional").get_by_label("alice", exact=True).check()
    page.get_by_role("button", name="Create group").click()
    expect_title(page, "Admins")


def create_permission_set(page: Any) -> None:
    section_link(page, "Permission sets")
    page.get_by_role("link", name="Create permission set").click()
    page.get_by_label("Permission set name").fill("AdministratorAccess")
    page.get_by_label("Description - optional").fill("Full access for administrators")
    page.get_by_label("Session duration").select_option(label="8 hours")
    policies = page.get_by_role("group", name="AWS managed policies")
    policies.get_by_label("Search policies").fill("AdministratorAccess")
    policies.get_by_role("button", name="Search").click()
    page.get_by_role("group", name="AWS managed policies").get_by_label(
        "AdministratorAccess", exact=True
    ).check()
    screenshot(page, "identity-center-permission-set-create")
    page.get_by_role("button", name="Create permission set").click()
    expect_title(page, "AdministratorAccess")
    screenshot(page, "identity-center-permission-set")


def assign_group(page: Any) -> None:
    from playwright.sync_api import expect

    section_link(page, "AWS accounts")
    page.get_by_role("link", name=DEV_ACCOUNT, exact=True).click()
    page.get_by_role("link", name="Assign users or groups").click()
    page.get_by_role("group", name="Groups", exact=True).get_by_label("Admins", exact=True).check()
    page.get_by_role("group", name="Permission sets", exact=True).get_by_label(
        "AdministratorAccess", exact=True
    ).check()
    screenshot(page, "identity-center-assign")
    page.get_by_role("button", name="Submit").click()
    expect_title(page, DEV_ACCOUNT)
    expect(
        page.get_by_role("button", name="Remove access of Admins with AdministratorAccess")
    ).to_be_visible()
    screenshot(page, "identity-center-account")


def test_user_group_permission_set_assignment_and_the_role(
    server: Server, new_page: Callable[[], Any], chromium: Any
) -> None:
    """The whole setup in the console; the AWSReservedSSO_ role exists and its page offers no edit."""
    from playwright.sync_api import expect

    set_root_login(server)
    page = new_page()
    sign_in_root(page, server)
    go_to(page, "IAM Identity Center")
    screenshot(page, "identity-center")
    add_user(page)
    create_group(page)
    create_permission_set(page)
    assign_group(page)

    iam = server.client("iam")
    (role,) = iam.list_roles(PathPrefix="/aws-reserved/sso.amazonaws.com/")["Roles"]
    assert role["RoleName"].startswith("AWSReservedSSO_AdministratorAccess_")
    attached = iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [ADMIN]
    assert role["MaxSessionDuration"] == 8 * 3600

    go_to(page, "Roles")
    page.get_by_role("link", name=role["RoleName"], exact=True).click()
    expect_title(page, role["RoleName"])
    expect(page.get_by_text("This role is managed by IAM Identity Center")).to_be_visible()
    expect(page.get_by_role("link", name="Attach policies")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    screenshot(page, "identity-center-role")
