"""The seed's cross-account role profile, resolved by botocore's own credential chain and the aws CLI.

Account 1 holds the user (``my_account``: long-term keys, a virtual MFA device); account 2,
made with ``credo account create``, holds the role it assumes (``my_resource_account``:
``role_arn`` + ``source_profile`` + ``mfa_serial``). Note: the seed's ``mfa_arn`` is not a key
botocore reads; ``mfa_serial`` is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest

from tests.conftest import DEV_ACCOUNT, REGION, Server, allow, create_account
from tests.mfa_support import STEP, DeviceClock, code, create_device, enable

AWS_BIN = str(Path(sys.executable).with_name("aws"))
RESOURCE_ACCOUNT = "210987654321"
ROLE_ARN = f"arn:aws:iam::{RESOURCE_ACCOUNT}:role/resource-admin"
MFA_SERIAL = f"arn:aws:iam::{DEV_ACCOUNT}:mfa/alice"


@dataclass
class Profiles:
    """The two accounts, alice's device and the AWS files naming them."""

    server: Server
    clock: DeviceClock
    home: Path
    seed: str
    resource_iam: Any

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        return {
            **env,
            "HOME": str(self.home),
            "AWS_CONFIG_FILE": str(self.home / ".aws" / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.home / ".aws" / "credentials"),
        }

    def write_config(self, **extra: str) -> None:
        lines = "".join(f"{key} = {value}\n" for key, value in extra.items())
        (self.home / ".aws" / "config").write_text(
            f"[profile my_account]\nregion = {REGION}\nendpoint_url = {self.server.endpoint}\n\n"
            f"[profile my_resource_account]\nregion = {REGION}\nrole_arn = {ROLE_ARN}\n"
            f"source_profile = my_account\nmfa_serial = {MFA_SERIAL}\n"
            f"endpoint_url = {self.server.endpoint}\n{lines}"
        )

    def next_code(self) -> str:
        """A code for a step no earlier code used (codes are good once)."""
        self.clock.move(STEP)
        return code(self.seed, self.clock.step())

    def session(self, token_code: str | None) -> boto3.Session:
        """``my_resource_account`` through botocore's chain, the MFA prompt answered with ``token_code``."""
        session = boto3.Session(profile_name="my_resource_account")
        provider = session._session.get_component("credential_provider").get_provider("assume-role")
        provider._prompter = lambda _prompt: token_code or ""
        return session


def trust_policy(condition: dict[str, Any]) -> str:
    statement = {"Effect": "Allow", "Principal": {"AWS": DEV_ACCOUNT}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [{**statement, "Condition": condition}]})


