"""OpenID Connect providers through boto3: URL rules, client ids, thumbprints, tags, limits, authorization."""

from __future__ import annotations

from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from credo.errors import ValidationError
from credo.iam.oidc_providers import provider_location
from credo.settings import Settings
from tests.conftest import DEV_ACCOUNT, NO_RETRIES, REGION, Server, allow, error_of

ARN_PREFIX = f"arn:aws:iam::{DEV_ACCOUNT}:oidc-provider/"
THUMB = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
INVALID_URL = ("ValidationError", "Invalid Open ID Connect Provider URL")


def unchecked(server: Server) -> Any:
    """An IAM client that lets through what botocore's own checks would stop."""
    return boto3.client(
        "iam",
        endpoint_url=server.endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name=REGION,
        config=NO_RETRIES.merge(Config(parameter_validation=False)),
    )


def create(iam: Any, url: str = "https://token.example.com", **extra: Any) -> str:
    arn: str = iam.create_open_id_connect_provider(Url=url, **extra)["OpenIDConnectProviderArn"]
    return arn


def test_create_get_list_delete(iam: Any) -> None:
    """The ARN and Url are the URL without its scheme; Get shows the lists as given."""
    arn = create(
        iam,
        "https://idp.example.com/realms/main",
        ClientIDList=["app", "sts.amazonaws.com"],
        ThumbprintList=[THUMB],
    )
    assert arn == ARN_PREFIX + "idp.example.com/realms/main"
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["Url"] == "idp.example.com/realms/main"
    assert got["ClientIDList"] == ["app", "sts.amazonaws.com"]
    assert got["ThumbprintList"] == [THUMB]
    assert got["Tags"] == []
    assert got["CreateDate"].tzinfo is not None
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == [{"Arn": arn}]
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []


def test_client_ids_and_thumbprints_are_optional(iam: Any) -> None:
    """A provider may start with no client ids and no thumbprints (AWS's current model)."""
    arn = create(iam)
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["ClientIDList"] == [] and got["ThumbprintList"] == []


