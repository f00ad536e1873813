"""SAML 2.0 identity-provider metadata: parsed without trusting it, reduced to what STS needs.

An IdP's metadata names its entity id (the ``Issuer`` of its assertions), the certificates
whose keys sign them, and how long the document stays valid. The document comes from a
client, so the parser resolves no entity, loads no DTD and reaches no network; a document
with a ``DOCTYPE`` at all is refused before parsing, since metadata never needs one and every
XXE or entity-expansion attack starts with one.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from lxml import etree

from credo.errors import InvalidInput

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
SAML2_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
HTTP_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
# AWS's bounds on SAMLMetadataDocument (the model's min and max).
MIN_CHARS = 1_000
MAX_CHARS = 10_000_000
MAX_ENTITY_ID_CHARS = 1_024
# AWS's message for any document it cannot use; ``detail`` says what was wrong.
UNPARSABLE = "Could not parse metadata"
_NAMESPACES = {"md": MD, "ds": DS}


@dataclass(frozen=True)
class SamlMetadata:
    """What credo keeps from an IdP's metadata."""

    entity_id: str
    # DER bytes of each signing certificate, in document order, without repeats.
    signing_certificates: tuple[bytes, ...]
    # The earliest ``validUntil`` of the EntityDescriptor and its IDPSSODescriptor, if any.
    valid_until: datetime | None
    # Where the IdP takes an AuthnRequest by HTTP-Redirect (the portal's SP-initiated sign-in).
    redirect_sso_location: str | None = None


def refuse(detail: str) -> InvalidInput:
    return InvalidInput(UNPARSABLE, detail=detail)


def hardened_parser() -> etree.XMLParser:
    """An lxml parser that resolves no entity, loads no DTD, reaches no network, keeps no comments."""
    # A new parser per call: lxml parsers are not safe to share between threads.
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        encoding="utf-8",
    )


def _root(document: str) -> etree._Element:
    if not MIN_CHARS <= len(document) <= MAX_CHARS:
        raise refuse(f"The document must be {MIN_CHARS} to {MAX_CHARS} characters long.")
    if "<!DOCTYPE" in document or "<!ENTITY" in document:
        raise refuse("The document has a DOCTYPE or an entity declaration; metadata needs neither.")
    try:
        root = etree.fromstring(document.encode("utf-8"), hardened_parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        raise refuse(f"The document is not well-formed XML: {error}.") from None
    if root.getroottree().docinfo.doctype:
        raise refuse("The document has a DOCTYPE; metadata needs none.")
    return root


def _instant(text: str, where: str) -> datetime:
    """An ``xs:dateTime``; one without a zone is taken as UTC, as SAML's profiles require."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise refuse(f"{where} validUntil {text!r} is not an xs:dateTime.") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _certificate(text: str, index: int) -> bytes:
    try:
        der = base64.b64decode("".join(text.split()), validate=True)
        x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError):
        raise refuse(f"Signing certificate {index} is not a base64 DER X.509 certificate.") from None
    return der


def _signing_certificates(descriptor: etree._Element) -> tuple[bytes, ...]:
    found: list[bytes] = []
    for key in descriptor.iterfind("md:KeyDescriptor", _NAMESPACES):
        # No ``use`` means the key both signs and encrypts.
        if key.get("use", "signing") != "signing":
            continue
        for element in key.iterfind("ds:KeyInfo/ds:X509Data/ds:X509Certificate", _NAMESPACES):
            der = _certificate(element.text or "", len(found) + 1)
            if der not in found:
                found.append(der)
    if not found:
        raise refuse("The IDPSSODescriptor has no signing certificate (KeyDescriptor with X509Certificate).")
    return tuple(found)


def parse_metadata(document: str) -> SamlMetadata:
    """The entity id, signing certificates and validity of an IdP's metadata, or InvalidInput."""
    root = _root(document)
    if root.tag != f"{{{MD}}}EntityDescriptor":
        raise refuse("The root element must be md:EntityDescriptor.")
    entity_id = (root.get("entityID") or "").strip()
    if not entity_id or len(entity_id) > MAX_ENTITY_ID_CHARS:
        raise refuse(f"The EntityDescriptor needs an entityID of 1 to {MAX_ENTITY_ID_CHARS} characters.")
    descriptor = next(
        (
            element
            for element in root.iterfind("md:IDPSSODescriptor", _NAMESPACES)
            if SAML2_PROTOCOL in (element.get("protocolSupportEnumeration") or "").split()
        ),
        None,
    )
    if descriptor is None:
        raise refuse("The EntityDescriptor has no IDPSSODescriptor supporting SAML 2.0.")
    limits = [
        _instant(text, where)
        for where, text in (
            ("EntityDescriptor", root.get("validUntil")),
            ("IDPSSODescriptor", descriptor.get("validUntil")),
        )
        if text
    ]
    return SamlMetadata(
        entity_id, _signing_certificates(descriptor), min(limits, default=None), _redirect_sso(descriptor)
    )


def _redirect_sso(descriptor: etree._Element) -> str | None:
    """The first https (or http) SingleSignOnService location with the HTTP-Redirect binding."""
    for service in descriptor.iterfind("md:SingleSignOnService", _NAMESPACES):
        location = (service.get("Location") or "").strip()
        if service.get("Binding") == HTTP_REDIRECT and location.startswith(("https://", "http://")):
            return location
    return None
