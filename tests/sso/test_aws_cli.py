"""The aws CLI, unmodified, administers Identity Center with --endpoint-url (the docs/sso.md walkthrough)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.compat.test_aws_cli import aws
from tests.conftest import Server
from tests.sso.conftest import SECOND_ACCOUNT, create_account


def cli(server: Server, tmp_path: Path, *args: str) -> Any:
    result = aws(server, tmp_path, *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else None


def test_admin_walkthrough_with_the_aws_cli(server: Server, tmp_path: Path) -> None:
    """Instance, user, permission set with AdministratorAccess and an assignment to a second account,
    all with `aws sso-admin` and `aws identitystore`; the role then exists in that account."""
    create_account(server)
    (instance,) = cli(server, tmp_path, "sso-admin", "list-instances")["Instances"]
    store, instance_arn = instance["IdentityStoreId"], instance["InstanceArn"]
    user = cli(
        server,
        tmp_path,
        *("identitystore", "create-user", "--identity-store-id", store, "--user-name", "alice"),
        *("--display-name", "Alice Example", "--name", "GivenName=Alice,FamilyName=Example"),
        *("--emails", "Value=alice@example.com,Type=work,Primary=true"),
    )["UserId"]
    permission_set = cli(
        server,
        tmp_path,
        *(
            "sso-admin",
            "create-permission-set",
            "--instance-arn",
            instance_arn,
            "--name",
            "AdministratorAccess",
        ),
        *("--session-duration", "PT8H"),
    )["PermissionSet"]["PermissionSetArn"]
    cli(
        server,
        tmp_path,
        *("sso-admin", "attach-managed-policy-to-permission-set", "--instance-arn", instance_arn),
        *(
            "--permission-set-arn",
            permission_set,
            "--managed-policy-arn",
            "arn:aws:iam::aws:policy/AdministratorAccess",
        ),
    )
    status = cli(
        server,
        tmp_path,
        *("sso-admin", "create-account-assignment", "--instance-arn", instance_arn),
        *(
            "--target-id",
            SECOND_ACCOUNT,
            "--target-type",
            "AWS_ACCOUNT",
            "--permission-set-arn",
            permission_set,
        ),
        *("--principal-type", "USER", "--principal-id", user),
    )["AccountAssignmentCreationStatus"]
    assert status["Status"] == "SUCCEEDED"
    provisioned = cli(
        server,
        tmp_path,
        *("sso-admin", "list-permission-sets-provisioned-to-account", "--instance-arn", instance_arn),
        *("--account-id", SECOND_ACCOUNT),
    )
    assert provisioned["PermissionSets"] == [permission_set]
    missing = permission_set[:-16] + "0" * 16
    refused = aws(
        server,
        tmp_path,
        "sso-admin",
        "describe-permission-set",
        "--instance-arn",
        instance_arn,
        "--permission-set-arn",
        missing,
    )
    assert refused.returncode != 0
    assert "ResourceNotFoundException" in refused.stderr
