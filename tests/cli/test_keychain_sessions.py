"""Short-lived credentials from keychain profiles: GetSessionToken with MFA asked once, roles assumed from it."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.cli.conftest import AWS, CREDO, AwsFiles, Result
from tests.cli.keychain_support import IamKey, key_only_csv, keychain_env, new_user_key, run_on_terminal
from tests.conftest import Server
from tests.mfa_support import DeviceClock, code, create_device, enable, wrong_code

Run = Callable[..., Result]
ACCOUNT = "123456789012"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
PYTHON_IDENTITY = (
    "import boto3, json, os; "
    "print(json.dumps({'Arn': boto3.client('sts').get_caller_identity()['Arn'], "
    "'Key': os.environ['AWS_ACCESS_KEY_ID'], 'Expiration': os.environ['AWS_CREDENTIAL_EXPIRATION']}))"
)


@pytest.fixture
def kc(aws_files: AwsFiles) -> dict[str, str]:
    return keychain_env(aws_files)


def allow(*actions: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": list(actions), "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


MFA_PRESENT = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def trust(principal: str, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def add(credo: Run, kc: dict[str, str], tmp_path: Path, server: Server, key: IamKey, *extra: str) -> None:
    path = tmp_path / "accessKeys.csv"
    path.write_bytes(key_only_csv(key))
    result = credo(
        "add",
        "dev",
        "--from-csv",
        str(path),
        "--endpoint-url",
        server.endpoint,
        "--region",
        "us-east-1",
        *extra,
        env=kc,
    )
    assert result.returncode == 0, result.stderr


def append_config(aws_files: AwsFiles, text: str) -> None:
    aws_files.config.write_text(aws_files.config.read_text() + text)


def process_output(credo: Run, kc: dict[str, str], profile: str) -> dict[str, Any]:
    result = credo("credential-process", profile, env=kc)
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def exec_identity(credo: Run, kc: dict[str, str], profile: str, *options: str) -> dict[str, str]:
    result = credo("exec", profile, *options, "--", "python", "-c", PYTHON_IDENTITY, env=kc)
    assert result.returncode == 0, result.stderr
    document: dict[str, str] = json.loads(result.stdout)
    return document


def seconds_left(expiration: str) -> float:
    return (datetime.fromisoformat(expiration.replace("Z", "+00:00")) - datetime.now(UTC)).total_seconds()


def test_credential_process_gives_a_cached_session_not_the_key(
    server: Server, iam: Any, credo: Run, kc: dict[str, str], tmp_path: Path
) -> None:
    """botocore gets GetSessionToken credentials (never the long-term key), the same ones while they last."""
    key = new_user_key(iam, "alice")
    add(credo, kc, tmp_path, server, key)
    first = process_output(credo, kc, "dev")
    assert sorted(first) == ["AccessKeyId", "Expiration", "SecretAccessKey", "SessionToken", "Version"]
    assert first["Version"] == 1
    assert first["AccessKeyId"].startswith("ASIA")
    assert key.access_key_id not in json.dumps(first) and key.secret_access_key not in json.dumps(first)
    assert seconds_left(first["Expiration"]) > 11 * 3600  # GetSessionToken's default, 12 hours
    assert process_output(credo, kc, "dev") == first


def test_mfa_is_asked_once_then_the_session_is_reused(
    server: Server,
    iam: Any,
    clock: DeviceClock,
    aws_files: AwsFiles,
    credo: Run,
    kc: dict[str, str],
    tmp_path: Path,
) -> None:
    """With mfa_serial, the aws CLI's credential_process asks on the terminal once; the MFA session is cached."""
    key = new_user_key(iam, "alice", allow("iam:ListUsers", condition=MFA_PRESENT))
    serial, seed = create_device(iam, "alice-phone")
    enable(iam, clock, "alice", serial, seed)
    add(credo, kc, tmp_path, server, key, "--mfa-serial", serial)
    env = {**aws_files.env, **kc}
    prompt = f"Enter MFA code for {serial}: "
    status, shown = run_on_terminal(
        [AWS, "iam", "list-users", "--profile", "dev"], env, [(prompt, code(seed, clock.step() + 1))]
    )
    assert status == 0, shown
    assert '"UserName": "alice"' in shown
    for argv in (
        [AWS, "iam", "list-users", "--profile", "dev"],
        [CREDO, "exec", "dev", "--", AWS, "iam", "list-users"],
    ):
        status, shown = run_on_terminal(argv, env, [])
        assert status == 0, shown
        assert "Enter MFA code" not in shown
        assert '"UserName": "alice"' in shown


def test_wrong_mfa_code_is_refused_and_not_cached(
    server: Server,
    iam: Any,
    clock: DeviceClock,
    aws_files: AwsFiles,
    credo: Run,
    kc: dict[str, str],
    tmp_path: Path,
) -> None:
    """STS's refusal is shown as the aws CLI shows it; the next run asks again."""
    key = new_user_key(iam, "alice")
    serial, seed = create_device(iam, "alice-phone")
    enable(iam, clock, "alice", serial, seed)
    add(credo, kc, tmp_path, server, key, "--mfa-serial", serial)
    env = {**aws_files.env, **kc}
    prompt = f"Enter MFA code for {serial}: "
    status, shown = run_on_terminal(
        [CREDO, "credential-process", "dev"], env, [(prompt, wrong_code(seed, clock.step()))]
    )
    assert status == 255
    assert (
        "An error occurred (AccessDenied) when calling the GetSessionToken operation: "
        "MultiFactorAuthentication failed with invalid MFA one time pass code." in shown
    )
    assert "Traceback" not in shown
    status, shown = run_on_terminal(
        [CREDO, "credential-process", "dev"], env, [(prompt, code(seed, clock.step() + 1))]
    )
    assert status == 0, shown


def test_mfa_without_a_terminal_says_so(
    server: Server,
    iam: Any,
    clock: DeviceClock,
    aws_files: AwsFiles,
    credo: Run,
    kc: dict[str, str],
    tmp_path: Path,
) -> None:
    """No terminal to ask on: a clear refusal, not a hang or a prompt on stdout."""
    key = new_user_key(iam, "alice")
    serial, seed = create_device(iam, "alice-phone")
    enable(iam, clock, "alice", serial, seed)
    add(credo, kc, tmp_path, server, key, "--mfa-serial", serial)
    # A new session has no controlling terminal, and stdin is not one either.
    done = subprocess.run(
        [CREDO, "credential-process", "dev"],
        env={**aws_files.env, **kc},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        start_new_session=True,
        timeout=60,
    )
    assert done.returncode == 255
    assert done.stdout == ""
    assert done.stderr == (
        f"Enter MFA code for {serial} is needed but there is no terminal "
        "(profile dev has mfa_serial; run the command on a terminal to enter the code)\n"
    )


@pytest.fixture
def roles(server: Server, iam: Any) -> dict[str, str]:
    """admin (trusting alice with an external id) and deep (trusting admin): a chain of two roles."""
    admin = iam.create_role(
        RoleName="admin",
        AssumeRolePolicyDocument=trust(ALICE, {"StringEquals": {"sts:ExternalId": "ext-1"}}),
    )["Role"]["Arn"]
    iam.put_role_policy(RoleName="admin", PolicyName="p", PolicyDocument=json.dumps(allow("sts:AssumeRole")))
    deep = iam.create_role(RoleName="deep", AssumeRolePolicyDocument=trust(admin))["Role"]["Arn"]
    guarded = iam.create_role(RoleName="guarded", AssumeRolePolicyDocument=trust(ALICE, MFA_PRESENT))["Role"][
        "Arn"
    ]
    return {"admin": admin, "deep": deep, "guarded": guarded}


