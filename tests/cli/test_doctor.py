"""``credo doctor``: each finding on real files, a real environment, a real keychain file and a real server."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from tests.cli.conftest import AwsFiles, Result
from tests.cli.keychain_support import PASSPHRASE, keychain_env, new_user_key, os_keychain_env
from tests.cli.test_keychain_sessions import add
from tests.conftest import Server

from credo.client.encrypted_file import EncryptedFileStore
from credo.client.keychain import SESSION_SERVICE, CachedSession, Keychain
from credo.client.sts_calls import SessionCredentials

Run = Callable[..., Result]

# The role example of the seeds' "Setting up role assumption" guide, as a reader fills it in:
# mfa_arn is not a key botocore reads, so no MFA code is ever asked.
SEED_ROLE_EXAMPLE = """[profile my_account]
region = eu-central-1

[profile my_resource_account]
region = eu-central-1
role_arn = arn:aws:iam::123456789012:role/resource-admin
source_profile = my_account
mfa_arn = arn:aws:iam::123456789012:mfa/alice
"""
SEED_CREDENTIALS = (
    "[my_account]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrEXAMPLEKEY\n"
)


def doctor(credo: Run, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    result = credo("doctor", "--output", "json", *args, env=env)
    assert "Traceback" not in result.stderr
    return result.returncode, json.loads(result.stdout)


def findings(report: dict[str, Any], check: str) -> list[dict[str, Any]]:
    return [finding for finding in report["Findings"] if finding["check"] == check]


def test_seed_role_example_mfa_arn_is_an_error_with_its_fix(aws_files: AwsFiles, credo: Run) -> None:
    """The seeds' mfa_arn: an error naming the line, why it matters and the rename; exit status 1."""
    aws_files.write(config=SEED_ROLE_EXAMPLE, credentials=SEED_CREDENTIALS)
    result = credo("doctor")
    assert result.returncode == 1
    assert (
        f"ERROR    unknown-key (profile my_resource_account, {aws_files.config}:8)\n"
        "         mfa_arn is not a setting botocore reads: it is ignored, so no MFA code is ever asked, "
        "and calls that need MFA are refused\n"
        "         fix: rename mfa_arn to mfa_serial\n"
    ) in result.stdout
    status, report = doctor(credo)
    assert status == 1 and report["Errors"] >= 1
    assert findings(report, "unknown-key") == [
        {
            "severity": "error",
            "check": "unknown-key",
            "message": "mfa_arn is not a setting botocore reads: it is ignored, so no MFA code is ever asked, "
            "and calls that need MFA are refused",
            "fix": "rename mfa_arn to mfa_serial",
            "profile": "my_resource_account",
            "location": f"{aws_files.config}:8",
        }
    ]
    aws_files.write(config=SEED_ROLE_EXAMPLE.replace("mfa_arn", "mfa_serial"))
    assert findings(doctor(credo)[1], "unknown-key") == []


