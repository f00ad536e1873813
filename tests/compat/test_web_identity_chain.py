"""botocore's own web identity credential provider, and the aws CLI, against credo and a real IdP.

A profile with ``role_arn`` + ``web_identity_token_file`` (or ``AWS_ROLE_ARN`` +
``AWS_WEB_IDENTITY_TOKEN_FILE``) makes botocore call AssumeRoleWithWebIdentity itself; its STS
client follows the profile's ``endpoint_url`` or ``AWS_ENDPOINT_URL_STS`` to credo.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from tests.compat.test_role_profiles import AWS_BIN
from tests.conftest import DEV_ACCOUNT, REGION, Server
from tests.oidc_support import OidcIdp
from tests.sts.test_web_identity import federated_trust, make_role, register

ROLE = "GitHubActions"
SESSION = "pipeline-7"


@pytest.fixture
def chain(
    server: Server, iam: Any, oidc_idp: OidcIdp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Path]]:
    """A role trusting the IdP's ci-runner, the IdP's token in a file, and an environment without AWS keys."""
    provider_arn = register(iam, oidc_idp.issuer)
    condition = {"StringEquals": {f"{oidc_idp.location}:sub": "ci-runner"}}
    role_arn = make_role(iam, ROLE, federated_trust(provider_arn, condition))
    token_file = tmp_path / "token"
    token_file.write_text(oidc_idp.token())
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    (tmp_path / "config").write_text("")
    yield role_arn, token_file


def caller_arn(server: Server, session: botocore.session.Session) -> str:
    """Resolve credentials through the session's chain; the ARN credo says they act as."""
    credentials = session.get_credentials()
    assert credentials is not None
    assert credentials.method == "assume-role-with-web-identity"
    frozen = credentials.get_frozen_credentials()
    client = server.client("sts", frozen.access_key, frozen.secret_key, frozen.token)
    return str(client.get_caller_identity()["Arn"])


def test_a_profile_with_a_token_file_resolves_through_botocore(
    server: Server, chain: tuple[str, Path], tmp_path: Path
) -> None:
    """role_arn + web_identity_token_file + endpoint_url: botocore gets the role session from credo."""
    role_arn, token_file = chain
    (tmp_path / "config").write_text(
        f"[profile ci]\nregion = {REGION}\nrole_arn = {role_arn}\nrole_session_name = {SESSION}\n"
        f"web_identity_token_file = {token_file}\nendpoint_url = {server.endpoint}\n"
    )
    session = botocore.session.Session(profile="ci")
    assert caller_arn(server, session) == f"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/{ROLE}/{SESSION}"


def test_the_environment_variables_resolve_through_botocore(
    server: Server, chain: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ENDPOINT_URL_STS: the same, with no profile."""
    role_arn, token_file = chain
    monkeypatch.setenv("AWS_ROLE_ARN", role_arn)
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("AWS_ROLE_SESSION_NAME", SESSION)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", server.endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    session = botocore.session.Session()
    assert caller_arn(server, session) == f"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/{ROLE}/{SESSION}"


def test_the_aws_cli_uses_the_profile(server: Server, chain: tuple[str, Path], tmp_path: Path) -> None:
    """``aws sts get-caller-identity --profile ci`` shows the assumed-role session."""
    role_arn, token_file = chain
    (tmp_path / "config").write_text(
        f"[profile ci]\nregion = {REGION}\nrole_arn = {role_arn}\nrole_session_name = {SESSION}\n"
        f"web_identity_token_file = {token_file}\nendpoint_url = {server.endpoint}\n"
    )
    done = subprocess.run(
        [AWS_BIN, "sts", "get-caller-identity", "--profile", "ci", "--output", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Arn"] == f"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/{ROLE}/{SESSION}"


def test_a_token_file_holding_junk_is_refused_through_botocore(
    server: Server, chain: tuple[str, Path], tmp_path: Path
) -> None:
    """A token file holding no JWT: botocore's provider raises credo's InvalidIdentityToken."""
    role_arn, token_file = chain
    token_file.write_text("not-a-token-at-all")
    (tmp_path / "config").write_text(
        f"[profile ci]\nregion = {REGION}\nrole_arn = {role_arn}\nweb_identity_token_file = {token_file}\n"
        f"endpoint_url = {server.endpoint}\n"
    )
    session = botocore.session.Session(profile="ci")
    with pytest.raises(Exception, match="InvalidIdentityToken"):
        session.get_credentials().get_frozen_credentials()
