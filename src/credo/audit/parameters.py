"""Request parameters and response elements as CloudTrail shows them: camelCase keys, every secret out.

Only members the service model names are kept, so nothing a handler returns beyond its output
shape can reach the trail. A member is a secret when botocore's model marks its shape
``sensitive`` (SecretAccessKey, Password, SAMLAssertion, WebIdentityToken, private keys, tokens
of sso-oidc and the portal…) or when credo knows it to be one that the model does not mark
(session tokens, MFA codes, device and authorization codes). IAM and STS leave secrets out, as
their CloudTrail events do; the other services write CloudTrail's placeholder in their place.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"

# Secrets the models do not mark sensitive.
_ALSO_SECRET = frozenset(
    {
        "SessionToken",  # STS Credentials: a bearer credential on its own, with credo's sealed tokens
        "sessionToken",
        "TokenCode",  # MFA codes
        "AuthenticationCode1",
        "AuthenticationCode2",
        "deviceCode",  # sso-oidc: polling a device authorization with it yields tokens
        "code",  # sso-oidc: an authorization code
    }
)
# Services whose CloudTrail events leave secrets out rather than hide them.
_OMIT_SECRETS = frozenset({"iam", "sts"})
# IAM's events show times as its Java SDK printed them ("Oct 8, 2019 6:54:08 PM").
_JAVA_DATES = frozenset({"iam"})


def request_parameters(service: str, operation: OperationModel, params: Mapping[str, Any] | None) -> Any:
    """``requestParameters``: ``None`` when the call had none (GetCallerIdentity)."""
    if not params:
        return None
    return shaped(service, operation.input_shape, params) or None


def response_elements(service: str, operation: OperationModel, result: Mapping[str, Any] | None) -> Any:
    """``responseElements``: ``None`` when the call answered nothing worth keeping."""
    if not result:
        return None
    return shaped(service, operation.output_shape, result) or None


def shaped(service: str, shape: Shape | None, value: Any) -> Any:
    """``value`` walked along ``shape``: camelCase member names, secrets left out or hidden."""
    if shape is None:
        return None
    if isinstance(shape, StructureShape):
        if not isinstance(value, Mapping):
            return None
        members: dict[str, Any] = {}
        for name, member in shape.members.items():
            if name not in value or value[name] is None:
                continue
            key = lower_first(name)
            if is_secret(name, member):
                if service not in _OMIT_SECRETS:
                    members[key] = HIDDEN
                continue
            members[key] = shaped(service, member, value[name])
        return members
    if isinstance(shape, ListShape):
        if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
            return None
        return [shaped(service, shape.member, item) for item in value]
    if isinstance(shape, MapShape):
        if not isinstance(value, Mapping):
            return None
        if shape.value.metadata.get("sensitive"):
            return {str(key): HIDDEN for key in value}
        return {str(key): shaped(service, shape.value, item) for key, item in value.items()}
    return _scalar(service, shape, value)


def is_secret(name: str, member: Shape) -> bool:
    return bool(member.metadata.get("sensitive")) or name in _ALSO_SECRET


def lower_first(name: str) -> str:
    """CloudTrail's keys: the member name with its first letter lowered (``sAMLAssertionID``)."""
    return name[:1].lower() + name[1:]


def _scalar(service: str, shape: Shape, value: Any) -> Any:
    if shape.type_name == "timestamp":
        return event_date(service, value)
    if shape.type_name == "blob":
        data = value.encode() if isinstance(value, str) else bytes(value)
        return base64.b64encode(data).decode()
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def event_date(service: str, value: Any) -> Any:
    """A time inside parameters or elements, as the service's events print it."""
    if isinstance(value, (int, float)):
        value = datetime.fromtimestamp(value, UTC)
    if not isinstance(value, datetime):
        return str(value)
    moment = value.astimezone(UTC) if value.tzinfo is not None else value
    if service in _JAVA_DATES:
        hour = moment.hour % 12 or 12
        noon = "AM" if moment.hour < 12 else "PM"
        return f"{moment:%b} {moment.day}, {moment.year} {hour}:{moment:%M:%S} {noon}"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
