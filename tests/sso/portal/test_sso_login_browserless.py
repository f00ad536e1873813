"""`credo sso login` without a browser: `--no-browser` prints the URL as the aws CLI v2 does and
opens nothing; a browser that cannot be opened (``BROWSER`` naming one that fails) turns the
authorization code flow into the device code flow, saying so."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.cli.conftest import AwsFiles
from tests.conftest import Server
from tests.sso.portal.support import (
    Assigned,
    answer_device,
    caller_arn,
    credo_process,
    csrf_of,
    hidden_fields,
    read_until,
    sign_in,
    sso_config,
    url_in,
)

ROLE_PREFIX = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_AdministratorAccess_"


def _failing_browser(tmp_path: Path, aws_files: AwsFiles) -> tuple[dict[str, str], Path]:
    """An environment whose only browser is a script that writes down each URL it is given and
    fails (no display or terminal browsers either); and the file it writes to."""
    opened = tmp_path / "opened"
    script = tmp_path / "browser"
    script.write_text(f'#!/bin/sh\necho "$1" >> {opened}\nexit 1\n')
    script.chmod(0o755)
    env = {**aws_files.env, "BROWSER": str(script), "DISPLAY": "", "WAYLAND_DISPLAY": "", "TERM": ""}
    return env, opened


def test_a_browser_that_fails_falls_back_to_the_device_code(
    server: Server,
    alice: Assigned,
    aws_files: AwsFiles,
    browser: Callable[[], httpx.Client],
    tmp_path: Path,
) -> None:
    """The browser is tried with the /authorize URL; when it fails the login says so, prints the
    device page and code as `--no-browser` does, and finishes once the code is allowed."""
    aws_files.write(config=sso_config(server, "123456789012"))
    env, opened = _failing_browser(tmp_path, aws_files)
    process = credo_process(["sso", "login", "--profile", "dev"], env)
    try:
        lines = read_until(process.stdout, "/start/device?user_code=")  # type: ignore[arg-type]
        answer_device(browser(), url_in(lines, "/start/device?user_code="))
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    output = "".join(lines) + rest
    assert process.returncode == 0, output
    tried = opened.read_text().splitlines()
    assert len(tried) == 1 and "/authorize?" in tried[0]  # once, and never the device page
    assert "No web browser could be opened on this machine" in output
    assert "signing in with the device code flow instead" in output
    assert "Attempting to automatically open" not in output
    code = re.search(r"Then enter the code:\n\n(\S+)\n", output)
    assert code is not None, output
    assert (
        "Browser will not be automatically opened.\nPlease visit the following URL:\n\n"
        f"{server.endpoint}/start/device\n" in output
    )
    assert (
        "Alternatively, you may visit the following URL which will autofill the code upon loading:\n"
        f"{server.endpoint}/start/device?user_code={code.group(1)}\n" in output
    )
    assert f"Successfully logged into Start URL: {server.endpoint}/start" in output
    done = caller_arn("dev", aws_files.env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(ROLE_PREFIX)


def test_no_browser_prints_the_authorize_url_and_opens_nothing(
    server: Server,
    alice: Assigned,
    aws_files: AwsFiles,
    browser: Callable[[], httpx.Client],
    tmp_path: Path,
) -> None:
    """`--no-browser` keeps the authorization code flow: the aws CLI's print-only text with the
    /authorize URL, no browser started; the sign-in finishes when that URL is used elsewhere."""
    aws_files.write(config=sso_config(server, "123456789012"))
    env, opened = _failing_browser(tmp_path, aws_files)
    process = credo_process(["sso", "login", "--profile", "dev", "--no-browser"], env)
    try:
        lines = read_until(process.stdout, "/authorize?")  # type: ignore[arg-type]
        web = browser()
        consent = sign_in(web, url_in(lines, "/authorize?"))
        fields = {**hidden_fields(consent.text), "csrf_token": csrf_of(consent.text), "decision": "allow"}
        back = web.post("/authorize", data=fields)
        assert back.status_code == 200 and "Signed in" in back.text, back.text
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    output = "".join(lines) + rest
    assert process.returncode == 0, output
    assert output.startswith(
        "Browser will not be automatically opened.\nPlease visit the following URL:\n\n"
        f"{server.endpoint}/authorize?"
    )
    assert "Then enter the code" not in output and "device code" not in output
    assert not opened.exists()
    done = caller_arn("dev", aws_files.env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(ROLE_PREFIX)
