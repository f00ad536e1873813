"""The decision endpoint's body: what each accepted form reads as, and each refusal's message."""

from __future__ import annotations

import json
from typing import Any

import pytest

from credo.errors import AwsError, MalformedPolicyDocument, SerializationException, ValidationException
from credo.gateway.payload import UNSIGNED_PAYLOAD
from credo.gateway.request_body import read_request

HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
BASE: dict[str, Any] = {"method": "GET", "url": "/widgets/w-1", "headers": {"Host": "widgets.example"}}


def body(**fields: Any) -> bytes:
    return json.dumps({**BASE, **fields}).encode()


def test_the_least_a_call_sends() -> None:
    request = read_request(body())
    assert (request.method, request.url, request.headers) == (
        "GET",
        "/widgets/w-1",
        {"host": "widgets.example"},
    )
    assert request.payload_hash == UNSIGNED_PAYLOAD
    assert (request.source_ip, request.secure_transport) == ("", False)
    assert (request.service, request.action, request.resource) == (None, None, None)
    assert request.resource_policy is None
    assert dict(request.context) == {}


def test_every_field() -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
    }
    request = read_request(
        body(
            method="post",
            url="https://widgets.example/widgets?x=1",
            payload_hash=HASH,
            source_ip="203.0.113.7",
            secure_transport=True,
            service="widgets",
            action="GetWidget",
            resource="arn:aws:widgets:us-east-1:123456789012:widget/w-1",
            resource_policy=policy,
            context={"widgets:Color": "red", "widgets:Tags": ["a", "b"]},
        )
    )
    assert (request.method, request.url, request.payload_hash) == (
        "POST",
        "https://widgets.example/widgets?x=1",
        HASH,
    )
    assert (request.source_ip, request.secure_transport, request.service) == ("203.0.113.7", True, "widgets")
    assert (request.action, request.resource) == (
        "GetWidget",
        "arn:aws:widgets:us-east-1:123456789012:widget/w-1",
    )
    assert request.resource_policy is not None
    assert dict(request.context) == {"widgets:Color": "red", "widgets:Tags": ["a", "b"]}
    # The policy as JSON text reads the same.
    assert read_request(body(resource_policy=json.dumps(policy))).resource_policy is not None


def test_empty_optional_strings_are_absent() -> None:
    request = read_request(body(payload_hash="", source_ip="", service="", action="", resource=""))
    assert request.payload_hash == UNSIGNED_PAYLOAD
    assert (request.service, request.action, request.resource) == (None, None, None)
    request = read_request(body(payload_hash=None, service=None, context=None, resource_policy=None))
    assert (request.payload_hash, request.service, request.resource_policy) == (UNSIGNED_PAYLOAD, None, None)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        # Single values with distinct names: lower-cased at once.
        ({"Host": "a", "X-Amz-Date": "b"}, {"host": "a", "x-amz-date": "b"}),
        # A header sent twice: the pairs as sent.
        ({"Host": "a", "X-Multi": ["1", "2"]}, [("Host", "a"), ("X-Multi", "1"), ("X-Multi", "2")]),
        ([["Host", "a"], ["host", "b"]], [("Host", "a"), ("host", "b")]),
        # Names equal but for case: the pairs as sent, so that both values are signed.
        ({"Host": "a", "HOST": "b"}, [("Host", "a"), ("HOST", "b")]),
        ({"Host": "caf\u00e9"}, {"host": "caf\u00e9"}),  # Latin-1 beyond ASCII
        ({}, {}),
    ],
)
def test_header_forms(headers: Any, expected: Any) -> None:
    assert read_request(body(headers=headers)).headers == expected


def test_utf16_body() -> None:
    assert read_request(json.dumps(BASE).encode("utf-16")).method == "GET"


