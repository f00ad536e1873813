"""The issue's journey end to end: the console's CSV → credo add → exec (MFA once) → login → rotate → doctor."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
from tests.cli.conftest import AWS, CREDO, AwsFiles
from tests.cli.keychain_support import (
    files_containing,
    key_only_csv,
    keychain_env,
    new_user_key,
    run_on_terminal,
)
from tests.cli.test_keychain_sessions import MFA_PRESENT, allow
from tests.conftest import Server
from tests.mfa_support import DeviceClock, code, create_device, enable

ACCOUNT = "123456789012"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"


def test_from_csv_to_exec_login_rotate_and_doctor(
    server: Server, iam: Any, clock: DeviceClock, aws_files: AwsFiles, tmp_path: Path
) -> None:
    """No secret reaches a plaintext file, MFA is asked once for exec and once for the new key, doctor finds mfa_arn."""
    policy = allow("iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys", condition=MFA_PRESENT)
    policy["Statement"].append({"Effect": "Allow", "Action": "sts:GetFederationToken", "Resource": "*"})
    key = new_user_key(iam, "alice", policy)
    serial, seed = create_device(iam, "alice-phone")
    enable(iam, clock, "alice", serial, seed)
    clock.move(60)  # past the codes enabling used
    step = clock.step()
    env = {**aws_files.env, **keychain_env(aws_files)}
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    csv_path = downloads / "alice_accessKeys.csv"
    csv_path.write_bytes(key_only_csv(key))
    prompt = f"Enter MFA code for {serial}: "

    status, shown = run_on_terminal(
        [CREDO, "add", "dev", "--from-csv", str(csv_path), "--endpoint-url", server.endpoint, "--region",
         "us-east-1", "--mfa-serial", serial], env, [],
    )  # fmt: skip
    assert status == 0, shown
    csv_path.unlink()
    status, shown = run_on_terminal(
        [CREDO, "exec", "dev", "--", AWS, "sts", "get-caller-identity"], env, [(prompt, code(seed, step))]
    )
    assert status == 0 and f'"Arn": "{ALICE}"' in shown, shown
    status, shown = run_on_terminal([CREDO, "exec", "dev", "--", AWS, "iam", "list-access-keys"], env, [])
    assert status == 0 and "Enter MFA code" not in shown and key.access_key_id in shown, shown

    status, shown = run_on_terminal([CREDO, "login", "dev", "--stdout"], env, [])
    assert status == 0, shown
    url = next(line for line in shown.splitlines() if line.startswith(f"{server.endpoint}/federation?"))
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        page = browser.get(url)
    assert f"arn:aws:sts::{ACCOUNT}:federated-user/alice" in page.text.split("</header>")[0]

    # The old key's MFA session is cached: one code, for the new key's session.
    status, shown = run_on_terminal([CREDO, "rotate", "dev"], env, [(prompt, code(seed, step + 1))])
    assert status == 0, shown
    [new_id] = [item["AccessKeyId"] for item in iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]]
    assert new_id != key.access_key_id and f"→ {new_id}." in shown
    status, shown = run_on_terminal([CREDO, "exec", "dev", "--", AWS, "sts", "get-caller-identity"], env, [])
    assert status == 0 and "Enter MFA code" not in shown and f'"Arn": "{ALICE}"' in shown, shown

    # The seeds' role example, pasted as is: doctor finds the mfa_arn botocore would ignore.
    with aws_files.config.open("a") as config:
        config.write(
            f"\n[profile admin]\nregion = us-east-1\nrole_arn = arn:aws:iam::{ACCOUNT}:role/resource-admin\n"
            f"source_profile = dev\nmfa_arn = {serial}\n"
        )
    status, shown = run_on_terminal([CREDO, "doctor", "--output", "json"], env, [])
    assert status == 1, shown
    report = json.loads(shown[shown.index("{") :])
    [finding] = [item for item in report["Findings"] if item["check"] == "unknown-key"]
    assert (finding["profile"], finding["fix"]) == ("admin", "rename mfa_arn to mfa_serial")
    given = subprocess.run(
        [CREDO, "exec", "dev", "--no-session", "--", "python", "-c", "import os; print(os.environ['AWS_SECRET_ACCESS_KEY'])"],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    for secret in (key.secret_access_key, given.stdout.strip()):
        assert files_containing(aws_files.home, secret) == []
