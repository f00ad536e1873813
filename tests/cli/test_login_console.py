"""``credo login PROFILE``: a profile's credentials → the federation endpoint → a console page as that identity."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from tests.cli.conftest import AwsFiles, Result
from tests.cli.keychain_support import IamKey, files_containing, keychain_env, new_user_key
from tests.cli.test_keychain_sessions import add, allow, append_config, trust
from tests.conftest import Server

Run = Callable[..., Result]
ACCOUNT = "123456789012"
# What alice may do; GetFederationToken's session gets no more than this.
ALICE_POLICY = allow("sts:GetFederationToken", "sts:AssumeRole", "iam:ListUsers")
NOT_TEMPORARY = "Only federation tokens or assume role tokens may be used for federated login."


@pytest.fixture
def kc(aws_files: AwsFiles) -> dict[str, str]:
    return keychain_env(aws_files)


def identity_on_page(url: str) -> tuple[str, str]:
    """Follow the sign-in URL as a browser would: (the page's path, its header, where the identity shows)."""
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        page = browser.get(url)
        assert page.status_code == 200, page.text[:500]
        return page.url.path, page.text.split("</header>")[0]


def login_url(result: Result) -> str:
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    return lines[0]


def role(iam: Any, name: str = "admin") -> str:
    made = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT}:root"))
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(allow("iam:List*")))
    return str(made["Role"]["Arn"])


def plaintext_profile(aws_files: AwsFiles, server: Server, name: str, key: IamKey, token: str = "") -> None:
    extra = f"aws_session_token = {token}\n" if token else ""
    aws_files.write(
        config=f"[profile {name}]\nendpoint_url = {server.endpoint}\nregion = us-east-1\n",
        credentials=(
            f"[{name}]\naws_access_key_id = {key.access_key_id}\n"
            f"aws_secret_access_key = {key.secret_access_key}\n{extra}"
        ),
    )


def test_keychain_profile_signs_in_as_a_federated_user(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, kc: dict[str, str], tmp_path: Path
) -> None:
    """The keychain's long-term key becomes GetFederationToken credentials named after the user."""
    key = new_user_key(iam, "alice", ALICE_POLICY)
    add(credo, kc, tmp_path, server, key)
    result = credo("login", "dev", "--stdout", env=kc)
    url = login_url(result)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == server.endpoint and parts.path == "/federation"
    query = parse_qs(parts.query)
    assert query["Action"] == ["login"] and query["Destination"] == [f"{server.endpoint}/console/home"]
    # The one secret printed is the single-use token inside the URL.
    for secret in (key.secret_access_key, key.access_key_id):
        assert secret not in result.stdout + result.stderr
    path, header = identity_on_page(url)
    assert path == "/console/home"
    assert f"arn:aws:sts::{ACCOUNT}:federated-user/alice" in header
    with httpx.Client() as again:
        assert again.get(url).status_code == 400  # good once
    assert files_containing(aws_files.home, key.secret_access_key) == []


def test_role_profile_signs_in_as_the_role_session_on_the_page_asked(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, kc: dict[str, str], tmp_path: Path
) -> None:
    """A role profile built on the keychain signs in as its role session; --path picks the page."""
    key = new_user_key(iam, "alice", ALICE_POLICY)
    add(credo, kc, tmp_path, server, key)
    role_arn = role(iam)
    append_config(
        aws_files,
        f"\n[profile admin]\nrole_arn = {role_arn}\nsource_profile = dev\nrole_session_name = alice-console\n"
        f"endpoint_url = {server.endpoint}\nregion = us-east-1\n",
    )
    url = login_url(
        credo("login", "admin", "--stdout", "--path", "/console/users", "--duration", "1h", env=kc)
    )
    path, header = identity_on_page(url)
    assert path == "/console/users"
    assert f"arn:aws:sts::{ACCOUNT}:assumed-role/admin/alice-console" in header


@pytest.mark.parametrize("with_role", [False, True], ids=["keys", "role-on-keys"])
def test_plaintext_profiles_sign_in_through_botocore(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, with_role: bool
) -> None:
    """Plain keys become a federated user; a role on them (botocore's AssumeRole) its role session."""
    key = new_user_key(iam, "bob", ALICE_POLICY)
    plaintext_profile(aws_files, server, "plain", key)
    profile, expected = "plain", f"arn:aws:sts::{ACCOUNT}:federated-user/bob"
    if with_role:
        append_config(
            aws_files,
            f"\n[profile ops]\nrole_arn = {role(iam)}\nsource_profile = plain\nrole_session_name = bob\n"
            f"endpoint_url = {server.endpoint}\nregion = us-east-1\n",
        )
        profile, expected = "ops", f"arn:aws:sts::{ACCOUNT}:assumed-role/admin/bob"
    result = credo("login", profile, "--stdout")
    assert key.secret_access_key not in result.stdout + result.stderr
    _path, header = identity_on_page(login_url(result))
    assert expected in header


