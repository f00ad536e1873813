"""The JSON 1.1 endpoint over real HTTP: targets, content types, signatures, bodies and errors —
every failure an AWS JSON error, never a 500."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.conftest import NO_RETRIES, Server
from tests.sso.conftest import Instance, json_call

LIST_INSTANCES = "SWBExternalService.ListInstances"


def test_list_instances_answers_json(server: Server, instance: Instance) -> None:
    """A signed POST with X-Amz-Target answers JSON with AWS's content type and request id."""
    status, body, headers = json_call(server, LIST_INSTANCES, "{}")
    lowered = {key.lower(): value for key, value in headers.items()}
    assert status == 200
    assert lowered["content-type"] == "application/x-amz-json-1.1"
    assert lowered["x-amzn-requestid"]
    assert body["Instances"][0]["InstanceArn"] == instance.arn
    assert isinstance(body["Instances"][0]["CreatedDate"], float)


@pytest.mark.parametrize(
    ("target", "body", "kwargs", "status", "code"),
    [
        ("SWBExternalService.NoSuchThing", "{}", {}, 400, "UnknownOperationException"),
        ("SWBExternalService.CreateApplication", "{}", {}, 400, "UnknownOperationException"),
        (
            LIST_INSTANCES,
            "{}",
            {"content_type": "application/x-www-form-urlencoded"},
            400,
            "UnknownOperationException",
        ),
        (LIST_INSTANCES, "{}", {"content_type": ""}, 400, "UnknownOperationException"),
        (LIST_INSTANCES, "{", {}, 400, "SerializationException"),
        (LIST_INSTANCES, "[]", {}, 400, "SerializationException"),
        (LIST_INSTANCES, "null", {}, 400, "SerializationException"),
        (LIST_INSTANCES, b"\xff\xfe\x00", {}, 400, "SerializationException"),
        (LIST_INSTANCES, '{"MaxResults": NaN}', {}, 400, "SerializationException"),
        (LIST_INSTANCES, "[" * 100_000 + "]" * 100_000, {}, 400, "SerializationException"),
        (LIST_INSTANCES, '{"MaxResults": "5"}', {}, 400, "SerializationException"),
        (LIST_INSTANCES, '{"MaxResults": true}', {}, 400, "SerializationException"),
        (LIST_INSTANCES, '{"MaxResults": 1' + "0" * 5000 + "}", {}, 400, "SerializationException"),
        (LIST_INSTANCES, '{"MaxResults": 1000}', {}, 400, "ValidationException"),
        (LIST_INSTANCES, "{}", {"sign": False}, 403, "MissingAuthenticationTokenException"),
        (LIST_INSTANCES, "{}", {"service": "identitystore"}, 403, "InvalidSignatureException"),
        (LIST_INSTANCES, "{}", {"method": "PUT"}, 405, "MethodNotAllowed"),
        ("AWSIdentityStore.ListUsers", "{}", {"service": "identitystore"}, 400, "ValidationException"),
        (
            "AWSIdentityStore.ListUsers",
            '{"IdentityStoreId": 7}',
            {"service": "identitystore"},
            400,
            "SerializationException",
        ),
    ],
)
def test_bad_requests_are_json_errors(
    server: Server, target: str, body: str | bytes, kwargs: dict[str, Any], status: int, code: str
) -> None:
    """Unknown targets, wrong content types, bad JSON, wrong types, missing signatures and bad values
    are JSON errors with AWS's codes and a message, never a 500."""
    answered, error, _headers = json_call(server, target, body, **kwargs)
    assert (answered, error["__type"]) == (status, code)
    assert error["Message"]


def test_validation_message_is_awss(server: Server) -> None:
    """Constraint violations are listed as AWS's validator words them, camel-cased paths included."""
    body = json.dumps(
        {"InstanceArn": "arn:aws:sso:::instance/nope", "Name": "has space", "SessionDuration": "1h"}
    )
    status, error, _headers = json_call(server, "SWBExternalService.CreatePermissionSet", body)
    assert status == 400
    assert error["__type"] == "ValidationException"
    assert error["Message"].startswith("3 validation errors detected: ")
    assert (
        "Value 'has space' at 'name' failed to satisfy constraint: Member must satisfy regular expression"
        in (error["Message"])
    )
    assert "at 'instanceArn' failed to satisfy constraint" in error["Message"]


def test_sensitive_values_are_never_quoted(server: Server, instance: Instance) -> None:
    """A user name breaking the model's rules (the identity store marks it sensitive) is not echoed."""
    body = json.dumps({"IdentityStoreId": instance.identity_store_id, "UserName": "secret name"})
    status, error, _headers = json_call(server, "AWSIdentityStore.CreateUser", body, service="identitystore")
    assert (status, error["__type"]) == (400, "ValidationException")
    assert "Value at 'userName' failed to satisfy constraint" in error["Message"]
    assert "secret name" not in json.dumps(error)


@pytest.mark.parametrize("text", ["a\x00b", "a\ud800b"])
def test_unstorable_strings_are_refused(server: Server, instance: Instance, text: str) -> None:
    """NUL and lone surrogates (which PostgreSQL cannot store) are ValidationException, not a 500."""
    body = json.dumps({"IdentityStoreId": instance.identity_store_id, "DisplayName": text})
    status, error, _headers = json_call(server, "AWSIdentityStore.CreateGroup", body, service="identitystore")
    assert (status, error["__type"]) == (400, "ValidationException")


def test_oversized_body_is_refused(server: Server) -> None:
    """A body over 1 MiB is refused before it is read further."""
    body = '{"NextToken": "' + "a" * (1024 * 1024) + '"}'
    status, error, _headers = json_call(server, LIST_INSTANCES, body)
    assert (status, error["__type"]) == (400, "ValidationException")


def test_client_side_validation_off_still_gets_aws_errors(server: Server) -> None:
    """boto3 without its own checks gets the server's ValidationException through botocore's parser."""
    client = boto3.client(
        "sso-admin",
        endpoint_url=server.endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
        config=NO_RETRIES.merge(Config(parameter_validation=False)),
    )
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.list_permission_sets(InstanceArn="nope")
    assert "at 'instanceArn' failed to satisfy constraint" in caught.value.response["Error"]["Message"]


@pytest.mark.parametrize(
    "target", ["DynamoDB_20120810.ListTables", "AWSIdentityManagementV20100508.ListUsers", ""]
)
def test_other_targets_stay_with_the_query_endpoint(server: Server, target: str) -> None:
    """Only the JSON services' targets reach the JSON endpoint; IAM and STS speak Query, whose
    endpoint answers any other target in XML (no Action in a JSON body)."""
    request = urllib.request.Request(
        server.endpoint + "/",
        data=b"{}",
        method="POST",
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=30)
    with caught.value as error:
        assert "<Code>MissingAuthenticationToken</Code>" in error.read().decode()


def test_query_protocol_still_answers_iam(server: Server) -> None:
    """Requests without X-Amz-Target still reach the Query endpoint."""
    assert server.client("sts").get_caller_identity()["Account"] == "123456789012"
