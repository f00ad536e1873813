"""``credo configure list / get / set / list-profiles`` against aws CLI's behaviour."""

from __future__ import annotations

from collections.abc import Callable

import botocore.session
import pytest
from tests.cli.conftest import AwsFiles, Result

CONFIG = """\
# shared settings
[default]
region = us-west-2
s3 =
    max_concurrent_requests = 10

[profile dev]
region = eu-west-1
endpoint_url = http://127.0.0.1:7300
"""
CREDENTIALS = """\
[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[ci]
aws_access_key_id = AKIACICICICICICI0000
aws_secret_access_key = cisecret
"""

Run = Callable[..., Result]


@pytest.fixture
def files(aws_files: AwsFiles) -> AwsFiles:
    aws_files.write(CONFIG, CREDENTIALS)
    return aws_files


LIST_CASES = [
    ([], {}),
    (["--profile", "dev"], {}),
    (["--profile", "ci"], {}),
    ([], {"AWS_PROFILE": "dev"}),
    ([], {"AWS_ACCESS_KEY_ID": "AKIAENVENVENVENV7777", "AWS_SECRET_ACCESS_KEY": "envsecretXYZW"}),
    ([], {"AWS_DEFAULT_REGION": "sa-east-1"}),
    (["--profile", "missing"], {}),
]


@pytest.mark.parametrize(("args", "env"), LIST_CASES)
def test_list_matches_aws_cli(
    files: AwsFiles, credo: Run, aws: Run, args: list[str], env: dict[str, str]
) -> None:
    """The Name/Value/Type/Location table and exit code equal aws CLI's (bar AWS_PROFILE's label)."""
    ours, theirs = credo("configure", "list", *args, env=env), aws("configure", "list", *args, env=env)
    expected = theirs.stdout.replace("['AWS_DEFAULT_PROFILE', 'AWS_PROFILE']", "AWS_PROFILE")
    assert (ours.returncode, ours.stdout) == (theirs.returncode, expected)
    assert ours.stderr.strip() == theirs.stderr.strip()


def test_list_masks_secrets(files: AwsFiles, credo: Run) -> None:
    """Keys show as 16 stars and their last four characters, never in full."""
    result = credo("configure", "list")
    assert "access_key     ****************MPLE shared-credentials-file    \n" in result.stdout
    assert "EXAMPLEKEY" not in result.stdout


def test_list_shows_role_profiles_through_botocore(aws_files: AwsFiles, credo: Run) -> None:
    """A profile without keys is resolved by botocore's chain, which names its method."""
    aws_files.write(
        '[profile proc]\ncredential_process = echo \'{"Version": 1, "AccessKeyId": "AKIAPROC", "SecretAccessKey": "procsecret"}\'\n',
        "",
    )
    result = credo("configure", "list", "--profile", "proc")
    access_line = result.stdout.splitlines()[3].split()
    assert access_line == ["access_key", "****************PROC", "custom-process"]


GET_CASES = [
    ("region", [], {}),
    ("aws_access_key_id", [], {}),
    ("region", ["--profile", "dev"], {}),
    ("region", [], {"AWS_PROFILE": "dev"}),
    ("endpoint_url", ["--profile", "dev"], {}),
    ("s3.max_concurrent_requests", [], {}),
    ("default.s3.max_concurrent_requests", [], {}),
    ("default.region", ["--profile", "dev"], {}),
    ("profile.dev.region", [], {}),
    ("dev.region", [], {}),
    ("ci.aws_secret_access_key", [], {}),
    ("s3", [], {}),
    ("nosuchkey", [], {}),
    ("s3.nosuchkey", [], {}),
    ("region", ["--profile", "missing"], {}),
]


@pytest.mark.parametrize(("varname", "args", "env"), GET_CASES)
def test_get_matches_aws_cli(
    files: AwsFiles, credo: Run, aws: Run, varname: str, args: list[str], env: dict[str, str]
) -> None:
    """Output and exit code equal aws CLI's: a value prints, a missing one exits 1 silently."""
    ours, theirs = (
        credo("configure", "get", varname, *args, env=env),
        aws("configure", "get", varname, *args, env=env),
    )
    assert (ours.returncode, ours.stdout, ours.stderr.strip()) == (
        theirs.returncode,
        theirs.stdout,
        theirs.stderr.strip(),
    )


SET_CASES = [
    (["region", "us-east-2"], "[default]\nregion = us-east-2\n", None),
    (["region", "us-east-2", "--profile", "dev"], "[profile dev]\nregion = us-east-2\n", None),
    (["aws_access_key_id", "AKIANEW", "--profile", "dev"], None, "[dev]\naws_access_key_id = AKIANEW\n"),
    (["profile.dev.aws_session_token", "tok"], None, "[dev]\naws_session_token = tok\n"),
    (
        ["default.s3.max_concurrent_requests", "10"],
        "[default]\ns3 =\n    max_concurrent_requests = 10\n",
        None,
    ),
    (["profile.dev.s3.addressing_style", "path"], "[profile dev]\ns3 =\n    addressing_style = path\n", None),
    (["s3.use_accelerate_endpoint", "true"], "[default]\ns3 =\n    use_accelerate_endpoint = true\n", None),
    (["plugins.foo", "bar"], "[plugins]\nfoo = bar\n", None),
    (
        ["endpoint_url", "http://localhost:7300", "--profile", "dev"],
        "[profile dev]\nendpoint_url = http://localhost:7300\n",
        None,
    ),
]


