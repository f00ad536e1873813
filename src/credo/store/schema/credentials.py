"""Credentials besides access keys: virtual MFA devices and their failures, session keys, SSH public keys, signing certificates, service-specific credentials and server certificates."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from credo.store.schema.base import metadata

# --- virtual MFA devices and temporary credentials ---

mfa_devices = Table(
    "mfa_devices",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    # The ARN; ``serial_lower`` makes path + name unique per account ignoring case, as IAM names are.
    Column("serial", String(256), nullable=False),
    Column("serial_lower", String(256), nullable=False, unique=True),
    Column("name", String(226), nullable=False),
    Column("path", String(512), nullable=False),
    # The TOTP seed, sealed under the master key with the serial as associated data.
    Column("seed_key_id", String(16), nullable=False),
    Column("seed_sealed", LargeBinary, nullable=False),
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    Column("enabled_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # The newest TOTP time step accepted; codes at or before it are replays.
    Column("last_step", Integer, nullable=True),
    # How many 30-second steps the device's clock runs ahead of ours (set by enable and resync).
    Column("drift", Integer, nullable=False),
)
Index("ix_mfa_devices_user", mfa_devices.c.user_id)

# Wrong codes, counted per device and per user within a window to throttle guessing.
mfa_failures = Table(
    "mfa_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("device_id", String(32), ForeignKey("mfa_devices.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    Column("failed_at", DateTime(timezone=True), nullable=False),
)
Index("ix_mfa_failures_device", mfa_failures.c.device_id, mfa_failures.c.failed_at)
Index("ix_mfa_failures_user", mfa_failures.c.user_id, mfa_failures.c.failed_at)

# Wrong passwords given for a user (ChangePassword's OldPassword), counted like wrong MFA codes.
password_failures = Table(
    "password_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("failed_at", DateTime(timezone=True), nullable=False),
)
Index("ix_password_failures_user", password_failures.c.user_id, password_failures.c.failed_at)

# Every temporary access key id issued, so GetAccessKeyInfo can name its account. Verifying a
# session never reads this table: the session token carries everything.
session_keys = Table(
    "session_keys",
    metadata,
    Column("id", String(20), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("source_key_id", String(128), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
Index("ix_session_keys_expires", session_keys.c.expires_at)

# --- SSH public keys and signing certificates ---

ssh_public_keys = Table(
    "ssh_public_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # As uploaded (OpenSSH or PEM); GetSSHPublicKey converts from ``openssh`` when asked.
    Column("body", Text, nullable=False),
    Column("openssh", Text, nullable=False),
    # MD5 of the key blob, colon-separated hex; one key may be uploaded once per user.
    Column("fingerprint", String(48), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("user_id", "fingerprint", name="uq_ssh_public_keys_user_fingerprint"),
)

signing_certificates = Table(
    "signing_certificates",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    # NULL for the account's root user.
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    Column("body", Text, nullable=False),
    # SHA-256 of the DER certificate: a certificate belongs to one owner per account.
    Column("fingerprint", String(64), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("account_id", "fingerprint", name="uq_signing_certificates_account_fingerprint"),
)
Index("ix_signing_certificates_user", signing_certificates.c.user_id)

# --- service-specific credentials and server certificates ---

service_specific_credentials = Table(
    "service_specific_credentials",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("service_name", String(128), nullable=False),
    # ServiceUserName, or ServiceCredentialAlias for API keys.
    Column("service_user_name", String(200), nullable=False),
    # The password (or API key secret), sealed under the master key with the id as associated data.
    Column("secret_key_id", String(16), nullable=False),
    Column("secret_sealed", LargeBinary, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=True),
)
Index("ix_service_specific_credentials_user", service_specific_credentials.c.user_id)

server_certificates = Table(
    "server_certificates",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("name_lower", String(128), nullable=False),
    Column("path", String(512), nullable=False),
    Column("body", Text, nullable=False),
    Column("chain", Text, nullable=True),
    # The private key, sealed under the master key with the id as associated data; never returned.
    Column("private_key_key_id", String(16), nullable=False),
    Column("private_key_sealed", LargeBinary, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("account_id", "name_lower", name="uq_server_certificates_account_name"),
)
