"""SAML providers through boto3: metadata checks, sealed private keys, tags, limits, authorization."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config
from sqlalchemy import create_engine, select

from credo.store.db import normalize_url
from credo.store.schema import saml_provider_keys
from tests.conftest import DEV_ACCOUNT, NO_RETRIES, REGION, Server, allow, error_of
from tests.saml_support import (
    certificate,
    certificate_base64,
    key_descriptor,
    key_pem,
    metadata,
    rsa_key,
)

ARN_PREFIX = f"arn:aws:iam::{DEV_ACCOUNT}:saml-provider/"
UNPARSABLE = ("InvalidInput", "Could not parse metadata")


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


def create(iam: Any, name: str = "Okta", **extra: Any) -> str:
    arn: str = iam.create_saml_provider(Name=name, SAMLMetadataDocument=metadata(), **extra)[
        "SAMLProviderArn"
    ]
    return arn


def test_create_get_list_delete(iam: Any) -> None:
    """Create names the provider's ARN; Get shows AWS's fields with defaults; List and Delete follow."""
    arn = create(iam)
    assert arn == ARN_PREFIX + "Okta"
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["SAMLMetadataDocument"] == metadata()
    assert re.fullmatch(r"[A-Z0-9]{22,64}", got["SAMLProviderUUID"])
    assert got["AssertionEncryptionMode"] == "Allowed"
    assert got["PrivateKeyList"] == []
    assert got["Tags"] == []
    # No validUntil in the metadata: AWS shows a hundred years from creation.
    assert got["ValidUntil"].year - got["CreateDate"].year == 100
    listed = iam.list_saml_providers()["SAMLProviderList"]
    assert [(p["Arn"], p["ValidUntil"], p["CreateDate"]) for p in listed] == [
        (arn, got["ValidUntil"], got["CreateDate"])
    ]
    iam.delete_saml_provider(SAMLProviderArn=arn)
    assert iam.list_saml_providers()["SAMLProviderList"] == []


def test_valid_until_comes_from_the_metadata(iam: Any) -> None:
    """The metadata's validUntil is the provider's ValidUntil."""
    document = metadata(valid_until="2035-06-30T12:00:00Z")
    arn = iam.create_saml_provider(Name="Until", SAMLMetadataDocument=document)["SAMLProviderArn"]
    assert iam.get_saml_provider(SAMLProviderArn=arn)["ValidUntil"] == datetime(2035, 6, 30, 12, tzinfo=UTC)


def test_a_key_without_use_signs(iam: Any) -> None:
    """A KeyDescriptor without ``use`` holds a signing key; encryption-only keys come alongside."""
    signing = key_descriptor(certificate_base64(certificate(rsa_key(0))), use=None)
    encryption = key_descriptor(certificate_base64(certificate(rsa_key(1))), use="encryption")
    iam.create_saml_provider(Name="NoUse", SAMLMetadataDocument=metadata(keys=encryption + signing))


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + ']><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&lol9;"/>'
)
XXE = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + metadata(
    entity_id="&xxe;"
)


def _bad_certificate(text: str) -> str:
    return metadata(keys=key_descriptor(text))


BAD_DOCUMENTS = {
    "not XML": "this is not XML " * 80,
    "not well-formed": metadata().replace("</md:EntityDescriptor>", ""),
    "billion laughs": BILLION_LAUGHS + " " * 1000,
    "external entity": XXE,
    "DOCTYPE alone": '<!DOCTYPE md:EntityDescriptor SYSTEM "http://127.0.0.1:9/x.dtd">' + metadata(),
    "another root": metadata().replace("EntityDescriptor", "EntitiesDescriptor"),
    "no entity id": metadata(entity_id=""),
    "no IDPSSODescriptor": metadata().replace("IDPSSODescriptor", "SPSSODescriptor"),
    "not SAML 2.0": metadata().replace("urn:oasis:names:tc:SAML:2.0:protocol", "urn:mace:shibboleth:1.0"),
    "no signing certificate": metadata(
        keys=key_descriptor(certificate_base64(certificate(rsa_key(0))), use="encryption")
    ),
    "certificate not base64": _bad_certificate("not base64 at all!" * 40),
    "certificate not X.509": _bad_certificate("QUJD" * 300),
    "validUntil not a date": metadata(valid_until="next tuesday"),
    "validUntil passed": metadata(valid_until="2001-01-01T00:00:00Z"),
}


@pytest.mark.parametrize("name", list(BAD_DOCUMENTS))
def test_bad_metadata_is_refused(iam: Any, name: str) -> None:
    """Metadata that cannot be used is InvalidInput with AWS's message and credo's reason."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.create_saml_provider(Name="Bad", SAMLMetadataDocument=BAD_DOCUMENTS[name])
    assert error_of(caught) == UNPARSABLE
    assert caught.value.response["Error"]["Detail"]
    assert iam.list_saml_providers()["SAMLProviderList"] == []


