"""Assign MFA device (QR code, secret key, two codes) and Remove, for another user and for oneself."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import httpx
import pytest

from credo.iam import mfa
from tests.conftest import DEV_ACCOUNT, Server, allow
from tests.console.conftest import USER_PASSWORD, console_user, csrf_of, set_root_login, sign_in, sign_in_root
from tests.mfa_support import DeviceClock, code, create_device, enable, wrong_code

SELF = "/console/security-credentials"
SEED = re.compile(r'<code id="mfa-secret-key">([A-Z2-7]+)</code>')
# AWS's documented self-service MFA policy (any device name), without its MFA condition.
SELF_SERVICE_MFA = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["iam:CreateVirtualMFADevice", "iam:DeleteVirtualMFADevice"],
            "Resource": "arn:aws:iam::*:mfa/*",
        },
        {
            "Effect": "Allow",
            "Action": ["iam:EnableMFADevice", "iam:ListMFADevices", "iam:DeactivateMFADevice"],
            "Resource": "arn:aws:iam::*:user/${aws:username}",
        },
    ],
}


def as_root(server: Server, browser: httpx.Client) -> None:
    set_root_login(server)
    assert sign_in_root(browser).status_code == 303


def start_setup(browser: httpx.Client, base: str, name: str = "phone") -> httpx.Response:
    """Step 1 (device name), then the setup page it redirects to."""
    form = browser.get(f"{base}/mfa/assign")
    made = browser.post(
        f"{base}/mfa/assign", data={"csrf_token": csrf_of(form), "step": "create", "device_name": name}
    )
    assert made.status_code == 303, made.text
    assert made.headers["location"] == f"{base}/mfa/assign"
    return browser.get(made.headers["location"])


def add_mfa(browser: httpx.Client, base: str, page: httpx.Response, codes: tuple[str, str]) -> httpx.Response:
    return browser.post(
        f"{base}/mfa/assign",
        data={"csrf_token": csrf_of(page), "step": "enable", "code1": codes[0], "code2": codes[1]},
    )


def serials(iam: Any, user: str) -> list[str]:
    return [device["SerialNumber"] for device in iam.list_mfa_devices(UserName=user)["MFADevices"]]


def virtual_serials(iam: Any) -> list[str]:
    return [device["SerialNumber"] for device in iam.list_virtual_mfa_devices()["VirtualMFADevices"]]


def test_assign_to_another_user_by_qr_code(
    server: Server, iam: Any, browser: httpx.Client, clock: DeviceClock
) -> None:
    """Root assigns bob a device: inline SVG QR of the API's URI, secret under Show secret key, retry, enable."""
    console_user(iam, "bob")
    as_root(server, browser)
    base = "/console/users/bob"
    first = browser.get(f"{base}/mfa/assign")
    for label in ("Device name", "Authenticator app", "Next"):
        assert label in first.text
    setup = start_setup(browser, base)
    seed = SEED.search(setup.text).group(1)  # type: ignore[union-attr]
    svg = re.search(r"<svg.*?</svg>", setup.text, re.S).group(0)  # type: ignore[union-attr]
    for external in ("href", "<image", "url(", "<script", "style="):
        assert external not in svg
    # The QR code holds the same otpauth:// URI as CreateVirtualMFADevice's QRCodePNG.
    expected = mfa.qr_code(mfa.otpauth_uri("phone", DEV_ACCOUNT, seed)).svg_inline(
        scale=5, dark="#000", light="#fff"
    )
    assert re.search(r' d="([^"]+)"', svg).group(1) == re.search(r' d="([^"]+)"', expected).group(1)  # type: ignore[union-attr]
    # The secret appears once on the page, inside the closed Show secret key element.
    assert setup.text.count(seed) == 1
    assert re.search(
        r"<details>\s*<summary>Show secret key</summary>\s*<code id=\"mfa-secret-key\">", setup.text
    )
    for label in ("MFA code 1", "MFA code 2", "Add MFA"):
        assert label in setup.text
    # Another console session (root again, elsewhere) does not get this setup or its seed.
    with httpx.Client(base_url=server.endpoint, follow_redirects=False) as elsewhere:
        sign_in_root(elsewhere)
        other = elsewhere.get(f"{base}/mfa/assign")
        assert seed not in other.text and "Device name" in other.text

    step = clock.step()
    wrong = add_mfa(browser, base, setup, (wrong_code(seed, step - 1), wrong_code(seed, step)))
    assert wrong.status_code == 403
    assert "Authentication code for device is not valid." in wrong.text
    assert seed in wrong.text and serials(iam, "bob") == []

    clock.move(30)
    step = clock.step()
    added = add_mfa(browser, base, wrong, (code(seed, step - 1), code(seed, step)))
    assert added.status_code == 303
    assert added.headers["location"] == "/console/users/bob?tab=security_credentials"
    assert serials(iam, "bob") == [f"arn:aws:iam::{DEV_ACCOUNT}:mfa/phone"]
    again = browser.get(f"{base}/mfa/assign")
    assert seed not in again.text and "Device name" in again.text
    assert seed not in server.log()

    with httpx.Client(base_url=server.endpoint, follow_redirects=False) as bob:
        assert sign_in(bob, DEV_ACCOUNT, "bob", USER_PASSWORD).headers["location"] == "/signin/mfa"


