"""The ``credo configure`` wizard, driven through a real pseudo-terminal."""

from __future__ import annotations

import stat
from collections.abc import Callable

import botocore.session
import pytest
from tests.cli.conftest import AwsFiles

KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

FRESH_DEFAULT = (
    [],
    [
        ("AWS Access Key ID [None]: ", KEY),
        ("AWS Secret Access Key [None]: ", SECRET),
        ("Default region name [None]: ", "us-west-2"),
        ("Default output format [None]: ", "json"),
    ],
    "[default]\nregion = us-west-2\noutput = json\n",
    f"[default]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n",
)
FRESH_NAMED = (
    ["--profile", "userprod"],
    [
        ("AWS Access Key ID [None]: ", KEY),
        ("AWS Secret Access Key [None]: ", SECRET),
        ("Default region name [None]: ", "eu-west-1"),
        ("Default output format [None]: ", ""),
    ],
    "[profile userprod]\nregion = eu-west-1\n",
    f"[userprod]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n",
)
TEMPORARY_KEY = (
    [],
    [
        ("AWS Access Key ID [None]: ", "ASIAIOSFODNN7EXAMPLE"),
        ("AWS Secret Access Key [None]: ", SECRET),
        ("AWS Session Token [None]: ", "FwoGZXIvYXdzEXAMPLETOKEN"),
        ("Default region name [None]: ", ""),
        ("Default output format [None]: ", ""),
    ],
    None,
    "[default]\naws_access_key_id = ASIAIOSFODNN7EXAMPLE\n"
    f"aws_secret_access_key = {SECRET}\naws_session_token = FwoGZXIvYXdzEXAMPLETOKEN\n",
)


@pytest.mark.parametrize(
    ("args", "dialogue", "config", "credentials"),
    [FRESH_DEFAULT, FRESH_NAMED, TEMPORARY_KEY],
    ids=["default", "named-profile", "session-token"],
)
def test_wizard_writes_new_files(
    pty_credo: Callable[..., tuple[int, str]],
    aws_files: AwsFiles,
    args: list[str],
    dialogue: list[tuple[str, str]],
    config: str | None,
    credentials: str,
) -> None:
    """Answers land byte for byte in new 0600 files under a 0700 directory."""
    status, transcript = pty_credo("configure", *args, dialogue=dialogue)
    assert status == 0, transcript
    assert transcript == "".join(f"{prompt}{answer}\n" for prompt, answer in dialogue)
    assert aws_files.read() == (config, credentials)
    assert stat.S_IMODE(aws_files.credentials.stat().st_mode) == 0o600
    assert stat.S_IMODE(aws_files.credentials.parent.stat().st_mode) == 0o700
    if config is not None:
        assert stat.S_IMODE(aws_files.config.stat().st_mode) == 0o600


EXISTING_CONFIG = (
    ("# team settings -- keep this comment\n[default]\nregion = us-east-1   \ncli_pager =\n")
    + """\

; staging profile
[profile staging]
region = eu-central-1
"""
)
EXISTING_CREDENTIALS = """\
[default]
# rotated 2024-01
aws_access_key_id = AKIAOLDOLDOLDOLD1234
aws_secret_access_key = oldsecretoldsecretABCD

[staging]
aws_access_key_id = AKIASTAGINGSTAGING99
aws_secret_access_key = stagingsecret
"""


@pytest.mark.parametrize(
    ("dialogue", "config", "credentials"),
    [
        (
            [
                ("AWS Access Key ID [****************1234]: ", ""),
                ("AWS Secret Access Key [****************ABCD]: ", ""),
                ("Default region name [us-east-1]: ", ""),
                ("Default output format [None]: ", ""),
            ],
            EXISTING_CONFIG,
            EXISTING_CREDENTIALS,
        ),
        (
            [
                ("AWS Access Key ID [****************1234]: ", KEY),
                ("AWS Secret Access Key [****************ABCD]: ", SECRET),
                ("Default region name [us-east-1]: ", "us-west-2"),
                ("Default output format [None]: ", "text"),
            ],
            EXISTING_CONFIG.replace("region = us-east-1   ", "region = us-west-2").replace(
                "cli_pager =\n", "cli_pager =\noutput = text\n"
            ),
            EXISTING_CREDENTIALS.replace("AKIAOLDOLDOLDOLD1234", KEY).replace(
                "oldsecretoldsecretABCD", SECRET
            ),
        ),
    ],
    ids=["enter-keeps-everything", "edits-in-place"],
)
def test_wizard_edits_existing_files_in_place(
    pty_credo: Callable[..., tuple[int, str]],
    aws_files: AwsFiles,
    dialogue: list[tuple[str, str]],
    config: str,
    credentials: str,
) -> None:
    """Current values show masked in brackets; Enter keeps them; comments and order survive."""
    aws_files.write(EXISTING_CONFIG, EXISTING_CREDENTIALS)
    status, transcript = pty_credo("configure", dialogue=dialogue)
    assert status == 0, transcript
    assert aws_files.read() == (config, credentials)


