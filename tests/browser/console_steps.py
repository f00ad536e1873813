"""What a person does in the console, as Playwright steps: sign in and out, give MFA codes, save screenshots.

Controls are found by their label and role, as a screen reader would find them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyotp

from tests.conftest import Server
from tests.console.conftest import ROOT_EMAIL, ROOT_PASSWORD


def screenshot(page: Any, name: str) -> None:
    """Save ``<name>.png`` for docs/console.md when ``CREDO_SCREENSHOTS`` names a folder."""
    folder = os.environ.get("CREDO_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def expect_title(page: Any, title: str) -> None:
    from playwright.sync_api import expect

    expect(page).to_have_title(f"{title} | credo")


def go_to(page: Any, name: str, title: str | None = None) -> None:
    """Follow a link in the console's top navigation to the page titled ``title`` (the link's name unless told)."""
    page.get_by_role("navigation", name="Console").get_by_role("link", name=name, exact=True).click()
    expect_title(page, title or name)


def sign_in_root(page: Any, server: Server, shot: str | None = None) -> None:
    """Root signs in with the account's email address and lands on the dashboard."""
    page.goto(server.endpoint + "/")
    expect_title(page, "Sign in")
    page.get_by_role("link", name="Sign in as root user").click()
    if shot:
        screenshot(page, shot)
    page.get_by_label("Root user email address").fill(ROOT_EMAIL)
    page.get_by_label("Password").fill(ROOT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect_title(page, "IAM Dashboard")


def sign_in_user(page: Any, url: str, user: str, password: str) -> None:
    """An IAM user signs in on the account's sign-in URL (``/signin?account=…``); where it lands is the caller's check."""
    page.goto(url)
    page.get_by_label("IAM username").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect_title(page, "Sign in")


def server_time(server: Server) -> float:
    """The dev server's clock (tests move it), which decides which TOTP step is current."""
    return float(server.post("/_credo/clock", {"seconds": 0})["time"])


def totp(secret: str, moment: float) -> str:
    return str(pyotp.TOTP(secret).at(moment))


def enabling_codes(secret: str, server: Server) -> tuple[str, str]:
    """Two consecutive codes as a person reads them off the device: the previous step's, then the current one's.

    A pair that reached one step ahead would anchor the device's drift a step fast, and a
    later sign-in code read off the server's clock could then fall outside the window.
    """
    now = server_time(server)
    return totp(secret, now - 30), totp(secret, now)


def current_code(secret: str, server: Server) -> str:
    """The code the device shows now, by the server's (test-moved) clock."""
    return totp(secret, server_time(server))


def enter_mfa_code(page: Any, code: str, shot: str | None = None) -> None:
    """Answer the sign-in's MFA step and land on the dashboard."""
    expect_title(page, "Multi-factor authentication")
    if shot:
        screenshot(page, shot)
    page.get_by_label("MFA code").fill(code)
    page.get_by_role("button", name="Submit").click()
    expect_title(page, "IAM Dashboard")
