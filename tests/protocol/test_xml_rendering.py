"""Results rendered as Query XML: exact bytes, and what botocore's own parser reads back."""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from botocore.model import ShapeResolver
from botocore.parsers import QueryParser

from credo.protocol import model, xml, xml_writers
from credo.shared_result import SharedResult

NAMESPACE = model.NAMESPACES["iam"]
CREATED = datetime(2026, 3, 4, 5, 6, 7)


class Status(enum.StrEnum):
    ACTIVE = "Active"


def render(action: str, result: dict[str, Any]) -> str:
    operation = model.operation("iam", action)
    assert operation is not None
    return xml.render_result(operation, NAMESPACE, result, "req-1").decode()


def parsed(action: str, body: str) -> dict[str, Any]:
    """What boto3 hands its caller for this body (without ResponseMetadata)."""
    operation = model.operation("iam", action)
    assert operation is not None
    out: dict[str, Any] = QueryParser().parse(
        {"body": body.encode(), "headers": {}, "status_code": 200}, operation.output_shape
    )
    out.pop("ResponseMetadata", None)
    return out


def envelope(action: str, inner: str) -> str:
    return (
        f'<{action}Response xmlns="{NAMESPACE}"><{action}Result>{inner}</{action}Result>'
        f"<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></{action}Response>"
    )


def user(name: str, path: str = "/", **extra: Any) -> dict[str, Any]:
    return {
        "Path": path,
        "UserName": name,
        "UserId": f"AIDA{name.upper()}",
        "Arn": f"arn:aws:iam::123456789012:user{path}{name}",
        "CreateDate": CREATED,
        **extra,
    }


def member(name: str, path: str = "/", extra: str = "") -> str:
    arn = f"arn:aws:iam::123456789012:user{path}{name}"
    return (
        f"<member><Path>{path}</Path><UserName>{name}</UserName><UserId>AIDA{name.upper()}</UserId>"
        f"<Arn>{arn}</Arn><CreateDate>2026-03-04T05:06:07Z</CreateDate>{extra}</member>"
    )


def test_list_users_page_exact_xml() -> None:
    """A page of users: members in the model's order, absent members left out, a marker at the end."""
    last_used = datetime(2026, 5, 6, 7, 8, 9, 999999)
    result = {
        "Users": [user("alice"), user("bob", "/eng/", PasswordLastUsed=last_used)],
        "IsTruncated": True,
        "Marker": "Ym9i",
    }
    body = render("ListUsers", result)
    assert body == envelope(
        "ListUsers",
        "<Users>"
        + member("alice")
        + member("bob", "/eng/", "<PasswordLastUsed>2026-05-06T07:08:09Z</PasswordLastUsed>")
        + "</Users><IsTruncated>true</IsTruncated><Marker>Ym9i</Marker>",
    )
    users = parsed("ListUsers", body)["Users"]
    assert [u["UserName"] for u in users] == ["alice", "bob"]
    assert users[1]["PasswordLastUsed"] == datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)


def test_a_shared_result_is_written_once_and_answers_every_call_alike() -> None:
    """A page served to many calls (``SharedResult``) renders as a plain result does, with each
    call's own request id, and keeps its XML after the first call: the later calls reuse it."""
    content = {"Users": [user("alice"), user("a&b", "/x<y>/")], "IsTruncated": False}
    shared = SharedResult(content)
    operation = model.operation("iam", "ListUsers")
    assert operation is not None
    first = xml.render_result(operation, NAMESPACE, shared, "req-1").decode()
    assert first == render("ListUsers", content)
    assert list(shared.renderings.values()) == [
        first.split("<ListUsersResult>")[1].split("</ListUsersResult>")[0]
    ]
    second = xml.render_result(operation, NAMESPACE, shared, "req-2").decode()
    assert second == first.replace("req-1", "req-2")
    assert len(shared.renderings) == 1


@pytest.mark.parametrize(
    ("path", "written"),
    [
        ("/a&b/", "/a&amp;b/"),
        ("/x<y>/", "/x&lt;y&gt;/"),
        ("/&amp;/", "/&amp;amp;/"),
        ("/plain/", "/plain/"),
    ],
)
def test_strings_escaped_once_wherever_they_are(path: str, written: str) -> None:
    """&, < and > are escaped in every string of the document (also when only one string has
    them), exactly once, and botocore reads the original text back."""
    result = {"Users": [user("plain"), user("odd", path)], "IsTruncated": False}
    body = render("ListUsers", result)
    arn = f"arn:aws:iam::123456789012:user{written}odd"
    assert f"<Path>{written}</Path>" in body
    assert f"<Arn>{arn}</Arn>" in body
    assert member("plain") in body
    assert parsed("ListUsers", body)["Users"][1]["Path"] == path


