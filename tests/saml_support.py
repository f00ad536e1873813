"""SAML test material made on the fly: RSA keys, self-signed certificates, IdP metadata documents.

No private key is stored in the repository; keys are generated once per test session.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

_KEYS: dict[int, rsa.RSAPrivateKey] = {}
_CERTIFICATES: dict[tuple[int, str], x509.Certificate] = {}
ENTITY_ID = "https://idp.example.com/saml"


def rsa_key(index: int = 0, bits: int = 2048) -> rsa.RSAPrivateKey:
    """An RSA key per (index, size), made once per session (generation is the slow part)."""
    slot = index * 100_000 + bits
    if slot not in _KEYS:
        _KEYS[slot] = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return _KEYS[slot]


def key_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def certificate(key: rsa.RSAPrivateKey, subject: str = "idp.example.com") -> x509.Certificate:
    """A self-signed certificate for ``key``, the same one each time it is asked for."""
    slot = (id(key), subject)
    if slot not in _CERTIFICATES:
        _CERTIFICATES[slot] = _self_signed(key, subject)
    return _CERTIFICATES[slot]


def _self_signed(key: rsa.RSAPrivateKey, subject: str) -> x509.Certificate:
    now = datetime.now(UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )


def certificate_base64(cert: x509.Certificate) -> str:
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def key_descriptor(cert_text: str, use: str | None = "signing") -> str:
    use_attribute = f' use="{use}"' if use else ""
    return (
        f"<md:KeyDescriptor{use_attribute}><ds:KeyInfo><ds:X509Data>"
        f"<ds:X509Certificate>{cert_text}</ds:X509Certificate>"
        "</ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
    )


def metadata(
    entity_id: str = ENTITY_ID,
    keys: str | None = None,
    valid_until: str | None = None,
    sso_url: str = "https://idp.example.com/sso",
) -> str:
    """An IdP's metadata document, signing with ``rsa_key(0)`` unless ``keys`` says otherwise."""
    if keys is None:
        keys = key_descriptor(certificate_base64(certificate(rsa_key(0))))
    until = f' validUntil="{valid_until}"' if valid_until else ""
    entity = f' entityID="{entity_id}"' if entity_id else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#"{entity}{until}>'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f"{keys}"
        "<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>"
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        f'Location="{sso_url}"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )
