"""``credo configure mfa-login``: prompts, STS GetSessionToken through botocore, the written profile."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import boto3
import botocore.exceptions
import pytest
from tests.cli.conftest import AwsFiles, Result
from tests.mfa_support import STEP, DeviceClock, code, create_device, enable

from credo.cli.configure_mfa import device_name, format_expiration

Run = Callable[..., Result]
SERIAL = "arn:aws:iam::123456789012:mfa/MFADeviceName"
CLOSED = "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("serial", "name"),
    [
        (SERIAL, "MFADeviceName"),
        ("arn:aws:iam::123456789012:mfa/team/alice", "alice"),
        ("GAHT12345678", "GAHT12345678"),
    ],
)
def test_device_name(serial: str, name: str) -> None:
    """The suggested profile is session-<last path part of the serial>."""
    assert device_name(serial) == name


@pytest.mark.parametrize(
    ("expiration", "text"),
    [
        (datetime(2023, 5, 19, 18, 6, 10, tzinfo=UTC), "2023-05-19 18:06:10 UTC"),
        (datetime(2023, 5, 19, 20, 6, 10, tzinfo=timezone(timedelta(hours=2))), "2023-05-19 18:06:10 UTC"),
    ],
)
def test_format_expiration(expiration: datetime, text: str) -> None:
    """Expiry prints in UTC as aws CLI shows it."""
    assert format_expiration(expiration) == text


def test_prompts_in_order_without_stored_keys(
    pty_credo: Callable[..., tuple[int, str]], aws_files: AwsFiles
) -> None:
    """With no keys it asks for them, then serial and code; an unreachable STS fails cleanly."""
    dialogue = [
        ("AWS Access Key ID: ", "AKIAIOSFODNN7EXAMPLE"),
        ("AWS Secret Access Key: ", "secret"),
        ("MFA serial number or ARN: ", SERIAL),
        ("MFA token code: ", "123456"),
    ]
    status, transcript = pty_credo(
        "configure", "mfa-login", dialogue=dialogue, env={"AWS_ENDPOINT_URL": CLOSED}
    )
    assert status == 255
    assert transcript.startswith("".join(f"{prompt}{answer}\n" for prompt, answer in dialogue))
    assert f'Could not connect to the endpoint URL: "{CLOSED}/"' in transcript
    assert "Traceback" not in transcript
    assert aws_files.read() == (None, None)


@pytest.mark.parametrize(
    ("config", "env"),
    [
        (f"[default]\nmfa_serial = {SERIAL}\nendpoint_url = {CLOSED}\n", {}),
        (
            f"[default]\nmfa_serial = {SERIAL}\nservices = local\n[services local]\nsts =\n  endpoint_url = {CLOSED}\n",
            {},
        ),
        (f"[default]\nmfa_serial = {SERIAL}\n", {"AWS_ENDPOINT_URL_STS": CLOSED}),
    ],
    ids=["endpoint_url", "services-section", "AWS_ENDPOINT_URL_STS"],
)
def test_endpoint_comes_from_botocore(
    aws_files: AwsFiles, credo: Run, config: str, env: dict[str, str]
) -> None:
    """The STS call goes where botocore resolves the profile's endpoint; mfa_serial needs no prompt."""
    aws_files.write(
        config, "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n"
    )
    before = aws_files.read()
    result = credo("configure", "mfa-login", "--token-code", "123456", "--update-profile", "x", env=env)
    assert result.returncode == 255
    assert result.stderr == f'Could not connect to the endpoint URL: "{CLOSED}/"\n'
    assert aws_files.read() == before


@pytest.mark.parametrize("seconds", ["899", "129601", "soon"])
def test_duration_is_validated(credo: Run, seconds: str) -> None:
    """--duration-seconds outside STS's 900..129600 is a usage error before any call."""
    result = credo(
        "configure",
        "mfa-login",
        "--serial-number",
        SERIAL,
        "--token-code",
        "1",
        "--duration-seconds",
        seconds,
    )
    assert result.returncode == 2
    assert "Invalid value for '--duration-seconds'" in result.stderr


# --- against a real server -------------------------------------------------------------------


@pytest.fixture
def sts_server(server: Any) -> Any:
    """The dev server, skipping until it implements STS GetSessionToken."""
    try:
        server.client("sts").get_session_token()
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] == "InvalidAction":
            pytest.skip("credo serve does not implement GetSessionToken yet")
    return server


@pytest.mark.slow
def test_mfa_login_against_server(
    sts_server: Any, aws_files: AwsFiles, credo: Run, monkeypatch: pytest.MonkeyPatch, clock: DeviceClock
) -> None:
    """Long-term keys + a TOTP code become a session profile that botocore signs with."""
    iam = sts_server.client("iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    serial, seed = create_device(iam, "alice-phone")
    enable(iam, clock, "alice", serial, seed)
    aws_files.write(
        f"[profile alice]\nregion = us-east-1\nendpoint_url = {sts_server.endpoint}\nmfa_serial = {serial}\n",
        f"[alice]\naws_access_key_id = {key['AccessKeyId']}\naws_secret_access_key = {key['SecretAccessKey']}\n",
    )
    # The code of the next step (the server refuses one already used), by moving its clock there.
    clock.move(STEP)
    result = credo(
        "configure",
        "mfa-login",
        "--profile",
        "alice",
        "--token-code",
        code(seed, clock.step()),
        "--update-profile",
        "alice-mfa",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Temporary credentials written to profile 'alice-mfa'"
    assert lines[1].startswith("Credentials will expire at ") and lines[1].endswith(" UTC")
    assert lines[2] == "To use these credentials, specify --profile alice-mfa when running AWS CLI commands"
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.setenv(name, aws_files.env[name])
    session = boto3.Session(profile_name="alice-mfa")
    assert session.get_credentials().access_key.startswith("ASIA")
    client = session.client("sts")
    assert client.meta.endpoint_url == sts_server.endpoint
    identity = client.get_caller_identity()
    assert identity["Arn"] == "arn:aws:iam::123456789012:user/alice"
