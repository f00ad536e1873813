"""The seed journey in a real browser: root sets up an administrator, who signs in, adds MFA, and gets a key the CLIs use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.browser.console_steps import (
    current_code,
    enabling_codes,
    enter_mfa_code,
    expect_title,
    go_to,
    screenshot,
    sign_in_root,
    sign_in_user,
    sign_out,
)
from tests.conftest import DEV_ACCOUNT, REGION, Server
from tests.console.conftest import set_root_login

CREDO = str(Path(sys.executable).with_name("credo"))
AWS = str(Path(sys.executable).with_name("aws"))
ALIAS = "my-team"
FIRST_PASSWORD = "First-Pass-2024!"
NEW_PASSWORD = "Brand-New-Pass-42"
BOM = "\ufeff"


def downloaded(page: Any, folder: Path) -> bytes:
    """Click **Download .csv file** and return the file the browser saved."""
    with page.expect_download() as info:
        page.get_by_role("link", name="Download .csv file").click()
    download = info.value
    path = folder / str(download.suggested_filename)
    download.save_as(path)
    return path.read_bytes()


def root_sets_up_account(page: Any) -> None:
    """Account settings: the alias users sign in with and a password policy letting them change theirs."""
    go_to(page, "Account settings")
    page.get_by_role("link", name="Create account alias").click()
    page.get_by_label("Preferred alias").fill(ALIAS)
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("link", name="Edit password policy").click()
    page.get_by_label("Custom", exact=True).check()
    page.get_by_label("Password minimum length").fill("12")
    page.get_by_label("Allow users to change their own password").check()
    page.get_by_role("button", name="Save changes").click()
    expect_title(page, "Account settings")
    screenshot(page, "account-settings")


def root_creates_administrators(page: Any) -> None:
    """User groups → Create group: Administrators with AWS's AdministratorAccess attached."""
    go_to(page, "User groups")
    page.get_by_role("link", name="Create group").click()
    page.get_by_label("User group name").fill("Administrators")
    policies = page.get_by_role("group", name="Attach permissions policies - Optional")
    policies.get_by_label("Search policies").fill("AdministratorAccess")
    policies.get_by_role("button", name="Search").click()
    page.get_by_role("group", name="Attach permissions policies - Optional").get_by_label(
        "AdministratorAccess", exact=True
    ).check()
    page.get_by_role("button", name="Create user group").click()
    go_to(page, "User groups")
    screenshot(page, "groups")
    page.get_by_role("link", name="Administrators", exact=True).click()
    page.get_by_role("link", name="Permissions").click()
    from playwright.sync_api import expect

    expect(page.get_by_role("link", name="AdministratorAccess", exact=True)).to_be_visible()
    screenshot(page, "group-detail")


def root_creates_user(page: Any, folder: Path) -> str:
    """The Create user wizard: console access, a custom password to change at first sign-in, in Administrators.

    Returns the console sign-in URL from the downloaded password file.
    """
    from playwright.sync_api import expect

    go_to(page, "Users")
    page.get_by_role("link", name="Create user").click()
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Provide user access to the AWS Management Console").check()
    page.get_by_label("Custom password", exact=True).check()
    page.get_by_label("Enter a custom password for the user").fill(FIRST_PASSWORD)
    page.get_by_label("User must create a new password at next sign-in").check()
    screenshot(page, "user-create")
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_label("Add user to group").check()
    page.get_by_label("Administrators", exact=True).check()
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.get_by_text("Add to group Administrators")).to_be_visible()
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("heading", name="User created successfully")).to_be_visible()
    screenshot(page, "user-create-password")
    body = downloaded(page, folder).decode()
    header, row, end = body.split("\r\n")
    user, password, signin_url = row.split(",")
    assert (header, user, password, end) == (
        f"{BOM}User name,Password,Console sign-in URL",
        "alice",
        FIRST_PASSWORD,
        "",
    )
    return signin_url


def user_assigns_mfa(page: Any, server: Server) -> str:
    """My security credentials → Assign MFA device with two consecutive codes; returns the secret."""
    from playwright.sync_api import expect

    go_to(page, "My security credentials")
    page.get_by_role("link", name="Assign MFA device").click()
    page.get_by_label("Device name").fill("alice-phone")
    page.get_by_label("Authenticator app").check()
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.get_by_role("heading", name="Set up device: alice-phone")).to_be_visible()
    secret_key = page.locator("#mfa-secret-key")
    expect(secret_key).to_be_hidden()
    screenshot(page, "assign-mfa")
    page.get_by_text("Show secret key").click()
    secret = secret_key.inner_text().strip()
    first, second = enabling_codes(secret, server)
    page.get_by_label("MFA code 1").fill(first)
    page.get_by_label("MFA code 2").fill(second)
    page.get_by_role("button", name="Add MFA").click()
    expect_title(page, "My security credentials")
    expect(page.get_by_role("heading", name="Multi-factor authentication (MFA) (1)")).to_be_visible()
    return secret


