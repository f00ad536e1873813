"""``credo configure export-credentials``: botocore's chain, printed in aws CLI v2's formats."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from hashlib import sha1

import pytest
from tests.cli.conftest import AwsFiles, Result

Run = Callable[..., Result]

STATIC = "[default]\naws_access_key_id = AKIASTATIC\naws_secret_access_key = staticsecret\n"
TEMPORARY = (
    "[tmp]\naws_access_key_id = ASIATEMP\naws_secret_access_key = tempsecret\naws_session_token = TOKEN\n"
)

FORMATS = [
    (
        "process",
        STATIC,
        [],
        '{\n  "Version": 1,\n  "AccessKeyId": "AKIASTATIC",\n  "SecretAccessKey": "staticsecret"\n}\n',
    ),
    ("env", STATIC, [], "export AWS_ACCESS_KEY_ID=AKIASTATIC\nexport AWS_SECRET_ACCESS_KEY=staticsecret\n"),
    ("env-no-export", STATIC, [], "AWS_ACCESS_KEY_ID=AKIASTATIC\nAWS_SECRET_ACCESS_KEY=staticsecret\n"),
    (
        "powershell",
        TEMPORARY,
        ["--profile", "tmp"],
        '$Env:AWS_ACCESS_KEY_ID="ASIATEMP"\n$Env:AWS_SECRET_ACCESS_KEY="tempsecret"\n$Env:AWS_SESSION_TOKEN="TOKEN"\n',
    ),
    (
        "windows-cmd",
        TEMPORARY,
        ["--profile", "tmp"],
        "set AWS_ACCESS_KEY_ID=ASIATEMP\nset AWS_SECRET_ACCESS_KEY=tempsecret\nset AWS_SESSION_TOKEN=TOKEN\n",
    ),
    (
        "fish",
        TEMPORARY,
        ["--profile", "tmp"],
        "set -gx AWS_ACCESS_KEY_ID ASIATEMP\nset -gx AWS_SECRET_ACCESS_KEY tempsecret\nset -gx AWS_SESSION_TOKEN TOKEN\n",
    ),
    (
        "process",
        TEMPORARY,
        ["--profile", "tmp"],
        '{\n  "Version": 1,\n  "AccessKeyId": "ASIATEMP",\n  "SecretAccessKey": "tempsecret",\n'
        '  "SessionToken": "TOKEN"\n}\n',
    ),
]


@pytest.mark.parametrize(("output_format", "credentials", "args", "expected"), FORMATS)
def test_export_formats(
    aws_files: AwsFiles, credo: Run, output_format: str, credentials: str, args: list[str], expected: str
) -> None:
    """Each --format prints exactly aws CLI v2's text for the resolved keys."""
    aws_files.write("", credentials)
    result = credo("configure", "export-credentials", "--format", output_format, *args)
    assert (result.returncode, result.stdout, result.stderr) == (0, expected, "")


def test_export_prefers_environment_like_botocore(aws_files: AwsFiles, credo: Run) -> None:
    """Without --profile, environment keys win over the files, as in botocore's chain."""
    aws_files.write("", STATIC)
    env = {"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "envsecret"}
    result = credo("configure", "export-credentials", "--format", "env-no-export", env=env)
    assert result.stdout == "AWS_ACCESS_KEY_ID=AKIAENV\nAWS_SECRET_ACCESS_KEY=envsecret\n"


def test_export_role_profile_uses_aws_cli_cache(aws_files: AwsFiles, credo: Run) -> None:
    """A role profile resolves from aws CLI's assume-role cache, with its Expiration."""
    role_arn = "arn:aws:iam::123456789012:role/admin"
    aws_files.write(
        f"[profile admin]\nrole_arn = {role_arn}\nsource_profile = default\nregion = us-east-1\n"
        "endpoint_url = http://127.0.0.1:9\n",
        STATIC,
    )
    cache_key = sha1(json.dumps({"RoleArn": role_arn}, sort_keys=True).encode()).hexdigest()
    cache_dir = aws_files.home / ".aws" / "cli" / "cache"
    cache_dir.mkdir(parents=True)
    cached = {
        "AccessKeyId": "ASIACACHED",
        "SecretAccessKey": "cachedsecret",
        "SessionToken": "CACHEDTOKEN",
        "Expiration": "2099-01-01T00:00:00Z",
    }
    (cache_dir / f"{cache_key}.json").write_text(json.dumps({"Credentials": cached}))
    result = credo("configure", "export-credentials", "--profile", "admin")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "Version": 1,
        "AccessKeyId": "ASIACACHED",
        "SecretAccessKey": "cachedsecret",
        "SessionToken": "CACHEDTOKEN",
        "Expiration": "2099-01-01T00:00:00+00:00",
    }


