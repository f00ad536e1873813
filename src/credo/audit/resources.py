"""LookupEvents' ``Resources``: the IAM, STS and SSO resources a call names, as (type, name) pairs.

Read from the request's parameters (and, for what a call creates, its result) by member name:
``UserName`` is an ``AWS::IAM::User``, ``RoleArn`` an ``AWS::IAM::Role`` and so on, as CloudTrail
lists them. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Resource = tuple[str, str]  # (ResourceType, ResourceName)

# Parameter members that name a resource, and its CloudTrail resource type.
_MEMBERS: dict[str, str] = {
    "UserName": "AWS::IAM::User",
    "NewUserName": "AWS::IAM::User",
    "GroupName": "AWS::IAM::Group",
    "NewGroupName": "AWS::IAM::Group",
    "RoleName": "AWS::IAM::Role",
    "RoleArn": "AWS::IAM::Role",
    "PolicyArn": "AWS::IAM::Policy",
    "PolicyName": "AWS::IAM::Policy",
    "AccessKeyId": "AWS::IAM::AccessKey",
    "InstanceProfileName": "AWS::IAM::InstanceProfile",
    "SerialNumber": "AWS::IAM::MfaDevice",
    "VirtualMFADeviceName": "AWS::IAM::MfaDevice",
    "ServerCertificateName": "AWS::IAM::ServerCertificate",
    "SAMLProviderArn": "AWS::IAM::SAMLProvider",
    "PrincipalArn": "AWS::IAM::SAMLProvider",
    "OpenIDConnectProviderArn": "AWS::IAM::OIDCProvider",
    "InstanceArn": "AWS::SSO::Instance",
    "PermissionSetArn": "AWS::SSO::PermissionSet",
    "IdentityStoreId": "AWS::IdentityStore::IdentityStore",
    "GroupId": "AWS::IdentityStore::Group",
    "UserId": "AWS::IdentityStore::User",
}
# Members of results that name what the call made (CreateAccessKey's new key…).
_CREATED: dict[str, tuple[str, str]] = {
    "AccessKey": ("AccessKeyId", "AWS::IAM::AccessKey"),
    "User": ("UserName", "AWS::IAM::User"),
    "Role": ("Arn", "AWS::IAM::Role"),
    "Policy": ("Arn", "AWS::IAM::Policy"),
    "Group": ("GroupName", "AWS::IAM::Group"),
}


def resources_of(params: Mapping[str, Any] | None, result: Mapping[str, Any] | None) -> list[Resource]:
    """The resources a call names, in the order found, each once."""
    found: list[Resource] = []
    for name, value in (params or {}).items():
        kind = _MEMBERS.get(name)
        if kind is not None and isinstance(value, str) and value:
            if name == "PrincipalArn" and ":oidc-provider/" in value:
                kind = "AWS::IAM::OIDCProvider"
            found.append((kind, value))
    if result:
        for member, (key, kind) in _CREATED.items():
            created = result.get(member)
            if isinstance(created, Mapping) and isinstance(created.get(key), str):
                found.append((kind, created[key]))
        found += _sessions(result)
    unique: list[Resource] = []
    for resource in found:
        if resource not in unique:
            unique.append(resource)
    return unique


def _sessions(result: Mapping[str, Any]) -> list[Resource]:
    """Temporary credentials a call issued: their key, and the assumed role's session."""
    found: list[Resource] = []
    credentials = result.get("Credentials")
    if isinstance(credentials, Mapping) and isinstance(credentials.get("AccessKeyId"), str):
        found.append(("AWS::IAM::AccessKey", credentials["AccessKeyId"]))
    assumed = result.get("AssumedRoleUser")
    if isinstance(assumed, Mapping):
        session_arn = str(assumed.get("Arn", ""))
        if session_arn:
            found.append(("AWS::STS::AssumedRole", session_arn.rsplit("/", 1)[-1]))
        if assumed.get("AssumedRoleId"):
            found.append(("AWS::STS::AssumedRole", str(assumed["AssumedRoleId"])))
        if session_arn:
            found.append(("AWS::STS::AssumedRole", session_arn))
    federated = result.get("FederatedUser")
    if isinstance(federated, Mapping) and federated.get("Arn"):
        found.append(("AWS::STS::FederatedUser", str(federated["Arn"])))
    return found
