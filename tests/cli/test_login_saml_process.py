"""A ``credo login saml`` profile served through ``credential_process``, as saml2aws can serve it.

The profile keeps the IdP's sign-in URL and ``credential_process = credo credential-process
work``; the aws CLI (botocore's chain) runs it, credo signs in at pysaml2's IdP behind its web
form with the password typed on the terminal, and caches the role session in the keychain: the
next call uses the cache and the IdP sees no second sign-in. Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.cli import test_login_saml as login_tests
from tests.cli.conftest import AWS, AwsFiles, Result
from tests.cli.keychain_support import PASSPHRASE, files_containing, keychain_env, run_on_terminal
from tests.cli.test_login_saml import ENGINEERS, PASSWORD, READERS, session_arn
from tests.conftest import Server
from tests.saml_idp_web import WebIdP

from credo.client.encrypted_file import EncryptedFileStore
from credo.client.keychain import SAML_SESSION_SERVICE, CachedSession, Keychain

Run = Callable[..., Result]
# The login tests' fixtures: pysaml2's IdP, its web sign-in form, the provider and its two roles.
saml_idp = login_tests.saml_idp
web_idp = login_tests.web_idp
federation = login_tests.federation


@pytest.fixture
def kc(aws_files: AwsFiles) -> dict[str, str]:
    return keychain_env(aws_files)


def configure_only(credo: Run, kc: dict[str, str], server: Server, web: WebIdP, *more: str) -> Result:
    """``credo login saml --configure-only --credential-process`` for profile work: no sign-in."""
    done = credo(
        "login",
        "saml",
        "--profile",
        "work",
        "--idp-url",
        web.sign_in_url,
        "--endpoint-url",
        server.endpoint,
        "--configure-only",
        "--credential-process",
        *more,
        env=kc,
    )
    assert done.returncode == 0, done.stderr
    return done


def identity_on_terminal(aws_files: AwsFiles, kc: dict[str, str], password: str | None) -> tuple[int, str]:
    """``aws sts get-caller-identity --profile work`` on a terminal, typing ``password`` if asked."""
    dialogue = [("Password for alice at 127.0.0.1: ", password)] if password is not None else []
    return run_on_terminal(
        [AWS, "sts", "get-caller-identity", "--profile", "work"],
        {**aws_files.env, **kc, "AWS_DEFAULT_REGION": "us-east-1"},
        dialogue,
    )


def identity_without_terminal(aws_files: AwsFiles, kc: dict[str, str]) -> Result:
    """The same with no terminal at all (a new session, stdin not a tty): nobody can be asked."""
    done = subprocess.run(
        [AWS, "sts", "get-caller-identity", "--profile", "work"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env={**aws_files.env, **kc, "AWS_DEFAULT_REGION": "us-east-1"},
        start_new_session=True,
        timeout=60,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def sign_ins(web: WebIdP) -> int:
    """How many times the IdP's form was posted a password."""
    return sum(1 for form in web.received if "j_password" in form)


@pytest.mark.usefixtures("federation")
def test_aws_cli_signs_in_once_then_uses_the_cached_session(
    server: Server, web_idp: WebIdP, credo: Run, kc: dict[str, str], aws_files: AwsFiles
) -> None:
    """The first aws call signs in (password on the terminal); the second uses the keychain's session."""
    done = configure_only(credo, kc, server, web_idp, "--username", "alice")
    assert "nobody signed in" in done.stdout
    assert web_idp.received == []  # --configure-only does not contact the IdP
    config, credentials = aws_files.read()
    assert config is not None and credentials is None
    assert "credential_process = " in config and "credential-process work" in config
    assert f"credo_saml_idp_url = {web_idp.sign_in_url}" in config and "credo_saml_username = alice" in config

    status, shown = identity_on_terminal(aws_files, kc, PASSWORD)
    assert status == 0, shown
    assert session_arn("Engineers", "alice") in shown
    assert PASSWORD not in shown
    assert sign_ins(web_idp) == 1

    again = identity_without_terminal(aws_files, kc)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["Arn"] == session_arn("Engineers", "alice")
    assert sign_ins(web_idp) == 1  # no second sign-in

    listed = credo("list", "--output", "json", env=kc)
    assert listed.returncode == 0, listed.stderr
    row = next(row for row in json.loads(listed.stdout)["Profiles"] if row["profile"] == "work")
    assert (row["source"], row["detail"]) == ("saml", web_idp.sign_in_url)
    assert row["session_expiration"] is not None
    assert files_containing(aws_files.home, PASSWORD) == []


@pytest.mark.usefixtures("federation")
def test_login_caches_the_session_and_an_ending_one_needs_a_new_sign_in(
    server: Server, web_idp: WebIdP, credo: Run, kc: dict[str, str], aws_files: AwsFiles
) -> None:
    """``--credential-process`` caches the login's session; near its end, the next call signs in again."""
    done = credo(
        "login",
        "saml",
        "--profile",
        "work",
        "--idp-url",
        web_idp.sign_in_url,
        "--endpoint-url",
        server.endpoint,
        "--username",
        "alice",
        "--password-stdin",
        "--credential-process",
        input=PASSWORD + "\n",
        env=kc,
    )
    assert done.returncode == 0, done.stderr
    assert "served by credential_process from the encrypted file" in done.stdout
    _config, credentials = aws_files.read()
    assert credentials is None  # the session is in the keychain, not in the credentials file

    cached = identity_without_terminal(aws_files, kc)
    assert cached.returncode == 0, cached.stderr
    assert sign_ins(web_idp) == 1

    # The session is now four minutes from its end: too close to hand out.
    keychain = Keychain(EncryptedFileStore(kc["CREDO_KEYRING_FILE"], lambda new: PASSPHRASE))
    held = keychain.session(SAML_SESSION_SERVICE, "work")
    assert held is not None
    ending = replace(held.credentials, expiration=datetime.now(UTC) + timedelta(minutes=4))
    keychain.store_session(SAML_SESSION_SERVICE, "work", CachedSession(ending, held.basis))

    refused = identity_without_terminal(aws_files, kc)
    assert refused.returncode != 0
    assert (
        "Password for alice at 127.0.0.1 is needed but there is no terminal (profile work needs a new "
        "SAML session; run the command on a terminal, or sign in first with: credo login saml "
        "--profile work)"
    ) in refused.stderr
    assert sign_ins(web_idp) == 1

    status, shown = identity_on_terminal(aws_files, kc, PASSWORD)
    assert status == 0, shown
    assert session_arn("Engineers", "alice") in shown
    assert sign_ins(web_idp) == 2


