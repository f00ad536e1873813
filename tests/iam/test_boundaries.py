"""Permissions boundaries: Put/Delete{User,Role}PermissionsBoundary and CreateUser's boundary."""

from __future__ import annotations

import json
from typing import Any

import botocore.exceptions
import pytest

from tests.conftest import error_of

ACCOUNT = "123456789012"
AWS_MANAGED = "arn:aws:iam::aws:policy/ReadOnlyAccess"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}],
    }
)
NOT_ATTACHABLE = [
    "arn:aws:iam::999999999999:policy/SomeoneElses",
    f"arn:aws:iam::{ACCOUNT}:policy/NoSuchPolicy",
    "arn:aws:iam::aws:policy/NoSuchAwsManagedPolicy",
    "arn:aws:iam::aws:policy/aws-service-role/APIGatewayServiceRolePolicy",
    f"arn:aws:iam::{ACCOUNT}:role/NotAPolicy",
    f"arn:aws:s3:::{ACCOUNT}-bucket",
    "arn:aws:iam::aws:policy/",
]


def boundary_of(entity: dict[str, Any]) -> str | None:
    boundary = entity.get("PermissionsBoundary")
    if boundary is None:
        return None
    assert boundary["PermissionsBoundaryType"] == "Policy"
    return str(boundary["PermissionsBoundaryArn"])


def test_user_boundary_put_and_delete(iam: Any) -> None:
    """PutUserPermissionsBoundary sets the boundary GetUser shows; Delete removes it."""
    iam.create_user(UserName="alice")
    iam.put_user_permissions_boundary(UserName="ALICE", PermissionsBoundary=AWS_MANAGED)
    assert boundary_of(iam.get_user(UserName="alice")["User"]) == AWS_MANAGED
    iam.delete_user_permissions_boundary(UserName="alice")
    assert boundary_of(iam.get_user(UserName="alice")["User"]) is None


def test_role_boundary_put_replace_and_delete(iam: Any) -> None:
    """PutRolePermissionsBoundary sets or replaces the boundary GetRole shows; Delete removes it."""
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
    iam.put_role_permissions_boundary(RoleName="app", PermissionsBoundary=AWS_MANAGED)
    assert boundary_of(iam.get_role(RoleName="app")["Role"]) == AWS_MANAGED
    iam.put_role_permissions_boundary(
        RoleName="app", PermissionsBoundary="arn:aws:iam::aws:policy/PowerUserAccess"
    )
    assert boundary_of(iam.get_role(RoleName="app")["Role"]) == "arn:aws:iam::aws:policy/PowerUserAccess"
    iam.delete_role_permissions_boundary(RoleName="app")
    assert boundary_of(iam.get_role(RoleName="app")["Role"]) is None


def test_create_user_with_boundary(iam: Any) -> None:
    """CreateUser accepts an AWS managed policy as the boundary and reports it."""
    user = iam.create_user(UserName="bob", PermissionsBoundary=AWS_MANAGED)["User"]
    assert boundary_of(user) == AWS_MANAGED


def test_listings_leave_the_boundary_out(iam: Any) -> None:
    """ListUsers and ListRoles return AWS's subset of attributes: no PermissionsBoundary, no Tags."""
    tags = [{"Key": "k", "Value": "v"}]
    iam.create_user(UserName="bob", PermissionsBoundary=AWS_MANAGED, Tags=tags)
    iam.create_role(
        RoleName="app", AssumeRolePolicyDocument=TRUST, PermissionsBoundary=AWS_MANAGED, Tags=tags
    )
    (user,) = iam.list_users()["Users"]
    (role,) = iam.list_roles()["Roles"]
    for entity in (user, role):
        assert "PermissionsBoundary" not in entity and "Tags" not in entity
    assert boundary_of(iam.get_user(UserName="bob")["User"]) == AWS_MANAGED


@pytest.mark.parametrize("policy_arn", NOT_ATTACHABLE)
@pytest.mark.parametrize("target", ["create_user", "put_user", "create_role", "put_role"])
def test_boundary_must_be_an_attachable_policy(iam: Any, target: str, policy_arn: str) -> None:
    """A boundary ARN that is not a managed policy of the account or of AWS is refused as AWS words it."""
    iam.create_user(UserName="existing")
    iam.create_role(RoleName="existing", AssumeRolePolicyDocument=TRUST)
    calls = {
        "create_user": lambda: iam.create_user(UserName="new", PermissionsBoundary=policy_arn),
        "put_user": lambda: iam.put_user_permissions_boundary(
            UserName="existing", PermissionsBoundary=policy_arn
        ),
        "create_role": lambda: iam.create_role(
            RoleName="new", AssumeRolePolicyDocument=TRUST, PermissionsBoundary=policy_arn
        ),
        "put_role": lambda: iam.put_role_permissions_boundary(
            RoleName="existing", PermissionsBoundary=policy_arn
        ),
    }
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        calls[target]()
    assert error_of(exc) == ("NoSuchEntity", f"Scope ARN: {policy_arn} does not exist or is not attachable.")
    assert boundary_of(iam.get_user(UserName="existing")["User"]) is None
    assert boundary_of(iam.get_role(RoleName="existing")["Role"]) is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda iam: iam.put_user_permissions_boundary(UserName="ghost", PermissionsBoundary=AWS_MANAGED),
            "The user with name ghost cannot be found.",
        ),
        (
            lambda iam: iam.delete_user_permissions_boundary(UserName="ghost"),
            "The user with name ghost cannot be found.",
        ),
        (
            lambda iam: iam.put_role_permissions_boundary(RoleName="ghost", PermissionsBoundary=AWS_MANAGED),
            "The role with name ghost cannot be found.",
        ),
        (
            lambda iam: iam.delete_role_permissions_boundary(RoleName="ghost"),
            "The role with name ghost cannot be found.",
        ),
    ],
)
def test_boundary_of_missing_entity_is_no_such_entity(iam: Any, call: Any, message: str) -> None:
    """Boundary operations on a user or role that does not exist say which."""
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        call(iam)
    assert error_of(exc) == ("NoSuchEntity", message)


def test_customer_managed_policy_is_a_boundary_only_under_its_exact_arn(iam: Any) -> None:
    """A customer managed policy of the account can be a boundary; its ARN must carry its path."""
    document = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    )
    policy_arn = iam.create_policy(PolicyName="cap", Path="/limits/", PolicyDocument=document)["Policy"][
        "Arn"
    ]
    assert policy_arn == f"arn:aws:iam::{ACCOUNT}:policy/limits/cap"
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST, PermissionsBoundary=policy_arn)
    assert boundary_of(iam.get_role(RoleName="app")["Role"]) == policy_arn
    wrong_path = f"arn:aws:iam::{ACCOUNT}:policy/cap"
    iam.create_user(UserName="u")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.put_user_permissions_boundary(UserName="u", PermissionsBoundary=wrong_path)
    assert error_of(exc) == ("NoSuchEntity", f"Scope ARN: {wrong_path} does not exist or is not attachable.")
