"""Account-wide operations: aliases and the account summary."""

from __future__ import annotations

import json
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


TRUST = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
    '"Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
)
DOCUMENT = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'


def test_authorization_details_describe_users_with_their_grants(iam: Any) -> None:
    """A user's detail lists its inline policies, groups and attached managed policies."""
    iam.create_user(UserName="alice", Tags=[{"Key": "team", "Value": "red"}])
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="inline", PolicyDocument=DOCUMENT)
    policy_arn = iam.create_policy(PolicyName="s3-all", PolicyDocument=DOCUMENT)["Policy"]["Arn"]
    iam.attach_user_policy(UserName="alice", PolicyArn=policy_arn)
    details = iam.get_account_authorization_details(Filter=["User"])
    assert details["GroupDetailList"] == [] and details["Policies"] == []
    (alice,) = details["UserDetailList"]
    assert alice["UserName"] == "alice"
    assert alice["GroupList"] == ["devs"]
    assert alice["UserPolicyList"] == [{"PolicyName": "inline", "PolicyDocument": json.loads(DOCUMENT)}]
    assert alice["AttachedManagedPolicies"] == [{"PolicyName": "s3-all", "PolicyArn": policy_arn}]
    assert alice["Tags"] == [{"Key": "team", "Value": "red"}]


def test_authorization_details_cover_every_kind(iam: Any) -> None:
    """Without a filter, users, groups, roles and the policies in use are all listed."""
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="devs")
    iam.put_group_policy(GroupName="devs", PolicyName="g", PolicyDocument=DOCUMENT)
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST)
    iam.create_instance_profile(InstanceProfileName="worker-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="worker-profile", RoleName="worker")
    aws_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    iam.attach_role_policy(RoleName="worker", PolicyArn=aws_arn)
    local_arn = iam.create_policy(PolicyName="s3-all", PolicyDocument=DOCUMENT)["Policy"]["Arn"]
    details = iam.get_account_authorization_details()
    assert [user["UserName"] for user in details["UserDetailList"]] == ["alice"]
    (group,) = details["GroupDetailList"]
    assert group["GroupPolicyList"][0]["PolicyName"] == "g"
    (role,) = details["RoleDetailList"]
    assert role["AssumeRolePolicyDocument"] == json.loads(TRUST)
    assert role["InstanceProfileList"][0]["InstanceProfileName"] == "worker-profile"
    assert role["AttachedManagedPolicies"] == [{"PolicyName": "ReadOnlyAccess", "PolicyArn": aws_arn}]
    policies = {policy["Arn"]: policy for policy in details["Policies"]}
    assert set(policies) == {local_arn, aws_arn}
    local_versions = policies[local_arn]["PolicyVersionList"]
    assert local_versions[0]["IsDefaultVersion"] is True
    assert local_versions[0]["Document"] == json.loads(DOCUMENT)
    assert policies[aws_arn]["AttachmentCount"] == 1


def test_authorization_details_pages_across_kinds(iam: Any) -> None:
    """MaxItems and Marker page through users, then groups, without repeats or gaps."""
    for name in ("u1", "u2", "u3"):
        iam.create_user(UserName=name)
    for name in ("g1", "g2"):
        iam.create_group(GroupName=name)
    seen: list[str] = []
    kwargs: dict[str, Any] = {"Filter": ["User", "Group"], "MaxItems": 2}
    while True:
        page = iam.get_account_authorization_details(**kwargs)
        seen += [user["UserName"] for user in page["UserDetailList"]]
        seen += [group["GroupName"] for group in page["GroupDetailList"]]
        if not page["IsTruncated"]:
            break
        kwargs["Marker"] = page["Marker"]
    assert seen == ["u1", "u2", "u3", "g1", "g2"]


def test_summary_counts_certificates(iam: Any) -> None:
    """ServerCertificates and AccountSigningCertificatesPresent follow what is uploaded."""
    from tests.iam.test_server_certificates import leaf

    before = iam.get_account_summary()["SummaryMap"]
    assert (before["ServerCertificates"], before["AccountSigningCertificatesPresent"]) == (0, 0)
    body, key, _ = leaf()
    iam.upload_server_certificate(ServerCertificateName="web", CertificateBody=body, PrivateKey=key)
    iam.upload_signing_certificate(CertificateBody=body)
    after = iam.get_account_summary()["SummaryMap"]
    assert (after["ServerCertificates"], after["AccountSigningCertificatesPresent"]) == (1, 1)
