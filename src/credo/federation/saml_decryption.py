"""An ``EncryptedAssertion`` opened with the SAML provider's private keys (XML Encryption, by xmlsec).

The IdP encrypts the assertion with a fresh AES key (AES-GCM or AES-CBC, as AWS accepts) and
encrypts that key to the service provider's public key with RSA-OAEP; the ``EncryptedKey`` sits
in the ``EncryptedData``'s ``KeyInfo`` or beside it in the ``EncryptedAssertion``. libxmlsec1
(through python-xmlsec) does both decryptions; credo only picks the elements, allows the
algorithms it accepts, and parses the plaintext itself with the hardened parser, so a decrypted
document can carry no DTD or entity (anyone holding the public certificate can encrypt, so the
plaintext is as untrusted as the rest of the response until its signature is checked).

Every failure to decrypt gives the same message, so the answer tells nothing about padding or
keys (the classic oracles against XML Encryption with CBC).
"""

from __future__ import annotations

from lxml import etree

from credo.errors import InvalidIdentityToken
from credo.federation.saml_metadata import hardened_parser

XENC = "http://www.w3.org/2001/04/xmlenc#"
DS = "http://www.w3.org/2000/09/xmldsig#"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
NS = {"xenc": XENC, "ds": DS, "saml": SAML}
CONTENT_ALGORITHMS = frozenset(
    [XENC + f"aes{bits}-cbc" for bits in (128, 192, 256)]
    + [f"http://www.w3.org/2009/xmlenc11#aes{bits}-gcm" for bits in (128, 192, 256)]
)
# RSA-OAEP only: RSA PKCS#1 v1.5 key transport (xmlenc#rsa-1_5) is refused (Bleichenbacher).
KEY_TRANSPORT_ALGORITHMS = frozenset({XENC + "rsa-oaep-mgf1p", "http://www.w3.org/2009/xmlenc11#rsa-oaep"})
AES_KEY_BYTES = frozenset({16, 24, 32})
UNREADABLE = (
    "The EncryptedAssertion cannot be decrypted with the SAML provider's private keys "
    "(credo accepts RSA-OAEP key transport with AES-GCM or AES-CBC content encryption)."
)


def _refuse(detail: str = UNREADABLE) -> InvalidIdentityToken:
    return InvalidIdentityToken("Invalid SAML response", detail=detail)


def _algorithm(element: etree._Element) -> str:
    method = element.find("xenc:EncryptionMethod", NS)
    return "" if method is None else method.get("Algorithm") or ""


def _parts(encrypted: etree._Element) -> tuple[etree._Element, etree._Element]:
    """The one EncryptedData and its one EncryptedKey (inside its KeyInfo, or a sibling)."""
    data = encrypted.findall("xenc:EncryptedData", NS)
    if len(data) != 1:
        raise _refuse("The EncryptedAssertion must hold exactly one EncryptedData.")
    keys = data[0].findall("ds:KeyInfo/xenc:EncryptedKey", NS) + encrypted.findall("xenc:EncryptedKey", NS)
    if len(keys) != 1:
        raise _refuse("The EncryptedAssertion must carry exactly one EncryptedKey.")
    if data[0].find(".//ds:RetrievalMethod[@URI]", NS) is not None and keys[0].getparent() is not encrypted:
        raise _refuse("The EncryptedData's KeyInfo may only hold its EncryptedKey.")
    if _algorithm(data[0]) not in CONTENT_ALGORITHMS:
        raise _refuse(
            f"The assertion is encrypted with {_algorithm(data[0])!r}; credo accepts AES-GCM and AES-CBC."
        )
    if _algorithm(keys[0]) not in KEY_TRANSPORT_ALGORITHMS:
        raise _refuse(f"The key is transported with {_algorithm(keys[0])!r}; credo accepts RSA-OAEP only.")
    if keys[0].find(".//ds:RetrievalMethod", NS) is not None:
        raise _refuse("The EncryptedKey's KeyInfo may not point elsewhere (RetrievalMethod).")
    return data[0], keys[0]


def _content_key(encrypted_key: etree._Element, private_keys: tuple[bytes, ...]) -> bytes | None:
    import xmlsec  # libxmlsec1; loaded only when an encrypted assertion arrives

    for pem in private_keys:
        context = xmlsec.EncryptionContext()
        context.key = xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatPem)
        try:
            key = context.decrypt(_without_key_info(encrypted_key))
        except xmlsec.Error:
            continue
        if isinstance(key, bytes) and len(key) in AES_KEY_BYTES:
            return key
    return None


def _without_key_info(element: etree._Element) -> etree._Element:
    """A standalone copy without its KeyInfo: the key is given, and the response stays untouched."""
    copy = etree.fromstring(etree.tostring(element), hardened_parser())
    key_info = copy.find("ds:KeyInfo", NS)
    if key_info is not None:
        copy.remove(key_info)
    return copy


def _plaintext(encrypted_data: etree._Element, content_key: bytes) -> bytes:
    import xmlsec

    data = _without_key_info(encrypted_data)
    # Without Type="…#Element", xmlsec returns the bytes instead of parsing them into the tree.
    data.attrib.pop("Type", None)
    context = xmlsec.EncryptionContext()
    context.key = xmlsec.Key.from_binary_data(xmlsec.constants.KeyDataAes, content_key)
    try:
        plaintext = context.decrypt(data)
    except xmlsec.Error:
        raise _refuse() from None
    if not isinstance(plaintext, bytes):
        raise _refuse()
    return plaintext


def decrypt_assertion(encrypted: etree._Element, private_keys: tuple[bytes, ...]) -> bytes:
    """The serialized Assertion inside ``encrypted`` (an EncryptedAssertion), for the caller to parse."""
    if not private_keys:
        raise _refuse(
            "The assertion is encrypted, and the SAML provider has no private key to decrypt it "
            "(UpdateSAMLProvider --add-private-key)."
        )
    encrypted_data, encrypted_key = _parts(encrypted)
    content_key = _content_key(encrypted_key, private_keys)
    if content_key is None:
        raise _refuse()
    return _plaintext(encrypted_data, content_key)
