"""``credo exec``: the command's environment, nesting, exit status, signals, and the --server endpoint."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import botocore.credentials
import pytest
from tests.cli.conftest import CREDO, AwsFiles, Result
from tests.cli.keychain_support import (
    PASSPHRASE,
    IamKey,
    key_only_csv,
    keychain_env,
    new_user_key,
    os_keychain_entries,
    os_keychain_env,
    put_os_keychain_entry,
)
from tests.conftest import Server

from credo.client.container_server import CredentialsEndpoint
from credo.client.resolver import Credentials

Run = Callable[..., Result]
ALICE = "arn:aws:iam::123456789012:user/alice"

# Prints what the command sees: the variables credo sets or removes, and what botocore makes of them.
SHOW_ENVIRONMENT = """
import json, os, boto3
session = boto3.Session()
credentials = session.get_credentials()
names = [n for n in os.environ if n.startswith(("AWS_", "CREDO_"))]
print(json.dumps({
    "env": {n: os.environ[n] for n in names},
    "method": credentials.method,
    "arn": session.client("sts").get_caller_identity()["Arn"],
}))
"""


@pytest.fixture
def kc(aws_files: AwsFiles) -> dict[str, str]:
    return keychain_env(aws_files)


@pytest.fixture
def alice(server: Server, iam: Any, credo: Run, kc: dict[str, str], tmp_path: Path) -> IamKey:
    """alice's key in the keychain as profile dev, talking to the test server."""
    key = new_user_key(iam, "alice")
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
        "eu-west-1",
        env=kc,
    )
    assert result.returncode == 0, result.stderr
    return key


def shown(result: Result) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_command_sees_the_session_in_its_environment(
    server: Server, alice: IamKey, credo: Run, kc: dict[str, str]
) -> None:
    """The variables are set, botocore's env provider signs with them, and overriding ones are gone."""
    outer = {
        **kc,
        "AWS_PROFILE": "dev",
        "AWS_DEFAULT_PROFILE": "dev",
        "AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent",
        "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/other",
    }
    seen = shown(credo("exec", "dev", "--", sys.executable, "-c", SHOW_ENVIRONMENT, env=outer))
    env = seen["env"]
    assert seen["method"] == "env"
    assert seen["arn"] == ALICE
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA") and env["AWS_ACCESS_KEY_ID"] != alice.access_key_id
    assert env["AWS_SECRET_ACCESS_KEY"] != alice.secret_access_key
    assert env["AWS_SESSION_TOKEN"]
    assert datetime.strptime(env["AWS_CREDENTIAL_EXPIRATION"], "%Y-%m-%dT%H:%M:%SZ")
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["AWS_ENDPOINT_URL"] == server.endpoint
    assert env["CREDO_EXEC_PROFILE"] == "dev"
    for gone in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
        assert gone not in env
    # The command gets a session, never the means to open the keychain.
    assert "CREDO_KEYRING_PASSPHRASE" not in env
    assert PASSPHRASE not in json.dumps(env)


def test_region_from_the_environment_wins(
    server: Server, alice: IamKey, credo: Run, kc: dict[str, str]
) -> None:
    """AWS_REGION already set outranks the profile's region, as in botocore."""
    seen = shown(
        credo(
            "exec",
            "dev",
            "--",
            sys.executable,
            "-c",
            SHOW_ENVIRONMENT,
            env={**kc, "AWS_REGION": "ap-south-1"},
        )
    )
    assert seen["env"]["AWS_REGION"] == seen["env"]["AWS_DEFAULT_REGION"] == "ap-south-1"


@pytest.mark.parametrize("status", [0, 3, 255])
def test_exit_status_is_the_commands(
    server: Server, alice: IamKey, credo: Run, kc: dict[str, str], status: int
) -> None:
    """The command's exit status is credo exec's."""
    result = credo("exec", "dev", "--", sys.executable, "-c", f"raise SystemExit({status})", env=kc)
    assert result.returncode == status


