"""`credo sso populate` for a user with several accounts and roles: one profile per account and
role, named `<account alias or id>.<role>`, each resolved by unmodified boto3 as its own role."""

from __future__ import annotations

import configparser
import re
from collections.abc import Callable
from typing import Any

import httpx

from tests.cli.conftest import AwsFiles, Result
from tests.conftest import DEV_ACCOUNT, Server
from tests.sso.conftest import SECOND_ACCOUNT, Instance, create_account
from tests.sso.portal.support import Assigned, assign, caller_arn, permission_set, sso_config
from tests.sso.portal.test_sso_login import device_login

ALIAS = "prod-team"


def test_populate_writes_every_account_and_role(
    server: Server,
    alice: Assigned,
    sso: Any,
    instance: Instance,
    aws_files: AwsFiles,
    browser: Callable[[], httpx.Client],
    credo: Callable[..., Result],
) -> None:
    """Two accounts (one with an alias) times two permission sets: four profiles, each acting as
    its role in its account; populating again rewrites them, adding none."""
    keys = create_account(server)
    server.client("iam", keys["AccessKeyId"], keys["SecretAccessKey"]).create_account_alias(
        AccountAlias=ALIAS
    )
    read_only = permission_set(sso, instance, "ReadOnly", "ReadOnlyAccess")
    for account in (DEV_ACCOUNT, SECOND_ACCOUNT):
        assign(sso, instance, read_only, alice.user_id, account)
    assign(sso, instance, alice.permission_set_arn, alice.user_id, SECOND_ACCOUNT)
    aws_files.write(config=sso_config(server, DEV_ACCOUNT))
    device_login(server, aws_files, browser(), "--profile", "dev")

    done = credo("sso", "populate", "--profile", "dev", "--region", "eu-west-1")
    assert done.returncode == 0, done.stderr
    expected = {
        f"{DEV_ACCOUNT}.AdministratorAccess": (DEV_ACCOUNT, "AdministratorAccess"),
        f"{DEV_ACCOUNT}.ReadOnly": (DEV_ACCOUNT, "ReadOnly"),
        f"{ALIAS}.AdministratorAccess": (SECOND_ACCOUNT, "AdministratorAccess"),
        f"{ALIAS}.ReadOnly": (SECOND_ACCOUNT, "ReadOnly"),
    }
    assert done.stdout.splitlines() == [
        *(f"{name}: {account} {role}" for name, (account, role) in expected.items()),
        "4 profile(s) written",
    ]
    again = credo("sso", "populate", "--profile", "dev", "--region", "eu-west-1")
    assert again.returncode == 0 and again.stdout == done.stdout

    config = configparser.ConfigParser()
    config.read(aws_files.config)
    written = {section.removeprefix("profile ") for section in config.sections()} - {
        "dev",
        "sso-session corp",
    }
    assert written == set(expected)
    for name, (account, role) in expected.items():
        section = config[f"profile {name}"]
        assert (section["sso_session"], section["sso_account_id"], section["sso_role_name"]) == (
            "corp",
            account,
            role,
        )
        assert section["region"] == "eu-west-1" and section["endpoint_url"] == server.endpoint
        resolved = caller_arn(name, aws_files.env)
        assert resolved.returncode == 0, resolved.stderr
        assert re.fullmatch(
            rf"arn:aws:sts::{account}:assumed-role/AWSReservedSSO_{role}_[0-9a-f]{{16}}/alice\n",
            resolved.stdout,
        )
