"""AssumeRoleWithSAML with encrypted assertions: pysaml2 encrypts (xmlsec1) to the provider's key.

The provider holds the private key (``AddPrivateKey``); credo decrypts with libxmlsec1 and then
verifies as for a plain assertion. Algorithms outside AWS's (AES-GCM, AES-CBC; RSA-OAEP), other
keys, tampering, decrypted DTDs and ``AssertionEncryptionMode`` Required are refused with
InvalidIdentityToken, never a 500.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import botocore.exceptions
import pytest
import saml2.entity
import xmlsec
from cryptography.hazmat.primitives import serialization
from lxml import etree
from saml2.sigver import pre_encryption_part

from tests.conftest import DEV_ACCOUNT, Server, error_of
from tests.saml_idp import AWS_SIGNIN, SamlIdP, aws_attributes
from tests.saml_support import certificate, key_pem, rsa_key
from tests.sts.test_assume_role_with_saml import PROVIDER, PROVIDER_NAME, saml_trust
from tests.sts.test_unsigned_federation import unsigned_client

ROLE = f"arn:aws:iam::{DEV_ACCOUNT}:role/Encrypted"
XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
SP_KEY = rsa_key(11)
OTHER_KEY = rsa_key(12)


def cert_pem(key: Any) -> str:
    return certificate(key, "credo-sp").public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> SamlIdP:
    return SamlIdP(tmp_path_factory.mktemp("idp"))


# xmlsec1's --session-key for each content algorithm.
SESSION_KEYS = {"aes128": "aes-128", "aes192": "aes-192", "aes256": "aes-256", "tripledes": "des-192"}


@contextmanager
def idp_algorithms(idp: SamlIdP, content: str, key_transport: str) -> Iterator[None]:
    """pysaml2 encrypts with 3DES by default and takes no option: choose its algorithms."""
    session_key = SESSION_KEYS[content.rsplit("#", 1)[1].split("-", 1)[0]]
    security = idp.server.sec
    encrypt = functools.partial(security.encrypt_assertion, key_type=session_key)
    with (
        mock.patch.object(
            saml2.entity,
            "pre_encryption_part",
            functools.partial(pre_encryption_part, msg_enc=content, key_enc=key_transport),
        ),
        mock.patch.object(security, "encrypt_assertion", encrypt),
    ):
        yield


def encrypted_response(
    idp: SamlIdP,
    to_key: Any = SP_KEY,
    content: str = XENC11 + "aes256-gcm",
    key_transport: str = XENC + "rsa-oaep-mgf1p",
    **kwargs: Any,
) -> str:
    options: dict[str, Any] = {"sign_response": False, "sign_assertion": True, **kwargs}
    with idp_algorithms(idp, content, key_transport):
        return idp.response_xml(
            recipient=AWS_SIGNIN,
            attributes=aws_attributes(ROLE, PROVIDER),
            encrypt_assertion=True,
            encrypt_cert_assertion=cert_pem(to_key),
            encrypt_assertion_self_contained=True,
            **options,
        )


def register(iam: Any, idp: SamlIdP, *keys: Any, mode: str = "Allowed") -> None:
    extra: dict[str, Any] = {"AssertionEncryptionMode": mode}
    if keys:
        extra["AddPrivateKey"] = key_pem(keys[0])
    arn = iam.create_saml_provider(Name=PROVIDER_NAME, SAMLMetadataDocument=idp.metadata(), **extra)[
        "SAMLProviderArn"
    ]
    for key in keys[1:]:
        iam.update_saml_provider(SAMLProviderArn=arn, AddPrivateKey=key_pem(key))
    condition = {"StringEquals": {"SAML:aud": AWS_SIGNIN}}
    iam.create_role(RoleName="Encrypted", AssumeRolePolicyDocument=saml_trust(condition))


def assume(server: Server, xml: str) -> dict[str, Any]:
    sts = unsigned_client(server, "sts")
    encoded = base64.b64encode(xml.encode()).decode()
    answer: dict[str, Any] = sts.assume_role_with_saml(
        RoleArn=ROLE, PrincipalArn=PROVIDER, SAMLAssertion=encoded
    )
    return answer


def refused(server: Server, xml: str) -> tuple[str, str]:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        assume(server, xml)
    return error_of(caught)


SESSION = f"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/Encrypted/alice"


@pytest.mark.parametrize(
    "content",
    [XENC + "aes128-cbc", XENC + "aes256-cbc", XENC11 + "aes128-gcm", XENC11 + "aes256-gcm"],
)
def test_encrypted_assertions_are_decrypted(server: Server, iam: Any, idp: SamlIdP, content: str) -> None:
    register(iam, idp, SP_KEY)
    xml = encrypted_response(idp, content=content)
    assert "EncryptedAssertion" in xml and ">alice<" not in xml
    assert assume(server, xml)["AssumedRoleUser"]["Arn"] == SESSION


def test_signed_response_around_an_unsigned_encrypted_assertion(
    server: Server, iam: Any, idp: SamlIdP
) -> None:
    """The Response's signature covers the ciphertext, so the plaintext needs no signature of its own."""
    register(iam, idp, SP_KEY, mode="Required")
    xml = encrypted_response(idp, sign_response=True, sign_assertion=False)
    assert assume(server, xml)["AssumedRoleUser"]["Arn"] == SESSION


