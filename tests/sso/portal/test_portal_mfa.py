"""Portal MFA for identity store users: Register MFA device (QR code, secret key, two codes), the
sign-in's MFA code (single use, lockout after wrong codes), removal from the portal and by
`credo sso admin reset-mfa`, and `credo sso login` through the device page for a user with a device."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable

import httpx

from credo.console.signin_routes import INCORRECT, THROTTLED
from credo.iam import mfa
from tests.cli.conftest import AwsFiles
from tests.conftest import CREDO, Server
from tests.mfa_support import DeviceClock, code, wrong_code
from tests.sso.portal.support import (
    Assigned,
    caller_arn,
    credo_process,
    csrf_of,
    field_of,
    read_until,
    sign_in,
    sso_config,
    url_in,
)

DEVICES = "/start/mfa-devices"
SEED = re.compile(r'<code id="mfa-secret-key">([A-Z2-7]+)</code>')


def register(web: httpx.Client, clock: DeviceClock, name: str = "phone") -> str:
    """Register MFA device as the signed-in user; the device's seed (as the page shows it)."""
    page = web.get(DEVICES)
    made = web.post(DEVICES, data={"csrf_token": csrf_of(page.text), "step": "create", "device_name": name})
    assert made.status_code == 200 and "Set up device: " + name in made.text, made.text
    assert "<svg" in made.text
    found = SEED.search(made.text)
    assert found is not None, made.text
    seed = found.group(1)
    step = clock.step()
    enabled = web.post(
        DEVICES,
        data={
            "csrf_token": csrf_of(made.text),
            "step": "enable",
            "code1": code(seed, step - 1),
            "code2": code(seed, step),
        },
    )
    assert enabled.status_code == 200, enabled.text
    assert "Registered devices" in enabled.text and "Set up device" not in enabled.text
    assert name in enabled.text and seed not in enabled.text
    return seed


def to_code_step(web: httpx.Client, url: str = "/start") -> httpx.Response:
    """Sign in with the password; the MFA code page it leads to."""
    page = sign_in(web, url)
    assert page.url.path == "/start/mfa" and "MFA code" in page.text, page.text
    return page


def send_code(web: httpx.Client, page: httpx.Response, value: str) -> httpx.Response:
    return web.post(
        "/start/mfa",
        data={"csrf_token": csrf_of(page.text), "next": field_of(page.text, "next"), "code": value},
    )


def test_register_then_every_sign_in_needs_a_fresh_code(
    server: Server, alice: Assigned, browser: Callable[[], httpx.Client], clock: DeviceClock
) -> None:
    web = browser()
    assert "123456789012" in sign_in(web, "/start").text
    # Two codes that are not consecutive codes of the device are refused, and the setup stays.
    page = web.get(DEVICES)
    made = web.post(DEVICES, data={"csrf_token": csrf_of(page.text), "step": "create", "device_name": "bad!"})
    assert made.status_code == 400 and "Maximum 128 characters" in made.text
    seed = register(web, clock)
    step = clock.step()

    other = browser()
    waiting = to_code_step(other)
    # Waiting for the code, the sign-in reaches nothing: /start shows the sign-in form again.
    assert "/start/signin" in other.get("/start").text
    assert other.get(DEVICES).url.path == "/start"
    refused = send_code(other, waiting, wrong_code(seed, step))
    assert refused.status_code == 401 and INCORRECT in refused.text
    # The code registration used last is spent; the next step's is good once.
    clock.move(30)
    fresh = code(seed, step + 1)
    done = send_code(other, refused, fresh)
    assert done.status_code == 200 and "123456789012" in done.text, done.text

    third = browser()
    replayed = send_code(third, to_code_step(third), fresh)
    assert replayed.status_code == 401 and INCORRECT in replayed.text