@pytest.mark.parametrize(
    ("created", "written"),
    [
        (datetime(2026, 3, 4, 5, 6, 7, 891011), "2026-03-04T05:06:07Z"),
        (datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC), "2026-03-04T05:06:07Z"),
        (datetime(2026, 3, 4, 5, 6, 7, 5, tzinfo=ZoneInfo("Etc/UTC")), "2026-03-04T05:06:07Z"),
        (datetime(2026, 7, 4, 5, 6, 7, tzinfo=ZoneInfo("Europe/Paris")), "2026-07-04T03:06:07Z"),
        (
            datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone(timedelta(hours=5, minutes=30))),
            "2026-03-03T23:36:07Z",
        ),
        (datetime(999, 1, 2, 3, 4, 5), "0999-01-02T03:04:05Z"),
        ("2026-03-04T05:06:07Z", "2026-03-04T05:06:07Z"),
    ],
)
def test_times_in_utc_to_the_second(created: Any, written: str) -> None:
    """Times are ISO 8601 in UTC, truncated to the second, whatever their zone (naive = UTC;
    PostgreSQL's come as Etc/UTC)."""
    body = render("ListUsers", {"Users": [{"UserName": "u", "CreateDate": created}]})
    assert f"<UserName>u</UserName><CreateDate>{written}</CreateDate>" in body


@pytest.mark.parametrize(
    ("value", "written"),
    [(True, "true"), (17, "17"), (Status.ACTIVE, "Active"), (1.5, "1.5"), (b"a<b", "YTxi")],
)
def test_other_values_in_a_string_member(value: Any, written: str) -> None:
    """A string member given another type is written as its text (booleans as AWS writes them)."""
    body = render("ListUsers", {"Users": [{"UserName": value}]})
    assert f"<Users><member><UserName>{written}</UserName></member></Users>" in body


@pytest.mark.parametrize(
    ("value", "written"),
    [(3600, "3600"), (True, "true"), ("43200", "43200"), (2**40, "1099511627776")],
)
def test_integer_members(value: Any, written: str) -> None:
    """Integer members as decimal text; anything else given for one as its text."""
    body = render("ListRoles", {"Roles": [{"RoleName": "r", "MaxSessionDuration": value}]})
    assert f"<RoleName>r</RoleName><MaxSessionDuration>{written}</MaxSessionDuration>" in body


def test_booleans_lists_of_strings_and_maps() -> None:
    """Booleans as true/false, a list of strings as members, a map as entry/key/value."""
    aliases = render("ListAccountAliases", {"AccountAliases": ["a&b", "c"], "IsTruncated": False})
    assert aliases == envelope(
        "ListAccountAliases",
        "<AccountAliases><member>a&amp;b</member><member>c</member></AccountAliases>"
        "<IsTruncated>false</IsTruncated>",
    )
    assert parsed("ListAccountAliases", aliases)["AccountAliases"] == ["a&b", "c"]
    summary = render("GetAccountSummary", {"SummaryMap": {"Users": 3, "Groups": 0}})
    assert summary == envelope(
        "GetAccountSummary",
        "<SummaryMap><entry><key>Users</key><value>3</value></entry>"
        "<entry><key>Groups</key><value>0</value></entry></SummaryMap>",
    )
    assert parsed("GetAccountSummary", summary) == {"SummaryMap": {"Users": 3, "Groups": 0}}


def test_nested_structures_and_members_not_in_the_model() -> None:
    """Nested structures and lists are written in place; None and unknown members are left out."""
    role = {
        "RoleName": "r",
        "Description": None,
        "Unknown": "x",
        "PermissionsBoundary": {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": "arn:b"},
        "Tags": [{"Key": "k", "Value": "v<"}],
        "RoleLastUsed": {},
    }
    body = render("GetRole", {"Role": role})
    assert body == envelope(
        "GetRole",
        "<Role><RoleName>r</RoleName><PermissionsBoundary><PermissionsBoundaryType>Policy"
        "</PermissionsBoundaryType><PermissionsBoundaryArn>arn:b</PermissionsBoundaryArn>"
        "</PermissionsBoundary><Tags><member><Key>k</Key><Value>v&lt;</Value></member></Tags>"
        "<RoleLastUsed></RoleLastUsed></Role>",
    )
    assert parsed("GetRole", body)["Role"]["Tags"] == [{"Key": "k", "Value": "v<"}]


def test_empty_and_missing_outputs() -> None:
    """An operation without output has no Result element; an empty result an empty one."""
    assert render("DeleteUser", {}) == (
        f'<DeleteUserResponse xmlns="{NAMESPACE}"><ResponseMetadata><RequestId>req-1</RequestId>'
        "</ResponseMetadata></DeleteUserResponse>"
    )
    assert render("ListUsers", {}) == envelope("ListUsers", "")


def test_a_shape_that_contains_itself() -> None:
    """A recursive shape is written to any depth (its writer calls itself)."""
    resolver = ShapeResolver(
        {
            "Node": {
                "type": "structure",
                "members": {"Name": {"shape": "Text"}, "Children": {"shape": "Nodes"}},
            },
            "Nodes": {"type": "list", "member": {"shape": "Node"}},
            "Text": {"type": "string"},
        }
    )
    shape = resolver.get_shape_by_name("Node")
    tree = {"Name": "a", "Children": [{"Name": "b&", "Children": [{"Name": "c"}]}]}
    parts: list[str] = []
    xml_writers.write(shape, tree, parts)
    assert "".join(parts) == (
        "<Name>a</Name><Children><member><Name>b&amp;</Name><Children><member><Name>c</Name>"
        "</member></Children></member></Children>"
    )