@pytest.mark.parametrize(("args", "config", "credentials"), SET_CASES)
def test_set_writes_like_aws_cli(
    aws_files: AwsFiles, credo: Run, aws: Run, args: list[str], config: str | None, credentials: str | None
) -> None:
    """Byte for byte the files aws CLI writes: keys to credentials, the rest to config."""
    result = credo("configure", "set", *args)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert aws_files.read() == (config, credentials)
    ours = aws_files.read()
    for path in (aws_files.config, aws_files.credentials):
        path.unlink(missing_ok=True)
    assert aws("configure", "set", *args).returncode == 0
    assert aws_files.read() == ours


def test_set_services_section_resolves_in_botocore(
    aws_files: AwsFiles, credo: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``services.NAME.SVC.KEY`` writes a [services NAME] sub-section botocore routes requests by."""
    assert credo("configure", "set", "region", "us-east-1", "--profile", "dev").returncode == 0
    assert credo("configure", "set", "services", "local", "--profile", "dev").returncode == 0
    assert (
        credo("configure", "set", "services.local.iam.endpoint_url", "http://127.0.0.1:7301").returncode == 0
    )
    assert (
        credo("configure", "set", "endpoint_url", "http://127.0.0.1:7302", "--services", "local").returncode
        == 0
    )
    assert aws_files.read()[0] == (
        "[profile dev]\nregion = us-east-1\nservices = local\n"
        "[services local]\niam =\n    endpoint_url = http://127.0.0.1:7301\nendpoint_url = http://127.0.0.1:7302\n"
    )
    assert credo("configure", "get", "services.local.iam.endpoint_url").stdout == "http://127.0.0.1:7301\n"
    assert (
        credo("configure", "get", "iam.endpoint_url", "--services", "local").stdout
        == "http://127.0.0.1:7301\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws_files.config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws_files.credentials))
    session = botocore.session.Session(profile="dev")
    client = session.create_client("iam", aws_access_key_id="a", aws_secret_access_key="b")
    assert client.meta.endpoint_url == "http://127.0.0.1:7301"


def test_set_keeps_comments_and_other_sections(files: AwsFiles, credo: Run) -> None:
    """Editing one key leaves every other line of both files untouched."""
    assert credo("configure", "set", "output", "json").returncode == 0
    assert credo("configure", "set", "aws_session_token", "tok", "--profile", "ci").returncode == 0
    assert files.read() == (
        CONFIG.replace(
            "    max_concurrent_requests = 10\n", "    max_concurrent_requests = 10\noutput = json\n"
        ),
        CREDENTIALS + "aws_session_token = tok\n",
    )


@pytest.mark.parametrize("value", ["x\n[evil]\nkey = 1", "x\r\ny = 2"])
def test_set_refuses_values_that_would_forge_lines(files: AwsFiles, credo: Run, value: str) -> None:
    """A value with a line break (or NUL) is refused with exit 255; both files stay as they were."""
    before = files.read()
    result = credo("configure", "set", "output", value)
    assert result.returncode == 255
    assert "cannot contain a line break or NUL" in result.stderr
    assert files.read() == before


@pytest.mark.parametrize(
    "varname",
    ["default.s3.a.b", "profile.dev.s3..x", "a.b.c"],
    ids=["too-deep", "empty-part", "three-levels"],
)
def test_set_rejects_deep_names(aws_files: AwsFiles, credo: Run, varname: str) -> None:
    """Names nesting deeper than one sub-section are refused with exit 255 and no write."""
    result = credo("configure", "set", varname, "v")
    assert result.returncode == 255
    assert f"varname ({varname}) nests deeper than one sub-section" in result.stderr
    assert aws_files.read() == (None, None)


def test_list_profiles_order(files: AwsFiles, credo: Run) -> None:
    """Config-file profiles in file order, then credentials-only ones, as botocore lists them."""
    assert credo("configure", "list-profiles").stdout == "default\ndev\nci\n"


BAD_FILES = [
    ("config", "[default]\nregion\n", 2),
    ("credentials", "aws_access_key_id = x\n", 1),
    ("config", "[default]\ns3 =\n    oops\n", 3),
]
COMMANDS = [
    ["configure", "list"],
    ["configure", "get", "region"],
    ["configure", "set", "region", "x"],
    ["configure", "list-profiles"],
    ["configure", "export-credentials"],
    ["configure", "import", "--csv", "Access key ID,Secret access key\nAKIAAAAAAAAAAAAAAAAA,s\n"],
    ["configure", "mfa-login", "--serial-number", "s", "--token-code", "1"],
]


@pytest.mark.parametrize(("which", "text", "line"), BAD_FILES)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[1])
def test_malformed_files_fail_cleanly(
    aws_files: AwsFiles, credo: Run, which: str, text: str, line: int, command: list[str]
) -> None:
    """Every command reports a broken file with its path and line, exits 255, writes nothing."""
    aws_files.write(**{which: text})
    before = aws_files.read()
    result = credo(*command)
    path = aws_files.config if which == "config" else aws_files.credentials
    assert result.returncode == 255
    assert f"Unable to parse config file: {path}, line {line}: " in result.stderr
    assert "Traceback" not in result.stderr
    assert aws_files.read() == before


def test_unwritable_directory_fails_cleanly(
    aws_files: AwsFiles, credo: Run, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A file that cannot be written gives one line naming it and exit 255."""
    blocker = tmp_path_factory.mktemp("ro") / "file"
    blocker.write_text("not a directory")
    result = credo("configure", "set", "region", "x", env={"AWS_CONFIG_FILE": str(blocker / "config")})
    assert result.returncode == 255
    assert "Traceback" not in result.stderr
    assert str(blocker) in result.stderr
