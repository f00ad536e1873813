"""``credo login oidc`` end to end: node's oidc-provider, Chromium at its sign-in page, then the aws CLI.

The real command runs as a subprocess with its own home and AWS files and ``--no-browser``; the
test reads the sign-in URL it prints, signs in at the provider's pages in Chromium, which is
redirected to the command's loopback listener; the command exchanges the code for an ID token
(PKCE), calls credo's AssumeRoleWithWebIdentity and writes the profile, and ``aws sts
get-caller-identity`` then shows the role session. Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import shutil
import socket
import stat
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.cli.conftest import CREDO, AwsFiles, Result
from tests.conftest import DEV_ACCOUNT, Server, free_port
from tests.oidc_support import OidcIdp
from tests.sts.test_web_identity import federated_trust, make_role, register

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None, reason="no node: the test OpenID Connect provider runs on node"
)

CLIENT_ID = "credo-cli"
PASSWORD = "any password: the test provider accepts every one"


@dataclass
class LoginRun:
    """A ``credo login oidc`` process: its sign-in URL as printed, then its result."""

    process: subprocess.Popen[str]
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)
    printed_url: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.out), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, self.err), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: Any, lines: list[str]) -> None:
        for line in stream:
            lines.append(line)
            if line.startswith("http"):
                self.printed_url.set()

    def sign_in_url(self) -> str:
        assert self.printed_url.wait(60), f"no sign-in URL printed: {''.join(self.err)}"
        return next(line.strip() for line in self.err if line.startswith("http"))

    def result(self) -> Result:
        returncode = self.process.wait(timeout=60)
        for reader in self._readers:
            reader.join(timeout=10)
        return Result(returncode, "".join(self.out), "".join(self.err))


@pytest.fixture
def start_login(aws_files: AwsFiles) -> Iterator[Callable[..., LoginRun]]:
    """Start ``credo login oidc --no-browser ARGS`` (``no_browser=False``: without it) with the private
    AWS files; killed if left running."""
    runs: list[LoginRun] = []

    def start(*args: str, no_browser: bool = True, env: dict[str, str] | None = None) -> LoginRun:
        process = subprocess.Popen(
            [CREDO, "login", "oidc", *(["--no-browser"] if no_browser else []), *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**aws_files.env, **(env or {})},
        )
        runs.append(LoginRun(process))
        return runs[-1]

    yield start
    for run in runs:
        if run.process.poll() is None:
            run.process.kill()
        run.result()
        for stream in (run.process.stdout, run.process.stderr):
            if stream is not None:
                stream.close()


def no_fonts(page: Any) -> Any:
    """The page, kept from fetching the provider's web fonts (its pages import them from Google)."""
    page.route("https://fonts.googleapis.com/**", lambda route: route.abort())
    return page


@pytest.fixture
def browser_page(new_page: Callable[[], Any]) -> Any:
    return no_fonts(new_page())


def sign_in(page: Any, url: str, login: str = "alice") -> None:
    """At the provider: sign in and consent; the browser lands on credo's loopback page."""
    from playwright.sync_api import expect

    page.goto(url)
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Signed in")).to_be_visible()
    expect(page.get_by_text("You can close this window and return to the terminal.")).to_be_visible()
    redirect_uri = parse_qs(urlsplit(url).query)["redirect_uri"][0]
    assert page.url.startswith(redirect_uri + "?")


def trust_for(idp: OidcIdp, provider_arn: str, audience: str = CLIENT_ID) -> str:
    return federated_trust(provider_arn, {"StringEquals": {f"{idp.location}:aud": audience}})


def options(idp: OidcIdp, server: Server, role_arn: str, *more: str) -> list[str]:
    return [
        "--profile",
        "work",
        "--issuer",
        idp.issuer,
        "--client-id",
        CLIENT_ID,
        "--role",
        role_arn,
        "--endpoint-url",
        server.endpoint,
        *more,
    ]


def caller_arn(aws: Callable[..., Result]) -> str:
    done = aws("sts", "get-caller-identity", "--profile", "work", env={"AWS_DEFAULT_REGION": "us-east-1"})
    assert done.returncode == 0, done.stderr
    return str(json.loads(done.stdout)["Arn"])


