"""CloudTrail's LookupEvents against credo, with boto3's cloudtrail client and its paginator."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from tests.audit.support import lookup
from tests.conftest import DEV_ACCOUNT, REGION, Server, allow, error_of
from tests.sts.test_assume_role import create_account

MakeUser = Callable[..., tuple[str, Any]]


def unchecked(server: Server, key: str = "test", secret: str = "test") -> Any:
    """A cloudtrail client that skips botocore's parameter checks, so the server's are tested."""
    return boto3.client(
        "cloudtrail",
        endpoint_url=server.endpoint,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        region_name=REGION,
        config=Config(parameter_validation=False, retries={"max_attempts": 1, "mode": "standard"}),
    )


@pytest.fixture
def activity(server: Server, iam: Any, make_user: MakeUser) -> dict[str, str]:
    """Some calls of different kinds: root's writes, a user's reads and a refusal."""
    iam.create_user(UserName="ivy")
    key = iam.create_access_key(UserName="ivy")["AccessKey"]["AccessKeyId"]
    iam.create_group(GroupName="ops")
    _, client = make_user("jay", allow("iam:GetUser"))
    client("iam").get_user(UserName="ivy")
    with pytest.raises(botocore.exceptions.ClientError):
        client("iam").list_roles()
    return {"key": key}


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("EventName", "CreateGroup", ["CreateGroup"]),
        ("Username", "jay", ["ListRoles", "GetUser"]),
        ("ReadOnly", "false", None),
        ("EventSource", "iam.amazonaws.com", None),
        ("ResourceName", "ops", ["CreateGroup"]),
        ("ResourceType", "AWS::IAM::Group", ["CreateGroup"]),
        ("EventName", "createGroup", []),  # matched exactly, case included
        ("ReadOnly", "maybe", []),
    ],
)
def test_lookup_attributes(
    server: Server, activity: dict[str, str], key: str, value: str, expected: list[str] | None
) -> None:
    """Each lookup attribute finds exactly the events it names, newest first."""
    found = lookup(server, key=key, value=value)
    names = [event["EventName"] for event in found]
    if expected is not None:
        assert names == expected
    elif key == "ReadOnly":
        assert names and all(event["ReadOnly"] == "false" for event in found)
        assert "CreateUser" in names and "GetUser" not in names
    else:
        assert names and all(event["EventSource"] == value for event in found)
        assert "GetCallerIdentity" not in names


def test_access_key_and_event_id(server: Server, activity: dict[str, str]) -> None:
    """AccessKeyId finds the key's calls; EventId finds one event."""
    iam_as_root = lookup(server, key="AccessKeyId", value="test")
    assert {"CreateUser", "CreateAccessKey", "CreateGroup"} <= {e["EventName"] for e in iam_as_root}
    one = iam_as_root[-1]
    assert lookup(server, key="EventId", value=one["EventId"]) == [one]
    created = lookup(server, key="ResourceName", value=activity["key"])
    assert [e["EventName"] for e in created] == ["CreateAccessKey"]


