"""The Query endpoint over real HTTP: authentication errors, protocol errors, response shapes."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import botocore.exceptions
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.conftest import Server

FORM = "application/x-www-form-urlencoded; charset=utf-8"


def raw_call(
    server: Server,
    body: str,
    *,
    key: str = "test",
    secret: str = "test",
    service: str = "iam",
    sign: bool = True,
    tamper: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, str, dict[str, str]]:
    """POST a Query body, signed with botocore unless told otherwise; returns status, body, headers."""
    request = AWSRequest(
        method="POST", url=server.endpoint + "/", data=body, headers={"Content-Type": FORM, **(headers or {})}
    )
    if sign:
        SigV4Auth(Credentials(key, secret), service, "us-east-1").add_auth(request)
    prepared = request.prepare()
    data = prepared.body if isinstance(prepared.body, bytes) else str(prepared.body or "").encode()
    if tamper is not None:
        data = tamper.encode()
    sent_headers = {k: v for k, v in prepared.headers.items() if k.lower() != "content-length"}
    http = urllib.request.Request(server.endpoint + "/", data=data, method="POST", headers=sent_headers)
    try:
        with urllib.request.urlopen(http, timeout=30) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode(), dict(error.headers)


def error_code(body: str) -> str:
    return body.split("<Code>", 1)[1].split("</Code>", 1)[0]


def test_get_caller_identity_as_root(sts: Any) -> None:
    """GetCallerIdentity with the dev root keys names the account's root."""
    identity = sts.get_caller_identity()
    assert identity["Account"] == "123456789012"
    assert identity["Arn"] == "arn:aws:iam::123456789012:root"
    assert identity["UserId"] == "123456789012"


def test_response_shape_and_request_id(server: Server) -> None:
    """Responses are AWS's XML with the STS namespace and an x-amzn-RequestId header."""
    status, body, headers = raw_call(server, "Action=GetCallerIdentity&Version=2011-06-15", service="sts")
    assert status == 200
    assert body.startswith('<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">')
    assert "<Arn>arn:aws:iam::123456789012:root</Arn>" in body
    request_id = {k.lower(): v for k, v in headers.items()}["x-amzn-requestid"]
    assert f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>" in body


@pytest.mark.parametrize(
    ("case", "expected_status", "expected_code"),
    [
        ("unsigned", 403, "MissingAuthenticationToken"),
        ("unknown key", 403, "InvalidClientTokenId"),
        ("wrong secret", 403, "SignatureDoesNotMatch"),
        ("tampered body", 403, "SignatureDoesNotMatch"),
        ("token with long-term key", 403, "InvalidClientTokenId"),
        ("unknown action", 400, "InvalidAction"),
        ("missing action", 400, "MissingAction"),
        ("invalid parameter", 400, "ValidationError"),
        ("missing parameter", 400, "ValidationError"),
    ],
)
def test_refusals_have_aws_codes(server: Server, case: str, expected_status: int, expected_code: str) -> None:
    """Each kind of bad request is refused with AWS's error code and HTTP status, never a 500."""
    body = "Action=ListUsers&Version=2010-05-08"
    kwargs: dict[str, Any] = {}
    if case == "unsigned":
        kwargs["sign"] = False
    elif case == "unknown key":
        kwargs["key"] = "AKIANOSUCHKEY0000000"
    elif case == "wrong secret":
        kwargs["secret"] = "not-the-secret"
    elif case == "tampered body":
        kwargs["tamper"] = "Action=ListUsers&Version=2010-05-08&MaxItems=1"
    elif case == "token with long-term key":
        kwargs["headers"] = {"X-Amz-Security-Token": "bogus"}
    elif case == "unknown action":
        body = "Action=MakeCoffee&Version=2010-05-08"
    elif case == "missing action":
        body = "Version=2010-05-08"
    elif case == "invalid parameter":
        body = "Action=ListUsers&Version=2010-05-08&MaxItems=0"
    elif case == "missing parameter":
        body = "Action=CreateUser&Version=2010-05-08"
    status, text, _ = raw_call(server, body, **kwargs)
    assert (status, error_code(text)) == (expected_status, expected_code)
    assert "<Type>Sender</Type>" in text