def test_wizard_prompts_for_token_when_one_is_set(
    pty_credo: Callable[..., tuple[int, str]], aws_files: AwsFiles
) -> None:
    """An existing session token is offered (masked) even for a non-ASIA key."""
    aws_files.write(
        None, "[dev]\naws_access_key_id = AKIAXX\naws_secret_access_key = s\naws_session_token = tok9\n"
    )
    dialogue = [
        ("AWS Access Key ID [****************IAXX]: ", ""),
        ("AWS Secret Access Key [****************s]: ", ""),
        ("AWS Session Token [****************tok9]: ", "newtoken"),
        ("Default region name [None]: ", ""),
        ("Default output format [None]: ", ""),
    ]
    status, transcript = pty_credo("configure", "--profile", "dev", dialogue=dialogue)
    assert status == 0, transcript
    assert aws_files.read()[1] == (
        "[dev]\naws_access_key_id = AKIAXX\naws_secret_access_key = s\naws_session_token = newtoken\n"
    )


@pytest.mark.parametrize("profile_env", [{}, {"AWS_PROFILE": "fromenv"}], ids=["default", "AWS_PROFILE"])
def test_wizard_result_resolves_with_botocore(
    pty_credo: Callable[..., tuple[int, str]],
    aws_files: AwsFiles,
    monkeypatch: pytest.MonkeyPatch,
    profile_env: dict[str, str],
) -> None:
    """botocore reads back the keys and region the wizard wrote, for the profile in effect."""
    dialogue = [
        ("AWS Access Key ID [None]: ", KEY),
        ("AWS Secret Access Key [None]: ", SECRET),
        ("Default region name [None]: ", "ap-south-1"),
        ("Default output format [None]: ", ""),
    ]
    status, transcript = pty_credo("configure", dialogue=dialogue, env=profile_env)
    assert status == 0, transcript
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws_files.config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws_files.credentials))
    session = botocore.session.Session(profile=profile_env.get("AWS_PROFILE", "default"))
    credentials = session.get_credentials()
    assert (credentials.access_key, credentials.secret_key, credentials.token) == (KEY, SECRET, None)
    assert session.get_config_variable("region") == "ap-south-1"


def test_wizard_warns_when_credentials_are_exposed(
    pty_credo: Callable[..., tuple[int, str]], aws_files: AwsFiles
) -> None:
    """A group/other-readable credentials file draws a warning and keeps its mode."""
    aws_files.write(None, f"[default]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n")
    aws_files.credentials.chmod(0o644)
    dialogue = [
        ("AWS Access Key ID [****************MPLE]: ", ""),
        ("AWS Secret Access Key [****************EKEY]: ", ""),
        ("Default region name [None]: ", "us-east-2"),
        ("Default output format [None]: ", ""),
    ]
    status, transcript = pty_credo("configure", dialogue=dialogue)
    assert status == 0
    assert f"warning: {aws_files.credentials} is readable by group or others (mode 0644)" in transcript
    assert aws_files.read()[0] == "[default]\nregion = us-east-2\n"


def test_wizard_refuses_malformed_config(
    pty_credo: Callable[..., tuple[int, str]], aws_files: AwsFiles
) -> None:
    """A broken config file stops the wizard before any prompt, naming file and line."""
    aws_files.write("[default]\nregion = us-east-1\nthis line is junk\n", None)
    status, transcript = pty_credo("configure", dialogue=[])
    assert status == 255
    assert transcript == (
        f"Unable to parse config file: {aws_files.config}, line 3: "
        "expected 'key = value', found 'this line is junk'\n"
    )
    assert aws_files.read() == ("[default]\nregion = us-east-1\nthis line is junk\n", None)