def test_event_shape(server: Server, activity: dict[str, str]) -> None:
    """Each event: its id, name, source, time, read-only flag, user, key, resources and record."""
    [event] = lookup(server, key="EventName", value="CreateGroup")
    record = json.loads(event["CloudTrailEvent"])
    assert event["EventId"] == record["eventID"]
    assert event["EventSource"] == "iam.amazonaws.com"
    assert event["ReadOnly"] == "false"
    assert event["Username"] == "root"
    assert event["AccessKeyId"] == "test"
    assert event["Resources"] == [{"ResourceType": "AWS::IAM::Group", "ResourceName": "ops"}]
    assert isinstance(event["EventTime"], datetime)
    assert event["EventTime"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") == record["eventTime"]


def test_paging_with_the_paginator(server: Server, iam: Any) -> None:
    """MaxResults pages, NextToken continues, every event once, newest first."""
    for index in range(7):
        iam.create_user(UserName=f"page-{index}")
    client = server.client("cloudtrail")
    attributes = [{"AttributeKey": "EventName", "AttributeValue": "CreateUser"}]
    first = client.lookup_events(LookupAttributes=attributes, MaxResults=3)
    assert len(first["Events"]) == 3 and "NextToken" in first
    pages = list(
        client.get_paginator("lookup_events").paginate(
            LookupAttributes=attributes, PaginationConfig={"PageSize": 3}
        )
    )
    assert [len(page["Events"]) for page in pages] == [3, 3, 1]
    assert "NextToken" not in pages[-1]
    users = [
        json.loads(e["CloudTrailEvent"])["requestParameters"]["userName"] for p in pages for e in p["Events"]
    ]
    assert users == [f"page-{index}" for index in reversed(range(7))]
    # A token belongs to the lookup it came from.
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client.lookup_events(MaxResults=3, NextToken=first["NextToken"])
    assert error_of(caught)[0] == "InvalidNextTokenException"


def test_time_range(server: Server, iam: Any, clock: Any) -> None:
    """StartTime and EndTime bound the events found."""
    iam.create_user(UserName="early")
    clock.move(7200)
    iam.create_user(UserName="late")
    now = datetime.now(UTC) + clock.offset
    names = {
        json.loads(e["CloudTrailEvent"])["requestParameters"]["userName"]
        for e in lookup(server, key="EventName", value="CreateUser", StartTime=now - timedelta(hours=1))
    }
    assert names == {"late"}
    names = {
        json.loads(e["CloudTrailEvent"])["requestParameters"]["userName"]
        for e in lookup(server, key="EventName", value="CreateUser", EndTime=now - timedelta(hours=1))
    }
    assert names == {"early"}


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"MaxResults": 51}, "InvalidMaxResultsException"),
        ({"MaxResults": 0}, "InvalidMaxResultsException"),
        (
            {"LookupAttributes": [{"AttributeKey": "Region", "AttributeValue": "x"}]},
            "InvalidLookupAttributesException",
        ),
        (
            {"LookupAttributes": [{"AttributeKey": "Username", "AttributeValue": ""}]},
            "InvalidLookupAttributesException",
        ),
        ({"EventCategory": "management"}, "InvalidEventCategoryException"),
        ({"NextToken": "not-a-token"}, "InvalidNextTokenException"),
        # JSON nested deeper than Python's recursion limit, in the token's base64.
        ({"NextToken": base64.urlsafe_b64encode(b"[" * 5_000).decode()}, "InvalidNextTokenException"),
        (
            {"StartTime": datetime(2026, 2, 1, tzinfo=UTC), "EndTime": datetime(2026, 1, 1, tzinfo=UTC)},
            "InvalidTimeRangeException",
        ),
    ],
)
def test_refusals(server: Server, kwargs: dict[str, Any], code: str) -> None:
    """Out-of-range values get CloudTrail's own exceptions, as HTTP 400."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        unchecked(server).lookup_events(**kwargs)
    assert error_of(caught)[0] == code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_body_nested_too_deep_is_refused(server: Server) -> None:
    """A body of JSON nested deeper than Python's recursion limit is refused as any malformed
    body (SerializationException, 400), not answered with a failure."""
    client = unchecked(server)

    def deep_body(request: Any, **_: Any) -> None:
        request.data = b'{"MaxResults": ' + b"[" * 5_000 + b"]" * 5_000 + b"}"

    client.meta.events.register("before-sign.cloudtrail.LookupEvents", deep_body)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client.lookup_events()
    assert error_of(caught)[0] == "SerializationException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_insight_events_are_none(server: Server, iam: Any) -> None:
    """credo has no Insights events."""
    iam.create_user(UserName="kit")
    assert server.client("cloudtrail").lookup_events(EventCategory="insight")["Events"] == []


def test_authorized_as_cloudtrail_lookup_events(server: Server, make_user: MakeUser) -> None:
    """A user needs cloudtrail:LookupEvents; with it, it sees its account's events."""
    _, denied = make_user("lee")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        denied("cloudtrail").lookup_events()
    code, message = error_of(caught)
    assert code == "AccessDeniedException"
    assert "cloudtrail:LookupEvents" in message
    _, allowed = make_user("mia", allow("cloudtrail:LookupEvents"))
    events = allowed("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "lee"}]
    )["Events"]
    assert [e["EventName"] for e in events] == ["LookupEvents"]
    assert json.loads(events[0]["CloudTrailEvent"])["errorCode"] == "AccessDeniedException"


def test_other_accounts_events_are_not_shown(server: Server, iam: Any) -> None:
    """Each account sees its own events only."""
    keys = create_account(server)
    other = server.client("iam", keys["AccessKeyId"], keys["SecretAccessKey"])
    other.create_user(UserName="elsewhere")
    iam.create_user(UserName="here")
    mine = lookup(server, key="EventName", value="CreateUser")
    assert [json.loads(e["CloudTrailEvent"])["recipientAccountId"] for e in mine] == [DEV_ACCOUNT]
    theirs = server.client("cloudtrail", keys["AccessKeyId"], keys["SecretAccessKey"]).lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateUser"}]
    )["Events"]
    assert [json.loads(e["CloudTrailEvent"])["requestParameters"]["userName"] for e in theirs] == [
        "elsewhere"
    ]