ROLE = "role_arn = arn:aws:iam::123456789012:role/r\n"
FILE_CASES = [
    # (config, credentials, check, severity, profile, words in the message, the fix)
    ("[profile a]\nsource-profile = b\n" + ROLE, "", "unknown-key", "error", "a", "source-profile is not", "rename source-profile to source_profile"),
    ("[profile a]\nrole-arn = arn:aws:iam::123456789012:role/r\nsource_profile = a\n", "", "unknown-key", "error", "a", "so no role is assumed", "rename role-arn to role_arn"),
    ("[profile a]\ncolour = blue\n", "", "unknown-key", "warning", "a", "colour is not a setting botocore or credo reads", "remove colour, or check its spelling"),
    ("[profile a]\n" + ROLE + "source_profile = nosuch\n", "", "role-source-missing", "error", "a", "source_profile nosuch of profile a does not exist", "add a profile named nosuch"),
    ("[profile a]\n" + ROLE + "source_profile = b\n[profile b]\n" + ROLE + "source_profile = a\n", "", "role-source-loop", "error", "a", "a -> b -> a", "make the last profile"),
    ("[profile a]\n" + ROLE, "", "role-without-source", "error", "a", "role_arn has no source_profile", "add source_profile"),
    ("[profile a]\n" + ROLE + "source_profile = a\ncredential_source = Environment\n", "", "role-source-conflict", "error", "a", "both source_profile and credential_source", "keep one"),
    ("[profile a]\nsource_profile = b\n[profile b]\n", "", "source-without-role", "warning", "a", "role_arn is not", "add role_arn"),
    ("[profile a]\nrole_arn = admin\nsource_profile = a\n", "", "role-arn", "error", "a", "'admin' is not a role ARN", "arn:aws:iam::ACCOUNT:role/NAME"),
    ("[profile a]\n" + ROLE + "source_profile = a\nduration_seconds = 1h\n", "", "duration-seconds", "error", "a", "'1h' is not a number", "900 to 43200"),
    ("[profile a]\nmfa_serial = arn:aws:iam::123456789012:user/alice\n", "", "mfa-serial", "error", "a", "is not an MFA device's ARN", "arn:aws:iam::ACCOUNT:mfa/NAME"),
    ("[profile a]\nmfa_serial = GAHT12345678\n", "", "mfa-serial", "warning", "a", "is not an ARN", "arn:aws:iam::ACCOUNT:mfa/NAME"),
    ("[dev]\nregion = eu-west-1\n", "", "not-a-profile", "warning", "dev", "is not a profile", "rename the section to [profile dev]"),
    ("[profile dev]\n", "[profile dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n", "not-a-profile", "warning", "profile dev", "no 'profile ' prefix", "rename the section to [dev]"),
    ("[sso-session corp]\nsso_start_url = https://x\nsso_regoin = us-east-1\n", "", "unknown-key", "warning", None, "not a setting of an [sso-session]", "rename sso_regoin to sso_region"),
    (
        "[profile t]\n",
        "[t]\naws_access_key_id = ASIAEXAMPLE\naws_secret_access_key = x\naws_session_token = y\n"
        "x_security_token_expires = 2020-01-01T00:00:00+00:00\n",
        "expired-session", "error", "t", "expired at 2020-01-01T00:00:00+00:00", "sign in again",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("config", "credentials", "check", "severity", "profile", "words", "fix"), FILE_CASES
)
def test_file_findings(
    aws_files: AwsFiles,
    credo: Run,
    config: str,
    credentials: str,
    check: str,
    severity: str,
    profile: str | None,
    words: str,
    fix: str,
) -> None:
    """Each mistake in the shared files is one finding of its kind, with where, why and the fix."""
    aws_files.write(config=config, credentials=credentials)
    status, report = doctor(credo)
    [finding] = findings(report, check)
    assert (finding["severity"], finding["profile"]) == (severity, profile)
    assert words in finding["message"] and fix in finding["fix"]
    assert finding["location"].startswith(
        str(
            aws_files.config
            if check != "expired-session" and "prefix" not in words
            else aws_files.credentials
        )
    )
    assert status == (1 if report["Errors"] else 0)


def test_exposed_files_are_errors(aws_files: AwsFiles, credo: Run) -> None:
    """A credentials file others can read, or a config file others can write, is an error with the chmod."""
    aws_files.write(config="[default]\nregion = us-east-1\n", credentials="[default]\n")
    aws_files.credentials.chmod(0o644)
    aws_files.config.chmod(0o666)
    status, report = doctor(credo)
    modes = {finding["location"]: finding for finding in findings(report, "file-mode")}
    assert status == 1
    assert modes[str(aws_files.credentials)]["message"].endswith("is readable by group or others (mode 0644)")
    assert "writable by group or others (mode 0666)" in modes[str(aws_files.config)]["message"]
    assert modes[str(aws_files.config)]["fix"] == f"chmod 600 {aws_files.config}"


@pytest.mark.parametrize("backend", ["file", "os"])
def test_plaintext_keys_suggest_migrate(aws_files: AwsFiles, credo: Run, backend: str) -> None:
    """Plaintext keys: a warning naming `credo migrate` when a keychain is there, a note when none is."""
    aws_files.write(config=SEED_ROLE_EXAMPLE.replace("mfa_arn", "mfa_serial"), credentials=SEED_CREDENTIALS)
    env = {"CREDO_KEYRING_BACKEND": backend, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    status, report = doctor(credo, env=env)
    [finding] = findings(report, "plaintext-keys")
    assert finding["profile"] == "my_account" and finding["location"] == f"{aws_files.credentials}:3"
    if backend == "file":
        assert finding["severity"] == "warning" and finding["fix"] == "credo migrate --profile my_account"
    else:
        assert finding["severity"] == "note" and "CREDO_KEYRING_BACKEND=file" in finding["fix"]
    assert status == 0


ENV_CASES = [
    ({"AWS_ACCESS_KEY_ID": "AKIAX", "AWS_SECRET_ACCESS_KEY": "s"}, "warning", "instead of profile dev (checked with --profile)"),
    ({"AWS_ACCESS_KEY_ID": "AKIAX"}, "error", "only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
    ({"AWS_PROFILE": "dev", "AWS_REGION": "us-west-2"}, "warning", "AWS_REGION=us-west-2 overrides region eu-west-1 of profile dev"),
    ({"AWS_PROFILE": "dev", "AWS_ENDPOINT_URL": "http://127.0.0.1:1"}, "warning", "AWS_ENDPOINT_URL=http://127.0.0.1:1 overrides endpoint_url"),
    ({"AWS_PROFILE": "nosuch"}, "error", "AWS_PROFILE=nosuch names a profile that does not exist"),
    ({"AWS_DEFAULT_PROFLE": "dev"}, "warning", "AWS_DEFAULT_PROFLE is not a variable botocore reads"),
    ({"AWS_SESSION_TOKEN": "t"}, "warning", "AWS_SESSION_TOKEN is set without keys"),
]  # fmt: skip


@pytest.mark.parametrize(("environ", "severity", "words"), ENV_CASES)
def test_environment_findings(
    aws_files: AwsFiles, credo: Run, environ: dict[str, str], severity: str, words: str
) -> None:
    """AWS_* variables that override the profile, are incomplete, name nothing, or are misspelt."""
    aws_files.write(config="[profile dev]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:9\n")
    _, report = doctor(credo, "--profile", "dev", env=environ)
    matching = [f for f in findings(report, "environment") if words in f["message"]]
    assert len(matching) == 1, report
    assert matching[0]["severity"] == severity


def test_profile_option_limits_the_checks_to_its_chain(aws_files: AwsFiles, credo: Run) -> None:
    """--profile checks that profile and its sources only."""
    aws_files.write(
        config="[profile a]\n"
        + ROLE
        + "source_profile = b\n[profile b]\nmfa_arn = x\n[profile other]\ncolour = 1\n"
    )
    status, report = doctor(credo, "--profile", "a")
    assert status == 1
    assert {finding["profile"] for finding in report["Findings"]} == {"b"}
    assert credo("doctor", "--profile", "nosuch").stderr == "The config profile (nosuch) could not be found\n"


def test_unparsable_file_is_one_error(aws_files: AwsFiles, credo: Run) -> None:
    """A file botocore cannot read: the parse error with its line, exit 1."""
    aws_files.write(config="[default]\nregion\n")
    status, report = doctor(credo)
    assert status == 1
    assert (
        report["Findings"][0]["message"]
        == f"Unable to parse config file: {aws_files.config}, line 2: expected 'key = value', found 'region'"
    )


@contextmanager
def skewed_server(seconds: float) -> Iterator[str]:
    """An HTTP server whose Date header is ``seconds`` off (a server with a wrong clock)."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def date_time_string(self, timestamp: float | None = None) -> str:
            return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds), usegmt=True)

        def do_GET(self) -> None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("seconds", "severity", "words"),
    [
        (-150, "warning", "seconds behind this machine's"),
        (600, "warning", "session expiry is misjudged by that much"),  # within credo's 15-minute margin
        (3600, "error", "signed requests are refused past 15 minutes"),
        (10, None, ""),
    ],
)
def test_clock_skew_against_the_server(
    aws_files: AwsFiles, credo: Run, seconds: float, severity: str | None, words: str
) -> None:
    """The server's Date header against this machine's clock: over a minute off is a finding."""
    with skewed_server(seconds) as endpoint:
        aws_files.write(config=f"[profile dev]\nendpoint_url = {endpoint}\n")
        _, report = doctor(credo)
    found = findings(report, "clock-skew")
    if severity is None:
        assert found == []
        return
    [finding] = found
    assert finding["severity"] == severity and words in finding["message"]
    assert finding["location"] == endpoint


def test_endpoint_that_does_not_answer(aws_files: AwsFiles, credo: Run) -> None:
    """An endpoint_url nothing listens on is an error naming the profiles that use it."""
    aws_files.write(
        config="[profile dev]\nendpoint_url = http://127.0.0.1:9\n[profile ops]\nendpoint_url = http://127.0.0.1:9\n"
    )
    status, report = doctor(credo)
    [finding] = findings(report, "endpoint")
    assert status == 1
    assert finding["message"].startswith("http://127.0.0.1:9 (the endpoint of dev, ops) does not answer:")


def test_server_checks_keys_and_cached_sessions(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, tmp_path: Path
) -> None:
    """Against credo serve: a deleted key is refused with the server's reason; a good keychain profile is clean."""
    kc = keychain_env(aws_files)
    add(credo, kc, tmp_path, server, new_user_key(iam, "alice"))
    status, report = doctor(credo, env=kc)
    assert (status, report["Findings"]) == (0, [])
    assert credo("doctor", env=kc).stdout == "No problems found (1 profile checked).\n"
    gone = new_user_key(iam, "bob")
    iam.delete_access_key(UserName="bob", AccessKeyId=gone.access_key_id)
    aws_files.write(
        config=aws_files.config.read_text()
        + f"\n[profile old]\nendpoint_url = {server.endpoint}\nregion = us-east-1\n",
        credentials=f"[old]\naws_access_key_id = {gone.access_key_id}\naws_secret_access_key = {gone.secret_access_key}\n",
    )
    # An expired session cached in the keychain (written with credo's own keychain code).
    store = Keychain(EncryptedFileStore(kc["CREDO_KEYRING_FILE"], lambda new: PASSPHRASE))
    ended = datetime.now(UTC) - timedelta(hours=1)
    store.store_session(
        SESSION_SERVICE, "dev", CachedSession(SessionCredentials("ASIAX", "s", "t", ended), "basis")
    )
    status, report = doctor(credo, env=kc)
    assert status == 1
    [refused] = findings(report, "keys-refused")
    assert refused["profile"] == "old" and refused["location"] == f"{aws_files.credentials}:2"
    assert refused["message"] == (
        "the server refuses the profile's keys: An error occurred (InvalidClientTokenId) when calling the "
        "GetCallerIdentity operation: The security token included in the request is invalid."
    )
    assert refused["fix"].startswith("the key does not exist on this server")
    [expired] = findings(report, "expired-session")
    assert expired["severity"] == "note" and expired["profile"] == "dev"
    assert gone.secret_access_key not in json.dumps(report)


def test_keychain_profile_without_its_key(aws_files: AwsFiles, credo: Run) -> None:
    """A profile running credo credential-process whose key is not in the keychain: an error, and credo add as the fix."""
    aws_files.write(
        config="[profile dev]\ncredential_process = credo credential-process dev\nregion = us-east-1\n"
    )
    status, report = doctor(credo, env=os_keychain_env(aws_files))
    assert status == 1
    [finding] = findings(report, "keychain-key")
    assert (finding["severity"], finding["profile"], finding["fix"]) == ("error", "dev", "credo add dev")
    assert finding["message"] == (
        "profile dev runs credo credential-process, but the OS keychain (credo_test_keyring.FileKeyring) "
        "holds no key for it"
    )