BAD_URLS = [
    "example.org",
    "http://token.example.com",
    "ftp://token.example.com",
    "https://",
    "https://token.example.com?tenant=1",
    "https://token.example.com/#frag",
    "https://user:pw@token.example.com",
    "https://token example.com",
    "https://token.example.com:99999",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_bad_urls(iam: Any, url: str) -> None:
    """URLs that are not https, or carry a query, fragment, user info or spaces, are refused."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        create(iam, url)
    assert error_of(caught) == INVALID_URL


def test_urls_over_255_characters(server: Server) -> None:
    """The model's 255-character bound on Url is a ValidationError."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        unchecked(server).create_open_id_connect_provider(Url="https://" + "a" * 250 + ".com")
    code, message = error_of(caught)
    assert code == "ValidationError" and "length less than or equal to 255" in message


@pytest.mark.parametrize("host", ["127.0.0.1:8443", "localhost:9000", "[::1]:7000"])
def test_dev_mode_allows_http_on_loopback(iam: Any, host: str) -> None:
    """``--dev`` admits http issuers on loopback, so tests can run a real IdP there."""
    arn = create(iam, f"http://{host}/oidc")
    assert arn == f"{ARN_PREFIX}{host}/oidc"
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["Url"] == f"{host}/oidc"


@pytest.mark.parametrize(
    ("url", "allowed", "expected"),
    [
        ("https://idp.example.com", False, ("https", "idp.example.com")),
        ("https://idp.example.com:8443/a/b", False, ("https", "idp.example.com:8443/a/b")),
        ("http://127.0.0.1:5556/dex", True, ("http", "127.0.0.1:5556/dex")),
        ("http://127.0.0.1:5556/dex", False, None),
        ("http://localhost", True, ("http", "localhost")),
        ("http://10.0.0.1", True, None),
        ("http://127.0.0.1.example.com", True, None),
    ],
)
def test_provider_location(url: str, allowed: bool, expected: tuple[str, str] | None) -> None:
    """http is admitted only on loopback hosts and only where settings allow it."""
    if expected is None:
        with pytest.raises(ValidationError):
            provider_location(url, allowed)
    else:
        assert provider_location(url, allowed) == expected


@pytest.mark.parametrize(
    ("environment", "allowed"),
    [({}, False), ({"CREDO_OIDC_LOOPBACK_HTTP": "1"}, True), ({"CREDO_DEV": "true"}, True)],
)
def test_loopback_http_setting(environment: dict[str, str], allowed: bool) -> None:
    """CREDO_OIDC_LOOPBACK_HTTP (or dev mode) turns loopback http issuers on; the default is off."""
    assert Settings.from_environment(environment).allows_loopback_http_issuers is allowed


def test_duplicate_url(iam: Any) -> None:
    """A second provider for the same URL is EntityAlreadyExists in AWS's words."""
    create(iam)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        create(iam)
    assert error_of(caught) == (
        "EntityAlreadyExists",
        "Provider with url https://token.example.com already exists.",
    )


def test_thumbprints(iam: Any, server: Server) -> None:
    """At most five thumbprints of 40 hex digits; Update replaces the whole list."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        create(iam, ThumbprintList=[f"{i:040x}" for i in range(6)])
    assert error_of(caught) == ("InvalidInput", "Thumbprint list must contain fewer than 5 entries.")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        create(iam, ThumbprintList=["z" * 40])
    assert error_of(caught) == ("InvalidInput", f"Thumbprint {'z' * 40} is not valid.")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        unchecked(server).create_open_id_connect_provider(Url="https://t.example.com", ThumbprintList=["ab"])
    assert error_of(caught)[0] == "ValidationError"
    arn = create(iam, ThumbprintList=[THUMB])
    iam.update_open_id_connect_provider_thumbprint(
        OpenIDConnectProviderArn=arn, ThumbprintList=["a" * 40, "b" * 40]
    )
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ThumbprintList"] == [
        "a" * 40,
        "b" * 40,
    ]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.update_open_id_connect_provider_thumbprint(
            OpenIDConnectProviderArn=arn, ThumbprintList=[f"{i:040x}" for i in range(6)]
        )
    assert error_of(caught)[0] == "InvalidInput"


def test_client_ids(iam: Any) -> None:
    """Client ids are added and removed idempotently, a hundred at most."""
    quota = ("LimitExceeded", "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        create(iam, ClientIDList=[str(i) for i in range(101)])
    assert error_of(caught) == quota
    arn = create(iam, ClientIDList=[str(i) for i in range(99)])
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="new")
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="new")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="one-too-many")
    assert error_of(caught) == quota
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="0")
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="never-there")
    listed = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ClientIDList"]
    assert listed == [str(i) for i in range(1, 99)] + ["new"]


def test_at_most_100_per_account(iam: Any) -> None:
    """The 101st OIDC provider of an account is LimitExceeded."""
    for index in range(100):
        create(iam, f"https://idp{index}.example.com")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        create(iam, "https://one-too-many.example.com")
    assert error_of(caught) == (
        "LimitExceeded",
        "Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100",
    )


def test_tags(iam: Any) -> None:
    """Tags given at creation, added, listed and removed."""
    arn = create(iam, Tags=[{"Key": "k1", "Value": "v1"}])
    iam.tag_open_id_connect_provider(OpenIDConnectProviderArn=arn, Tags=[{"Key": "k2", "Value": "v2"}])
    listed = iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn)
    assert listed["Tags"] == [{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}]
    assert not listed["IsTruncated"]
    iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=["k2"])
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["Tags"] == [
        {"Key": "k1", "Value": "v1"}
    ]


MISSING = ARN_PREFIX + "nowhere.example.com"
NOT_FOUND = f"OpenIDConnect Provider not found for arn {MISSING}"


@pytest.mark.parametrize(
    ("call", "extra", "message"),
    [
        ("get_open_id_connect_provider", {}, NOT_FOUND),
        ("update_open_id_connect_provider_thumbprint", {"ThumbprintList": []}, NOT_FOUND),
        ("add_client_id_to_open_id_connect_provider", {"ClientID": "x"}, NOT_FOUND),
        ("remove_client_id_from_open_id_connect_provider", {"ClientID": "x"}, NOT_FOUND),
        ("tag_open_id_connect_provider", {"Tags": [{"Key": "k", "Value": "v"}]}, NOT_FOUND),
        ("untag_open_id_connect_provider", {"TagKeys": ["k"]}, NOT_FOUND),
        ("list_open_id_connect_provider_tags", {}, NOT_FOUND),
        ("delete_open_id_connect_provider", {}, f"OpenId connect Provider {MISSING} cannot be found."),
    ],
)
def test_unknown_provider(iam: Any, call: str, extra: dict[str, Any], message: str) -> None:
    """Operations on a provider that does not exist are NoSuchEntity, worded per operation as AWS does."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(iam, call)(OpenIDConnectProviderArn=MISSING, **extra)
    assert error_of(caught) == ("NoSuchEntity", message)


def test_an_arn_of_another_kind(iam: Any) -> None:
    """An ARN that is not an OIDC provider's is InvalidInput."""
    other = f"arn:aws:iam::{DEV_ACCOUNT}:saml-provider/x"
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.get_open_id_connect_provider(OpenIDConnectProviderArn=other)
    assert error_of(caught) == ("InvalidInput", f"ARN {other} is not valid.")


def test_authorization_names_the_provider(iam: Any, make_user: Any) -> None:
    """Actions are authorized against the provider's ARN, creation against the ARN it would make."""
    arn = create(iam)
    _, client_for = make_user("bob", allow("iam:GetOpenIDConnectProvider", resource=arn))
    bob = client_for("iam")
    assert bob.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["Url"] == "token.example.com"
    user = f"arn:aws:iam::{DEV_ACCOUNT}:user/bob"
    cases = [
        (
            "AddClientIDToOpenIDConnectProvider",
            arn,
            lambda: bob.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="x"),
        ),
        (
            "CreateOpenIDConnectProvider",
            ARN_PREFIX + "new.example.com/x",
            lambda: create(bob, "https://new.example.com/x"),
        ),
    ]
    for action, target, call in cases:
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            call()
        code, message = error_of(caught)
        assert code == "AccessDenied"
        assert message.startswith(
            f"User: {user} is not authorized to perform: iam:{action} on resource: {target}"
        )