@pytest.fixture
def profiles(
    server: Server, iam: Any, clock: DeviceClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Profiles:
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    created = create_account(server, RESOURCE_ACCOUNT, alias="resources")
    resource_iam = server.client("iam", created["AccessKeyId"], created["SecretAccessKey"])
    resource_iam.create_role(
        RoleName="resource-admin",
        AssumeRolePolicyDocument=trust_policy({"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
    )
    resource_iam.put_role_policy(
        RoleName="resource-admin", PolicyName="read", PolicyDocument=json.dumps(allow("iam:ListRoles"))
    )
    iam.create_user(UserName="alice")
    iam.put_user_policy(
        UserName="alice",
        PolicyName="assume",
        PolicyDocument=json.dumps(allow("sts:AssumeRole", resource=ROLE_ARN)),
    )
    serial, seed = create_device(iam, "alice")
    assert serial == MFA_SERIAL
    enable(iam, clock, "alice", serial, seed)
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "credentials").write_text(
        f"[my_account]\naws_access_key_id = {key['AccessKeyId']}\naws_secret_access_key = {key['SecretAccessKey']}\n"
    )
    found = Profiles(server, clock, tmp_path, seed, resource_iam)
    found.write_config()
    for key, value in found.env().items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    return found


def test_boto3_assumes_the_role_with_mfa(profiles: Profiles) -> None:
    """boto3 resolves my_resource_account by AssumeRole with MFA; the session has the role's permissions only."""
    session = profiles.session(profiles.next_code())
    identity = session.client("sts").get_caller_identity()
    assert identity["Account"] == RESOURCE_ACCOUNT
    assert identity["Arn"].startswith(f"arn:aws:sts::{RESOURCE_ACCOUNT}:assumed-role/resource-admin/")
    iam = session.client("iam")
    assert [role["Arn"] for role in iam.list_roles()["Roles"]] == [ROLE_ARN]
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        iam.create_user(UserName="intruder")
    assert refused.value.response["Error"]["Code"] == "AccessDenied"


def _refusal(session: boto3.Session) -> tuple[str, str]:
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        session.client("sts").get_caller_identity()
    error = refused.value.response["Error"]
    return error["Code"], error["Message"]


def test_without_mfa_the_trust_policy_refuses(profiles: Profiles) -> None:
    """Without mfa_serial the AssumeRole call carries no MFA, and the trust policy says no."""
    config = profiles.home / ".aws" / "config"
    config.write_text(config.read_text().replace(f"mfa_serial = {MFA_SERIAL}\n", ""))
    user_arn = f"arn:aws:iam::{DEV_ACCOUNT}:user/alice"
    assert _refusal(profiles.session(None)) == (
        "AccessDenied",
        f"User: {user_arn} is not authorized to perform: sts:AssumeRole on resource: {ROLE_ARN}",
    )


def test_wrong_external_id_is_refused(profiles: Profiles) -> None:
    """A trust policy requiring an external id refuses the profile's wrong one and accepts the right one."""
    profiles.resource_iam.update_assume_role_policy(
        RoleName="resource-admin",
        PolicyDocument=trust_policy(
            {"Bool": {"aws:MultiFactorAuthPresent": "true"}, "StringEquals": {"sts:ExternalId": "right-id"}}
        ),
    )
    profiles.write_config(external_id="wrong-id")
    assert _refusal(profiles.session(profiles.next_code()))[0] == "AccessDenied"
    profiles.write_config(external_id="right-id")
    assert (
        profiles.session(profiles.next_code()).client("sts").get_caller_identity()["Account"]
        == RESOURCE_ACCOUNT
    )


def test_missing_role_is_access_denied(profiles: Profiles) -> None:
    """A role_arn naming no role is AccessDenied, not NoSuchEntity."""
    config = profiles.home / ".aws" / "config"
    config.write_text(config.read_text().replace("role/resource-admin", "role/no-such-role"))
    assert _refusal(profiles.session(profiles.next_code()))[0] == "AccessDenied"


def _aws(profiles: Profiles, token_code: str) -> subprocess.CompletedProcess[str]:
    # A new session has no controlling terminal, so getpass reads the code from stdin.
    return subprocess.run(
        [AWS_BIN, "--profile", "my_resource_account", "--output", "json", "sts", "get-caller-identity"],
        input=token_code + "\n",
        capture_output=True,
        text=True,
        env=profiles.env(),
        timeout=60,
        check=False,
        start_new_session=True,
    )


def test_aws_cli_assumes_the_role_and_caches_it(profiles: Profiles) -> None:
    """The aws CLI prompts for the code once, caches the role credentials, and reuses them."""
    first = _aws(profiles, profiles.next_code())
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["Arn"].startswith(
        f"arn:aws:sts::{RESOURCE_ACCOUNT}:assumed-role/resource-admin/"
    )
    cached = list((profiles.home / ".aws" / "cli" / "cache").glob("*.json"))
    assert len(cached) == 1
    assert json.loads(cached[0].read_text())["Credentials"]["AccessKeyId"].startswith("ASIA")
    # No code this time: a prompt would read an empty line and the call would fail.
    second = _aws(profiles, "")
    assert second.returncode == 0, second.stderr
    assert "MFA" not in second.stderr
    assert json.loads(second.stdout) == json.loads(first.stdout)