def session_arn(role: str, session: str) -> str:
    return f"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/{role}/{session}"


def test_login_oidc_gives_the_aws_cli_the_role_session(
    server: Server,
    iam: Any,
    oidc_idp: OidcIdp,
    start_login: Callable[..., LoginRun],
    browser_page: Any,
    aws: Callable[..., Result],
    aws_files: AwsFiles,
) -> None:
    """Sign in at the provider in the browser; the profile then acts as ROLE/<the person's sub>."""
    provider_arn = register(iam, oidc_idp.issuer, [CLIENT_ID])
    role_arn = make_role(iam, "Developers", trust_for(oidc_idp, provider_arn))
    login = start_login(*options(oidc_idp, server, role_arn, "--configure"))
    url = login.sign_in_url()
    assert url.startswith(oidc_idp.issuer + "/auth?")
    query = parse_qs(urlsplit(url).query)
    assert query["client_id"] == [CLIENT_ID] and query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"][0].startswith("http://127.0.0.1:")
    sign_in(browser_page, url)

    done = login.result()
    assert done.returncode == 0, done.stderr
    assert f"Profile work signs as {session_arn('Developers', 'alice')} until " in done.stdout
    assert caller_arn(aws) == session_arn("Developers", "alice")

    config, credentials = aws_files.read()
    assert config is not None and credentials is not None
    for key in (
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "x_security_token_expires",
    ):
        assert f"{key} = " in credentials
    assert f"x_principal_arn = {session_arn('Developers', 'alice')}" in credentials
    assert f"credo_oidc_issuer = {oidc_idp.issuer}" in config
    assert f"credo_oidc_client_id = {CLIENT_ID}" in config
    assert f"credo_role_arn = {role_arn}" in config
    assert f"endpoint_url = {server.endpoint}" in config


def test_kept_options_make_the_next_login_need_only_the_profile(
    server: Server,
    iam: Any,
    oidc_idp: OidcIdp,
    start_login: Callable[..., LoginRun],
    new_page: Callable[[], Any],
    aws: Callable[..., Result],
) -> None:
    """After ``--configure``, ``credo login oidc --profile work`` signs in again with what was kept."""
    provider_arn = register(iam, oidc_idp.issuer, [CLIENT_ID])
    role_arn = make_role(iam, "Developers", trust_for(oidc_idp, provider_arn))
    first = start_login(*options(oidc_idp, server, role_arn, "--configure"))
    sign_in(no_fonts(new_page()), first.sign_in_url(), "alice")
    assert first.result().returncode == 0

    again = start_login("--profile", "work")
    sign_in(no_fonts(new_page()), again.sign_in_url(), "bob")  # another browser: a new sign-in
    done = again.result()
    assert done.returncode == 0, done.stderr
    assert caller_arn(aws) == session_arn("Developers", "bob")


def test_a_role_whose_trust_does_not_match_gives_aws_message_and_writes_nothing(
    server: Server,
    iam: Any,
    oidc_idp: OidcIdp,
    start_login: Callable[..., LoginRun],
    browser_page: Any,
    aws_files: AwsFiles,
) -> None:
    """A trust policy for another audience: STS's AccessDenied in the aws CLI's words, exit 255, no files."""
    provider_arn = register(iam, oidc_idp.issuer, [CLIENT_ID])
    role_arn = make_role(iam, "Others", trust_for(oidc_idp, provider_arn, "another-client"))
    login = start_login(*options(oidc_idp, server, role_arn, "--configure"))
    sign_in(browser_page, login.sign_in_url())
    done = login.result()
    assert done.returncode == 255
    # AWS's line as the aws CLI prints it, then credo's explanation on a line of its own.
    assert (
        "\nAn error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: "
        "Not authorized to perform sts:AssumeRoleWithWebIdentity\n"
    ) in done.stderr
    assert f"oidc-provider/{oidc_idp.location}" in done.stderr.splitlines()[-1]
    assert done.stdout == ""
    assert aws_files.read() == (None, None)