def test_browser_is_opened_with_the_url(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, kc: dict[str, str], tmp_path: Path
) -> None:
    """Without --stdout the URL goes to the browser ($BROWSER here), and nothing secret is printed."""
    key = new_user_key(iam, "alice", ALICE_POLICY)
    add(credo, kc, tmp_path, server, key)
    opened = tmp_path / "opened.txt"
    recorder = tmp_path / "browser.py"
    recorder.write_text(f"import sys\nopen({str(opened)!r}, 'w').write(sys.argv[1])\n")
    result = credo("login", "dev", env={**kc, "BROWSER": f"{sys.executable} {recorder} %s"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == "Opened the console as profile dev in your browser.\n"
    _path, header = identity_on_page(opened.read_text())
    assert f"arn:aws:sts::{ACCOUNT}:federated-user/alice" in header


def test_a_profile_named_like_a_subcommand_needs_the_option(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run
) -> None:
    """`credo login oidc` is the OIDC sign-in; `credo login --profile oidc` opens the console as profile oidc."""
    key = new_user_key(iam, "bob", ALICE_POLICY)
    plaintext_profile(aws_files, server, "oidc", key)
    url = login_url(credo("login", "--profile", "oidc", "--stdout"))
    assert f"arn:aws:sts::{ACCOUNT}:federated-user/bob" in identity_on_page(url)[1]
    oidc = credo("login", "oidc", "--stdout")
    assert oidc.returncode == 2 and "No such option '--stdout'" in oidc.stderr


def test_help_shows_both_uses(credo: Run) -> None:
    """`credo login --help` names the console login, its options, and the identity provider commands."""
    result = credo("login", "--help")
    assert result.returncode == 0
    assert "Usage: credo login [OPTIONS] PROFILE\n   or: credo login COMMAND [ARGS]..." in result.stdout
    for text in ("--stdout", "--path PATH", "--profile NAME", "oidc ", "saml "):
        assert text in result.stdout


def test_session_token_credentials_are_refused_with_the_reason(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run
) -> None:
    """GetSessionToken credentials (as `configure mfa-login` writes): the endpoint's words, then what to do."""
    key = new_user_key(iam, "bob", ALICE_POLICY)
    session = server.client("sts", key.access_key_id, key.secret_access_key).get_session_token()[
        "Credentials"
    ]
    temporary = IamKey("bob", session["AccessKeyId"], session["SecretAccessKey"])
    plaintext_profile(aws_files, server, "temp", temporary, session["SessionToken"])
    result = credo("login", "temp", "--stdout")
    assert result.returncode == 255 and result.stdout == ""
    assert result.stderr.startswith(NOT_TEMPORARY)
    assert "holds GetSessionToken credentials" in result.stderr
    assert session["SecretAccessKey"] not in result.stderr and session["SessionToken"] not in result.stderr


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        pytest.param(
            "no-federation",
            "An error occurred (AccessDenied) when calling the GetFederationToken operation: User: "
            f"arn:aws:iam::{ACCOUNT}:user/carol is not authorized to perform: sts:GetFederationToken",
            id="no-federation-permission",
        ),
        pytest.param("no-endpoint", "Profile plain has no endpoint_url", id="no-endpoint"),
        pytest.param("bad-path", "'/users' is not a console page", id="bad-path"),
        pytest.param("unknown", "The config profile (nosuch) could not be found", id="unknown-profile"),
    ],
)
def test_refusals_are_one_clear_line(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, setup: str, expected: str
) -> None:
    """Each refusal is a message and a non-zero status, never a traceback or a URL."""
    key = new_user_key(iam, "carol", allow("iam:ListUsers"))
    plaintext_profile(aws_files, server, "plain", key)
    args = ["login", "plain", "--stdout"]
    if setup == "no-endpoint":
        aws_files.write(config="[profile plain]\nregion = us-east-1\n")
    elif setup == "bad-path":
        args += ["--path", "/users"]
    elif setup == "unknown":
        args[1] = "nosuch"
    result = credo(*args)
    assert result.returncode != 0 and result.stdout == ""
    assert expected in result.stderr
    assert "Traceback" not in result.stderr and key.secret_access_key not in result.stderr
