"""``credo login saml`` against pysaml2's IdP behind a web sign-in form, then the aws CLI with the profile.

The command signs in to the IdP's form as saml2aws does, takes the signed SAMLResponse, calls
credo's AssumeRoleWithSAML, and writes the session to the profile; ``aws sts
get-caller-identity`` then shows the assumed role. Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.cli.conftest import AwsFiles, Result
from tests.conftest import DEV_ACCOUNT, Server
from tests.saml_idp import AWS_SIGNIN, SamlIdP, aws_attributes
from tests.saml_idp_web import WebIdP, running_web_idp

PROVIDER = f"arn:aws:iam::{DEV_ACCOUNT}:saml-provider/Shibboleth"
ENGINEERS = f"arn:aws:iam::{DEV_ACCOUNT}:role/Engineers"
READERS = f"arn:aws:iam::{DEV_ACCOUNT}:role/Readers"
PASSWORD = "correct horse battery staple 7"


@pytest.fixture(scope="module")
def saml_idp(tmp_path_factory: pytest.TempPathFactory) -> SamlIdP:
    return SamlIdP(tmp_path_factory.mktemp("idp"), entity_id="https://shibboleth.credo.test/idp")


@pytest.fixture
def web_idp(saml_idp: SamlIdP) -> Iterator[WebIdP]:
    with running_web_idp(saml_idp) as web:
        web.users["alice"] = (PASSWORD, lambda: aws_attributes(ENGINEERS, PROVIDER, "alice"))
        both = aws_attributes(ENGINEERS, PROVIDER, "bob")
        both["https://aws.amazon.com/SAML/Attributes/Role"].append(f"{PROVIDER},{READERS}")
        web.users["bob"] = (PASSWORD, lambda: both)
        yield web


def trust(audience: str = AWS_SIGNIN) -> str:
    """AWS's usual SAML trust policy: the provider, for assertions posted to AWS's sign-in endpoint."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": PROVIDER},
                    "Action": "sts:AssumeRoleWithSAML",
                    "Condition": {"StringEquals": {"SAML:aud": audience}},
                }
            ],
        }
    )


@pytest.fixture
def federation(iam: Any, saml_idp: SamlIdP) -> None:
    iam.create_saml_provider(Name="Shibboleth", SAMLMetadataDocument=saml_idp.metadata())
    iam.create_role(RoleName="Engineers", AssumeRolePolicyDocument=trust())
    iam.create_role(RoleName="Readers", AssumeRolePolicyDocument=trust())


