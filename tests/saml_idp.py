"""A real SAML identity provider for tests: pysaml2's IdP ``Server``, in-process.

pysaml2 signs with xmlsec1 (``/usr/bin/xmlsec1``), so the responses credo verifies come from an
independent implementation, not from credo's own code. Its key and certificate are made by
``tests.saml_support``; its metadata is pysaml2's own ``entity_descriptor``.
"""

from __future__ import annotations

import base64
import time
import warnings
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from unittest import mock

from cryptography.hazmat.primitives import serialization

from tests.saml_support import certificate, key_pem, rsa_key

with warnings.catch_warnings():
    # pysaml2 names a cipher mode that cryptography has moved (a deprecation, not our concern).
    warnings.simplefilter("ignore")
    from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, time_util
    from saml2.config import IdPConfig
    from saml2.metadata import entity_descriptor
    from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
    from saml2.server import Server
    from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

AWS_AUDIENCE = "urn:amazon:webservices"
AWS_SIGNIN = "https://signin.aws.amazon.com/saml"
OTHER_AUDIENCE = "https://other-sp.example.com/saml"
ATTRIBUTES = "https://aws.amazon.com/SAML/Attributes/"
URI_FORMAT = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"


def _sp_metadata(entity_id: str, acs: str) -> str:
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'entityID="{entity_id}"><md:SPSSODescriptor '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f'<md:AssertionConsumerService Binding="{BINDING_HTTP_POST}" Location="{acs}" index="1"/>'
        "</md:SPSSODescriptor></md:EntityDescriptor>"
    )


class SamlIdP:
    """pysaml2's IdP with its own key, knowing AWS (and one other service provider) as SPs."""

    def __init__(
        self,
        workdir: Path,
        entity_id: str = "https://idp.credo.test/saml",
        key_index: int = 7,
        service_providers: dict[str, str] | None = None,
    ):
        """``service_providers``: more SPs the IdP knows, entity id to assertion consumer URL."""
        workdir.mkdir(parents=True, exist_ok=True)
        sp_files = [str(workdir / "aws.xml"), str(workdir / "other.xml")]
        for number, (sp_entity, acs) in enumerate((service_providers or {}).items()):
            (workdir / f"sp{number}.xml").write_text(_sp_metadata(sp_entity, acs))
            sp_files.append(str(workdir / f"sp{number}.xml"))
        key = rsa_key(key_index)
        (workdir / "idp.key").write_text(key_pem(key))
        cert = certificate(key, "pysaml2-idp")
        (workdir / "idp.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (workdir / "aws.xml").write_text(_sp_metadata(AWS_AUDIENCE, AWS_SIGNIN))
        (workdir / "other.xml").write_text(_sp_metadata(OTHER_AUDIENCE, "https://other-sp.example.com/acs"))
        config = IdPConfig()
        config.load(
            {
                "entityid": entity_id,
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [(entity_id + "/sso", BINDING_HTTP_REDIRECT)]
                        },
                        "policy": {"default": {"lifetime": {"minutes": 5}, "name_form": URI_FORMAT}},
                        "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                    }
                },
                "key_file": str(workdir / "idp.key"),
                "cert_file": str(workdir / "idp.crt"),
                "xmlsec_binary": "/usr/bin/xmlsec1",
                "metadata": {"local": sp_files},
            }
        )
        self.config = config
        self.entity_id = entity_id
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.server = Server(config=config)

    def metadata(self) -> str:
        """The IdP's metadata document, as pysaml2 writes it."""
        return str(entity_descriptor(self.config).to_string().decode())

    def response_xml(
        self,
        *,
        recipient: str,
        attributes: dict[str, list[str]],
        subject: str = "alice-0001",
        audience: str = AWS_AUDIENCE,
        sign_response: bool = True,
        sign_assertion: bool = True,
        sha1: bool = False,
        shift_seconds: int = 0,
        **extra: Any,
    ) -> str:
        """A signed, IdP-initiated SAMLResponse (XML) for ``audience`` with ``attributes``.

        ``shift_seconds`` moves the IdP's clock (its assertion's times), never credo's.
        """
        algorithms = {} if sha1 else {"sign_alg": SIG_RSA_SHA256, "digest_alg": DIGEST_SHA256}
        with warnings.catch_warnings(), ExitStack() as stack:
            warnings.simplefilter("ignore")
            if shift_seconds:
                stack.enter_context(_idp_clock_shifted(shift_seconds))
            response = self.server.create_authn_response(
                identity=attributes,
                in_response_to=None,
                destination=recipient,
                sp_entity_id=audience,
                name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=subject),
                sign_response=sign_response,
                sign_assertion=sign_assertion,
                **algorithms,
                **extra,
            )
        return str(response)

    def response(self, **kwargs: Any) -> str:
        """The same, base64-encoded as browsers post it and STS takes it."""
        return base64.b64encode(self.response_xml(**kwargs).encode()).decode()


def _idp_clock_shifted(seconds: int) -> Any:
    """pysaml2's assertion times (``instant`` and ``in_a_while``) as of ``seconds`` from now."""
    import saml2.assertion

    def instant(format: str = time_util.TIME_FORMAT, time_stamp: float = 0) -> str:
        return time.strftime(format, time.gmtime((time_stamp or time.time()) + seconds))

    def in_a_while(**delta: Any) -> str:
        delta["seconds"] = delta.get("seconds", 0) + seconds
        return str(time_util.in_a_while(**delta))

    stack = ExitStack()
    for module in (saml2.assertion, time_util):
        stack.enter_context(mock.patch.object(module, "instant", instant))
    stack.enter_context(mock.patch.object(saml2.assertion, "in_a_while", in_a_while))
    return stack


def aws_attributes(
    role_arn: str, provider_arn: str, session_name: str = "alice", **more: list[str]
) -> dict[str, list[str]]:
    """AWS's Role and RoleSessionName attributes (and any more, by short name) for one role."""
    attributes = {
        ATTRIBUTES + "Role": [f"{role_arn},{provider_arn}"],
        ATTRIBUTES + "RoleSessionName": [session_name],
    }
    for name, values in more.items():
        attributes[name if name.startswith(("urn:", "http")) else ATTRIBUTES + name] = values
    return attributes