def test_validation_messages_name_the_parameter(server: Server) -> None:
    """Validation errors word the constraint and the parameter as AWS does."""
    _, text, _ = raw_call(server, "Action=CreateUser&Version=2010-05-08&UserName=bad%20name")
    assert (
        "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    ) in text
    _, text, _ = raw_call(server, "Action=CreateUser&Version=2010-05-08")
    assert "Value null at 'userName' failed to satisfy constraint: Member must not be null" in text


def test_unknown_action_message(server: Server) -> None:
    """InvalidAction names the action and the API version."""
    _, text, _ = raw_call(server, "Action=MakeCoffee&Version=2010-05-08")
    assert "Could not find operation MakeCoffee for version 2010-05-08" in text


@pytest.mark.parametrize("minutes", [16, 60])
def test_stale_signature_is_refused(server: Server, sts: Any, minutes: int) -> None:
    """A request signed more than 15 minutes before the server's now is refused as expired."""
    server.advance_clock(minutes * 60)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sts.get_caller_identity()
    assert caught.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert "Signature expired" in caught.value.response["Error"]["Message"]


def test_inactive_key_is_refused_at_once(iam: Any, make_user: Any) -> None:
    """Deactivating a key refuses it on the very next request; reactivating restores it."""
    name, client_for = make_user("alice")
    alice = client_for("sts")
    assert alice.get_caller_identity()["Arn"].endswith(":user/alice")
    key_id = iam.list_access_keys(UserName=name)["AccessKeyMetadata"][0]["AccessKeyId"]
    iam.update_access_key(UserName=name, AccessKeyId=key_id, Status="Inactive")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        alice.get_caller_identity()
    assert caught.value.response["Error"]["Code"] == "InvalidClientTokenId"
    iam.update_access_key(UserName=name, AccessKeyId=key_id, Status="Active")
    assert alice.get_caller_identity()["Arn"].endswith(":user/alice")


def test_deleted_key_is_refused_at_once(iam: Any, make_user: Any) -> None:
    """A deleted key is refused on the very next request."""
    name, client_for = make_user("bob")
    bob = client_for("sts")
    bob.get_caller_identity()
    key_id = iam.list_access_keys(UserName=name)["AccessKeyMetadata"][0]["AccessKeyId"]
    iam.delete_access_key(UserName=name, AccessKeyId=key_id)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        bob.get_caller_identity()
    assert caught.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_get_request_with_query_parameters(server: Server) -> None:
    """GET /?Action=… works like POST, as the Query protocol allows."""
    request = AWSRequest(method="GET", url=server.endpoint + "/?Action=GetCallerIdentity&Version=2011-06-15")
    SigV4Auth(Credentials("test", "test"), "sts", "us-east-1").add_auth(request)
    prepared = request.prepare()
    http = urllib.request.Request(prepared.url, method="GET", headers=dict(prepared.headers))
    with urllib.request.urlopen(http, timeout=30) as response:
        assert "<Account>123456789012</Account>" in response.read().decode()


def test_dev_routes_absent_outside_dev_mode(tmp_path: Any) -> None:
    """POST /_credo/reset and /_credo/clock are 404 when the server is not in dev mode."""
    from tests.conftest import start_server, stop_server

    server = start_server(
        tmp_path,
        "--data-dir",
        str(tmp_path / "data"),
        env={"CREDO_ROOT_ACCESS_KEY_ID": "rootkey", "CREDO_ROOT_SECRET_ACCESS_KEY": "rootsecret"},
    )
    try:
        for path in ("/_credo/reset", "/_credo/clock"):
            with pytest.raises(urllib.error.HTTPError) as caught:
                server.post(path, {"seconds": 1})
            with caught.value:
                assert caught.value.code == 404
    finally:
        stop_server(server)
