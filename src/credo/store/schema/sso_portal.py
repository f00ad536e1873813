"""The access portal: sso-oidc clients, sign-in sessions, MFA, identity sources, device authorizations, codes and tokens."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from credo.store.schema.base import metadata

# --- the access portal: sso-oidc clients, sign-in sessions and tokens (migration 0016) ---------

# Per-instance portal settings: how long a sign-in to the access portal lasts (AWS's "session
# duration", 8 hours by default). No row: the default.
sso_portal_settings = Table(
    "sso_portal_settings",
    metadata,
    Column("instance_id", String(32), ForeignKey("sso_instances.id", ondelete="CASCADE"), primary_key=True),
    Column("session_seconds", Integer, nullable=False),
)

# Clients registered with sso-oidc RegisterClient (public clients: the aws CLI, credo, tools).
# Only the SHA-256 of the client secret is kept; JSON lists of scopes, grant types and redirect URIs.
sso_oidc_clients = Table(
    "sso_oidc_clients",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("instance_id", String(32), ForeignKey("sso_instances.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(512), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("grant_types", Text, nullable=False),
    Column("redirect_uris", Text, nullable=False),
    Column("issuer_url", String(2048), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
Index("ix_sso_oidc_clients_expires", sso_oidc_clients.c.expires_at)

# A person's sign-in to the access portal: ``id`` is the SHA-256 of the browser cookie's random
# id. Tokens the person approves (device code, authorization code) belong to the sign-in, so
# signing out, Logout with any of its tokens, or deleting the user ends them all.
sso_portal_sessions = Table(
    "sso_portal_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", String(47), ForeignKey("sso_users.id", ondelete="CASCADE"), nullable=False),
    Column("stage", String(8), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("mfa_authenticated_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
Index("ix_sso_portal_sessions_user", sso_portal_sessions.c.user_id)
Index("ix_sso_portal_sessions_expires", sso_portal_sessions.c.expires_at)

# An identity store user's virtual MFA devices for the access portal. ``serial`` names the device
# and is the seed's associated data (as for IAM devices); a device being registered has no
# ``enabled_at`` until two consecutive codes are accepted.
sso_mfa_devices = Table(
    "sso_mfa_devices",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", String(47), ForeignKey("sso_users.id", ondelete="CASCADE"), nullable=False),
    Column("serial", String(64), nullable=False, unique=True),
    Column("name", String(128), nullable=False),
    Column("seed_key_id", String(16), nullable=False),
    Column("seed_sealed", LargeBinary, nullable=False),
    Column("enabled_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_step", Integer, nullable=True),
    Column("drift", Integer, nullable=False),
)
Index("ix_sso_mfa_devices_user", sso_mfa_devices.c.user_id)

# Wrong portal MFA codes, counted per device and per user as ``mfa_failures`` are for IAM users.
sso_mfa_failures = Table(
    "sso_mfa_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("device_id", String(32), ForeignKey("sso_mfa_devices.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", String(47), ForeignKey("sso_users.id", ondelete="CASCADE"), nullable=True),
    Column("failed_at", DateTime(timezone=True), nullable=False),
)
Index("ix_sso_mfa_failures_device", sso_mfa_failures.c.device_id, sso_mfa_failures.c.failed_at)
Index("ix_sso_mfa_failures_user", sso_mfa_failures.c.user_id, sso_mfa_failures.c.failed_at)

# The access portal's external SAML identity provider (at most one per instance): its metadata
# as the administrator gave it, the entity id and validUntil read from it.
sso_identity_sources = Table(
    "sso_identity_sources",
    metadata,
    Column("instance_id", String(32), ForeignKey("sso_instances.id", ondelete="CASCADE"), primary_key=True),
    Column("entity_id", String(1024), nullable=False),
    Column("metadata_document", Text, nullable=False),
    Column("valid_until", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# StartDeviceAuthorization requests: ``id`` is the SHA-256 of the device code; ``status``
# "pending", "allowed" or "denied"; ``session_id`` the sign-in that answered.
sso_device_authorizations = Table(
    "sso_device_authorizations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("client_id", String(64), ForeignKey("sso_oidc_clients.id", ondelete="CASCADE"), nullable=False),
    Column("user_code", String(9), nullable=False, unique=True),
    Column("status", String(8), nullable=False),
    Column("session_id", String(64), ForeignKey("sso_portal_sessions.id", ondelete="CASCADE"), nullable=True),
    Column("interval_seconds", Integer, nullable=False),
    Column("polled_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
Index("ix_sso_device_authorizations_expires", sso_device_authorizations.c.expires_at)

# Authorization codes issued at /authorize (PKCE S256): ``id`` is the SHA-256 of the code.
sso_authorization_codes = Table(
    "sso_authorization_codes",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("client_id", String(64), ForeignKey("sso_oidc_clients.id", ondelete="CASCADE"), nullable=False),
    Column(
        "session_id", String(64), ForeignKey("sso_portal_sessions.id", ondelete="CASCADE"), nullable=False
    ),
    Column("redirect_uri", String(2048), nullable=False),
    Column("code_challenge", String(128), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
Index("ix_sso_authorization_codes_expires", sso_authorization_codes.c.expires_at)

# Access tokens (``id``: SHA-256 of the token) with their refresh token's SHA-256, if any, and
# each one's end. A refresh replaces the row: the old access and refresh tokens stop working.
sso_tokens = Table(
    "sso_tokens",
    metadata,
    Column("id", String(64), primary_key=True),
    Column(
        "session_id", String(64), ForeignKey("sso_portal_sessions.id", ondelete="CASCADE"), nullable=False
    ),
    Column("client_id", String(64), ForeignKey("sso_oidc_clients.id", ondelete="CASCADE"), nullable=False),
    Column("refresh_hash", String(64), nullable=True, unique=True),
    Column("scopes", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("refresh_expires_at", DateTime(timezone=True), nullable=True),
)
Index("ix_sso_tokens_session", sso_tokens.c.session_id)
Index("ix_sso_tokens_expires", sso_tokens.c.expires_at)