def test_missing_command(server: Server, alice: IamKey, credo: Run, kc: dict[str, str]) -> None:
    """A command that does not exist exits 127, as in a shell."""
    result = credo("exec", "dev", "--", "no-such-command-anywhere", env=kc)
    assert result.returncode == 127
    assert result.stderr == "credo exec: no-such-command-anywhere: command not found\n"


def test_nesting_is_refused_unless_allowed(
    server: Server, alice: IamKey, credo: Run, kc: dict[str, str]
) -> None:
    """Inside credo exec, another credo exec refuses unless --allow-nested."""
    inner = [CREDO, "exec", "dev", "--", sys.executable, "-c", "print('inner ran')"]
    refused = credo("exec", "dev", "--", *inner, env=kc)
    assert refused.returncode == 255
    assert refused.stderr == (
        "credo exec: already inside credo exec for profile dev (CREDO_EXEC_PROFILE is set); "
        "leave that shell first, or pass --allow-nested\n"
    )
    assert "inner ran" not in refused.stdout
    # The inner credo needs the passphrase, which the outer one keeps from its command.
    nested = [
        "env",
        f"CREDO_KEYRING_PASSPHRASE={PASSPHRASE}",
        CREDO,
        "exec",
        "dev",
        "--allow-nested",
        "--",
        sys.executable,
        "-c",
        "print('inner ran')",
    ]
    allowed = credo("exec", "dev", "--", *nested, env=kc)
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout == "inner ran\n"


def test_profiles_outside_the_keychain_come_from_botocore(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run
) -> None:
    """A profile with plain keys runs through botocore's chain; --duration is refused for it."""
    key = new_user_key(iam, "alice")
    aws_files.write(
        f"[profile plain]\nregion = us-east-1\nendpoint_url = {server.endpoint}\n",
        f"[plain]\naws_access_key_id = {key.access_key_id}\naws_secret_access_key = {key.secret_access_key}\n",
    )
    seen = shown(credo("exec", "plain", "--", sys.executable, "-c", SHOW_ENVIRONMENT))
    assert seen["arn"] == ALICE
    refused = credo("exec", "plain", "--duration", "1h", "--", "true")
    assert refused.returncode == 255
    assert refused.stderr.startswith("--duration and --no-session apply to keychain profiles")
    unknown = credo("exec", "nosuch", "--", "true")
    assert (unknown.returncode, unknown.stderr) == (255, "The config profile (nosuch) could not be found\n")


@pytest.mark.parametrize("value", ["soon", "1d", "-5", "h"])
def test_bad_duration_is_a_usage_error(credo: Run, value: str) -> None:
    """--duration takes 1h, 45m, 1h30m or seconds."""
    result = credo("exec", "dev", "--duration", value, "--", "true")
    assert result.returncode == 2
    assert "is not a duration such as 1h, 45m, 1h30m or 3600" in result.stderr


# --- --server ------------------------------------------------------------------------------------


def test_server_mode_child_gets_credentials_from_the_container_endpoint(
    server: Server, alice: IamKey, credo: Run, kc: dict[str, str]
) -> None:
    """With --server the child has no keys in its environment; botocore's container provider fetches them."""
    seen = shown(
        credo(
            "exec",
            "dev",
            "--server",
            "--",
            sys.executable,
            "-c",
            SHOW_ENVIRONMENT,
            env={**kc, "AWS_ACCESS_KEY_ID": "AKIAOUTER"},
        )
    )
    env = seen["env"]
    assert seen["method"] == "container-role"
    assert seen["arn"] == ALICE
    for gone in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "CREDO_KEYRING_PASSPHRASE",
    ):
        assert gone not in env
    assert env["AWS_CONTAINER_CREDENTIALS_FULL_URI"].startswith("http://127.0.0.1:")
    assert len(env["AWS_CONTAINER_AUTHORIZATION_TOKEN"]) >= 40


