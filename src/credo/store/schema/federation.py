"""Identity providers for federation: SAML and OpenID Connect providers, and the SAML assertions already used."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from credo.store.schema.base import metadata

# --- identity providers (federation) ---

# SAML identity providers: the IdP's metadata as given, and what STS reads from it. ``id`` is the
# SAMLProviderUUID; tags hang on it. The metadata's certificates are re-read from the document.
saml_providers = Table(
    "saml_providers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("name_lower", String(128), nullable=False),
    Column("metadata_document", Text, nullable=False),
    Column("entity_id", String(1024), nullable=False),
    Column("valid_until", DateTime(timezone=True), nullable=False),
    # "Allowed" or "Required": whether assertions may, or must, arrive encrypted.
    Column("encryption_mode", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("account_id", "name_lower", name="uq_saml_providers_account_name"),
)

# Private keys that decrypt a SAML provider's encrypted assertions (AWS: at most two), sealed
# under the master key with the key id as associated data; only the id and date are ever shown.
saml_provider_keys = Table(
    "saml_provider_keys",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("provider_id", String(64), ForeignKey("saml_providers.id", ondelete="CASCADE"), nullable=False),
    Column("key_key_id", String(16), nullable=False),
    Column("key_sealed", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_saml_provider_keys_provider", saml_provider_keys.c.provider_id)

# SAML assertions already exchanged by AssumeRoleWithSAML, so none is accepted twice. ``id`` is
# the SHA-256 (hex) of the issuer and the assertion's ID; a row is needed only until the
# assertion expires, and is deleted after that.
used_saml_assertions = Table(
    "used_saml_assertions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
Index("ix_used_saml_assertions_expires", used_saml_assertions.c.expires_at)

# OpenID Connect identity providers. ``location`` is the URL without its scheme (the ARN's
# resource and GetOpenIDConnectProvider's Url); ``scheme`` is https, or http for a loopback
# issuer that dev mode allows. Client ids and thumbprints are JSON lists (at most 100 and 5).
oidc_providers = Table(
    "oidc_providers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("location", String(255), nullable=False),
    Column("scheme", String(8), nullable=False),
    Column("client_ids", Text, nullable=False),
    Column("thumbprints", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("account_id", "location", name="uq_oidc_providers_account_location"),
)