def login_args(server: Server, web: WebIdP, *more: str) -> list[str]:
    return [
        "login",
        "saml",
        "--profile",
        "work",
        "--idp-url",
        web.sign_in_url,
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


@pytest.mark.usefixtures("federation")
def test_login_saml_gives_the_aws_cli_the_role_session(
    server: Server,
    web_idp: WebIdP,
    credo: Callable[..., Result],
    aws: Callable[..., Result],
    aws_files: AwsFiles,
) -> None:
    """Sign in at the IdP's form, assume the one role offered, and the aws CLI acts as that session."""
    done = credo(
        *login_args(server, web_idp, "--username", "alice", "--password-stdin", "--configure"),
        input=PASSWORD + "\n",
    )
    assert done.returncode == 0, done.stderr
    assert f"Profile work signs as {session_arn('Engineers', 'alice')}" in done.stdout
    assert caller_arn(aws) == session_arn("Engineers", "alice")

    config, credentials = aws_files.read()
    assert config is not None and credentials is not None
    assert "aws_session_token = " in credentials and "x_security_token_expires = " in credentials
    assert f"credo_saml_idp_url = {web_idp.sign_in_url}" in config
    assert "credo_saml_username = alice" in config and f"credo_role_arn = {ENGINEERS}" in config
    # The password went to the IdP's form only: not to any file or any output.
    assert [form["j_password"] for form in web_idp.received] == [[PASSWORD]]
    assert all(PASSWORD not in text for text in (config, credentials, done.stdout, done.stderr))

    # Kept in the profile: the next sign-in asks only for the password.
    again = credo("login", "saml", "--profile", "work", "--password-stdin", input=PASSWORD + "\n")
    assert again.returncode == 0, again.stderr
    assert caller_arn(aws) == session_arn("Engineers", "alice")


@pytest.mark.usefixtures("federation")
def test_several_roles_are_offered_and_the_one_picked_is_assumed(
    server: Server,
    web_idp: WebIdP,
    pty_credo: Callable[..., tuple[int, str]],
    aws: Callable[..., Result],
) -> None:
    """On a terminal: the password is not echoed, the roles are listed, and the pick is assumed."""
    status, transcript = pty_credo(
        *login_args(server, web_idp),
        dialogue=[("Username: ", "bob"), ("Password: ", PASSWORD), ("Role: ", "2")],
    )
    assert status == 0, transcript
    assert f"[1] {ENGINEERS}" in transcript and f"[2] {READERS}" in transcript
    assert PASSWORD not in transcript
    assert caller_arn(aws) == session_arn("Readers", "bob")


@pytest.mark.usefixtures("federation")
def test_several_roles_without_a_terminal_need_role(
    server: Server, web_idp: WebIdP, credo: Callable[..., Result], aws: Callable[..., Result]
) -> None:
    args = login_args(server, web_idp, "--username", "bob", "--password-stdin")
    done = credo(*args, input=PASSWORD + "\n")
    assert done.returncode != 0
    assert "offers several roles; pick one with --role" in done.stderr
    assert ENGINEERS in done.stderr and READERS in done.stderr

    picked = credo(*args, "--role", READERS, input=PASSWORD + "\n")
    assert picked.returncode == 0, picked.stderr
    assert caller_arn(aws) == session_arn("Readers", "bob")

    other = f"arn:aws:iam::{DEV_ACCOUNT}:role/Admins"
    refused = credo(*args, "--role", other, input=PASSWORD + "\n")
    assert refused.returncode != 0
    assert f"does not offer role {other}" in refused.stderr


@pytest.mark.usefixtures("federation")
def test_wrong_password_is_reported_and_nothing_is_written(
    server: Server, web_idp: WebIdP, credo: Callable[..., Result], aws_files: AwsFiles
) -> None:
    done = credo(*login_args(server, web_idp, "--username", "alice", "--password-stdin"), input="not it\n")
    assert done.returncode != 0
    assert "did not accept the user name or password" in done.stderr
    assert "not it" not in done.stderr + done.stdout
    assert aws_files.read() == (None, None)


def test_a_role_whose_trust_refuses_gives_aws_message(
    server: Server,
    iam: Any,
    saml_idp: SamlIdP,
    web_idp: WebIdP,
    credo: Callable[..., Result],
    aws_files: AwsFiles,
) -> None:
    """Trust only for credo's own /saml endpoint: the IdP's assertion for AWS's sign-in is refused."""
    iam.create_saml_provider(Name="Shibboleth", SAMLMetadataDocument=saml_idp.metadata())
    iam.create_role(RoleName="Engineers", AssumeRolePolicyDocument=trust(server.endpoint + "/saml"))
    done = credo(
        *login_args(server, web_idp, "--username", "alice", "--password-stdin"), input=PASSWORD + "\n"
    )
    assert done.returncode != 0
    assert "An error occurred (AccessDenied) when calling the AssumeRoleWithSAML operation: " in done.stderr
    assert aws_files.read() == (None, None)


@pytest.mark.parametrize(
    ("idp_url", "message"),
    [
        ("http://idp.example.com/sso", "must be https:// (or http:// on loopback)"),
        ("ftp://127.0.0.1/sso", "must be https:// (or http:// on loopback)"),
    ],
)
def test_identity_provider_urls_a_password_must_not_go_to(
    idp_url: str, message: str, credo: Callable[..., Result], aws_files: AwsFiles
) -> None:
    done = credo(
        "login",
        "saml",
        "--profile",
        "work",
        "--idp-url",
        idp_url,
        "--username",
        "alice",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert done.returncode != 0
    assert message in done.stderr
    assert aws_files.read() == (None, None)


def test_an_idp_that_is_down_is_reported(credo: Callable[..., Result], aws_files: AwsFiles) -> None:
    done = credo(
        "login",
        "saml",
        "--profile",
        "work",
        "--idp-url",
        "http://127.0.0.1:9/sso",
        "--username",
        "alice",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert done.returncode != 0
    assert "Cannot reach the identity provider at http://127.0.0.1:9/sso" in done.stderr
    assert aws_files.read() == (None, None)


@pytest.mark.usefixtures("federation")
def test_duration_sets_the_session_length(
    server: Server, web_idp: WebIdP, credo: Callable[..., Result], aws_files: AwsFiles
) -> None:
    """``--duration 1800``: the session written ends 1,800 seconds after the call (the role allows an hour)."""
    before = datetime.now(UTC)
    done = credo(
        *login_args(server, web_idp, "--username", "alice", "--password-stdin", "--duration", "1800"),
        input=PASSWORD + "\n",
    )
    after = datetime.now(UTC)
    assert done.returncode == 0, done.stderr
    # STS counts from its own clock, in whole seconds, somewhere between before and after.
    expires = aws_files.session_expiry("work")
    assert before + timedelta(seconds=1799) <= expires <= after + timedelta(seconds=1800)


@pytest.mark.usefixtures("federation")
def test_duration_above_the_roles_maximum_is_aws_validation_error(
    server: Server, web_idp: WebIdP, credo: Callable[..., Result], aws_files: AwsFiles
) -> None:
    """Two hours for a role of one: STS's ValidationError in the aws CLI's words, exit 255, nothing written."""
    done = credo(
        *login_args(server, web_idp, "--username", "alice", "--password-stdin", "--duration", "7200"),
        input=PASSWORD + "\n",
    )
    assert done.returncode == 255
    assert (
        "An error occurred (ValidationError) when calling the AssumeRoleWithSAML operation: "
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    ) in done.stderr
    assert aws_files.read() == (None, None)
