"""Roles: create, read, list, update (description, duration, trust policy) and delete."""

from __future__ import annotations

import json
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from credo.iam.roles import MAX_TRUST_POLICY_SIZE, validate_trust_policy

ACCOUNT = "123456789012"
TRUST: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
TRUST_TEXT = json.dumps(TRUST, indent=2)


@pytest.fixture
def raw_iam(server: Any) -> Any:
    """An IAM client that leaves all validation to the server."""
    return boto3.client(
        "iam",
        endpoint_url=server.endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
        config=Config(parameter_validation=False, retries={"max_attempts": 1, "mode": "standard"}),
    )


def create(iam: Any, name: str = "app", **kwargs: Any) -> dict[str, Any]:
    role: dict[str, Any] = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_TEXT, **kwargs)[
        "Role"
    ]
    return role


def error_of(exc: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def test_create_role_returns_aws_shape(iam: Any) -> None:
    """CreateRole answers with an AROA id, the role ARN under its path and the trust policy."""
    role = create(iam, "app", Path="/svc/", Description="the app")
    assert role["RoleId"].startswith("AROA") and len(role["RoleId"]) == 21
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/svc/app"
    assert role["Path"] == "/svc/"
    assert role["AssumeRolePolicyDocument"] == TRUST
    assert role["Description"] == "the app"
    assert role["MaxSessionDuration"] == 3600
    assert "RoleLastUsed" not in role


def test_get_role_returns_everything(iam: Any) -> None:
    """GetRole returns description, duration, boundary, tags and an empty RoleLastUsed; names ignore case."""
    boundary = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    create(
        iam,
        "App",
        Description="d",
        MaxSessionDuration=7200,
        PermissionsBoundary=boundary,
        Tags=[{"Key": "team", "Value": "core"}],
    )
    role = iam.get_role(RoleName="app")["Role"]
    assert role["RoleName"] == "App"
    assert role["Description"] == "d"
    assert role["MaxSessionDuration"] == 7200
    assert role["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": boundary,
    }
    assert role["Tags"] == [{"Key": "team", "Value": "core"}]
    assert role["RoleLastUsed"] == {}


def test_trust_policy_is_stored_exactly_and_url_encoded_on_the_wire(iam: Any, server: Any) -> None:
    """The trust policy travels URL-encoded, byte for byte as given (whitespace and all)."""
    import urllib.parse

    create(iam, "app")
    seen: dict[str, bytes] = {}
    iam.meta.events.register(
        "after-call.iam.GetRole", lambda http_response, **_: seen.update(body=http_response.content)
    )
    iam.get_role(RoleName="app")
    encoded = seen["body"].decode().split("<AssumeRolePolicyDocument>")[1].split("<")[0]
    assert urllib.parse.unquote(encoded) == TRUST_TEXT
    assert "%0A%20%20" in encoded


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        (
            {"MaxSessionDuration": 3599},
            "ValidationError",
            "Member must have value greater than or equal to 3600",
        ),
        (
            {"MaxSessionDuration": 43201},
            "ValidationError",
            "Member must have value less than or equal to 43200",
        ),
        ({"AssumeRolePolicyDocument": "{"}, "MalformedPolicyDocument", ""),
        (
            {
                "AssumeRolePolicyDocument": json.dumps(
                    {**TRUST, "Statement": [{**TRUST["Statement"][0], "Resource": "*"}]}
                )
            },
            "MalformedPolicyDocument",
            "",
        ),
        (
            {"PermissionsBoundary": "arn:aws:iam::999999999999:policy/Other"},
            "NoSuchEntity",
            "Scope ARN: arn:aws:iam::999999999999:policy/Other does not exist or is not attachable.",
        ),
        ({"Tags": [{"Key": "aws:x", "Value": "y"}]}, "InvalidInput", "prefix is reserved"),
    ],
)
def test_create_role_rejects_invalid_input(
    raw_iam: Any, kwargs: dict[str, Any], code: str, message: str
) -> None:
    """CreateRole validates duration, trust policy grammar, boundary and tags as AWS does."""
    params = {"RoleName": "app", "AssumeRolePolicyDocument": TRUST_TEXT, **kwargs}
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        raw_iam.create_role(**params)
    got_code, got_message = error_of(exc)
    assert got_code == code
    assert message in got_message
    assert raw_iam.list_roles()["Roles"] == []


