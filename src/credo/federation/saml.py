"""A SAML 2.0 Response, verified as AWS verifies it for AssumeRoleWithSAML, reduced to its claims.

Pure: the caller passes the base64 ``SAMLResponse``, what it trusts (the provider's signing
certificates and entity id), what it is (the recipient URLs and audiences it answers to) and
the time; it gets the verified claims back, or an ``InvalidIdentityToken`` /
``ExpiredTokenException`` saying why not (``IDPRejectedClaim`` when the IdP's own status says
it refused).

Signatures are checked by signxml against the provider's certificates only (never a key or
certificate the document carries). The document is parsed with the hardened lxml parser of
``credo.federation.saml_metadata``: no DTD, no entity, no network, no comments. Signature
wrapping is defeated by reading claims only from the element signxml returns as signed
(``signed_xml``), and by requiring that the document holds exactly one Assertion, a child of
the Response, and that each signature sits in the element it signs (SAML core 5.4.2).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from lxml import etree
from signxml.exceptions import SignXMLException
from signxml.verifier import SignatureConfiguration, XMLVerifier

from credo.errors import ExpiredTokenException, IDPRejectedClaim, InvalidIdentityToken
from credo.federation.saml_decryption import decrypt_assertion
from credo.federation.saml_metadata import hardened_parser

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"samlp": SAMLP, "saml": SAML, "ds": DS}
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
# AWS's attributes; the Role attribute's values pair a role ARN with a provider ARN.
AWS_ATTRIBUTES = "https://aws.amazon.com/SAML/Attributes/"
ROLE_ATTRIBUTE = AWS_ATTRIBUTES + "Role"
# The SAMLAssertion parameter is at most 100,000 base64 characters (botocore's model).
MAX_ENCODED_CHARS = 100_000
# How far apart credo's clock and the IdP's may be (credo's choice; see docs/federation.md).
CLOCK_SKEW = timedelta(minutes=5)
# AWS's documented message for a signature no metadata certificate verifies (InvalidIdentityToken).
SIGNATURE_INVALID = "Response signature invalid"
# IDPRejectedClaim has no documented message; this is the first sentence of AWS's description of it.
IDP_REJECTED = "The identity provider (IdP) reported that authentication failed."
# How much of the IdP's StatusMessage is repeated in the error's Detail.
MAX_STATUS_MESSAGE = 200


@dataclass(frozen=True)
class Expectations:
    """What the verifier trusts and answers to."""

    # DER bytes of the provider's signing certificates (from its metadata).
    certificates: tuple[bytes, ...]
    entity_id: str
    recipients: frozenset[str]
    audiences: frozenset[str]
    now: datetime
    skew: timedelta = CLOCK_SKEW
    # PEM private keys that may decrypt an EncryptedAssertion (the provider's AddPrivateKey).
    private_keys: tuple[bytes, ...] = ()
    # AssertionEncryptionMode Required: an unencrypted assertion is refused.
    require_encryption: bool = False


@dataclass(frozen=True)
class SamlClaims:
    """What a verified assertion says, read only from the signed element."""

    assertion_id: str
    issuer: str
    subject: str
    # The NameID's Format as written (may be empty).
    subject_format: str
    # The bearer SubjectConfirmationData's Recipient that matched one of ``recipients``.
    recipient: str
    audiences: tuple[str, ...]
    # Until when the assertion may be presented (the earlier of the two NotOnOrAfter).
    not_on_or_after: datetime
    # The AuthnStatement's SessionNotOnOrAfter, if the IdP set one.
    session_not_on_or_after: datetime | None
    # Attribute Name -> values, in document order.
    attributes: Mapping[str, tuple[str, ...]]


def role_pair(value: str) -> tuple[str, str] | None:
    """(role ARN, provider ARN) of one ``Role`` attribute value, written in either order, as AWS reads it.

    None when the value is not one role ARN and one SAML provider ARN separated by a comma.
    """
    parts = [part.strip() for part in value.split(",")]
    if len(parts) != 2:
        return None
    for role, provider in (parts, parts[::-1]):
        if ":role/" in role and ":saml-provider/" in provider:
            return role, provider
    return None


def invalid(detail: str) -> InvalidIdentityToken:
    return InvalidIdentityToken("Invalid SAML response", detail=detail)


def _wrong_audience(detail: str) -> InvalidIdentityToken:
    """AWS's documented refusal of an assertion not meant for it (IAM's SAML troubleshooting)."""
    return InvalidIdentityToken("Response does not contain the required audience.", detail=detail)


def decode_response(encoded: str) -> bytes:
    """The XML bytes of a base64 ``SAMLResponse`` (line breaks allowed, as IdPs send them)."""
    if len(encoded) > MAX_ENCODED_CHARS:
        raise invalid(f"The SAMLResponse is longer than {MAX_ENCODED_CHARS} characters.")
    try:
        return base64.b64decode("".join(encoded.split()), validate=True)
    except (binascii.Error, ValueError):
        raise invalid("The SAMLAssertion is not base64.") from None


def parse_response(document: bytes) -> etree._Element:
    """The root of the document, parsed safely; refused when it declares a DTD or an entity."""
    if b"<!DOCTYPE" in document or b"<!ENTITY" in document:
        raise invalid("The SAMLResponse has a DOCTYPE or an entity declaration; SAML needs neither.")
    try:
        root = etree.fromstring(document, hardened_parser())
    except (etree.XMLSyntaxError, ValueError):
        raise invalid("The SAMLResponse is not well-formed XML.") from None
    if root.getroottree().docinfo.doctype:
        raise invalid("The SAMLResponse has a DOCTYPE; SAML needs none.")
    if root.tag != f"{{{SAMLP}}}Response":
        raise invalid("The document is not a samlp:Response.")
    return root


def _instant(text: str | None, where: str) -> datetime | None:
    """An ``xs:dateTime`` (UTC when no zone is given; fractions beyond microseconds dropped)."""
    if text is None:
        return None
    value = text.strip()
    head, dot, tail = value.partition(".")
    if dot:
        digits = "".join(ch for ch in tail if ch.isdigit())
        value = f"{head}.{digits[:6]}{tail[len(digits) :]}"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise invalid(f"{where} {text!r} is not an xs:dateTime.") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _verification_time(cert: x509.Certificate, now: datetime) -> datetime:
    """A moment inside the certificate's validity: the metadata is what is trusted, not the
    certificate's dates (AWS accepts metadata certificates past their end date too)."""
    return max(cert.not_valid_before_utc, min(now, cert.not_valid_after_utc))


