"""Every IAM action credo implements refuses a caller whose policies do not allow it."""

from __future__ import annotations

import json
from typing import Any

import botocore.exceptions
import pytest
from botocore import xform_name
from botocore.model import ListShape, MapShape, Shape, StructureShape

from credo.protocol import model
from credo.server.operations import OPERATIONS

POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
)
# Valid values for members whose shapes a generic filler cannot guess.
KNOWN_VALUES: dict[str, Any] = {
    "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "PermissionsBoundary": "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "PolicyDocument": POLICY,
    "AssumeRolePolicyDocument": TRUST,
    "PolicyInputList": [POLICY],
    "SerialNumber": "arn:aws:iam::123456789012:mfa/device",
    "AuthenticationCode1": "123456",
    "AuthenticationCode2": "123457",
    "Password": "Correct-Horse-9",
    "NewPassword": "Correct-Horse-9",
    "OldPassword": "Correct-Horse-8",
    "AccountAlias": "my-alias",
    "Status": "Active",
    "PolicySourceArn": "arn:aws:iam::123456789012:user/target",
    "ActionNames": ["iam:ListUsers"],
    "VersionId": "v1",
    "Permissions": {"PolicyTemplateArn": "arn:aws:iam::aws:policy-template/Example"},
    "EntityPath": "o-a1b2c3d4e5/r-f6g7h8i9j0example",
    "Properties": {"RoleManager/Enabled": "true"},
}


def fill(name: str, shape: Shape) -> Any:
    """A value that passes botocore's own client-side validation for ``shape``."""
    if name in KNOWN_VALUES:
        return KNOWN_VALUES[name]
    if isinstance(shape, StructureShape):
        return {
            member: fill(member, sub)
            for member, sub in shape.members.items()
            if member in shape.required_members
        }
    if isinstance(shape, ListShape):
        return [fill(name, shape.member)]
    if isinstance(shape, MapShape):
        return {}
    if shape.type_name in {"integer", "long"}:
        return max(int(shape.metadata.get("min", 1)), 1)
    if shape.type_name == "boolean":
        return False
    if shape.type_name == "blob":
        return b"x"
    if shape.type_name == "timestamp":
        return "2024-01-01T00:00:00Z"
    enum = shape.enum
    if enum:
        return enum[0]
    return "target" + "x" * max(int(shape.metadata.get("min", 1)) - 6, 0)


def required_params(action: str) -> dict[str, Any]:
    operation = model.operation("iam", action)
    assert operation is not None
    shape = operation.input_shape
    if shape is None:
        return {}
    return {member: fill(member, shape.members[member]) for member in shape.required_members}


# Every action needs permission, the simulator's too (iam:SimulateCustomPolicy on "*").
UNGUARDED: set[str] = set()


@pytest.mark.parametrize("action", sorted(set(OPERATIONS["iam"]) - UNGUARDED))
def test_unauthorized_caller_is_refused(make_user: Any, action: str) -> None:
    """A user with only s3:* is AccessDenied for the action, with AWS's message shape."""
    _, client_for = make_user("outsider", policy=json.loads(POLICY))
    client = client_for("iam")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(client, xform_name(action))(**required_params(action))
    error = caught.value.response["Error"]
    assert error["Code"] == "AccessDenied", error
    assert error["Message"].startswith(
        f"User: arn:aws:iam::123456789012:user/outsider is not authorized to perform: iam:{action}"
    )