def user_creates_access_key(page: Any, folder: Path) -> tuple[str, str, Path]:
    """Create access key: the secret once, its CSV downloaded; reloading no longer shows it."""
    from playwright.sync_api import expect

    go_to(page, "My security credentials")
    page.get_by_role("button", name="Create access key").click()
    key_id = page.locator("#access-key-id").inner_text()
    secret = page.locator("#secret-access-key").inner_text()
    screenshot(page, "access-key-created")
    body = downloaded(page, folder)
    assert body == f"{BOM}Access key ID,Secret access key\r\n{key_id},{secret}\r\n".encode()
    page.reload()
    expect(page.get_by_text("The secret access key was shown once")).to_be_visible()
    assert secret not in page.content()
    page.get_by_role("link", name="Done").click()
    expect_title(page, "My security credentials")
    expect(page.get_by_role("cell", name=key_id)).to_be_visible()
    screenshot(page, "my-security-credentials")
    path = folder / "alice_accessKeys.csv"
    path.write_bytes(body)
    return key_id, secret, path


def cli(program: str, *args: str, home: Path) -> str:
    """Run ``credo`` or ``aws`` with only the files under ``home`` (no AWS_* from the test's environment)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(home / ".aws" / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
    )
    done = subprocess.run([program, *args], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_seed_journey(server: Server, new_page: Callable[[], Any], tmp_path: Path) -> None:
    """Root makes an administrator in the console; they sign in, change password, add MFA, and use a new key from the CLIs."""
    from playwright.sync_api import expect

    set_root_login(server)
    page = new_page()
    sign_in_root(page, server, shot="signin-root")
    expect(page.get_by_text(DEV_ACCOUNT, exact=True)).to_be_visible()
    expect(page.get_by_text("Add MFA for the root user.")).to_be_visible()
    screenshot(page, "dashboard")
    root_sets_up_account(page)
    root_creates_administrators(page)
    signin_url = root_creates_user(page, tmp_path)
    assert signin_url == f"{server.endpoint}/signin?account={ALIAS}"
    sign_out(page)

    page = new_page()
    sign_in_user(page, signin_url, "alice", FIRST_PASSWORD)
    expect_title(page, "Change password")
    screenshot(page, "change-password")
    page.get_by_label("Old password").fill(FIRST_PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Retype new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Confirm password change").click()
    expect_title(page, "IAM Dashboard")
    secret = user_assigns_mfa(page, server)
    sign_out(page)

    # The enabling codes used up this step: sign in a minute later, with the code of that moment.
    server.advance_clock(60)
    page.goto(signin_url)
    expect(page.get_by_label("Account ID or alias")).to_have_value(ALIAS)
    screenshot(page, "signin")
    sign_in_user(page, signin_url, "alice", NEW_PASSWORD)
    enter_mfa_code(page, current_code(secret, server), shot="mfa-code")
    go_to(page, "Users")
    expect(page.get_by_role("cell", name="alice", exact=True)).to_be_visible()
    screenshot(page, "users")
    key_id, _secret, csv_path = user_creates_access_key(page, tmp_path)

    go_to(page, "Users")
    page.get_by_role("link", name="alice", exact=True).click()
    page.get_by_role("navigation", name="User details").get_by_role(
        "link", name="Security credentials"
    ).click()
    expect(page.get_by_role("cell", name=key_id)).to_be_visible()
    expect(page.get_by_role("cell", name="Virtual")).to_be_visible()
    screenshot(page, "user-detail")

    home = tmp_path / "home"
    assert "Successfully imported 1 profile(s)" in cli(
        CREDO, "configure", "import", "--csv", f"file://{csv_path}", "--profile", "alice", home=home
    )
    cli(CREDO, "configure", "set", "endpoint_url", server.endpoint, "--profile", "alice", home=home)
    cli(CREDO, "configure", "set", "region", REGION, "--profile", "alice", home=home)
    listed = json.loads(cli(AWS, "iam", "list-users", "--profile", "alice", "--output", "json", home=home))
    assert [user["UserName"] for user in listed["Users"]] == ["alice"]