@pytest.mark.parametrize(
    ("raw", "error", "message"),
    [
        (b"{not json", SerializationException, "The request body is not valid JSON."),
        (b"", SerializationException, "The request body is not valid JSON."),
        (b"\xff\xfe\xfd", SerializationException, "The request body is not valid JSON."),
        (b"[" * 100_000, SerializationException, "The request body is not valid JSON."),
        (b'["GET"]', SerializationException, "The request body must be a JSON object."),
        (b'"GET"', SerializationException, "The request body must be a JSON object."),
        (body(verb="GET"), ValidationException, "Unknown field 'verb'; fields are action, context, headers,"),
        (
            json.dumps({"url": "/", "headers": {}}).encode(),
            ValidationException,
            "method must be a non-empty string.",
        ),
        (body(method=""), ValidationException, "method must be a non-empty string."),
        (body(method=7), ValidationException, "method must be a non-empty string."),
        (body(method="GE T"), ValidationException, "method 'GE T' is not an HTTP method."),
        (body(method="G" * 17), ValidationException, "is not an HTTP method."),
        (body(method="G\u0130"), ValidationException, "is not an HTTP method."),
        (
            json.dumps({"method": "GET", "headers": {}}).encode(),
            ValidationException,
            "url must be a non-empty string.",
        ),
        (body(url=["/"]), ValidationException, "url must be a non-empty string."),
        (body(url="widgets/w-1"), ValidationException, "url is the request's path and query"),
        (body(url="ftp://x/y"), ValidationException, "url is the request's path and query"),
        (body(payload_hash=HASH.upper()), ValidationException, "payload_hash is the body's SHA-256"),
        (body(payload_hash=HASH[:-1]), ValidationException, "payload_hash is the body's SHA-256"),
        (body(payload_hash=HASH + "\n"), ValidationException, "payload_hash is the body's SHA-256"),
        (body(payload_hash=1), ValidationException, "payload_hash must be a string."),
        (body(secure_transport="true"), ValidationException, "secure_transport is true or false."),
        (body(secure_transport=1), ValidationException, "secure_transport is true or false."),
        (body(source_ip=7), ValidationException, "source_ip must be a string."),
        (body(service=False), ValidationException, "service must be a string."),
        (body(action={}), ValidationException, "action must be a string."),
        (body(resource=["arn"]), ValidationException, "resource must be a string."),
        (body(headers="Host: a"), ValidationException, "headers must be an object of names and values"),
        (
            json.dumps({"method": "GET", "url": "/"}).encode(),
            ValidationException,
            "headers must be an object",
        ),
        (body(headers=[["Host"]]), ValidationException, "headers must be an object of names and values"),
        (body(headers={"Host": 7}), ValidationException, "header names and values must be strings."),
        (body(headers={"Host": ["a", 7]}), ValidationException, "header names and values must be strings."),
        (body(headers=[["Host", None]]), ValidationException, "header names and values must be strings."),
        (body(headers={"Host": "\u0100"}), ValidationException, "header 'Host' is not Latin-1 text"),
        (body(headers={"H\u0100": "a"}), ValidationException, "is not Latin-1 text"),
        (body(headers={"Host": ["a", "\u20ac"]}), ValidationException, "header 'Host' is not Latin-1 text"),
        (body(context=["widgets:Color"]), ValidationException, "context must be an object"),
        (
            body(context={"Color": "red"}),
            ValidationException,
            "context key 'Color': pass the service's own keys",
        ),
        (body(context={"AWS:SourceIp": "1.2.3.4"}), ValidationException, "context key 'AWS:SourceIp'"),
        (body(context={"widgets:Color": 1}), ValidationException, "takes a string or a list of strings."),
        (
            body(context={"widgets:Color": ["a", 1]}),
            ValidationException,
            "takes a string or a list of strings.",
        ),
        (body(resource_policy={"Statement": []}), MalformedPolicyDocument, ""),
        (body(resource_policy="{"), MalformedPolicyDocument, ""),
    ],
)
def test_refusals(raw: bytes, error: type[AwsError], message: str) -> None:
    with pytest.raises(error) as caught:
        read_request(raw)
    assert caught.value.message.startswith(message) or message in caught.value.message
