"""The exact XML of ListUsers and ListRoles pages, and what boto3 reads from it, on each store."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import create_engine, update

from credo.store.schema import users
from tests.conftest import DEV_ACCOUNT, Server

NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"
# name, path, extra CreateUser arguments (ListUsers leaves tags and boundaries out, as AWS does).
USERS: list[tuple[str, str, dict[str, Any]]] = [
    ("alice", "/", {}),
    ("Bob", "/eng/", {"Tags": [{"Key": "team", "Value": "a b"}]}),
    ("carol", "/a&b<c>/", {"PermissionsBoundary": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
    ("dave", "/100%_done/", {}),
    ("erin", "/100xydone/", {}),
    ("frank+=,.@-", "/", {}),
]
# Microseconds that must not show: IAM writes times to the second.
CAROL_LAST_USED = datetime(2026, 2, 3, 4, 5, 6, 789000, tzinfo=UTC)
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def raw_bodies(client: Any, operation: str) -> list[bytes]:
    """Every response body ``client`` receives for ``operation``, as sent."""
    bodies: list[bytes] = []

    def keep(http_response: Any, **_: Any) -> None:
        bodies.append(http_response.content)

    client.meta.events.register(f"after-call.iam.{operation}", keep)
    return bodies


def seconds(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(operation: str, inner: str, request_id: str) -> bytes:
    return (
        f'<{operation}Response xmlns="{NAMESPACE}"><{operation}Result>{inner}</{operation}Result>'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{operation}Response>"
    ).encode()


def page_end(marker: str | None) -> str:
    if marker is None:
        return "<IsTruncated>false</IsTruncated>"
    encoded = base64.urlsafe_b64encode(marker.encode()).decode().rstrip("=")
    return f"<IsTruncated>true</IsTruncated><Marker>{encoded}</Marker>"


@pytest.fixture
def listed_users(iam: Any, server: Server) -> dict[str, dict[str, Any]]:
    """The users of ``USERS`` as ListUsers should show them, by name; carol has used her password."""
    created = {
        name: iam.create_user(UserName=name, Path=path, **extra)["User"] for name, path, extra in USERS
    }
    engine = create_engine(server.extra["database_url"])
    try:
        with engine.begin() as conn:
            conn.execute(
                update(users).where(users.c.name_lower == "carol").values(password_last_used=CAROL_LAST_USED)
            )
    finally:
        engine.dispose()
    expected = {}
    for name, user in created.items():
        shown = {key: user[key] for key in ("Path", "UserName", "UserId", "Arn", "CreateDate")}
        if name == "carol":
            shown["PasswordLastUsed"] = CAROL_LAST_USED.replace(microsecond=0)
        expected[name] = shown
    return expected


def user_member(user: dict[str, Any]) -> str:
    last_used = user.get("PasswordLastUsed")
    return (
        f"<member><Path>{escape(user['Path'])}</Path><UserName>{escape(user['UserName'])}</UserName>"
        f"<UserId>{user['UserId']}</UserId><Arn>{escape(user['Arn'])}</Arn>"
        f"<CreateDate>{seconds(user['CreateDate'])}</CreateDate>"
        + (f"<PasswordLastUsed>{seconds(last_used)}</PasswordLastUsed>" if last_used else "")
        + "</member>"
    )


@pytest.mark.parametrize(
    ("params", "names", "marker"),
    [
        ({}, ["alice", "Bob", "carol", "dave", "erin", "frank+=,.@-"], None),
        ({"MaxItems": 2}, ["alice", "Bob"], "bob"),
        ({"MaxItems": 2, "Marker": "Ym9i"}, ["carol", "dave"], "dave"),
        ({"PathPrefix": "/100%_"}, ["dave"], None),
        ({"PathPrefix": "/a&b<"}, ["carol"], None),
    ],
)
def test_list_users_page_bytes(
    iam: Any,
    listed_users: dict[str, dict[str, Any]],
    params: dict[str, Any],
    names: list[str],
    marker: str | None,
) -> None:
    """A ListUsers page is exactly AWS's XML (strings escaped, times to the second, no tags or
    boundary), pages and path prefixes pick the right users ('%' and '_' match themselves),
    and boto3 reads back every user as created."""
    bodies = raw_bodies(iam, "ListUsers")
    response = iam.list_users(**params)
    expected = [listed_users[name] for name in names]
    inner = "<Users>" + "".join(user_member(user) for user in expected) + "</Users>" + page_end(marker)
    assert bodies == [envelope("ListUsers", inner, response["ResponseMetadata"]["RequestId"])]
    assert response["Users"] == expected
    assert response["IsTruncated"] is (marker is not None)


def test_list_roles_page_bytes(iam: Any, make_role: Callable[..., dict[str, Any]]) -> None:
    """A ListRoles page is exactly AWS's XML: the trust policy percent-encoded, the description
    escaped, the session duration as a number, no tags, and boto3 reads it back."""
    first = make_role("deploy", Path="/ci/", Description="Deploys <prod> & staging", MaxSessionDuration=7200)
    second = make_role("reader", Tags=[{"Key": "k", "Value": "v"}])
    bodies = raw_bodies(iam, "ListRoles")
    response = iam.list_roles()
    document = quote(json.dumps(TRUST), safe="")
    members = "".join(
        f"<member><Path>{role['Path']}</Path><RoleName>{role['RoleName']}</RoleName>"
        f"<RoleId>{role['RoleId']}</RoleId><Arn>{role['Arn']}</Arn>"
        f"<CreateDate>{seconds(role['CreateDate'])}</CreateDate>"
        f"<AssumeRolePolicyDocument>{document}</AssumeRolePolicyDocument>{description}"
        f"<MaxSessionDuration>{duration}</MaxSessionDuration></member>"
        for role, description, duration in [
            (first, "<Description>Deploys &lt;prod&gt; &amp; staging</Description>", 7200),
            (second, "", 3600),
        ]
    )
    inner = f"<Roles>{members}</Roles><IsTruncated>false</IsTruncated>"
    assert bodies == [envelope("ListRoles", inner, response["ResponseMetadata"]["RequestId"])]
    listed = {role["RoleName"]: role for role in response["Roles"]}
    assert listed["deploy"]["Description"] == "Deploys <prod> & staging"
    assert listed["deploy"]["AssumeRolePolicyDocument"] == TRUST
    assert listed["deploy"]["Arn"] == f"arn:aws:iam::{DEV_ACCOUNT}:role/ci/deploy"
    assert listed["reader"]["MaxSessionDuration"] == 3600
    assert "Tags" not in listed["reader"]


@pytest.fixture
def make_role(iam: Any) -> Callable[..., dict[str, Any]]:
    def make(name: str, **extra: Any) -> dict[str, Any]:
        role: dict[str, Any] = iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST), **extra
        )["Role"]
        return role

    return make