def test_wrong_codes_lock_the_device_then_age_out(
    server: Server, alice: Assigned, browser: Callable[[], httpx.Client], clock: DeviceClock
) -> None:
    web = browser()
    sign_in(web, "/start")
    seed = register(web, clock)
    other = browser()
    page = to_code_step(other)
    clock.move(30)
    step = clock.step()
    for _ in range(5):
        page = send_code(other, page, wrong_code(seed, step))
        assert page.status_code == 401 and INCORRECT in page.text
    locked = send_code(other, page, code(seed, step))
    assert locked.status_code == 401 and THROTTLED in locked.text
    clock.move(301)
    again = browser()
    done = send_code(again, to_code_step(again), code(seed, clock.step()))
    assert done.status_code == 200 and "123456789012" in done.text, done.text


def test_registration_codes_checked_and_devices_removed(
    server: Server, alice: Assigned, browser: Callable[[], httpx.Client], clock: DeviceClock
) -> None:
    web = browser()
    sign_in(web, "/start")
    page = web.get(DEVICES)
    made = web.post(
        DEVICES, data={"csrf_token": csrf_of(page.text), "step": "create", "device_name": "phone"}
    )
    found = SEED.search(made.text)
    assert found is not None
    seed, step = found.group(1), clock.step()
    # Two codes of the same step are not consecutive.
    same = web.post(
        DEVICES,
        data={
            "csrf_token": csrf_of(made.text),
            "step": "enable",
            "code1": code(seed, step),
            "code2": code(seed, step),
        },
    )
    assert same.status_code == 400 and mfa.INVALID_CODES in same.text
    assert seed in same.text  # the setup is still there to retry
    cancelled = web.post(DEVICES, data={"csrf_token": csrf_of(same.text), "step": "cancel"})
    assert "You have no MFA devices" in cancelled.text and seed not in cancelled.text

    register(web, clock, "laptop")
    listing = web.get(DEVICES)
    device_id = field_of(listing.text, "device_id")
    removed = web.post(
        f"{DEVICES}/remove", data={"csrf_token": csrf_of(listing.text), "device_id": device_id}
    )
    assert "You have no MFA devices" in removed.text
    assert "123456789012" in sign_in(browser(), "/start").text  # no code asked any more

    register(web, clock, "phone2")
    to_code_step(browser())
    reset = subprocess.run(
        [CREDO, "sso", "admin", "reset-mfa", "alice", "--database-url", server.extra["database_url"]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert reset.returncode == 0, reset.stderr
    assert "1 MFA device(s) removed for alice" in reset.stdout
    assert "/start/signin" in web.get("/start").text  # the reset ended alice's sign-ins
    assert "123456789012" in sign_in(browser(), "/start").text
    unknown = subprocess.run(
        [CREDO, "sso", "admin", "reset-mfa", "nobody", "--database-url", server.extra["database_url"]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unknown.returncode == 1 and "no user named nobody" in unknown.stderr


def test_sso_login_through_the_device_page_with_mfa(
    server: Server,
    alice: Assigned,
    aws_files: AwsFiles,
    browser: Callable[[], httpx.Client],
    clock: DeviceClock,
) -> None:
    """`credo sso login --use-device-code`: the device page's sign-in asks for the code, then Allow."""
    setup = browser()
    sign_in(setup, "/start")
    seed = register(setup, clock)
    clock.move(30)
    aws_files.write(config=sso_config(server, "123456789012"))
    process = credo_process(
        ["sso", "login", "--use-device-code", "--no-browser", "--profile", "dev"], aws_files.env
    )
    try:
        lines = read_until(process.stdout, "/start/device?user_code=")  # type: ignore[arg-type]
        web = browser()
        page = to_code_step(web, url_in(lines, "/start/device?user_code="))
        device_page = send_code(web, page, code(seed, clock.step()))
        assert device_page.url.path == "/start/device" and "Allow" in device_page.text, device_page.text
        allowed = web.post(
            "/start/device",
            data={
                "csrf_token": csrf_of(device_page.text),
                "user_code": field_of(device_page.text, "user_code"),
                "decision": "allow",
            },
        )
        assert allowed.status_code == 200, allowed.text
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, "".join(lines) + rest
    done = caller_arn("dev", aws_files.env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("/alice")