def test_create_role_rejects_oversized_trust_policy(iam: Any) -> None:
    """A trust policy over 2,048 non-whitespace characters exceeds ACLSizePerRole."""
    statements = [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/u{i:04d}"},
            "Action": "sts:AssumeRole",
        }
        for i in range(40)
    ]
    document = json.dumps({"Version": "2012-10-17", "Statement": statements})
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.create_role(RoleName="big", AssumeRolePolicyDocument=document)
    assert error_of(exc) == ("LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048")


@pytest.mark.parametrize(
    ("padding", "fits"),
    [
        (0, True),
        (1, False),
    ],
)
def test_trust_policy_size_ignores_whitespace(padding: int, fits: bool) -> None:
    """The 2,048 limit counts characters other than whitespace, however much whitespace there is."""
    base = json.dumps(TRUST, separators=(",", ":"))
    sid_length = MAX_TRUST_POLICY_SIZE - len(base) - len(',"Sid":""') + padding
    statement = {**TRUST["Statement"][0], "Sid": "S" * sid_length}
    document = json.dumps({**TRUST, "Statement": [statement]}, indent=8)
    if fits:
        validate_trust_policy(document)
    else:
        from credo.errors import LimitExceeded

        with pytest.raises(LimitExceeded):
            validate_trust_policy(document)


def test_create_role_twice_is_entity_already_exists(iam: Any) -> None:
    """Role names are unique per account, ignoring case."""
    create(iam, "app")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        create(iam, "APP")
    assert error_of(exc) == ("EntityAlreadyExists", "Role with name APP already exists.")


@pytest.mark.parametrize(
    "call",
    [
        lambda iam: iam.get_role(RoleName="ghost"),
        lambda iam: iam.delete_role(RoleName="ghost"),
        lambda iam: iam.update_role(RoleName="ghost", Description="x"),
        lambda iam: iam.update_role_description(RoleName="ghost", Description="x"),
        lambda iam: iam.update_assume_role_policy(RoleName="ghost", PolicyDocument=TRUST_TEXT),
    ],
)
def test_missing_role_is_no_such_entity(iam: Any, call: Any) -> None:
    """Every operation on a role that does not exist says so as AWS does."""
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        call(iam)
    assert error_of(exc) == ("NoSuchEntity", "The role with name ghost cannot be found.")


def test_list_roles_pages_and_filters_by_path(iam: Any) -> None:
    """ListRoles sorts by name, pages with Marker/MaxItems, filters by PathPrefix, and omits tags."""
    for name in ["c", "a", "b"]:
        create(iam, name, Path="/x/" if name != "b" else "/y/", Tags=[{"Key": "k", "Value": "v"}])
    first = iam.list_roles(MaxItems=2)
    assert [r["RoleName"] for r in first["Roles"]] == ["a", "b"]
    assert first["IsTruncated"] is True
    second = iam.list_roles(MaxItems=2, Marker=first["Marker"])
    assert [r["RoleName"] for r in second["Roles"]] == ["c"]
    assert second["IsTruncated"] is False
    assert [r["RoleName"] for r in iam.list_roles(PathPrefix="/x")["Roles"]] == ["a", "c"]
    listed = iam.list_roles()["Roles"][0]
    assert listed["AssumeRolePolicyDocument"] == TRUST
    assert not {"Tags", "PermissionsBoundary", "RoleLastUsed"} & set(listed)