# Asks the endpoint with a wrong token, no token, and the right one; prints the statuses.
PROBE = """
import json, os, urllib.error, urllib.request
url = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
def status(headers, target=url):
    try:
        with urllib.request.urlopen(urllib.request.Request(target, headers=headers), timeout=10) as answer:
            return answer.status, sorted(json.loads(answer.read()))
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())["code"]
print(json.dumps({
    "wrong": status({"Authorization": token[:-1] + ("A" if token[-1] != "A" else "B")}),
    "none": status({}),
    "other-path": status({"Authorization": token}, url.rsplit("/", 1)[0] + "/other"),
    "right": status({"Authorization": token}),
}))
"""


def test_server_mode_refuses_a_wrong_token(
    server: Server, alice: IamKey, credo: Run, kc: dict[str, str]
) -> None:
    """Only the token credo gave its child opens the endpoint; other paths are not served."""
    seen = shown(credo("exec", "dev", "--server", "--", sys.executable, "-c", PROBE, env=kc))
    assert seen["wrong"] == [401, "Unauthorized"]
    assert seen["none"] == [401, "Unauthorized"]
    assert seen["other-path"] == [404, "NotFound"]
    assert seen["right"] == [200, ["AccessKeyId", "Expiration", "SecretAccessKey", "Token"]]


def test_server_mode_passes_the_exit_status(
    server: Server, alice: IamKey, credo: Run, kc: dict[str, str]
) -> None:
    """The child's exit status comes back through credo, which outlives it as the endpoint."""
    result = credo("exec", "dev", "--server", "--", sys.executable, "-c", "raise SystemExit(9)", env=kc)
    assert result.returncode == 9


# Waits for SIGTERM, then says so in a file and exits 42.
ON_SIGTERM = """
import signal, sys, time
def stop(signum, frame):
    open(sys.argv[1], "w").write("got SIGTERM")
    raise SystemExit(42)
signal.signal(signal.SIGTERM, stop)
open(sys.argv[2], "w").write("ready")
while True:
    time.sleep(0.1)
"""


