"""What credo asks STS for a keychain profile: ``DurationSeconds`` with ``exec --duration``, and no second MFA
code for a role whose device already made the base session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.cli.conftest import CREDO, AwsFiles, Result
from tests.cli.keychain_support import new_user_key, os_keychain_entries, os_keychain_env, run_on_terminal
from tests.cli.test_keychain_sessions import (
    ALICE,
    MFA_PRESENT,
    PYTHON_IDENTITY,
    add,
    allow,
    append_config,
    exec_identity,
    process_output,
    seconds_left,
    trust,
)
from tests.conftest import Server
from tests.mfa_support import DeviceClock, code, create_device, enable

Run = Callable[..., Result]


def test_duration_on_a_keychain_profile_is_get_session_tokens_duration(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, tmp_path: Path
) -> None:
    """``exec --duration 1h`` on a plain keychain profile: GetSessionToken with DurationSeconds=3600 — a fresh
    session of an hour, while the cached one (the server's default, 12 hours) is neither used nor replaced."""
    env = os_keychain_env(aws_files)
    add(credo, env, tmp_path, server, new_user_key(iam, "alice"))
    cached = process_output(credo, env, "dev")
    assert 11.9 * 3600 < seconds_left(cached["Expiration"]) <= 12 * 3600  # no DurationSeconds: the default
    fresh = exec_identity(credo, env, "dev", "--duration", "1h")
    assert fresh["Arn"] == ALICE
    assert fresh["Key"].startswith("ASIA") and fresh["Key"] != cached["AccessKeyId"]
    assert 3500 < seconds_left(fresh["Expiration"]) <= 3600
    assert os_keychain_entries(aws_files)["credo:session"]["dev"]["AccessKeyId"] == cached["AccessKeyId"]
    assert exec_identity(credo, env, "dev")["Key"] == cached["AccessKeyId"]


def test_role_with_the_base_sessions_device_asks_one_code(
    server: Server, iam: Any, clock: DeviceClock, aws_files: AwsFiles, credo: Run, tmp_path: Path
) -> None:
    """A role profile whose mfa_serial is the base profile's: one code, for GetSessionToken; AssumeRole is made
    from that MFA session without a second prompt, and the trust policy's MFA condition holds."""
    env = os_keychain_env(aws_files)
    key = new_user_key(iam, "alice", allow("sts:AssumeRole"))
    serial, seed = create_device(iam, "alice-phone")
    enable(iam, clock, "alice", serial, seed)
    role_arn = iam.create_role(RoleName="guarded", AssumeRolePolicyDocument=trust(ALICE, MFA_PRESENT))[
        "Role"
    ]["Arn"]
    add(credo, env, tmp_path, server, key, "--mfa-serial", serial)
    append_config(
        aws_files,
        f"[profile guarded]\nrole_arn = {role_arn}\nsource_profile = dev\nmfa_serial = {serial}\n"
        f"endpoint_url = {server.endpoint}\nregion = us-east-1\n",
    )
    prompt = f"Enter MFA code for {serial}: "
    argv = [CREDO, "exec", "guarded", "--", "python", "-c", PYTHON_IDENTITY]
    status, shown = run_on_terminal(argv, {**aws_files.env, **env}, [(prompt, code(seed, clock.step() + 1))])
    assert status == 0, shown
    assert shown.count("Enter MFA code") == 1
    assert "assumed-role/guarded/credo-" in shown
    entries = os_keychain_entries(aws_files)
    assert set(entries["credo:session"]) == {"dev"} and set(entries["credo:role-session"]) == {"guarded"}