def test_assign_and_remove_own_device(
    server: Server, iam: Any, browser: httpx.Client, clock: DeviceClock
) -> None:
    """A user with AWS's self-service MFA policy assigns, lists and removes their own device."""
    console_user(iam, "alice", policy=json.dumps(SELF_SERVICE_MFA))
    sign_in(browser, DEV_ACCOUNT, "alice", USER_PASSWORD)
    listing = browser.get(SELF)
    assert "Multi-factor authentication (MFA) (0)" in listing.text and "Assign MFA device" in listing.text
    setup = start_setup(browser, SELF, "alice-phone")
    seed = SEED.search(setup.text).group(1)  # type: ignore[union-attr]
    step = clock.step()
    added = add_mfa(browser, SELF, setup, (code(seed, step - 1), code(seed, step)))
    assert added.status_code == 303 and added.headers["location"] == SELF
    serial = f"arn:aws:iam::{DEV_ACCOUNT}:mfa/alice-phone"
    assert serials(iam, "alice") == [serial]
    listing = browser.get(SELF)
    assert serial in listing.text and seed not in listing.text

    token = csrf_of(listing)
    confirm = browser.post(f"{SELF}/mfa/remove", data={"csrf_token": token, "serial": serial})
    assert confirm.status_code == 200 and "enter <em>remove</em>" in confirm.text
    assert serials(iam, "alice") == [serial]
    typo = browser.post(
        f"{SELF}/mfa/remove", data={"csrf_token": token, "serial": serial, "confirm": "delete"}
    )
    assert typo.status_code == 400 and serials(iam, "alice") == [serial]
    removed = browser.post(
        f"{SELF}/mfa/remove", data={"csrf_token": token, "serial": serial, "confirm": "remove"}
    )
    assert removed.status_code == 303 and removed.headers["location"] == SELF
    assert serials(iam, "alice") == [] and virtual_serials(iam) == []


def test_remove_from_another_user_then_sign_in_without_code(
    server: Server, iam: Any, browser: httpx.Client, clock: DeviceClock
) -> None:
    """Root removes bob's device (deactivated and deleted); bob then signs in without an MFA code."""
    console_user(iam, "bob")
    serial, seed = create_device(iam)
    enable(iam, clock, "bob", serial, seed)
    as_root(server, browser)
    token = csrf_of(browser.get("/console/users/bob/mfa/assign"))
    removed = browser.post(
        "/console/users/bob/mfa/remove", data={"csrf_token": token, "serial": serial, "confirm": "remove"}
    )
    assert removed.headers["location"] == "/console/users/bob?tab=security_credentials"
    assert serials(iam, "bob") == [] and virtual_serials(iam) == []
    with httpx.Client(base_url=server.endpoint, follow_redirects=False) as bob:
        assert sign_in(bob, DEV_ACCOUNT, "bob", USER_PASSWORD).headers["location"] == "/console/home"


