"""Permission sets through boto3's sso-admin client: their attributes, policies, boundary and tags."""

from __future__ import annotations

import json
from typing import Any

import botocore.exceptions
import pytest

from tests.conftest import error_of
from tests.sso.conftest import Instance

INLINE = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
)


def create(sso: Any, instance: Instance, name: str = "Developers", **kwargs: Any) -> str:
    created = sso.create_permission_set(InstanceArn=instance.arn, Name=name, **kwargs)
    return str(created["PermissionSet"]["PermissionSetArn"])


def test_permission_set_lifecycle(sso: Any, instance: Instance) -> None:
    """Create answers AWS's shape (default session PT1H); Describe, List and Update follow; Delete removes."""
    created = sso.create_permission_set(
        InstanceArn=instance.arn,
        Name="Developers",
        Description="for developers",
        RelayState="https://x.test/",
    )["PermissionSet"]
    arn = created["PermissionSetArn"]
    instance_id = instance.arn.rsplit("/", 1)[1]
    assert (
        arn.startswith(f"arn:aws:sso:::permissionSet/{instance_id}/ps-") and len(arn.rsplit("/", 1)[1]) == 19
    )
    assert (created["Name"], created["SessionDuration"], created["Description"]) == (
        "Developers",
        "PT1H",
        "for developers",
    )
    sso.update_permission_set(InstanceArn=instance.arn, PermissionSetArn=arn, SessionDuration="PT8H")
    described = sso.describe_permission_set(InstanceArn=instance.arn, PermissionSetArn=arn)["PermissionSet"]
    assert (described["SessionDuration"], described["RelayState"]) == ("PT8H", "https://x.test/")
    assert sso.list_permission_sets(InstanceArn=instance.arn)["PermissionSets"] == [arn]
    sso.delete_permission_set(InstanceArn=instance.arn, PermissionSetArn=arn)
    with pytest.raises(sso.exceptions.ResourceNotFoundException):
        sso.describe_permission_set(InstanceArn=instance.arn, PermissionSetArn=arn)


@pytest.mark.parametrize(
    ("kwargs", "code", "fragment"),
    [
        ({"Name": "developers"}, "ConflictException", "PermissionSet with name developers already exists."),
        ({"Name": "Other", "SessionDuration": "PT30M"}, "ValidationException", "between PT1H and PT12H"),
        ({"Name": "Other", "SessionDuration": "PT13H"}, "ValidationException", "between PT1H and PT12H"),
        ({"Name": "Other", "SessionDuration": "P1M"}, "ValidationException", "between PT1H and PT12H"),
        ({"Name": "Other", "Tags": [{"Key": "aws:x", "Value": "y"}]}, "ValidationException", "aws:"),
    ],
)
def test_permission_set_rules(
    sso: Any, instance: Instance, kwargs: dict[str, Any], code: str, fragment: str
) -> None:
    """Names are unique (ignoring case); sessions last one to twelve hours; tag keys avoid aws:."""
    create(sso, instance)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sso.create_permission_set(InstanceArn=instance.arn, **kwargs)
    found_code, message = error_of(caught)
    assert found_code == code
    assert fragment in message


