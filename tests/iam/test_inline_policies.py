"""Inline policies of users, groups and roles over the real Query API."""

from __future__ import annotations

import json
from typing import Any

import botocore.exceptions
import pytest


def document(action: str = "s3:GetObject", padding: int = 0) -> str:
    statement = {"Effect": "Allow", "Action": action, "Resource": "*"}
    if padding:
        statement["Sid"] = "x" * padding
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)

# (kind, name parameter, inline quota, how to create one entity named "e")
KINDS = [
    ("User", "UserName", 2048, lambda iam: iam.create_user(UserName="e")),
    ("Group", "GroupName", 5120, lambda iam: iam.create_group(GroupName="e")),
    ("Role", "RoleName", 10240, lambda iam: iam.create_role(RoleName="e", AssumeRolePolicyDocument=TRUST)),
]


def error_of(exc: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def call(iam: Any, verb: str, kind: str, **params: Any) -> Any:
    suffix = "policies" if verb == "list" else "policy"
    return getattr(iam, f"{verb}_{kind.lower()}_{suffix}")(**params)


@pytest.mark.parametrize(("kind", "name_param", "_quota", "create"), KINDS)
def test_put_get_list_delete(iam: Any, kind: str, name_param: str, _quota: int, create: Any) -> None:
    """Put stores, Get returns the same document, List names them in order, Delete removes."""
    create(iam)
    call(iam, "put", kind, **{name_param: "e"}, PolicyName="Writer", PolicyDocument=document("s3:PutObject"))
    call(iam, "put", kind, **{name_param: "E"}, PolicyName="reader", PolicyDocument=document())
    got = call(iam, "get", kind, **{name_param: "e"}, PolicyName="READER")
    assert got[name_param] == "e" and got["PolicyName"] == "reader"
    assert got["PolicyDocument"] == json.loads(document())
    assert call(iam, "list", kind, **{name_param: "e"})["PolicyNames"] == ["reader", "Writer"]
    call(iam, "delete", kind, **{name_param: "e"}, PolicyName="reader")
    assert call(iam, "list", kind, **{name_param: "e"})["PolicyNames"] == ["Writer"]


@pytest.mark.parametrize(("kind", "name_param", "_quota", "create"), KINDS)
def test_put_replaces_a_policy_of_the_same_name(
    iam: Any, kind: str, name_param: str, _quota: int, create: Any
) -> None:
    """Putting under an existing name replaces the document."""
    create(iam)
    call(iam, "put", kind, **{name_param: "e"}, PolicyName="p", PolicyDocument=document())
    call(iam, "put", kind, **{name_param: "e"}, PolicyName="p", PolicyDocument=document("ec2:*"))
    got = call(iam, "get", kind, **{name_param: "e"}, PolicyName="p")
    assert got["PolicyDocument"]["Statement"][0]["Action"] == "ec2:*"
    assert call(iam, "list", kind, **{name_param: "e"})["PolicyNames"] == ["p"]


@pytest.mark.parametrize(("kind", "name_param", "_quota", "create"), KINDS)
@pytest.mark.parametrize("verb", ["get", "delete"])
def test_missing_policy_is_no_such_entity(
    iam: Any, kind: str, name_param: str, _quota: int, create: Any, verb: str
) -> None:
    """Get/Delete of an unknown inline policy answers NoSuchEntity naming it."""
    create(iam)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        call(iam, verb, kind, **{name_param: "e"}, PolicyName="ghost")
    assert error_of(exc) == ("NoSuchEntity", f"The {kind.lower()} policy with name ghost cannot be found.")


@pytest.mark.parametrize(("kind", "name_param", "_quota", "_create"), KINDS)
def test_missing_entity_is_no_such_entity(
    iam: Any, kind: str, name_param: str, _quota: int, _create: Any
) -> None:
    """Putting on an unknown entity answers NoSuchEntity naming the entity."""
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        call(iam, "put", kind, **{name_param: "ghost"}, PolicyName="p", PolicyDocument=document())
    assert error_of(exc) == ("NoSuchEntity", f"The {kind.lower()} with name ghost cannot be found.")


def sized(size: int) -> str:
    """A valid document of exactly ``size`` non-whitespace characters."""
    overhead = len("".join(document(padding=1).split())) - 1
    return document(padding=size - overhead)


@pytest.mark.parametrize(("kind", "name_param", "quota", "create"), KINDS)
def test_total_inline_size_is_capped(iam: Any, kind: str, name_param: str, quota: int, create: Any) -> None:
    """The entity's inline policies together may not exceed its quota (whitespace not counted)."""
    create(iam)
    half = quota // 2
    call(iam, "put", kind, **{name_param: "e"}, PolicyName="a", PolicyDocument=sized(half))
    call(iam, "put", kind, **{name_param: "e"}, PolicyName="b", PolicyDocument=sized(half - 200))
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        call(iam, "put", kind, **{name_param: "e"}, PolicyName="c", PolicyDocument=sized(201))
    assert error_of(exc) == (
        "LimitExceeded",
        f"Maximum policy size of {quota} bytes exceeded for {kind.lower()} e",
    )
    call(iam, "put", kind, **{name_param: "e"}, PolicyName="c", PolicyDocument=sized(200))
    # Replacing a policy counts only its new version.
    call(iam, "put", kind, **{name_param: "e"}, PolicyName="b", PolicyDocument=sized(half - 200))


def test_malformed_inline_document(iam: Any) -> None:
    """An invalid document is MalformedPolicyDocument, and nothing is stored."""
    iam.create_user(UserName="e")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.put_user_policy(UserName="e", PolicyName="p", PolicyDocument='{"Version": "2012-10-17"}')
    assert error_of(exc)[0] == "MalformedPolicyDocument"
    assert iam.list_user_policies(UserName="e")["PolicyNames"] == []


def test_list_pages(iam: Any) -> None:
    """ListUserPolicies pages with MaxItems and Marker."""
    iam.create_user(UserName="e")
    for name in ("c", "a", "b"):
        iam.put_user_policy(UserName="e", PolicyName=name, PolicyDocument=document())
    first = iam.list_user_policies(UserName="e", MaxItems=2)
    assert first["PolicyNames"] == ["a", "b"] and first["IsTruncated"]
    rest = iam.list_user_policies(UserName="e", Marker=first["Marker"])
    assert rest["PolicyNames"] == ["c"] and not rest["IsTruncated"]


@pytest.mark.parametrize(("kind", "create"), [("User", KINDS[0][3]), ("Role", KINDS[2][3])])
def test_entity_with_inline_policies_cannot_be_deleted(iam: Any, kind: str, create: Any) -> None:
    """DeleteUser/DeleteRole refuse while inline policies remain."""
    create(iam)
    call(iam, "put", kind, **{f"{kind}Name": "e"}, PolicyName="p", PolicyDocument=document())
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        getattr(iam, f"delete_{kind.lower()}")(**{f"{kind}Name": "e"})
    assert error_of(exc) == ("DeleteConflict", "Cannot delete entity, must delete policies first.")
