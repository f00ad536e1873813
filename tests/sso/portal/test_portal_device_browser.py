"""The device verification page and the portal's MFA code step in headless Chromium: an MFA
device registered on the portal, then `credo sso login --use-device-code` approved (or denied)
from another browser that signs in with the password and the device's code, types the code the
terminal shows, checks it on the page and answers."""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Callable
from typing import Any

from tests.cli.conftest import AwsFiles
from tests.conftest import Server
from tests.mfa_support import DeviceClock, code, wrong_code
from tests.sso.portal.support import (
    PASSWORD,
    Assigned,
    caller_arn,
    credo_process,
    read_until,
    sso_config,
)


def _password_step(page: Any) -> None:
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _register_device(page: Any, server: Server, clock: DeviceClock) -> str:
    """Register MFA device "phone" on the portal's page; its secret key, as the page shows it."""
    from playwright.sync_api import expect

    page.goto(server.endpoint + "/start")
    _password_step(page)
    page.get_by_role("link", name="MFA devices").click()
    page.get_by_label("Device name").fill("phone")
    page.get_by_role("button", name="Next").click()
    page.get_by_text("Show secret key").click()
    seed = str(page.locator("#mfa-secret-key").inner_text()).strip()
    step = clock.step()
    page.get_by_label("MFA code 1").fill(code(seed, step - 1))
    page.get_by_label("MFA code 2").fill(code(seed, step))
    page.get_by_role("button", name="Assign MFA").click()
    expect(page.get_by_role("cell", name="phone", exact=True)).to_be_visible()
    # The codes registration used are spent: the sign-ins below use the next step's.
    clock.move(30)
    return seed


def _start_login(server: Server, aws_files: AwsFiles) -> tuple[subprocess.Popen[str], str, str]:
    """`credo sso login --use-device-code --no-browser` running; the page and code it prints."""
    aws_files.write(config=sso_config(server, "123456789012"))
    process = credo_process(
        ["sso", "login", "--use-device-code", "--no-browser", "--profile", "dev"], aws_files.env
    )
    lines = read_until(process.stdout, "autofill the code")  # type: ignore[arg-type]
    shown = "".join(lines)
    found = re.search(r"following URL:\n\n(\S+)\n\nThen enter the code:\n\n(\S+)\n", shown)
    assert found is not None, shown
    return process, found.group(1), found.group(2)


def test_allow_on_the_device_page_after_the_mfa_code(
    server: Server,
    alice: Assigned,
    aws_files: AwsFiles,
    new_page: Callable[[], Any],
    clock: DeviceClock,
) -> None:
    """Password, MFA code (a wrong one first), the typed user code shown back, Allow: the
    terminal's login finishes and boto3 acts as the role."""
    from playwright.sync_api import expect

    seed = _register_device(new_page(), server, clock)
    process, verification_uri, user_code = _start_login(server, aws_files)
    try:
        assert verification_uri == server.endpoint + "/start/device"
        page = new_page()
        page.goto(verification_uri)
        _password_step(page)
        expect(page.get_by_role("heading", name="Multi-factor authentication")).to_be_visible()
        step = clock.step()
        page.get_by_label("MFA code").fill(wrong_code(seed, step))
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_contain_text("Your authentication information is incorrect")
        page.get_by_label("MFA code").fill(code(seed, step))
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Authorize request")).to_be_visible()
        page.get_by_label("Code").fill(user_code)
        page.get_by_role("button", name="Next").click()
        expect(page.locator("#user-code")).to_have_text(user_code)
        expect(page.get_by_text("is asking for access to your AWS accounts and roles")).to_be_visible()
        page.get_by_role("button", name="Allow").click()
        expect(page.get_by_role("status")).to_contain_text("Request approved.")
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, rest
    done = caller_arn("dev", aws_files.env)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(
        r"arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}/alice\n",
        done.stdout,
    )


def test_deny_on_the_device_page_fails_the_login(
    server: Server,
    alice: Assigned,
    aws_files: AwsFiles,
    new_page: Callable[[], Any],
    clock: DeviceClock,
) -> None:
    """The autofilled URL shows the code at once; Deny ends the terminal's login with the refusal."""
    from playwright.sync_api import expect

    seed = _register_device(new_page(), server, clock)
    process, _, user_code = _start_login(server, aws_files)
    try:
        page = new_page()
        page.goto(f"{server.endpoint}/start/device?user_code={user_code}")
        _password_step(page)
        page.get_by_label("MFA code").fill(code(seed, clock.step()))
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#user-code")).to_have_text(user_code)
        page.get_by_role("button", name="Deny").click()
        expect(page.get_by_role("status")).to_contain_text("Request denied.")
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 255 and "The sign-in request was denied on the portal." in rest
    token = aws_files.home / ".aws" / "sso" / "cache" / (hashlib.sha1(b"corp").hexdigest() + ".json")
    assert not token.exists()