def test_either_of_two_keys_decrypts_for_rotation(server: Server, iam: Any, idp: SamlIdP) -> None:
    register(iam, idp, OTHER_KEY, SP_KEY)
    assert assume(server, encrypted_response(idp, to_key=SP_KEY))["AssumedRoleUser"]["Arn"] == SESSION
    assert assume(server, encrypted_response(idp, to_key=OTHER_KEY))["AssumedRoleUser"]["Arn"] == SESSION


def test_required_mode_refuses_a_plain_assertion(server: Server, iam: Any, idp: SamlIdP) -> None:
    register(iam, idp, SP_KEY, mode="Required")
    plain = idp.response_xml(recipient=AWS_SIGNIN, attributes=aws_attributes(ROLE, PROVIDER))
    assert refused(server, plain) == ("InvalidIdentityToken", "Invalid SAML response")


@pytest.mark.parametrize(
    ("keys", "to_key"),
    [((), SP_KEY), ((SP_KEY,), OTHER_KEY)],
    ids=["provider-without-key", "encrypted-to-another-key"],
)
def test_assertions_the_provider_cannot_decrypt(
    server: Server, iam: Any, idp: SamlIdP, keys: tuple[Any, ...], to_key: Any
) -> None:
    register(iam, idp, *keys)
    assert refused(server, encrypted_response(idp, to_key=to_key)) == (
        "InvalidIdentityToken",
        "Invalid SAML response",
    )


@pytest.mark.parametrize(
    ("content", "key_transport"),
    [(XENC + "tripledes-cbc", XENC + "rsa-oaep-mgf1p"), (XENC + "aes256-cbc", XENC + "rsa-1_5")],
    ids=["3des", "rsa-pkcs1-v1.5"],
)
def test_algorithms_outside_aws_are_refused(
    server: Server, iam: Any, idp: SamlIdP, content: str, key_transport: str
) -> None:
    register(iam, idp, SP_KEY)
    xml = encrypted_response(idp, content=content, key_transport=key_transport)
    assert refused(server, xml) == ("InvalidIdentityToken", "Invalid SAML response")


def test_tampered_ciphertext_is_refused(server: Server, iam: Any, idp: SamlIdP) -> None:
    register(iam, idp, SP_KEY)
    xml = encrypted_response(idp, content=XENC + "aes256-cbc")
    values = list(re.finditer(r"<ns0:CipherValue>([^<]+)</ns0:CipherValue>", xml))
    content_value = values[-1]  # the EncryptedData's, after the EncryptedKey's
    data = bytearray(base64.b64decode(content_value.group(1)))
    data[len(data) // 2] ^= 0x01
    tampered = base64.b64encode(bytes(data)).decode()
    xml = xml[: content_value.start(1)] + tampered + xml[content_value.end(1) :]
    assert refused(server, xml) == ("InvalidIdentityToken", "Invalid SAML response")


def _encrypted_to_sp(plaintext: bytes) -> str:
    """A Response whose EncryptedAssertion holds ``plaintext``, encrypted with python-xmlsec."""
    response = etree.fromstring(
        b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        b'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="r1" Version="2.0" '
        b'IssueInstant="2026-01-01T00:00:00Z"><samlp:Status><samlp:StatusCode '
        b'Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
        b"<saml:EncryptedAssertion/></samlp:Response>"
    )
    holder = response[1]
    template = xmlsec.template.encrypted_data_create(
        holder, xmlsec.constants.TransformAes128Cbc, type=xmlsec.constants.TypeEncElement, ns="xenc"
    )
    xmlsec.template.encrypted_data_ensure_cipher_value(template)
    key_info = xmlsec.template.encrypted_data_ensure_key_info(template, ns="dsig")
    encrypted_key = xmlsec.template.add_encrypted_key(key_info, xmlsec.constants.TransformRsaOaep)
    xmlsec.template.encrypted_data_ensure_cipher_value(encrypted_key)
    holder.append(template)
    manager = xmlsec.KeysManager()
    manager.add_key(xmlsec.Key.from_memory(cert_pem(SP_KEY).encode(), xmlsec.constants.KeyDataFormatCertPem))
    context = xmlsec.EncryptionContext(manager)
    context.key = xmlsec.Key.generate(xmlsec.constants.KeyDataAes, 128, xmlsec.constants.KeyDataTypeSession)
    context.encrypt_binary(template, plaintext)
    return etree.tostring(response).decode()


@pytest.mark.parametrize(
    "plaintext",
    [
        b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">&x;</saml:Assertion>',
        b"<saml:Assertion xmlns:saml='urn:oasis:names:tc:SAML:2.0:assertion'>",
        b'<foo xmlns="urn:example"/>',
    ],
    ids=["xxe-inside", "not-xml", "not-an-assertion"],
)
def test_hostile_plaintexts_are_refused(server: Server, iam: Any, idp: SamlIdP, plaintext: bytes) -> None:
    """Anyone with the public certificate can encrypt: the plaintext is parsed as untrusted."""
    register(iam, idp, SP_KEY)
    assert refused(server, _encrypted_to_sp(plaintext)) == ("InvalidIdentityToken", "Invalid SAML response")
