"""Paging markers credo did not issue are refused as AWS refuses them, on every list operation."""

from __future__ import annotations

import base64
from typing import Any

import botocore.exceptions
import pytest
from botocore import xform_name

from credo.protocol import model
from credo.server.operations import OPERATIONS
from tests.conftest import error_of


def _listings_without_required_members() -> list[str]:
    """Every implemented IAM operation that takes a Marker and needs nothing else."""
    names = []
    for name in sorted(OPERATIONS["iam"]):
        operation = model.operation("iam", name)
        shape = operation.input_shape if operation is not None else None
        if shape is not None and "Marker" in shape.members and not shape.required_members:
            names.append(name)
    return names


LISTINGS = _listings_without_required_members()
FORGED = {
    "three NULs": "AAAA",
    "control characters": base64.urlsafe_b64encode(b"a\x01\x1fb").decode(),
    "not base64": "@@@",
}
HUGE_NUMBER = base64.urlsafe_b64encode(b"9" * 200).decode()


def test_the_table_covers_the_listings() -> None:
    """The operations below include the everyday listings (so the table cannot silently empty)."""
    assert {"ListUsers", "ListRoles", "ListGroups", "ListPolicies", "GetAccountAuthorizationDetails"} <= set(
        LISTINGS
    )


@pytest.mark.parametrize("marker", list(FORGED.values()), ids=list(FORGED))
@pytest.mark.parametrize("operation", LISTINGS)
def test_forged_marker_is_invalid_input(iam: Any, operation: str, marker: str) -> None:
    """A marker decoding to NULs, control characters or junk is InvalidInput, never a 500."""
    iam.create_user(UserName="someone")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(iam, xform_name(operation))(Marker=marker)
    assert error_of(caught) == ("InvalidInput", "Invalid Marker.")


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda iam, m: iam.list_user_tags(UserName="someone", Marker=m), id="ListUserTags"),
        pytest.param(
            lambda iam, m: iam.list_groups_for_user(UserName="someone", Marker=m), id="ListGroupsForUser"
        ),
        pytest.param(lambda iam, m: iam.list_access_keys(UserName="someone", Marker=m), id="ListAccessKeys"),
        pytest.param(
            lambda iam, m: iam.list_attached_user_policies(UserName="someone", Marker=m),
            id="ListAttachedUserPolicies",
        ),
        pytest.param(
            lambda iam, m: iam.list_user_policies(UserName="someone", Marker=m), id="ListUserPolicies"
        ),
        pytest.param(
            lambda iam, m: iam.list_policy_tags(PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess", Marker=m),
            id="ListPolicyTags",
        ),
        pytest.param(
            lambda iam, m: iam.list_entities_for_policy(
                PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess", Marker=m
            ),
            id="ListEntitiesForPolicy",
        ),
        pytest.param(
            lambda iam, m: iam.simulate_custom_policy(
                PolicyInputList=['{"Version":"2012-10-17","Statement":[]}'],
                ActionNames=["iam:GetUser"],
                Marker=m,
            ),
            id="SimulateCustomPolicy",
        ),
    ],
)
def test_forged_marker_on_listings_of_one_entity(iam: Any, call: Any) -> None:
    """Listings scoped to one user or policy refuse a NUL marker the same way."""
    iam.create_user(UserName="someone")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(iam, "AAAA")
    assert error_of(caught)[0] in {"InvalidInput", "MalformedPolicyDocument"}
    if error_of(caught)[0] == "InvalidInput":
        assert error_of(caught)[1] == "Invalid Marker."


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(
            lambda iam, m: iam.get_account_authorization_details(Marker=m),
            id="GetAccountAuthorizationDetails",
        ),
        pytest.param(
            lambda iam, m: iam.list_policy_tags(PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess", Marker=m),
            id="ListPolicyTags",
        ),
        pytest.param(lambda iam, m: iam.list_user_tags(UserName="someone", Marker=m), id="ListUserTags"),
    ],
)
def test_marker_with_a_huge_position_is_invalid_input(iam: Any, call: Any) -> None:
    """Markers that hold a position refuse one of 200 digits (Python's int would refuse 4,301)."""
    iam.create_user(UserName="someone")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(iam, HUGE_NUMBER)
    assert error_of(caught) == ("InvalidInput", "Invalid Marker.")