def test_role_profiles_are_assumed_from_the_session(
    server: Server,
    iam: Any,
    roles: dict[str, str],
    aws_files: AwsFiles,
    credo: Run,
    aws: Run,
    kc: dict[str, str],
    tmp_path: Path,
) -> None:
    """Chained role profiles resolve hop by hop with external_id, role_session_name and duration_seconds; cached."""
    key = new_user_key(iam, "alice", allow("sts:AssumeRole"))
    add(credo, kc, tmp_path, server, key)
    append_config(
        aws_files,
        f"[profile admin]\nrole_arn = {roles['admin']}\nsource_profile = dev\nexternal_id = ext-1\n"
        f"role_session_name = alice-admin\nendpoint_url = {server.endpoint}\nregion = us-east-1\n"
        f"[profile deep]\nrole_arn = {roles['deep']}\nsource_profile = admin\nduration_seconds = 1800\n"
        f"role_session_name = deep-work\nendpoint_url = {server.endpoint}\nregion = us-east-1\n",
    )
    # botocore assumes the role itself, from credo's session for dev.
    result = aws("sts", "get-caller-identity", "--profile", "admin", env=kc)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/admin/alice-admin"
    # credo resolves the whole chain.
    first = exec_identity(credo, kc, "deep")
    assert first["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/deep/deep-work"
    assert first["Key"].startswith("ASIA") and first["Key"] != key.access_key_id
    assert 1700 < seconds_left(first["Expiration"]) <= 1800
    assert exec_identity(credo, kc, "deep") == first  # the role session is cached
    # --duration asks for fresh credentials of that lifetime, not the cached ones.
    fresh = exec_identity(credo, kc, "deep", "--duration", "15m")
    assert fresh["Key"] != first["Key"]
    assert 800 < seconds_left(fresh["Expiration"]) <= 900


def test_role_without_its_external_id_is_refused(
    server: Server,
    iam: Any,
    roles: dict[str, str],
    aws_files: AwsFiles,
    credo: Run,
    kc: dict[str, str],
    tmp_path: Path,
) -> None:
    """The trust policy's external id condition is what external_id satisfies: without it, AccessDenied."""
    key = new_user_key(iam, "alice", allow("sts:AssumeRole"))
    add(credo, kc, tmp_path, server, key)
    append_config(
        aws_files,
        f"[profile admin]\nrole_arn = {roles['admin']}\nsource_profile = dev\nendpoint_url = {server.endpoint}\n",
    )
    result = credo("credential-process", "admin", env=kc)
    assert result.returncode == 255
    assert result.stderr.startswith(
        "An error occurred (AccessDenied) when calling the AssumeRole operation: "
    )


def test_role_profile_mfa_is_asked_once(
    server: Server,
    iam: Any,
    clock: DeviceClock,
    roles: dict[str, str],
    aws_files: AwsFiles,
    credo: Run,
    kc: dict[str, str],
    tmp_path: Path,
) -> None:
    """mfa_serial on the role profile is sent with AssumeRole; the role session is then re-used without asking."""
    key = new_user_key(iam, "alice", allow("sts:AssumeRole"))
    serial, seed = create_device(iam, "alice-phone")
    enable(iam, clock, "alice", serial, seed)
    add(credo, kc, tmp_path, server, key)
    append_config(
        aws_files,
        f"[profile guarded]\nrole_arn = {roles['guarded']}\nsource_profile = dev\nmfa_serial = {serial}\n"
        f"endpoint_url = {server.endpoint}\nregion = us-east-1\n",
    )
    env = {**aws_files.env, **kc}
    argv = [CREDO, "exec", "guarded", "--", "python", "-c", PYTHON_IDENTITY]
    prompt = f"Enter MFA code for {serial}: "
    status, shown = run_on_terminal(argv, env, [(prompt, code(seed, clock.step() + 1))])
    assert status == 0, shown
    assert "assumed-role/guarded/credo-" in shown
    status, again = run_on_terminal(argv, env, [])
    assert status == 0, again
    assert "Enter MFA code" not in again


def test_changed_profile_settings_make_a_new_session(
    server: Server,
    iam: Any,
    clock: DeviceClock,
    aws_files: AwsFiles,
    credo: Run,
    kc: dict[str, str],
    tmp_path: Path,
) -> None:
    """A session cached before mfa_serial was set is not re-used once it is: the next one carries MFA."""
    key = new_user_key(iam, "alice", allow("iam:ListUsers", condition=MFA_PRESENT))
    add(credo, kc, tmp_path, server, key)
    before = process_output(credo, kc, "dev")
    serial, seed = create_device(iam, "alice-phone")
    enable(iam, clock, "alice", serial, seed)
    text = aws_files.config.read_text().replace("[profile dev]\n", f"[profile dev]\nmfa_serial = {serial}\n")
    aws_files.config.write_text(text)
    env = {**aws_files.env, **kc}
    prompt = f"Enter MFA code for {serial}: "
    status, shown = run_on_terminal(
        [CREDO, "exec", "dev", "--", AWS, "iam", "list-users"], env, [(prompt, code(seed, clock.step() + 1))]
    )
    assert status == 0, shown
    assert '"UserName": "alice"' in shown
    assert process_output(credo, kc, "dev")["AccessKeyId"] != before["AccessKeyId"]


def test_no_session_gives_the_long_term_key(
    server: Server, iam: Any, credo: Run, kc: dict[str, str], tmp_path: Path
) -> None:
    """--no-session is the explicit way to hand a command the long-term key itself."""
    key = new_user_key(iam, "alice")
    add(credo, kc, tmp_path, server, key)
    result = credo(
        "exec",
        "dev",
        "--no-session",
        "--",
        "python",
        "-c",
        "import os; print(os.environ['AWS_ACCESS_KEY_ID'], 'AWS_SESSION_TOKEN' in os.environ)",
        env=kc,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{key.access_key_id} False\n"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            "[profile loop-a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = loop-b\n"
            "[profile loop-b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = loop-a\n",
            "Infinite loop in credential configuration detected. Attempting to load from profile loop-a",
        ),
        (
            "[profile loop-a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = nowhere\n",
            "The source_profile (nowhere) of profile loop-a could not be found",
        ),
    ],
    ids=["cycle", "missing-source"],
)
def test_broken_role_chains_are_explained(
    aws_files: AwsFiles, credo: Run, kc: dict[str, str], config: str, message: str
) -> None:
    """A source_profile cycle or a missing source is named, without touching the network."""
    aws_files.write(config)
    result = credo("credential-process", "loop-a", env=kc)
    assert result.returncode == 255
    assert result.stderr.startswith(message)