def test_policies_of_a_permission_set(sso: Any, instance: Instance) -> None:
    """AWS managed policies, customer managed references, the inline policy and the boundary are kept
    and listed; detaching what is not attached, or an unknown AWS policy, is ResourceNotFoundException."""
    arn = create(sso, instance)
    names = {"InstanceArn": instance.arn, "PermissionSetArn": arn}
    sso.attach_managed_policy_to_permission_set(
        **names, ManagedPolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
    )
    with pytest.raises(sso.exceptions.ConflictException):
        sso.attach_managed_policy_to_permission_set(
            **names, ManagedPolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
        )
    with pytest.raises(sso.exceptions.ResourceNotFoundException):
        sso.attach_managed_policy_to_permission_set(
            **names, ManagedPolicyArn="arn:aws:iam::aws:policy/NoSuchPolicy"
        )
    attached = sso.list_managed_policies_in_permission_set(**names)["AttachedManagedPolicies"]
    assert attached == [{"Name": "ReadOnlyAccess", "Arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]
    sso.attach_customer_managed_policy_reference_to_permission_set(
        **names, CustomerManagedPolicyReference={"Name": "team-policy", "Path": "/teams/"}
    )
    references = sso.list_customer_managed_policy_references_in_permission_set(**names)
    assert references["CustomerManagedPolicyReferences"] == [{"Name": "team-policy", "Path": "/teams/"}]
    sso.put_inline_policy_to_permission_set(**names, InlinePolicy=INLINE)
    assert json.loads(sso.get_inline_policy_for_permission_set(**names)["InlinePolicy"]) == json.loads(INLINE)
    with pytest.raises(sso.exceptions.ValidationException):
        sso.put_inline_policy_to_permission_set(**names, InlinePolicy='{"Statement": "nope"}')
    sso.put_permissions_boundary_to_permission_set(
        **names, PermissionsBoundary={"ManagedPolicyArn": "arn:aws:iam::aws:policy/PowerUserAccess"}
    )
    boundary = sso.get_permissions_boundary_for_permission_set(**names)["PermissionsBoundary"]
    assert boundary == {"ManagedPolicyArn": "arn:aws:iam::aws:policy/PowerUserAccess"}
    sso.delete_permissions_boundary_from_permission_set(**names)
    with pytest.raises(sso.exceptions.ResourceNotFoundException):
        sso.get_permissions_boundary_for_permission_set(**names)
    sso.delete_inline_policy_from_permission_set(**names)
    assert "InlinePolicy" not in sso.get_inline_policy_for_permission_set(**names)
    sso.detach_managed_policy_from_permission_set(
        **names, ManagedPolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
    )
    with pytest.raises(sso.exceptions.ResourceNotFoundException):
        sso.detach_managed_policy_from_permission_set(
            **names, ManagedPolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
        )
    sso.detach_customer_managed_policy_reference_from_permission_set(
        **names, CustomerManagedPolicyReference={"Name": "team-policy", "Path": "/teams/"}
    )
    assert (
        sso.list_customer_managed_policy_references_in_permission_set(**names)[
            "CustomerManagedPolicyReferences"
        ]
        == []
    )


def test_managed_policy_quota(sso: Any, instance: Instance) -> None:
    """A permission set holds at most ten managed policies, as its role may."""
    arn = create(sso, instance)
    for index in range(10):
        sso.attach_customer_managed_policy_reference_to_permission_set(
            InstanceArn=instance.arn,
            PermissionSetArn=arn,
            CustomerManagedPolicyReference={"Name": f"p{index}"},
        )
    with pytest.raises(sso.exceptions.ServiceQuotaExceededException):
        sso.attach_managed_policy_to_permission_set(
            InstanceArn=instance.arn,
            PermissionSetArn=arn,
            ManagedPolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess",
        )


def test_tags_on_permission_sets_and_the_instance(sso: Any, instance: Instance) -> None:
    """Tags given at creation and by TagResource are listed; UntagResource removes them."""
    arn = create(sso, instance, Tags=[{"Key": "team", "Value": "core"}])
    sso.tag_resource(InstanceArn=instance.arn, ResourceArn=arn, Tags=[{"Key": "env", "Value": "prod"}])
    tags = sso.list_tags_for_resource(InstanceArn=instance.arn, ResourceArn=arn)["Tags"]
    assert tags == [{"Key": "team", "Value": "core"}, {"Key": "env", "Value": "prod"}]
    sso.untag_resource(InstanceArn=instance.arn, ResourceArn=arn, TagKeys=["team"])
    assert sso.list_tags_for_resource(InstanceArn=instance.arn, ResourceArn=arn)["Tags"] == [
        {"Key": "env", "Value": "prod"}
    ]
    sso.tag_resource(ResourceArn=instance.arn, Tags=[{"Key": "owner", "Value": "it"}])
    assert sso.list_tags_for_resource(ResourceArn=instance.arn)["Tags"] == [{"Key": "owner", "Value": "it"}]
    assert sso.describe_instance(InstanceArn=instance.arn)["Status"] == "ACTIVE"