@pytest.mark.parametrize("name", ["billion laughs", "external entity", "DOCTYPE alone"])
def test_entities_are_refused_before_parsing(iam: Any, name: str) -> None:
    """A DOCTYPE is refused outright: nothing is expanded, no file or URL is read."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.create_saml_provider(Name="Bad", SAMLMetadataDocument=BAD_DOCUMENTS[name])
    assert "DOCTYPE" in caught.value.response["Error"]["Detail"]
    assert "root:" not in str(caught.value.response)


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"Name": "Short", "SAMLMetadataDocument": "<a/>"}, "length greater than or equal to 1000"),
        ({"Name": "bad name", "SAMLMetadataDocument": metadata()}, "regular expression pattern"),
        ({"Name": "N" * 129, "SAMLMetadataDocument": metadata()}, "length less than or equal to 128"),
        (
            {"Name": "Mode", "SAMLMetadataDocument": metadata(), "AssertionEncryptionMode": "Sometimes"},
            "enum value set",
        ),
    ],
)
def test_model_constraints(server: Server, params: dict[str, Any], problem: str) -> None:
    """Sizes, the name pattern and the mode enum are checked as AWS's model states them."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        unchecked(server).create_saml_provider(**params)
    code, message = error_of(caught)
    assert code == "ValidationError"
    assert problem in message


def test_duplicate_names_ignore_case(iam: Any) -> None:
    """A second provider of the same name (in any case) is EntityAlreadyExists."""
    create(iam, "Okta")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        create(iam, "OKTA")
    assert error_of(caught) == ("EntityAlreadyExists", "Provider with name OKTA already exists.")


def test_at_most_100_per_account(iam: Any) -> None:
    """The 101st SAML provider of an account is LimitExceeded."""
    for index in range(100):
        create(iam, f"p{index}")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        create(iam, "one-too-many")
    assert error_of(caught) == ("LimitExceeded", "Cannot exceed quota for SAMLProvidersPerAccount: 100")


def sealed_keys(server: Server) -> list[bytes]:
    engine = create_engine(normalize_url(server.extra["database_url"]))
    try:
        with engine.connect() as conn:
            return [bytes(blob) for blob in conn.execute(select(saml_provider_keys.c.key_sealed)).scalars()]
    finally:
        engine.dispose()


def test_private_keys_are_sealed_and_never_shown(iam: Any, server: Server) -> None:
    """AddPrivateKey is kept sealed; Get lists only key ids and dates."""
    pem = key_pem(rsa_key(2))
    arn = create(iam, AddPrivateKey=pem, AssertionEncryptionMode="Required")
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["AssertionEncryptionMode"] == "Required"
    [entry] = got["PrivateKeyList"]
    assert set(entry) == {"KeyId", "Timestamp"}
    assert re.fullmatch(r"[A-Z0-9]{22,64}", entry["KeyId"])
    body = pem.splitlines()[1]
    assert body not in str(got)
    [blob] = sealed_keys(server)
    assert body.encode() not in blob and b"PRIVATE KEY" not in blob