def _verify(
    root: etree._Element, location: str, certificates: Iterable[x509.Certificate], now: datetime
) -> etree._Element:
    """The element signxml verified, for the signature at ``location``, by any trusted certificate."""
    for cert in certificates:
        config = SignatureConfiguration(
            location=location,
            expect_references=1,
            ignore_ambiguous_key_info=True,
            verification_time=_verification_time(cert, now),
        )
        try:
            result = XMLVerifier().verify(
                root, x509_cert=cert, parser=hardened_parser(), expect_config=config
            )
        except (SignXMLException, etree.LxmlError, ValueError, TypeError, KeyError, AttributeError):
            # Whatever stops signxml (a malformed reference, an odd namespace) means: not verified.
            continue
        signed = getattr(result, "signed_xml", None)
        if isinstance(signed, etree._Element):
            return signed
    raise InvalidIdentityToken(
        SIGNATURE_INVALID,
        detail="No signing certificate in the provider's metadata verifies it "
        "(credo accepts RSA or ECDSA signatures with SHA-256 or stronger, not SHA-1).",
    )


def _signed_element(
    signed: etree._Element, expected: etree._Element, what: str, reference_uri: str | None
) -> etree._Element:
    """``signed`` must be ``expected`` itself: same element kind, same ID, referenced by that ID."""
    element_id = expected.get("ID")
    if not element_id or signed.tag != expected.tag or signed.get("ID") != element_id:
        raise invalid(f"The signature in the {what} does not sign the {what} that holds it.")
    if reference_uri != f"#{element_id}":
        raise invalid(f"The {what}'s signature must reference it by its ID (SAML core 5.4.2).")
    return signed


def _reference_uri(signature: etree._Element) -> str | None:
    reference = signature.find("ds:SignedInfo/ds:Reference", NS)
    return None if reference is None else reference.get("URI")


def _one_assertion(envelope: etree._Element, tag: str) -> etree._Element:
    """The envelope's one assertion, which must be its own child; anything else is refused."""
    found = envelope.findall(f".//{{{SAML}}}Assertion") + envelope.findall(f".//{{{SAML}}}EncryptedAssertion")
    if len(found) != 1 or found[0].getparent() is not envelope or found[0].tag != tag:
        raise invalid("The Response must hold exactly one Assertion, as its own child.")
    return found[0]


def _decrypted(envelope: etree._Element, private_keys: tuple[bytes, ...]) -> etree._Element:
    """The Assertion inside the envelope's EncryptedAssertion, as its own document."""
    encrypted = _one_assertion(envelope, f"{{{SAML}}}EncryptedAssertion")
    plaintext = decrypt_assertion(encrypted, private_keys)
    if b"<!DOCTYPE" in plaintext or b"<!ENTITY" in plaintext:
        raise invalid("The decrypted assertion has a DOCTYPE or an entity declaration; SAML needs neither.")
    try:
        assertion = etree.fromstring(plaintext, hardened_parser())
    except (etree.XMLSyntaxError, ValueError):
        raise invalid("The decrypted assertion is not well-formed XML.") from None
    if assertion.tag != f"{{{SAML}}}Assertion":
        raise invalid("The EncryptedAssertion does not hold a saml:Assertion.")
    return assertion


