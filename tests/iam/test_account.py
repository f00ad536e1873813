"""Account-wide operations: aliases and the account summary."""

from __future__ import annotations

from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from tests.conftest import NO_RETRIES, REGION, Server

SUMMARY_KEYS = {
    "Users",
    "UsersQuota",
    "Groups",
    "GroupsQuota",
    "ServerCertificates",
    "ServerCertificatesQuota",
    "UserPolicySizeQuota",
    "GroupPolicySizeQuota",
    "GroupsPerUserQuota",
    "SigningCertificatesPerUserQuota",
    "AccessKeysPerUserQuota",
    "MFADevices",
    "MFADevicesInUse",
    "AccountMFAEnabled",
    "AccountAccessKeysPresent",
    "AccountPasswordPresent",
    "AccountSigningCertificatesPresent",
    "AttachedPoliciesPerGroupQuota",
    "AttachedPoliciesPerRoleQuota",
    "AttachedPoliciesPerUserQuota",
    "Policies",
    "PoliciesQuota",
    "PolicySizeQuota",
    "PolicyVersionsInUse",
    "PolicyVersionsInUseQuota",
    "VersionsPerPolicyQuota",
    "GlobalEndpointTokenVersion",
    "AssumeRolePolicySizeQuota",
    "InstanceProfiles",
    "InstanceProfilesQuota",
    "Providers",
    "RolePolicySizeQuota",
    "Roles",
    "RolesQuota",
}


def error_of(caught: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def test_create_list_delete_alias(iam: Any) -> None:
    """An alias is created, listed, and deleted."""
    assert iam.list_account_aliases()["AccountAliases"] == []
    iam.create_account_alias(AccountAlias="example-corp")
    listed = iam.list_account_aliases()
    assert listed["AccountAliases"] == ["example-corp"]
    assert listed["IsTruncated"] is False
    iam.delete_account_alias(AccountAlias="example-corp")
    assert iam.list_account_aliases()["AccountAliases"] == []


def test_one_alias_per_account(iam: Any) -> None:
    """A second alias exceeds the quota of one."""
    iam.create_account_alias(AccountAlias="first-alias")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.create_account_alias(AccountAlias="second-alias")
    assert error_of(caught) == ("LimitExceeded", "Cannot exceed quota for AccountAliasesPerAccount: 1")


def test_alias_already_taken(iam: Any) -> None:
    """An alias that exists is refused as EntityAlreadyExists."""
    iam.create_account_alias(AccountAlias="taken")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.create_account_alias(AccountAlias="taken")
    assert error_of(caught) == ("EntityAlreadyExists", "The account alias taken already exists.")


def test_delete_unknown_alias(iam: Any) -> None:
    """Deleting an alias the account does not have is NoSuchEntity."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.delete_account_alias(AccountAlias="nothing-here")
    assert error_of(caught) == ("NoSuchEntity", "The account alias nothing-here cannot be found.")


@pytest.mark.parametrize("alias", ["ab", "-abc", "abc-", "ab--cd", "Upper", "under_score", "a" * 64])
def test_alias_format(server: Server, alias: str) -> None:
    """The server itself refuses aliases outside AWS's format (3-63 lowercase, digits, single hyphens)."""
    unchecked = boto3.client(
        "iam",
        endpoint_url=server.endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name=REGION,
        config=NO_RETRIES.merge(Config(parameter_validation=False)),
    )
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        unchecked.create_account_alias(AccountAlias=alias)
    assert error_of(caught)[0] == "ValidationError"


def test_account_summary_has_every_key_and_quota(iam: Any) -> None:
    """GetAccountSummary answers every SummaryMap key, with IAM's default quotas."""
    summary = iam.get_account_summary()["SummaryMap"]
    assert set(summary) == SUMMARY_KEYS
    assert summary["UsersQuota"] == 5000
    assert summary["GroupsQuota"] == 300
    assert summary["RolesQuota"] == 1000
    assert summary["PoliciesQuota"] == 1500
    assert summary["AccessKeysPerUserQuota"] == 2
    assert summary["GroupsPerUserQuota"] == 10
    assert summary["AttachedPoliciesPerUserQuota"] == 10
    # The dev account's root user has an access key and no password or MFA.
    assert summary["AccountAccessKeysPresent"] == 1
    assert summary["AccountMFAEnabled"] == 0
    assert summary["Users"] == 0


def test_account_summary_counts_entities(iam: Any) -> None:
    """Counts follow what the account holds."""
    for name in ("alice", "bob", "carol"):
        iam.create_user(UserName=name)
    iam.create_role(
        RoleName="worker",
        AssumeRolePolicyDocument=(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
            '"Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
        ),
    )
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["Users"] == 3
    assert summary["Roles"] == 1
    iam.delete_user(UserName="bob")
    assert iam.get_account_summary()["SummaryMap"]["Users"] == 2