def test_update_keys_and_mode(iam: Any) -> None:
    """Keys are added and removed (two at most); Required needs a key; unknown ids are NoSuchEntity."""
    arn = create(iam)
    iam.update_saml_provider(SAMLProviderArn=arn, AddPrivateKey=key_pem(rsa_key(2)))
    iam.update_saml_provider(SAMLProviderArn=arn, AddPrivateKey=key_pem(rsa_key(3)))
    first, second = (k["KeyId"] for k in iam.get_saml_provider(SAMLProviderArn=arn)["PrivateKeyList"])
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.update_saml_provider(SAMLProviderArn=arn, AddPrivateKey=key_pem(rsa_key(4)))
    assert error_of(caught) == ("LimitExceeded", "Cannot exceed quota for PrivateKeysPerSAMLProvider: 2")
    # Rotation: one removed and one added in the same call stays within two.
    iam.update_saml_provider(SAMLProviderArn=arn, RemovePrivateKey=first, AddPrivateKey=key_pem(rsa_key(4)))
    keys = [k["KeyId"] for k in iam.get_saml_provider(SAMLProviderArn=arn)["PrivateKeyList"]]
    assert second in keys and first not in keys and len(keys) == 2
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.update_saml_provider(SAMLProviderArn=arn, RemovePrivateKey=first)
    assert error_of(caught) == ("NoSuchEntity", f"The private key {first} does not exist.")
    for key_id in keys:
        iam.update_saml_provider(SAMLProviderArn=arn, RemovePrivateKey=key_id)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.update_saml_provider(SAMLProviderArn=arn, AssertionEncryptionMode="Required")
    assert error_of(caught)[0] == "InvalidInput"
    assert iam.get_saml_provider(SAMLProviderArn=arn)["AssertionEncryptionMode"] == "Allowed"


@pytest.mark.parametrize(
    "pem",
    [
        "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----",
        key_pem(rsa_key(5, bits=1024)),
    ],
    ids=["not a key", "RSA 1024"],
)
def test_unusable_private_keys(iam: Any, pem: str) -> None:
    """A private key that does not parse, or is too weak to decrypt with, is InvalidInput."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        create(iam, AddPrivateKey=pem)
    assert error_of(caught) == ("InvalidInput", "The private key is not valid.")


def test_update_metadata(iam: Any) -> None:
    """New metadata replaces the old and its validUntil; bad metadata leaves the provider as it was."""
    arn = create(iam)
    document = metadata(entity_id="https://idp2.example.com", valid_until="2040-01-01T00:00:00Z")
    assert (
        iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument=document)["SAMLProviderArn"] == arn
    )
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["SAMLMetadataDocument"] == document
    assert got["ValidUntil"] == datetime(2040, 1, 1, tzinfo=UTC)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument=BAD_DOCUMENTS["external entity"])
    assert error_of(caught) == UNPARSABLE
    assert iam.get_saml_provider(SAMLProviderArn=arn)["SAMLMetadataDocument"] == document


def test_tags(iam: Any) -> None:
    """Tags given at creation, added, listed (paged) and removed, under IAM's tag rules."""
    arn = create(iam, Tags=[{"Key": "team", "Value": "id"}])
    iam.tag_saml_provider(SAMLProviderArn=arn, Tags=[{"Key": "env", "Value": "prod"}])
    first = iam.list_saml_provider_tags(SAMLProviderArn=arn, MaxItems=1)
    assert first["Tags"] == [{"Key": "team", "Value": "id"}] and first["IsTruncated"]
    rest = iam.list_saml_provider_tags(SAMLProviderArn=arn, Marker=first["Marker"])
    assert rest["Tags"] == [{"Key": "env", "Value": "prod"}]
    iam.untag_saml_provider(SAMLProviderArn=arn, TagKeys=["TEAM"])
    assert iam.get_saml_provider(SAMLProviderArn=arn)["Tags"] == [{"Key": "env", "Value": "prod"}]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.tag_saml_provider(SAMLProviderArn=arn, Tags=[{"Key": "aws:x", "Value": "y"}])
    assert error_of(caught)[0] == "InvalidInput"


