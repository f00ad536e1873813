"""AssumeRoleWithSAML and AssumeRoleWithWebIdentity arrive unsigned, as botocore sends them.

Exactly these two STS actions pass the Query endpoint without a signature; every other
unsigned request is still MissingAuthenticationToken.
"""

from __future__ import annotations

import base64
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from tests.conftest import DEV_ACCOUNT, NO_RETRIES, REGION, Server, error_of
from tests.server.test_query_api import raw_call

ROLE = f"arn:aws:iam::{DEV_ACCOUNT}:role/Federated"
SAML_PROVIDER = f"arn:aws:iam::{DEV_ACCOUNT}:saml-provider/Okta"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
ASSERTION = base64.b64encode(b"<samlp:Response/>" * 10).decode()


def unsigned_client(server: Server, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=server.endpoint,
        region_name=REGION,
        config=NO_RETRIES.merge(Config(signature_version=UNSIGNED)),
    )


def federation_calls(sts: Any) -> list[tuple[str, Any]]:
    return [
        (
            "AssumeRoleWithWebIdentity",
            lambda: sts.assume_role_with_web_identity(
                RoleArn=ROLE, RoleSessionName="ci", WebIdentityToken=TOKEN
            ),
        ),
        (
            "AssumeRoleWithSAML",
            lambda: sts.assume_role_with_saml(
                RoleArn=ROLE, PrincipalArn=SAML_PROVIDER, SAMLAssertion=ASSERTION
            ),
        ),
    ]


def headers_sent(sts: Any) -> list[dict[str, str]]:
    """Record the headers of every request the client sends."""
    seen: list[dict[str, str]] = []
    sts.meta.events.register("before-send", lambda request, **_: seen.append(dict(request.headers)))
    return seen


# What each action answers to the placeholder token or assertion above, once it reaches STS.
EXPECTED_REFUSAL = {
    "AssumeRoleWithWebIdentity": ("InvalidIdentityToken", "Missing a required claim: iss"),
    "AssumeRoleWithSAML": ("InvalidIdentityToken", "Specified provider doesn't exist"),
}


@pytest.mark.parametrize("credentials", [False, True], ids=["no credentials", "with credentials"])
def test_the_two_actions_reach_sts_unsigned(server: Server, credentials: bool) -> None:
    """botocore sends both unsigned (even holding keys); they reach STS, not MissingAuthenticationToken."""
    sts = server.client("sts") if credentials else unsigned_client(server, "sts")
    seen = headers_sent(sts)
    for action, call in federation_calls(sts):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            call()
        assert error_of(caught) == EXPECTED_REFUSAL[action]
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert seen and all("Authorization" not in headers for headers in seen)
    assert "Traceback" not in server.log()


@pytest.mark.parametrize(
    ("service", "call"),
    [
        ("sts", lambda client: client.get_caller_identity()),
        ("sts", lambda client: client.assume_role(RoleArn=ROLE, RoleSessionName="xy")),
        ("iam", lambda client: client.list_users()),
        ("iam", lambda client: client.list_saml_providers()),
    ],
    ids=["GetCallerIdentity", "AssumeRole", "ListUsers", "ListSAMLProviders"],
)
def test_other_actions_still_need_a_signature(server: Server, service: str, call: Any) -> None:
    """Any other action sent unsigned is MissingAuthenticationToken."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(unsigned_client(server, service))
    assert error_of(caught)[0] == "MissingAuthenticationToken"


@pytest.mark.parametrize(
    "body",
    [
        "Action=AssumeRoleWithWebIdentity&Version=2010-05-08&RoleArn=x&RoleSessionName=y&WebIdentityToken=z",
        "Action=AssumeRoleWithWebIdentity&RoleArn=x&RoleSessionName=y&WebIdentityToken=z",
        "Action=AssumeRoleWithSAML&Version=2011-06-16",
        "Action=assumerolewithsaml&Version=2011-06-15",
    ],
    ids=["IAM's version", "no version", "another version", "another spelling"],
)
def test_routing_needs_the_action_and_stss_version(server: Server, body: str) -> None:
    """Only the exact action under Version=2011-06-15 is let through unsigned."""
    status, text, _ = raw_call(server, body, sign=False)
    assert status == 403
    assert "<Code>MissingAuthenticationToken</Code>" in text


def test_a_token_nested_too_deep_is_not_a_jwt(server: Server) -> None:
    """A token whose header is JSON nested deeper than Python's recursion limit is refused as
    any other malformed token (InvalidIdentityToken, 400), not answered with a failure."""
    header = base64.urlsafe_b64encode(b"[" * 3_000 + b"]" * 3_000).decode().rstrip("=")
    sts = unsigned_client(server, "sts")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sts.assume_role_with_web_identity(
            RoleArn=ROLE, RoleSessionName="ci", WebIdentityToken=f"{header}.e30.c2ln"
        )
    assert error_of(caught)[0] == "InvalidIdentityToken"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