def test_an_unregistered_client_id_is_refused_by_sts(
    server: Server,
    iam: Any,
    oidc_idp: OidcIdp,
    start_login: Callable[..., LoginRun],
    browser_page: Any,
    aws_files: AwsFiles,
) -> None:
    """The IAM OIDC provider does not list the CLI's client id: InvalidIdentityToken, nothing written."""
    provider_arn = register(iam, oidc_idp.issuer, ["some-other-app"])
    role_arn = make_role(iam, "Developers", trust_for(oidc_idp, provider_arn))
    login = start_login(*options(oidc_idp, server, role_arn))
    sign_in(browser_page, login.sign_in_url())
    done = login.result()
    assert done.returncode == 255
    assert (
        "An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: "
        in done.stderr
    )
    assert aws_files.read() == (None, None)


def test_cancelling_at_the_provider_is_reported_in_the_browser_and_the_terminal(
    server: Server,
    iam: Any,
    oidc_idp: OidcIdp,
    start_login: Callable[..., LoginRun],
    browser_page: Any,
    aws_files: AwsFiles,
) -> None:
    """The person cancels: the provider redirects with error=access_denied, shown on both sides."""
    from playwright.sync_api import expect

    provider_arn = register(iam, oidc_idp.issuer, [CLIENT_ID])
    role_arn = make_role(iam, "Developers", trust_for(oidc_idp, provider_arn))
    login = start_login(*options(oidc_idp, server, role_arn))
    browser_page.goto(login.sign_in_url())
    browser_page.get_by_role("link", name="[ Cancel ]").click()
    expect(browser_page.get_by_role("heading", name="Sign-in failed")).to_be_visible()
    refusal = "sign-in: the provider refused: access_denied - End-User aborted interaction"
    expect(browser_page.get_by_text(refusal)).to_be_visible()
    done = login.result()
    assert done.returncode == 255
    assert done.stderr.endswith(refusal + "\n")
    assert aws_files.read() == (None, None)


def test_nobody_signing_in_times_out_with_a_clear_message(
    server: Server, oidc_idp: OidcIdp, start_login: Callable[..., LoginRun], aws_files: AwsFiles
) -> None:
    """No browser comes back within --timeout: the command says so and exits 255, writing nothing."""
    role_arn = f"arn:aws:iam::{DEV_ACCOUNT}:role/Developers"
    login = start_login(*options(oidc_idp, server, role_arn, "--timeout", "1"))
    redirect_uri = parse_qs(urlsplit(login.sign_in_url()).query)["redirect_uri"][0]
    done = login.result()
    assert done.returncode == 255
    assert done.stderr.endswith(
        f"sign-in: nobody signed in within 1 seconds (the browser did not come back to {redirect_uri});"
        " run the command again to start a new sign-in\n"
    )
    assert aws_files.read() == (None, None)


def test_a_fixed_redirect_port_is_used_and_kept(
    server: Server,
    iam: Any,
    oidc_idp: OidcIdp,
    start_login: Callable[..., LoginRun],
    new_page: Callable[[], Any],
    aws: Callable[..., Result],
    aws_files: AwsFiles,
) -> None:
    """``--redirect-port`` (for providers wanting the exact registered URI) is the one listened on, and kept."""
    provider_arn = register(iam, oidc_idp.issuer, [CLIENT_ID])
    role_arn = make_role(iam, "Developers", trust_for(oidc_idp, provider_arn))
    port = free_port()
    login = start_login(*options(oidc_idp, server, role_arn, "--redirect-port", str(port), "--configure"))
    url = login.sign_in_url()
    assert parse_qs(urlsplit(url).query)["redirect_uri"] == [f"http://127.0.0.1:{port}/callback"]
    sign_in(no_fonts(new_page()), url)
    assert login.result().returncode == 0
    config, _ = aws_files.read()
    assert config is not None and f"credo_oidc_redirect_port = {port}" in config

    again = start_login("--profile", "work")
    url = again.sign_in_url()
    assert parse_qs(urlsplit(url).query)["redirect_uri"] == [f"http://127.0.0.1:{port}/callback"]
    sign_in(no_fonts(new_page()), url, "carol")
    assert again.result().returncode == 0
    assert caller_arn(aws) == session_arn("Developers", "carol")