def signed_assertion(root: etree._Element, expect: Expectations) -> etree._Element:
    """The one Assertion, as signxml returned it signed (directly, or inside the signed Response).

    An encrypted assertion is decrypted from the Response as verified (the Response's signature
    covers the ciphertext); its own signature, if any, is checked on the plaintext, which the IdP
    signed as a document of its own before encrypting it.
    """
    encrypted = root.find(f"{{{SAML}}}EncryptedAssertion") is not None
    _one_assertion(root, f"{{{SAML}}}EncryptedAssertion" if encrypted else f"{{{SAML}}}Assertion")
    if expect.require_encryption and not encrypted:
        raise invalid(
            "The SAML provider's AssertionEncryptionMode is Required, and the assertion is not encrypted."
        )
    trusted = [x509.load_der_x509_certificate(der) for der in expect.certificates]
    response_signature = root.find("ds:Signature", NS)
    envelope = root
    if response_signature is not None:
        signed = _verify(root, "./", trusted, expect.now)
        envelope = _signed_element(signed, root, "Response", _reference_uri(response_signature))
    if encrypted:
        assertion = _decrypted(envelope, expect.private_keys)
        signed_from, location = assertion, "./"
    else:
        assertion = _one_assertion(envelope, f"{{{SAML}}}Assertion")
        signed_from, location = envelope, f"./{{{SAML}}}Assertion/"
    assertion_signature = assertion.find("ds:Signature", NS)
    if assertion_signature is None:
        if response_signature is None:
            raise invalid("Neither the Response nor the Assertion is signed.")
        return assertion
    signed = _verify(signed_from, location, trusted, expect.now)
    return _signed_element(signed, assertion, "Assertion", _reference_uri(assertion_signature))


def _text(element: etree._Element | None) -> str:
    return "" if element is None or element.text is None else element.text.strip()


def _check_status(root: etree._Element) -> None:
    """A Response whose status is not Success says the IdP refused: ``IDPRejectedClaim``, as AWS answers.

    Read before any signature (an IdP's error response often has none, and no assertion): the
    unsigned envelope may only refuse, never grant.
    """
    code = root.find("samlp:Status/samlp:StatusCode", NS)
    value = None if code is None else code.get("Value")
    if value == SUCCESS:
        return
    codes = [value or "(none)"]
    if code is not None:
        codes += [inner.get("Value") or "" for inner in code.iterfind("samlp:StatusCode", NS)]
    message = _text(root.find("samlp:Status/samlp:StatusMessage", NS))[:MAX_STATUS_MESSAGE]
    raise IDPRejectedClaim(
        IDP_REJECTED,
        detail=f"The Response's StatusCode is {' / '.join(codes)}, not Success"
        + (f": {message!r}." if message else "."),
    )


def _check_destination(root: etree._Element, expect: Expectations) -> None:
    """The unsigned envelope may only refuse, never grant: a Destination must be this endpoint."""
    destination = root.get("Destination")
    if destination is not None and destination not in expect.recipients:
        raise invalid(f"The Response's Destination {destination!r} is not this endpoint.")


def _bearer_confirmation(assertion: etree._Element, expect: Expectations) -> tuple[str, datetime]:
    """(Recipient, NotOnOrAfter) of the bearer SubjectConfirmation addressed to credo."""
    recipients_seen = []
    expired: datetime | None = None
    for confirmation in assertion.iterfind("saml:Subject/saml:SubjectConfirmation", NS):
        if confirmation.get("Method") != BEARER:
            continue
        data = confirmation.find("saml:SubjectConfirmationData", NS)
        if data is None:
            continue
        recipient = data.get("Recipient") or ""
        recipients_seen.append(recipient)
        if recipient not in expect.recipients:
            continue
        not_on_or_after = _instant(data.get("NotOnOrAfter"), "SubjectConfirmationData NotOnOrAfter")
        if not_on_or_after is None:
            raise invalid("The bearer SubjectConfirmationData has no NotOnOrAfter.")
        not_before = _instant(data.get("NotBefore"), "SubjectConfirmationData NotBefore")
        if not_before is not None and expect.now + expect.skew < not_before:
            raise invalid(f"The assertion is not valid before {not_before.isoformat()}.")
        if expect.now - expect.skew >= not_on_or_after:
            expired = not_on_or_after
            continue
        return recipient, not_on_or_after
    if expired is not None:
        raise ExpiredTokenException(
            "Assertion is expired",
            detail=f"Its SubjectConfirmationData NotOnOrAfter is {expired.isoformat()}.",
        )
    if not recipients_seen:
        raise invalid("The assertion has no bearer SubjectConfirmation with SubjectConfirmationData.")
    raise invalid(
        f"The bearer SubjectConfirmation's Recipient {recipients_seen[0]!r} is not this endpoint "
        f"(accepted: {', '.join(sorted(expect.recipients))})."
    )