def test_export_output_feeds_credential_process(aws_files: AwsFiles, credo: Run) -> None:
    """A profile whose credential_process is credo's export resolves to the source keys."""
    credo_path = str(__import__("pathlib").Path(sys.executable).with_name("credo"))
    aws_files.write(
        f"[profile viaprocess]\ncredential_process = {credo_path} configure export-credentials --profile default\n",
        STATIC,
    )
    result = credo("configure", "export-credentials", "--profile", "viaprocess", "--format", "env-no-export")
    assert result.stdout == "AWS_ACCESS_KEY_ID=AKIASTATIC\nAWS_SECRET_ACCESS_KEY=staticsecret\n"


def test_export_detects_credential_process_cycle(aws_files: AwsFiles, credo: Run) -> None:
    """A profile whose credential_process exports itself fails with the cycle, not a hang."""
    credo_path = str(__import__("pathlib").Path(sys.executable).with_name("credo"))
    aws_files.write(
        f"[profile loop]\ncredential_process = {credo_path} configure export-credentials --profile loop\n", ""
    )
    result = credo("configure", "export-credentials", "--profile", "loop")
    assert result.returncode == 253
    assert "profile cycle: loop -> loop" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("config", "args", "message"),
    [
        ("", [], "Unable to retrieve credentials: no credentials found"),
        (
            "",
            ["--profile", "ghost"],
            "Unable to retrieve credentials: The config profile (ghost) could not be found",
        ),
        (
            "[profile broken]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = nowhere\n",
            ["--profile", "broken"],
            'Unable to retrieve credentials: The source_profile "nowhere" referenced in the profile "broken" '
            "does not exist.",
        ),
    ],
    ids=["nothing", "missing-profile", "dangling-source-profile"],
)
def test_export_without_credentials(
    aws_files: AwsFiles, credo: Run, config: str, args: list[str], message: str
) -> None:
    """No resolvable credentials: one message on stderr, exit 253 (aws v2's configuration error)."""
    aws_files.write(config, "")
    result = credo("configure", "export-credentials", *args)
    assert (result.returncode, result.stdout, result.stderr) == (253, "", message + "\n")


EQUIVALENCE = [
    ("", STATIC, "default", {}, True),
    ("", TEMPORARY, "tmp", {}, True),
    ("[default]\naws_access_key_id = AKIACFG\naws_secret_access_key = cfgsecret\n", "", "default", {}, True),
    (
        "[default]\naws_access_key_id = AKIACFG\naws_secret_access_key = cfgsecret\n",
        STATIC,
        "default",
        {},
        True,
    ),
    (
        "",
        "[default]\naws_access_key_id = AKIAX\naws_secret_access_key = s\naws_security_token = legacy\n",
        "default",
        {},
        True,
    ),
    (
        "[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = default\n",
        STATIC + "[r]\n",
        "r",
        {},
        False,
    ),
    ("", STATIC, "default", {"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "e"}, False),
    ("[default]\ncredential_process = echo nope\n", "", "default", {}, False),
    ("", "[default]\naws_access_key_id = AKIAONLY\n", "default", {}, False),
]


@pytest.mark.parametrize(("config", "credentials", "profile", "env", "fast_path"), EQUIVALENCE)
def test_static_fast_path_equals_botocore(
    aws_files: AwsFiles,
    monkeypatch: pytest.MonkeyPatch,
    config: str,
    credentials: str,
    profile: str,
    env: dict[str, str],
    fast_path: bool,
) -> None:
    """Whenever export answers without botocore, botocore's chain gives the very same keys."""
    from credo.cli.configure_export import resolve_credentials, static_credentials
    from credo.client.shared_config import load_shared_config

    aws_files.write(config, credentials)
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in {**aws_files.env, **env}.items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    fast = static_credentials(load_shared_config(), profile)
    assert (fast is not None) == fast_path
    if fast is not None:
        assert fast == resolve_credentials(profile)