def test_a_redirect_port_in_use_is_a_clear_error(
    oidc_idp: OidcIdp, server: Server, start_login: Callable[..., LoginRun], aws_files: AwsFiles
) -> None:
    """Another program holds the port: the command says so before any browser is sent, exit 255."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        role_arn = f"arn:aws:iam::{DEV_ACCOUNT}:role/Developers"
        done = start_login(*options(oidc_idp, server, role_arn, "--redirect-port", str(port))).result()
    assert done.returncode == 255
    assert done.stderr == (
        f"sign-in: cannot listen on 127.0.0.1:{port} for the redirect: Address already in use\n"
    )
    assert aws_files.read() == (None, None)


def test_duration_sets_the_session_length(
    server: Server,
    iam: Any,
    oidc_idp: OidcIdp,
    start_login: Callable[..., LoginRun],
    browser_page: Any,
    aws_files: AwsFiles,
) -> None:
    """``--duration 1800``: the session written ends 1,800 seconds after the call (the role allows an hour)."""
    provider_arn = register(iam, oidc_idp.issuer, [CLIENT_ID])
    role_arn = make_role(iam, "Developers", trust_for(oidc_idp, provider_arn))
    login = start_login(*options(oidc_idp, server, role_arn, "--duration", "1800"))
    url = login.sign_in_url()
    before = datetime.now(UTC)
    sign_in(browser_page, url)
    done = login.result()
    after = datetime.now(UTC)
    assert done.returncode == 0, done.stderr
    # STS counts from its own clock, in whole seconds, somewhere between the sign-in and the end.
    expires = aws_files.session_expiry("work")
    assert before + timedelta(seconds=1799) <= expires <= after + timedelta(seconds=1800)


def test_duration_above_the_roles_maximum_is_aws_validation_error(
    server: Server,
    iam: Any,
    oidc_idp: OidcIdp,
    start_login: Callable[..., LoginRun],
    browser_page: Any,
    aws_files: AwsFiles,
) -> None:
    """Two hours for a role of one: STS's ValidationError in the aws CLI's words, exit 255, nothing written."""
    provider_arn = register(iam, oidc_idp.issuer, [CLIENT_ID])
    role_arn = make_role(iam, "Developers", trust_for(oidc_idp, provider_arn))
    login = start_login(*options(oidc_idp, server, role_arn, "--duration", "7200"))
    sign_in(browser_page, login.sign_in_url())
    done = login.result()
    assert done.returncode == 255
    assert (
        "An error occurred (ValidationError) when calling the AssumeRoleWithWebIdentity operation: "
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    ) in done.stderr
    assert aws_files.read() == (None, None)


def recording_browser(directory: Path) -> tuple[str, Path]:
    """A ``BROWSER`` command that only writes down the URL it is given: (the command, its record)."""
    record = directory / "opened-urls"
    script = directory / "record-browser"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{record}"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script), record


def test_the_browser_is_opened_through_webbrowser(
    server: Server,
    iam: Any,
    oidc_idp: OidcIdp,
    start_login: Callable[..., LoginRun],
    browser_page: Any,
    aws: Callable[..., Result],
    tmp_path: Path,
) -> None:
    """Without ``--no-browser`` the URL goes to the browser Python's webbrowser picks (``BROWSER``)."""
    provider_arn = register(iam, oidc_idp.issuer, [CLIENT_ID])
    role_arn = make_role(iam, "Developers", trust_for(oidc_idp, provider_arn))
    command, record = recording_browser(tmp_path)
    login = start_login(*options(oidc_idp, server, role_arn), no_browser=False, env={"BROWSER": command})
    printed = login.sign_in_url()
    assert record.read_text().splitlines() == [printed]  # opened once, with the URL also printed
    sign_in(browser_page, printed)
    done = login.result()
    assert done.returncode == 0, done.stderr
    assert "Your browser was opened to sign in. If it did not open, open this URL:" in done.stderr
    assert caller_arn(aws) == session_arn("Developers", "alice")
