"""How AWS reads single entries of a policy: resource ARNs, action names, operators, dates.

Each function answers for one string, with AWS's message where AWS refuses it; the order in
which a document's entries are checked is ``credo.policy.validation``'s. The rules follow the
IAM User Guide ("IAM identifiers: IAM ARNs", "IAM JSON policy elements: Action", "Condition
operators") and IAM's answers as recorded against real AWS (see docs/policies.md).
"""

from __future__ import annotations

import re

from credo.policy.matching import compiled, glob_source

VENDOR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
ONE_COLON = "Actions/Condition can contain only one colon."
RESOURCE_VENDOR = "Resource vendor must be fully qualified and cannot contain regexes."
IAM_PATHS = (
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
)
# What a role trust policy may allow or deny (IAM User Guide: session tags, source identity,
# trusted identity propagation); a wildcard entry must cover at least one of them.
TRUST_ACTION_NAMES = (
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:SetContext",
)
IAM_PATH = 'IAM resource path must either be "*", root, or start with ' + ", ".join(IAM_PATHS) + "."
PARTITIONS = frozenset(
    {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc", "*"}
)
_VENDOR_CHARS = re.compile(r"[A-Za-z0-9.\-]+\Z")
_BASE_OPERATORS = [
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
]
# ``Null`` takes no modifiers. Names are compared lowercased: AWS documents no case rule,
# and credo's evaluator has always read them in any case.
_OPERATORS = frozenset(
    {"null"}
    | {
        f"{prefix}{base}{suffix}".lower()
        for base in _BASE_OPERATORS
        for prefix in ("", "ForAnyValue:", "ForAllValues:")
        for suffix in ("", "IfExists")
    }
)
_ISO_DATE = re.compile(r"(-?\d+)(?:-(\d+))?(?:-(\d+))?\Z")
_ISO_TIME = re.compile(r"(\d+)?(?::(\d+))?(?::(\d+)(?:\.(\d{1,9}))?(?:z|[+-](\d\d)(?::(\d\d))?)?)?\Z")
_MAX_EPOCH = 9223372036854775807


def known_operator(operator: str) -> bool:
    """Whether ``operator`` is a condition operator, with its set prefix and IfExists suffix."""
    return operator.lower() in _OPERATORS


def base_operator(operator: str) -> str:
    lowered = operator.lower()
    for prefix in ("foranyvalue:", "forallvalues:"):
        if lowered.startswith(prefix):
            return lowered[len(prefix) :]
    return lowered


def legacy_date(text: str) -> bool:
    """Whether a Date* condition value is an ISO 8601 date-time or a non-negative epoch (lowercased)."""
    if "t" not in text and "-" not in text:
        return text.isdigit() and int(text) <= _MAX_EPOCH
    date, _, time = text.partition("t")
    d = _ISO_DATE.match(date)
    t = _ISO_TIME.match(time)
    if d is None or t is None:
        return False
    year, month, day = d.groups()
    hours, minutes, seconds, _fraction, tz_hours, tz_minutes = t.groups()
    return (
        -292275054 <= int(year) <= 292278993
        and (month is None or 1 <= int(month) <= 12)
        and (day is None or 1 <= int(day) <= 31)
        and (hours is None or int(hours) <= 23)
        and (minutes is None or int(minutes) <= 59)
        and (seconds is None or int(seconds) <= 59)
        and (tz_hours is None or int(tz_hours) <= 23)
        and (tz_minutes is None or int(tz_minutes) <= 59)
    )


def legacy_arn(entry: str) -> bool:
    if entry == "*":
        return True
    segments = entry.split(":")
    return (len(segments) >= 6 or "::" not in entry) and len(segments) > 2 and segments[2] != ""


def resource_format_error(resource: str) -> str | None:
    """AWS's message for a Resource entry that is neither ``*`` nor an ARN it accepts."""
    if resource == "*":
        return None
    if ":" not in resource:
        return f'Resource {resource} must be in ARN format or "*".'
    partition, colon, rest = resource.split(":", 1)[1].partition(":")
    if partition not in PARTITIONS:
        parts = rest.split(":")
        shown = [
            parts[0] if parts[0] != "" or len(parts) > 1 else "*",
            parts[1] if len(parts) > 1 else "*",
            parts[2] if len(parts) > 2 else "*",
            ":".join(parts[3:]) if len(parts) > 3 else "*",
        ]
        return f'Partition "{partition}" is not valid for resource "arn:{partition}:{":".join(shown)}".'
    if not colon:
        return RESOURCE_VENDOR
    service, _, after_service = rest.partition(":")
    region, _, after_region = after_service.partition(":")
    account, _, path = after_region.partition(":")
    if region and service == "iam":
        return f"IAM resource {resource} cannot contain region information."
    # Buckets and objects have neither region nor account; regional S3 resources (access
    # points, jobs, access grants) have both.
    if region and service == "s3" and not account:
        return f"Resource {resource} can not contain region information."
    if service == "iam" and not (path.startswith(IAM_PATHS) or path == "root" or path.startswith("*")):
        return IAM_PATH
    return None


def action_name_error(action: str) -> str | None:
    """AWS's message for an Action entry that is not ``*`` or ``vendor:Name``."""
    parts = action.split(":")
    if len(parts) == 1:
        return None if action == "*" else VENDOR
    if len(parts) > 2:
        return ONE_COLON
    vendor = parts[0]
    if not vendor:
        return VENDOR
    if vendor != "*" and not _VENDOR_CHARS.match(vendor):
        return f"Vendor {vendor} is not valid"
    return None


def trust_action_allowed(action: str) -> bool:
    """Whether a trust policy's Action entry names (or its wildcards cover) an action it may allow."""
    pattern = compiled(glob_source(action.lower()))
    return any(pattern.fullmatch(name.lower()) for name in TRUST_ACTION_NAMES)