def _conditions(assertion: etree._Element, expect: Expectations) -> tuple[tuple[str, ...], datetime | None]:
    """(audiences, NotOnOrAfter) of the Conditions, checked against the time and credo's audiences."""
    conditions = assertion.find("saml:Conditions", NS)
    if conditions is None:
        raise invalid("The assertion has no Conditions (an AudienceRestriction is required).")
    not_before = _instant(conditions.get("NotBefore"), "Conditions NotBefore")
    not_on_or_after = _instant(conditions.get("NotOnOrAfter"), "Conditions NotOnOrAfter")
    if not_before is not None and expect.now + expect.skew < not_before:
        raise invalid(f"The assertion is not valid before {not_before.isoformat()}.")
    if not_on_or_after is not None and expect.now - expect.skew >= not_on_or_after:
        raise ExpiredTokenException(
            "Assertion is expired", detail=f"Its Conditions NotOnOrAfter is {not_on_or_after.isoformat()}."
        )
    restrictions = conditions.findall("saml:AudienceRestriction", NS)
    if not restrictions:
        raise _wrong_audience("The assertion's Conditions have no AudienceRestriction.")
    audiences: list[str] = []
    for restriction in restrictions:
        # Each restriction must be met on its own (SAML core 2.5.1.4).
        named = [_text(audience) for audience in restriction.iterfind("saml:Audience", NS)]
        if not expect.audiences.intersection(named):
            raise _wrong_audience(
                f"The assertion's audience {', '.join(named) or '(none)'} is not "
                f"{' or '.join(sorted(expect.audiences))}."
            )
        audiences.extend(named)
    return tuple(dict.fromkeys(audiences)), not_on_or_after


def _attributes(assertion: etree._Element) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for attribute in assertion.iterfind("saml:AttributeStatement/saml:Attribute", NS):
        name = attribute.get("Name") or ""
        values = found.setdefault(name, [])
        values.extend(_text(value) for value in attribute.iterfind("saml:AttributeValue", NS))
    return {name: tuple(values) for name, values in found.items()}


def unverified_issuers(encoded: str) -> tuple[str, ...]:
    """The Issuer of the Response and of a plain Assertion, read WITHOUT checking any signature.

    Only to learn which providers to verify the response against (the console's ``/saml`` is
    told no ``PrincipalArn``); nothing read here is trusted or shown before ``verify_response``.
    """
    root = parse_response(decode_response(encoded))
    found = (_text(root.find(path, NS)) for path in ("saml:Issuer", "saml:Assertion/saml:Issuer"))
    return tuple(dict.fromkeys(issuer for issuer in found if issuer))


def verify_response(encoded: str, expect: Expectations) -> SamlClaims:
    """The claims of a base64 SAMLResponse that passes every check AWS makes; refused otherwise."""
    root = parse_response(decode_response(encoded))
    _check_status(root)
    assertion = signed_assertion(root, expect)
    _check_destination(root, expect)
    if assertion.get("Version") != "2.0":
        raise invalid("The assertion is not SAML 2.0.")
    issuer = _text(assertion.find("saml:Issuer", NS))
    if issuer != expect.entity_id:
        raise invalid(
            f"The assertion's Issuer {issuer!r} is not the provider's entity id {expect.entity_id!r}."
        )
    name_id = assertion.find("saml:Subject/saml:NameID", NS)
    subject = _text(name_id)
    if name_id is None or not subject:
        raise invalid("The assertion's Subject has no NameID.")
    recipient, confirmation_end = _bearer_confirmation(assertion, expect)
    audiences, conditions_end = _conditions(assertion, expect)
    authn = assertion.find("saml:AuthnStatement", NS)
    session_end = _instant(
        None if authn is None else authn.get("SessionNotOnOrAfter"), "AuthnStatement SessionNotOnOrAfter"
    )
    return SamlClaims(
        assertion_id=assertion.get("ID") or "",
        issuer=issuer,
        subject=subject,
        subject_format=name_id.get("Format") or "",
        recipient=recipient,
        audiences=audiences,
        not_on_or_after=min(confirmation_end, conditions_end or confirmation_end),
        session_not_on_or_after=session_end,
        attributes=_attributes(assertion),
    )
