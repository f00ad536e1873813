"""Paths other than ``/``: AWS's XML error shape for API clients, a line of text for the rest."""

from __future__ import annotations

import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree
from typing import Any

import boto3
import botocore.exceptions
import pytest

from tests.conftest import NO_RETRIES, REGION, Server

NS = "{https://iam.amazonaws.com/doc/2010-05-08/}"
SIGNED = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/iam/aws4_request"}
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}

CASES = [
    # (method, path and query, headers, body, status, XML error code or None for text)
    ("GET", "/nowhere", {}, None, 404, None),
    ("GET", "/nowhere", BROWSER, None, 404, None),
    ("POST", "/nowhere", BROWSER | FORM, b"Action=ListUsers", 404, None),
    ("GET", "/nowhere", {"Accept": "*/*"}, None, 404, None),
    ("GET", "/nowhere", SIGNED, None, 404, "UnknownOperationException"),
    ("POST", "/iam", FORM, b"Action=ListUsers&Version=2010-05-08", 404, "UnknownOperationException"),
    ("GET", "/nowhere?X-Amz-Algorithm=AWS4-HMAC-SHA256", {}, None, 404, "UnknownOperationException"),
    ("GET", "/nowhere?x-amz-date=20240101T000000Z", {}, None, 404, "UnknownOperationException"),
    ("GET", "/nowhere", {"X-Amz-Date": "20240101T000000Z"}, None, 404, "UnknownOperationException"),
    ("DELETE", "/a/b/c", {"X-Amz-Security-Token": "t"}, None, 404, "UnknownOperationException"),
    ("GET", "/%00%ff", SIGNED, None, 404, "UnknownOperationException"),
    ("GET", "/_credo/reset", SIGNED, None, 405, "MethodNotAllowed"),
    ("PUT", "/_credo/clock", FORM, b"seconds=1", 405, "MethodNotAllowed"),
    ("GET", "/_credo/reset", {}, None, 405, None),
    ("GET", "/_credo/reset", BROWSER | SIGNED, None, 405, None),
]


def fetch(
    server: Server, method: str, path: str, headers: dict[str, str], body: bytes | None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(server.endpoint + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.parametrize(("method", "path", "headers", "body", "status", "code"), CASES)
def test_non_api_paths_answer_api_clients_in_aws_xml(
    server: Server,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes | None,
    status: int,
    code: str | None,
) -> None:
    """Unknown paths and methods: an ErrorResponse for API clients, short text for browsers and others."""
    got_status, got_headers, payload = fetch(server, method, path, headers, body)
    assert got_status == status
    content_type = {k.lower(): v for k, v in got_headers.items()}["content-type"]
    if code is None:
        assert content_type.startswith("text/plain")
        assert payload.decode().endswith("IAM and STS answer at /\n")
        return
    assert content_type.startswith("text/xml")
    root = ElementTree.fromstring(payload)
    assert root.tag == f"{NS}ErrorResponse"
    assert root.findtext(f"{NS}Error/{NS}Type") == "Sender"
    assert root.findtext(f"{NS}Error/{NS}Code") == code
    assert root.findtext(f"{NS}Error/{NS}Message")
    request_id = root.findtext(f"{NS}RequestId")
    assert request_id and {k.lower(): v for k, v in got_headers.items()}["x-amzn-requestid"] == request_id


def test_a_client_pointed_at_a_wrong_path_gets_an_aws_error(server: Server) -> None:
    """boto3 with an endpoint_url that has a path reads UnknownOperationException (404), not a parse failure."""
    iam: Any = boto3.client(
        "iam",
        endpoint_url=server.endpoint + "/iam",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name=REGION,
        config=NO_RETRIES,
    )
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.list_users()
    assert caught.value.response["Error"]["Code"] == "UnknownOperationException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    # The Query endpoint itself is unchanged.
    assert server.client("iam").list_users()["Users"] == []
