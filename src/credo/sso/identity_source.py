"""The access portal's external SAML identity provider: set by the administrator from the IdP's
metadata, then trusted to sign people in at ``/start/saml`` (IdP-initiated, HTTP-POST binding).

The response is verified by ``credo.federation.saml`` exactly as AssumeRoleWithSAML verifies one
(signature against the metadata's certificates, issuer, times, bearer confirmation), with this
portal as recipient and audience (``<endpoint>/start/saml``, which is also the service provider
entity id to give the IdP), and is used once (``sts.saml_assertions.use_once``). Its ``NameID``
names the identity store user: their UserName, or else their primary email address.
"""

from __future__ import annotations

import base64
import secrets
import zlib
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from lxml import etree
from sqlalchemy import Connection, RowMapping, delete, insert, select

from credo.call import Services
from credo.errors import InvalidIdentityToken
from credo.federation.saml import Expectations, SamlClaims, verify_response
from credo.federation.saml_metadata import SAML2_PROTOCOL, SamlMetadata, parse_metadata
from credo.iam.password_policy import as_utc
from credo.sso.attribute_updates import name_key
from credo.sso.instances import Instance, load
from credo.store.schema import sso_identity_sources, sso_users
from credo.sts.saml_assertions import use_once

PATH = "/start/saml"
ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion"
NO_SOURCE = "The access portal has no external identity provider."
NO_USER = "The identity provider's NameID names no enabled user of the identity store."


@dataclass(frozen=True)
class SamlSignIn:
    instance: Instance
    user_id: str
    user_name: str


def acs_url(services: Services) -> str:
    """Where the IdP posts responses, and the service provider entity id it must name as audience."""
    return services.settings.endpoint_url + PATH


def set_source(conn: Connection, instance: Instance, document: str, now: datetime) -> SamlMetadata:
    """Trust the IdP this metadata describes (replacing any other); ``InvalidInput`` if it is not one."""
    metadata = parse_metadata(document)
    conn.execute(delete(sso_identity_sources).where(sso_identity_sources.c.instance_id == instance.id))
    conn.execute(
        insert(sso_identity_sources).values(
            instance_id=instance.id,
            entity_id=metadata.entity_id,
            metadata_document=document,
            valid_until=metadata.valid_until,
            updated_at=now,
        )
    )
    return metadata


def clear_source(conn: Connection, instance: Instance) -> bool:
    """Back to identity store passwords only; whether an IdP was set."""
    gone = conn.execute(
        delete(sso_identity_sources).where(sso_identity_sources.c.instance_id == instance.id)
    ).rowcount
    return bool(gone)


def source_of(conn: Connection, instance: Instance) -> RowMapping | None:
    query = select(sso_identity_sources).where(sso_identity_sources.c.instance_id == instance.id)
    return conn.execute(query).mappings().first()


def has_source(services: Services) -> bool:
    with services.store.read() as conn:
        instance = load(conn)
        return instance is not None and source_of(conn, instance) is not None


def login_url(services: Services, relay_state: str) -> str | None:
    """The IdP's sign-in with an unsigned AuthnRequest (HTTP-Redirect binding) for this portal, or
    ``None`` without a source or a redirect endpoint in its metadata. The response comes back to
    ``/start/saml`` and is checked as an IdP-initiated one is (no InResponseTo matching)."""
    with services.store.read() as conn:
        instance = load(conn)
        source = source_of(conn, instance) if instance is not None else None
    if source is None:
        return None
    location = parse_metadata(source["metadata_document"]).redirect_sso_location
    if location is None:
        return None
    acs = acs_url(services)
    request = etree.Element(
        f"{{{SAML2_PROTOCOL}}}AuthnRequest",
        nsmap={"samlp": SAML2_PROTOCOL, "saml": ASSERTION},
        ID="_" + secrets.token_hex(16),
        Version="2.0",
        IssueInstant=services.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        Destination=location,
        AssertionConsumerServiceURL=acs,
        ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
    )
    etree.SubElement(request, f"{{{ASSERTION}}}Issuer").text = acs
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw DEFLATE, as the binding says
    packed = deflate.compress(etree.tostring(request)) + deflate.flush()
    query = {"SAMLRequest": base64.b64encode(packed).decode(), "RelayState": relay_state}
    joiner = "&" if "?" in location else "?"
    return f"{location}{joiner}{urlencode(query)}"


def sign_in(services: Services, encoded: str, now: datetime) -> SamlSignIn:
    """The user a posted SAMLResponse signs in, once; ``InvalidIdentityToken`` says why not."""
    with services.store.read() as conn:
        instance = load(conn)
        source = source_of(conn, instance) if instance is not None else None
    if instance is None or source is None:
        raise InvalidIdentityToken(NO_SOURCE)
    if source["valid_until"] is not None and as_utc(source["valid_until"]) <= now:
        raise InvalidIdentityToken(
            "Invalid SAML response", detail="The identity provider's metadata is past its validUntil."
        )
    certificates = parse_metadata(source["metadata_document"]).signing_certificates
    acs = acs_url(services)
    expect = Expectations(
        certificates=certificates,
        entity_id=source["entity_id"],
        recipients=frozenset({acs}),
        audiences=frozenset({acs}),
        now=now,
    )
    claims = verify_response(encoded, expect)
    user = _user_named(services, instance, claims)
    use_once(services, claims, now)
    return SamlSignIn(instance, user["id"], user["user_name"])


def _user_named(services: Services, instance: Instance, claims: SamlClaims) -> RowMapping:
    key = name_key(claims.subject)
    query = select(sso_users.c.id, sso_users.c.user_name, sso_users.c.status).where(
        sso_users.c.instance_id == instance.id
    )
    with services.store.read() as conn:
        user = conn.execute(query.where(sso_users.c.name_key == key)).mappings().first()
        if user is None:
            user = conn.execute(query.where(sso_users.c.email_key == key)).mappings().first()
    if user is None or user["status"] != "ENABLED":
        raise InvalidIdentityToken(NO_USER, detail=f"NameID {claims.subject[:256]!r}")
    return user