def test_server_mode_forwards_signals(
    server: Server, alice: IamKey, aws_files: AwsFiles, kc: dict[str, str], tmp_path: Path
) -> None:
    """SIGTERM sent to credo exec --server reaches the command; the command's status comes back."""
    got, ready = tmp_path / "got", tmp_path / "ready"
    process = subprocess.Popen(
        [CREDO, "exec", "dev", "--server", "--", sys.executable, "-c", ON_SIGTERM, str(got), str(ready)],
        env={**aws_files.env, **kc},
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert ready.exists()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 42
        assert got.read_text() == "got SIGTERM"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# What botocore's container provider got: its access key and how long it has left.
CONTAINER_KEYS = """
import json, boto3
from datetime import datetime, timezone
credentials = boto3.Session().get_credentials()
left = (credentials._expiry_time - datetime.now(timezone.utc)).total_seconds()
print(json.dumps([credentials.method, credentials.get_frozen_credentials().access_key, left]))
"""


def test_server_mode_never_serves_what_botocore_would_refresh(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, tmp_path: Path
) -> None:
    """A cached session with 10 minutes left is inside botocore's refresh window (15): the endpoint serves a new one."""
    env = os_keychain_env(aws_files)  # its entries can be read and edited, as another keychain client could
    key = new_user_key(iam, "alice")
    path = tmp_path / "accessKeys.csv"
    path.write_bytes(key_only_csv(key))
    added = credo("add", "dev", "--from-csv", str(path), "--endpoint-url", server.endpoint, env=env)
    assert added.returncode == 0, added.stderr
    assert credo("credential-process", "dev", env=env).returncode == 0
    cached = os_keychain_entries(aws_files)["credo:session"]["dev"]
    cached["Expiration"] = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
    put_os_keychain_entry(aws_files, "credo:session", "dev", cached)
    result = credo("exec", "dev", "--server", "--", sys.executable, "-c", CONTAINER_KEYS, env=env)
    assert result.returncode == 0, result.stderr
    method, access_key, seconds_left = json.loads(result.stdout)
    assert method == "container-role"
    assert access_key != cached["AccessKeyId"] and access_key.startswith("ASIA")
    assert seconds_left > 15 * 60
    assert os_keychain_entries(aws_files)["credo:session"]["dev"]["AccessKeyId"] == access_key  # and cached


def test_server_mode_needs_temporary_credentials(
    server: Server, alice: IamKey, credo: Run, kc: dict[str, str]
) -> None:
    """--server with --no-session would serve the long-term key: refused."""
    result = credo("exec", "dev", "--server", "--no-session", "--", "true", env=kc)
    assert result.returncode == 255
    assert result.stderr == "--server serves temporary credentials only; profile dev gave long-term keys\n"


# --- the endpoint in-process: renewal as botocore's container provider sees it -----------------------


class Issuer:
    """Hands out numbered sessions of ``lifetime`` (an hour) from the endpoint's clock."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)
        self.issued = 0
        self.lifetime = timedelta(hours=1)
        self.failure: str | None = None

    def clock(self) -> datetime:
        return self.now

    def fetch(self) -> Credentials:
        if self.failure is not None:
            raise RuntimeError(self.failure)
        self.issued += 1
        return Credentials(
            f"ASIAISSUED{self.issued:010d}",
            f"secret-{self.issued}",
            f"token-{self.issued}",
            self.now + self.lifetime,
        )


@pytest.fixture
def issuer() -> Iterator[tuple[Issuer, CredentialsEndpoint]]:
    """An endpoint holding the issuer's first session (as credo exec starts one)."""
    issuer = Issuer()
    with CredentialsEndpoint(issuer.fetch, issuer.fetch(), clock=issuer.clock) as endpoint:
        yield issuer, endpoint


def fetched(endpoint: CredentialsEndpoint) -> str:
    """The access key botocore's container provider gets from the endpoint."""
    provider = botocore.credentials.ContainerProvider(environ=endpoint.environment())
    credentials = provider.load()
    assert credentials is not None
    return str(credentials.get_frozen_credentials().access_key)


def test_endpoint_renews_before_botocores_refresh_window(issuer: tuple[Issuer, CredentialsEndpoint]) -> None:
    """Credentials with 15 minutes or less left (botocore refreshes those) are renewed before they are served;
    fresher ones are re-served."""
    source, endpoint = issuer
    assert fetched(endpoint) == "ASIAISSUED0000000001"
    source.now += timedelta(minutes=44)
    assert fetched(endpoint) == "ASIAISSUED0000000001"  # 16 minutes left
    source.now += timedelta(minutes=2)
    assert fetched(endpoint) == "ASIAISSUED0000000002"  # 14 minutes left: renewed
    assert fetched(endpoint) == "ASIAISSUED0000000002"
    assert source.issued == 2


def test_endpoint_renews_short_credentials_at_half_their_life(
    issuer: tuple[Issuer, CredentialsEndpoint],
) -> None:
    """Credentials of 15 minutes (--duration 15m) are renewed at half their life, not at every request."""
    source, endpoint = issuer
    source.lifetime = timedelta(minutes=15)
    source.now += timedelta(minutes=50)
    assert fetched(endpoint) == "ASIAISSUED0000000002"
    assert fetched(endpoint) == "ASIAISSUED0000000002"
    source.now += timedelta(minutes=7)
    assert fetched(endpoint) == "ASIAISSUED0000000002"  # 8 minutes left
    source.now += timedelta(minutes=1)
    assert fetched(endpoint) == "ASIAISSUED0000000003"  # 7 minutes left: past half its life
    assert source.issued == 3


def test_endpoint_failure_is_an_answer(issuer: tuple[Issuer, CredentialsEndpoint]) -> None:
    """A renewal that fails answers 500 with the reason; the endpoint keeps serving."""
    source, endpoint = issuer
    source.now += timedelta(minutes=50)  # due for renewal
    source.failure = "MFA code needed"
    request = urllib.request.Request(endpoint.url, headers={"Authorization": endpoint.token})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 500
    assert json.loads(caught.value.read()) == {"code": "CredentialsUnavailable", "message": "MFA code needed"}
    source.failure = None
    assert fetched(endpoint) == "ASIAISSUED0000000002"
