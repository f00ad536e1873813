"""Trust policies as the IAM console writes and summarises them, and the role's switch-role link.

``account_trust`` is the document the console's **AWS account** trusted-entity choice produces:
the account's root as principal, ``sts:AssumeRole``, and a ``Condition`` holding
``StringEquals sts:ExternalId`` (**Require external ID**) and ``Bool aws:MultiFactorAuthPresent``
(**Require MFA**), empty when neither is asked for — indented by four spaces, as its preview is.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

VERSION = "2012-10-17"

# What the console's **Custom trust policy** editor starts from.
CUSTOM_TEMPLATE = """{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Statement1",
            "Effect": "Allow",
            "Principal": {},
            "Action": "sts:AssumeRole"
        }
    ]
}"""

SERVICE_SUFFIX = ".amazonaws.com"
SERVICE_LINKED_PATH = "/aws-service-role/"


def account_trust(account_id: str, *, external_id: str | None = None, require_mfa: bool = False) -> str:
    condition: dict[str, Any] = {}
    if external_id is not None:
        condition["StringEquals"] = {"sts:ExternalId": external_id}
    if require_mfa:
        condition["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
        "Action": "sts:AssumeRole",
        "Condition": condition,
    }
    return json.dumps({"Version": VERSION, "Statement": [statement]}, indent=4)


def _listed(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _aws_principal(principal: str) -> str:
    """``arn:aws:iam::ID:root`` and a bare id are the account; other ARNs are shown whole."""
    if principal.isdigit():
        return f"Account: {principal}"
    parts = principal.split(":")
    if len(parts) == 6 and parts[2] == "iam" and parts[5] == "root":
        return f"Account: {parts[4]}"
    return f"AWS: {principal}"


def trusted_entities(document: str, path: str = "/") -> list[str]:
    """The **Trusted entities** column: "Account: 111122223333", "AWS Service: ec2", "Identity Provider: …"."""
    try:
        policy = json.loads(document)
        statements = policy.get("Statement", [])
    except (ValueError, AttributeError):
        return []
    statements = [statements] if isinstance(statements, dict) else statements
    found: list[str] = []
    for statement in statements if isinstance(statements, list) else []:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if principal == "*":
            found.append("AWS: *")
            continue
        if not isinstance(principal, dict):
            continue
        found += [_aws_principal(item) for item in _listed(principal.get("AWS"))]
        for service in _listed(principal.get("Service")):
            short = service.removesuffix(SERVICE_SUFFIX)
            suffix = " (Service-Linked Role)" if path.startswith(SERVICE_LINKED_PATH) else ""
            found.append(f"AWS Service: {short}{suffix}")
        found += [f"Identity Provider: {item}" for item in _listed(principal.get("Federated"))]
    return list(dict.fromkeys(found))


def switch_role_name(path: str, name: str) -> str:
    """The name the switch-role form takes: the role's path (without its outer slashes) and name."""
    inner = path.strip("/")
    return f"{inner}/{name}" if inner else name


def switch_role_link(base: str, account: str, path: str, name: str) -> str:
    """**Link to switch roles in console**, for this server: ``{base}/switchrole?account=…&roleName=…``."""
    query = urlencode({"account": account, "roleName": switch_role_name(path, name)}, safe="/")
    return f"{base}/switchrole?{query}"