@pytest.mark.usefixtures("federation")
def test_several_roles_need_a_kept_role(
    server: Server, web_idp: WebIdP, credo: Run, kc: dict[str, str], aws_files: AwsFiles
) -> None:
    """Nobody can pick among roles inside botocore: the kept credo_role_arn decides, else a clear error."""
    configure_only(credo, kc, server, web_idp, "--username", "bob")
    dialogue = [("Password for bob at 127.0.0.1: ", PASSWORD)]
    env = {**aws_files.env, **kc, "AWS_DEFAULT_REGION": "us-east-1"}
    argv = [AWS, "sts", "get-caller-identity", "--profile", "work"]
    status, shown = run_on_terminal(argv, env, dialogue)
    assert status != 0
    assert "offers several roles; keep one in profile work with: credo login saml --profile work " in shown
    assert ENGINEERS in shown and READERS in shown

    configure_only(credo, kc, server, web_idp, "--role", READERS)
    status, shown = run_on_terminal(argv, env, dialogue)
    assert status == 0, shown
    assert session_arn("Readers", "bob") in shown


def test_configure_only_keeps_settings_without_contacting_the_idp(
    server: Server,
    web_idp: WebIdP,
    federation: None,
    credo: Run,
    aws: Run,
    aws_files: AwsFiles,
) -> None:
    """Settings are kept for an IdP that is not even up; the next login needs only the password."""
    kept = credo(
        "login",
        "saml",
        "--profile",
        "work",
        "--idp-url",
        "http://127.0.0.1:9/idp/sso",
        "--username",
        "alice",
        "--role",
        ENGINEERS,
        "--duration",
        "1800",
        "--endpoint-url",
        server.endpoint,
        "--configure-only",
    )
    assert kept.returncode == 0, kept.stderr
    config, credentials = aws_files.read()
    assert credentials is None and config is not None
    for line in (
        "credo_saml_idp_url = http://127.0.0.1:9/idp/sso",
        "credo_saml_username = alice",
        f"credo_role_arn = {ENGINEERS}",
        "credo_saml_duration = 1800",
        f"endpoint_url = {server.endpoint}",
    ):
        assert line in config
    assert "credential_process" not in config

    moved = credo("login", "saml", "--profile", "work", "--idp-url", web_idp.sign_in_url, "--configure-only")
    assert moved.returncode == 0, moved.stderr
    done = credo("login", "saml", "--profile", "work", "--password-stdin", input=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    assert session_arn("Engineers", "alice") in done.stdout
    identity = aws("sts", "get-caller-identity", "--profile", "work", env={"AWS_DEFAULT_REGION": "us-east-1"})
    assert json.loads(identity.stdout)["Arn"] == session_arn("Engineers", "alice")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Missing --idp-url (not given, and not kept in profile work)"),
        (["--idp-url", "http://idp.example.com/sso"], "must be https:// (or http:// on loopback)"),
        (
            ["--idp-url", "https://idp.example.com/sso", "--credential-process"],
            "The profile (work) has no endpoint_url: pass --endpoint-url URL of the credo server",
        ),
        (
            ["--idp-url", "https://idp.example.com/sso", "--endpoint-url", "ftp://x"],
            "--endpoint-url must be an http:// or https:// URL",
        ),
    ],
)
def test_configure_only_refuses_unusable_settings(
    args: list[str], message: str, credo: Run, kc: dict[str, str], aws_files: AwsFiles
) -> None:
    done = credo("login", "saml", "--profile", "work", "--configure-only", *args, env=kc)
    assert done.returncode == 255
    assert message in done.stderr
    assert aws_files.read() == (None, None)


def test_credential_process_for_an_unknown_profile_says_so(credo: Run, kc: dict[str, str]) -> None:
    done = credo("credential-process", "nosuch", env=kc)
    assert done.returncode == 255
    assert "The config profile (nosuch) could not be found" in done.stderr


def test_a_saml_profile_is_listed_and_removed_as_credo_s(
    credo: Run, aws_files: AwsFiles, kc: dict[str, str]
) -> None:
    """``credo list`` names a SAML profile's source before any session exists; ``credo remove`` undoes it."""
    aws_files.write(
        config="[profile work]\ncredential_process = credo credential-process work\n"
        "credo_saml_idp_url = https://idp.example.com/sso\nendpoint_url = http://127.0.0.1:9\n"
    )
    listed = credo("list", "--output", "json", env=kc)
    assert listed.returncode == 0, listed.stderr
    rows: list[dict[str, Any]] = json.loads(listed.stdout)["Profiles"]
    assert [(row["profile"], row["source"], row["session"]) for row in rows] == [("work", "saml", "-")]
    removed = credo("remove", "work", "--yes", env=kc)
    assert removed.returncode == 0, removed.stderr
    assert "Removed credential_process from profile work" in removed.stdout
    config, _ = aws_files.read()
    assert config is not None and "credential_process" not in config
