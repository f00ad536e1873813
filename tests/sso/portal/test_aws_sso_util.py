"""aws-sso-util (PyPI) against credo: it logs in with the device flow and populates profiles,
reaching the portal through botocore's AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import AwsFiles
from tests.conftest import Server
from tests.sso.portal.support import Assigned, answer_device, caller_arn, read_until

TOOL = str(Path(sys.executable).with_name("aws-sso-util"))


@pytest.mark.skipif(
    shutil.which(TOOL) is None, reason="aws-sso-util is not installed (pip install -e .[dev])"
)
def test_aws_sso_util_logs_in_and_populates(
    server: Server, alice: Assigned, aws_files: AwsFiles, browser: Callable[[], httpx.Client]
) -> None:
    """`aws-sso-util login` (device code, approved on credo's page) then `configure populate`
    writes a profile whose credential_process boto3 resolves as the role."""
    env = {
        **aws_files.env,
        "AWS_ENDPOINT_URL_SSO": server.endpoint,
        "AWS_ENDPOINT_URL_SSO_OIDC": server.endpoint,
        "AWS_ENDPOINT_URL_STS": server.endpoint,
        "PATH": f"{Path(TOOL).parent}:{aws_files.env.get('PATH', '')}",
    }
    start_url = server.endpoint + "/start"
    process = subprocess.Popen(
        [TOOL, "login", start_url, "us-east-1", "--headless"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        lines = read_until(process.stdout, "-")  # type: ignore[arg-type]
        while not any(re.fullmatch(r"[A-Z]{4}-[A-Z]{4}\n", line) for line in lines):
            lines += read_until(process.stdout, "-")  # type: ignore[arg-type]
        code = next(line.strip() for line in lines if re.fullmatch(r"[A-Z]{4}-[A-Z]{4}\n", line))
        answer_device(browser(), f"{server.endpoint}/start/device?user_code={code}")
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0 and "Login succeeded" in rest, "".join(lines) + rest
    populated = subprocess.run(
        [
            TOOL,
            "configure",
            "populate",
            "--sso-start-url",
            start_url,
            "--sso-region",
            "us-east-1",
            "--region",
            "us-east-1",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert populated.returncode == 0, populated.stderr
    assert "[profile 123456789012.AdministratorAccess]" in aws_files.config.read_text()
    resolved = caller_arn("123456789012.AdministratorAccess", env)
    assert resolved.returncode == 0, resolved.stderr
    assert resolved.stdout.startswith(
        "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_AdministratorAccess_"
    )