def test_cancel_deletes_the_unassigned_device(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Cancel in the setup step deletes the device just made; the wizard starts over."""
    console_user(iam, "bob")
    as_root(server, browser)
    setup = start_setup(browser, "/console/users/bob")
    assert len(virtual_serials(iam)) == 1
    cancelled = browser.post(
        "/console/users/bob/mfa/assign", data={"csrf_token": csrf_of(setup), "step": "cancel"}
    )
    assert cancelled.headers["location"] == "/console/users/bob?tab=security_credentials"
    assert virtual_serials(iam) == []
    assert "Device name" in browser.get("/console/users/bob/mfa/assign").text


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("my phone", "Maximum 128 characters. Use alphanumeric and &#39;+ = , . @ - _&#39; characters."),
        ("x" * 129, "Maximum 128 characters."),
    ],
)
def test_device_name_rules(server: Server, iam: Any, browser: httpx.Client, name: str, shown: str) -> None:
    """A name outside AWS's console rules is refused beside the field, kept, and nothing is created."""
    console_user(iam, "bob")
    as_root(server, browser)
    form = browser.get("/console/users/bob/mfa/assign")
    refused = browser.post(
        "/console/users/bob/mfa/assign",
        data={"csrf_token": csrf_of(form), "step": "create", "device_name": name},
    )
    assert refused.status_code == 400 and shown in refused.text
    assert f'value="{html.escape(name)}"' in refused.text
    assert virtual_serials(iam) == []


def test_user_at_the_device_limit_gets_aws_message(
    server: Server, iam: Any, browser: httpx.Client, clock: DeviceClock
) -> None:
    """With 8 devices, Next shows AWS's quota message and creates no ninth device."""
    console_user(iam, "bob")
    for number in range(mfa.MAX_DEVICES_PER_USER):
        enable(iam, clock, "bob", *create_device(iam, f"device{number}"))
    as_root(server, browser)
    form = browser.get("/console/users/bob/mfa/assign")
    refused = browser.post(
        "/console/users/bob/mfa/assign",
        data={"csrf_token": csrf_of(form), "step": "create", "device_name": "ninth"},
    )
    assert refused.status_code == 409
    assert "Cannot exceed quota for MFADevicesPerUser: 8" in refused.text
    assert len(virtual_serials(iam)) == mfa.MAX_DEVICES_PER_USER


def test_root_is_told_it_cannot_assign_its_own(server: Server, browser: httpx.Client) -> None:
    """credo has no API that assigns root an MFA device: the page says so instead of a form."""
    as_root(server, browser)
    page = browser.get(f"{SELF}/mfa/assign")
    assert "EnableMFADevice, which takes an IAM user name" in page.text
    assert 'name="device_name"' not in page.text
    assert "credo cannot assign an MFA device to the root user" in browser.get(SELF).text


def test_forms_without_the_csrf_token_change_nothing(
    server: Server, iam: Any, browser: httpx.Client, clock: DeviceClock
) -> None:
    """Create, enable and remove without a valid token: 403, no device made, enabled or removed."""
    console_user(iam, "bob")
    as_root(server, browser)
    base = "/console/users/bob"
    for token in (None, "wrong"):
        data = {"step": "create", "device_name": "phone"} | ({"csrf_token": token} if token else {})
        assert browser.post(f"{base}/mfa/assign", data=data).status_code == 403
    assert virtual_serials(iam) == []
    setup = start_setup(browser, base)
    seed = SEED.search(setup.text).group(1)  # type: ignore[union-attr]
    step = clock.step()
    codes = {"step": "enable", "code1": code(seed, step - 1), "code2": code(seed, step)}
    assert browser.post(f"{base}/mfa/assign", data={**codes, "csrf_token": "wrong"}).status_code == 403
    assert serials(iam, "bob") == []
    assert add_mfa(browser, base, setup, (codes["code1"], codes["code2"])).status_code == 303
    [serial] = serials(iam, "bob")
    forged = browser.post(
        f"{base}/mfa/remove", data={"serial": serial, "confirm": "remove", "csrf_token": "x"}
    )
    assert forged.status_code == 403 and serials(iam, "bob") == [serial]


def test_user_without_create_virtual_mfa_device_sees_access_denied(
    server: Server, iam: Any, browser: httpx.Client
) -> None:
    """Without iam:CreateVirtualMFADevice, Next shows AWS's AccessDenied message with 403."""
    console_user(iam, "bob")
    console_user(iam, "carol", policy=json.dumps(allow("iam:ListMFADevices")))
    sign_in(browser, DEV_ACCOUNT, "carol", USER_PASSWORD)
    form = browser.get("/console/users/bob/mfa/assign")
    refused = browser.post(
        "/console/users/bob/mfa/assign",
        data={"csrf_token": csrf_of(form), "step": "create", "device_name": "phone"},
    )
    assert refused.status_code == 403
    assert (
        f"User: arn:aws:iam::{DEV_ACCOUNT}:user/carol is not authorized to perform: "
        f"iam:CreateVirtualMFADevice on resource: arn:aws:iam::{DEV_ACCOUNT}:mfa/phone"
    ) in refused.text
    assert virtual_serials(iam) == []


def test_unknown_user_gets_no_device(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Assigning to a user that does not exist shows NoSuchEntity (404) and leaves no stray device."""
    as_root(server, browser)
    form = browser.get("/console/users/nobody/mfa/assign")
    refused = browser.post(
        "/console/users/nobody/mfa/assign",
        data={"csrf_token": csrf_of(form), "step": "create", "device_name": "phone"},
    )
    assert refused.status_code == 404 and "The user with name nobody cannot be found." in refused.text
    assert virtual_serials(iam) == []