MISSING = ARN_PREFIX + "Nobody"


@pytest.mark.parametrize(
    ("call", "extra"),
    [
        ("get_saml_provider", {}),
        ("delete_saml_provider", {}),
        ("update_saml_provider", {"AssertionEncryptionMode": "Allowed"}),
        ("tag_saml_provider", {"Tags": [{"Key": "k", "Value": "v"}]}),
        ("untag_saml_provider", {"TagKeys": ["k"]}),
        ("list_saml_provider_tags", {}),
    ],
)
def test_unknown_provider(iam: Any, call: str, extra: dict[str, Any]) -> None:
    """Every operation on a provider that does not exist is NoSuchEntity in AWS's words."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(iam, call)(SAMLProviderArn=MISSING, **extra)
    assert error_of(caught) == ("NoSuchEntity", f"Manifest not found for arn {MISSING}")


@pytest.mark.parametrize(
    "arn",
    ["arn:aws:iam::123456789012:role/Okta", "not-an-arn-at-all, really", "arn:aws:s3:::saml-provider/x"],
)
def test_arns_that_name_no_provider(iam: Any, arn: str) -> None:
    """An ARN that is not a SAML provider's is InvalidInput."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.get_saml_provider(SAMLProviderArn=arn)
    assert error_of(caught) == ("InvalidInput", f"ARN {arn} is not valid.")


def test_another_accounts_provider_is_not_found(iam: Any) -> None:
    """A provider ARN of another account names nothing here."""
    create(iam)
    other = "arn:aws:iam::210987654321:saml-provider/Okta"
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.get_saml_provider(SAMLProviderArn=other)
    assert error_of(caught) == ("NoSuchEntity", f"Manifest not found for arn {other}")


def test_authorization_names_the_provider(iam: Any, make_user: Any) -> None:
    """Each action is authorized against the provider's ARN; listing against ``*``."""
    arn = create(iam)
    other = create(iam, "Other")
    _, client_for = make_user("alice", allow("iam:GetSAMLProvider", "iam:CreateSAMLProvider", resource=arn))
    alice = client_for("iam")
    assert alice.get_saml_provider(SAMLProviderArn=arn)["AssertionEncryptionMode"] == "Allowed"
    user_arn = f"arn:aws:iam::{DEV_ACCOUNT}:user/alice"
    for action, call in [
        ("GetSAMLProvider", lambda: alice.get_saml_provider(SAMLProviderArn=other)),
        ("DeleteSAMLProvider", lambda: alice.delete_saml_provider(SAMLProviderArn=arn)),
        (
            "CreateSAMLProvider",
            lambda: alice.create_saml_provider(Name="Other", SAMLMetadataDocument=metadata()),
        ),
    ]:
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            call()
        code, message = error_of(caught)
        assert code == "AccessDenied"
        target = arn if action == "DeleteSAMLProvider" else other
        assert message.startswith(
            f"User: {user_arn} is not authorized to perform: iam:{action} on resource: {target}"
        )
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        alice.list_saml_providers()
    assert error_of(caught)[0] == "AccessDenied"


def test_account_summary_counts_providers(iam: Any) -> None:
    """GetAccountSummary's Providers counts SAML and OIDC providers."""
    create(iam)
    iam.create_open_id_connect_provider(Url="https://token.example.com", ClientIDList=["sts.amazonaws.com"])
    assert iam.get_account_summary()["SummaryMap"]["Providers"] == 2


def test_private_key_body_never_logged(iam: Any, server: Server) -> None:
    """The server's log holds no part of a private key it was given."""
    pem = key_pem(rsa_key(3))
    create(iam, "Logged", AddPrivateKey=pem)
    assert pem.splitlines()[1] not in server.log()