def test_update_role_changes_description_and_duration(iam: Any) -> None:
    """UpdateRole sets the description and MaxSessionDuration; an empty description clears it."""
    create(iam, "app", Description="old")
    iam.update_role(RoleName="app", Description="new", MaxSessionDuration=43200)
    role = iam.get_role(RoleName="app")["Role"]
    assert (role["Description"], role["MaxSessionDuration"]) == ("new", 43200)
    iam.update_role(RoleName="app", Description="")
    assert "Description" not in iam.get_role(RoleName="app")["Role"]


def test_update_role_rejects_out_of_range_duration(raw_iam: Any) -> None:
    """UpdateRole's MaxSessionDuration is bounded like CreateRole's."""
    create(raw_iam, "app")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        raw_iam.update_role(RoleName="app", MaxSessionDuration=100)
    assert error_of(exc)[0] == "ValidationError"


def test_update_role_description_returns_the_role(iam: Any) -> None:
    """UpdateRoleDescription answers with the updated Role."""
    create(iam, "app")
    role = iam.update_role_description(RoleName="app", Description="described")["Role"]
    assert role["RoleName"] == "app"
    assert role["Description"] == "described"


def test_update_assume_role_policy_replaces_and_validates(iam: Any) -> None:
    """UpdateAssumeRolePolicy stores a valid trust policy and rejects a malformed one."""
    create(iam, "app")
    new = {**TRUST, "Statement": [{**TRUST["Statement"][0], "Principal": {"AWS": ACCOUNT}}]}
    iam.update_assume_role_policy(RoleName="app", PolicyDocument=json.dumps(new))
    assert iam.get_role(RoleName="app")["Role"]["AssumeRolePolicyDocument"] == new
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.update_assume_role_policy(RoleName="app", PolicyDocument='{"Version": "2012-10-17"}')
    assert error_of(exc)[0] == "MalformedPolicyDocument"


def test_delete_role_removes_it_and_its_name(iam: Any) -> None:
    """DeleteRole frees the name for reuse and drops the role's tags."""
    create(iam, "app", Tags=[{"Key": "a", "Value": "1"}])
    iam.delete_role(RoleName="APP")
    assert iam.list_roles()["Roles"] == []
    assert "Tags" not in create(iam, "app")


def test_delete_role_in_instance_profile_is_delete_conflict(iam: Any) -> None:
    """A role still in an instance profile cannot be deleted."""
    create(iam, "app")
    iam.create_instance_profile(InstanceProfileName="ip")
    iam.add_role_to_instance_profile(InstanceProfileName="ip", RoleName="app")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.delete_role(RoleName="app")
    assert error_of(exc) == (
        "DeleteConflict",
        "Cannot delete entity, must remove roles from instance profile first.",
    )
    iam.remove_role_from_instance_profile(InstanceProfileName="ip", RoleName="app")
    iam.delete_role(RoleName="app")


@pytest.mark.parametrize(
    ("add", "remove", "message"),
    [
        (
            lambda iam: iam.attach_role_policy(
                RoleName="app", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
            ),
            lambda iam: iam.detach_role_policy(
                RoleName="app", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
            ),
            "Cannot delete entity, must detach all policies first.",
        ),
        (
            lambda iam: iam.put_role_policy(
                RoleName="app",
                PolicyName="inline",
                PolicyDocument=json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
                    }
                ),
            ),
            lambda iam: iam.delete_role_policy(RoleName="app", PolicyName="inline"),
            "Cannot delete entity, must delete policies first.",
        ),
    ],
)
def test_delete_role_with_policies_is_delete_conflict(iam: Any, add: Any, remove: Any, message: str) -> None:
    """A role with attached or inline policies cannot be deleted until they are gone."""
    create(iam, "app")
    add(iam)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.delete_role(RoleName="app")
    assert error_of(exc) == ("DeleteConflict", message)
    remove(iam)
    iam.delete_role(RoleName="app")
