"""Per action, the resource AWS authorizes it against: one table, derived from the model.

Most IAM actions name their target in a parameter, and the parameter says what kind of
resource it is. When an action names several (``AddUserToGroup`` names a user and a
group), AWS authorizes against the one listed first in ``TARGET_PARAMETERS``. Actions that
list a collection (``ListUsers``) are authorized against the collection's ARN prefix with the
``PathPrefix``, as AWS prints it (``arn:aws:iam::123456789012:user/``); the rest against ``*``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from credo.protocol import model

# (parameter, resource kind) in order of precedence.
TARGET_PARAMETERS: tuple[tuple[str, str], ...] = (
    ("GroupName", "group"),
    ("InstanceProfileName", "instance-profile"),
    ("RoleName", "role"),
    ("UserName", "user"),
    ("SerialNumber", "mfa"),
    ("VirtualMFADeviceName", "mfa"),
    ("PolicyArn", "policy"),
    ("PolicySourceArn", "arn"),
    ("ServerCertificateName", "server-certificate"),
    ("TemplateArn", "arn"),
    ("EntityArn", "arn"),
    ("AWSServiceName", "service-linked-role"),
    ("SAMLProviderArn", "arn"),
    ("OpenIDConnectProviderArn", "arn"),
)

# Listings authorized against their collection (``user/`` + PathPrefix).
COLLECTIONS: dict[str, str] = {
    "ListUsers": "user",
    "ListGroups": "group",
    "ListRoles": "role",
    "ListPolicies": "policy",
    "ListInstanceProfiles": "instance-profile",
    "ListVirtualMFADevices": "mfa",
    "ListServerCertificates": "server-certificate",
}

# Creations authorized against the resource they would make (a policy's ARN from Path and
# PolicyName, a provider's from its name or URL).
CREATED_RESOURCES: dict[str, tuple[str, str]] = {
    "CreateSAMLProvider": ("saml-provider", "Name"),
    "CreateOpenIDConnectProvider": ("oidc-provider", "Url"),
    "CreatePolicy": ("new-policy", "PolicyName"),
}

# Actions that name an access key, authorized against the user who owns it.
ACCESS_KEY_OWNER: dict[str, str] = {"GetAccessKeyLastUsed": "AccessKeyId"}

# Actions whose user target defaults to the caller when ``UserName`` is omitted.
CALLER_DEFAULT = "caller"

# STS actions: kind of resource, or None for actions AWS lets everyone call. The two federation
# actions need no permission of the caller (they are usually unsigned): the trust policy decides.
STS_RESOURCES: dict[str, str | None] = {
    "GetCallerIdentity": None,
    "GetSessionToken": None,
    "AssumeRoleWithSAML": None,
    "AssumeRoleWithWebIdentity": None,
    "AssumeRole": "role-arn",
    "GetFederationToken": "federated-user",
    "GetAccessKeyInfo": "*",
    "DecodeAuthorizationMessage": "*",
    "AssumeRoot": "root",
}


@dataclass(frozen=True)
class ResourceRule:
    """How to find the resource of one action: a kind and the parameter that names it."""

    kind: (
        str  # "user", "group", "role", "policy", "instance-profile", "mfa", "arn", "*", "collection:user"...
    )
    parameter: str | None
    optional: bool = False  # the parameter may be omitted: the caller itself is the target


@cache
def rule_for(service: str, action: str) -> ResourceRule | None:
    """The rule for ``action``; ``None`` when AWS requires no permission for it."""
    if service == "sts":
        kind = STS_RESOURCES.get(action, "*")
        if kind is None:
            return None
        parameter = {"role-arn": "RoleArn", "federated-user": "Name", "root": "TargetPrincipal"}.get(kind)
        return ResourceRule(kind, parameter)
    if action in COLLECTIONS:
        return ResourceRule("collection:" + COLLECTIONS[action], "PathPrefix", optional=True)
    if action in CREATED_RESOURCES:
        return ResourceRule(*CREATED_RESOURCES[action])
    if action in ACCESS_KEY_OWNER:
        return ResourceRule("access-key-owner", ACCESS_KEY_OWNER[action])
    operation = model.operation(service, action)
    shape = operation.input_shape if operation is not None else None
    members = shape.members if shape is not None else {}
    required = set(shape.required_members) if shape is not None else set()
    for parameter, kind in TARGET_PARAMETERS:
        if parameter in members:
            return ResourceRule(kind, parameter, optional=parameter not in required)
    if action == "ChangePassword":
        return ResourceRule("user", None, optional=True)
    return ResourceRule("*", None)
