"""The tables, as SQLAlchemy Core metadata; migrations in ``migrations/versions`` build the same.

A test compares a migrated database with this metadata, so the two cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(12), primary_key=True),
    Column("email", String(256), nullable=True),
    Column("root_password_hash", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("name_lower", String(64), nullable=False),
    Column("path", String(512), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("password_last_used", DateTime(timezone=True), nullable=True),
    Column("permissions_boundary_arn", String(2048), nullable=True),
    UniqueConstraint("account_id", "name_lower", name="uq_users_account_name"),
)

tags = Table(
    "tags",
    metadata,
    Column("entity_id", String(64), primary_key=True),
    Column("key_lower", String(128), primary_key=True),
    Column("key", String(128), nullable=False),
    Column("value", String(256), nullable=False),
    Column("position", Integer, nullable=False),
)

access_keys = Table(
    "access_keys",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    # NULL for the account's root user.
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    Column("secret_key_id", String(16), nullable=False),
    Column("secret_sealed", LargeBinary, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    Column("last_used_service", String(64), nullable=True),
    Column("last_used_region", String(64), nullable=True),
)
Index("ix_access_keys_user", access_keys.c.user_id)

# One row, no longer written: caches now learn what changed through credo.store.changes. Kept
# (and kept by dev mode's reset) so stores made before that migrate and restore unchanged.
store_epoch = Table(
    "store_epoch",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("value", Integer, nullable=False),
)

# --- roles and instance profiles ---

roles = Table(
    "roles",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("name_lower", String(64), nullable=False),
    Column("path", String(512), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Stored exactly as the client sent it; GetRole returns it URL-encoded.
    Column("trust_policy", Text, nullable=False),
    Column("description", String(1000), nullable=True),
    Column("max_session_duration", Integer, nullable=False),
    Column("permissions_boundary_arn", String(2048), nullable=True),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    Column("last_used_region", String(64), nullable=True),
    UniqueConstraint("account_id", "name_lower", name="uq_roles_account_name"),
)

instance_profiles = Table(
    "instance_profiles",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("name_lower", String(128), nullable=False),
    Column("path", String(512), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("account_id", "name_lower", name="uq_instance_profiles_account_name"),
)

# AWS allows one role per instance profile; the limit is checked in code, not by the schema.
instance_profile_roles = Table(
    "instance_profile_roles",
    metadata,
    Column(
        "instance_profile_id",
        String(32),
        ForeignKey("instance_profiles.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("role_id", String(32), ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)
Index("ix_instance_profile_roles_role", instance_profile_roles.c.role_id)

# Roles that belong to an AWS service (CreateServiceLinkedRole): only that service may change
# them, so the role's own operations check this table before they change anything.
service_linked_roles = Table(
    "service_linked_roles",
    metadata,
    Column("role_id", String(32), ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    # The service principal, e.g. elasticbeanstalk.amazonaws.com.
    Column("service_name", String(128), nullable=False),
)

# DeleteServiceLinkedRole's tasks, which GetServiceLinkedRoleDeletionStatus reports on.
service_linked_role_deletions = Table(
    "service_linked_role_deletions",
    metadata,
    # task/aws-service-role/<service principal>/<role name>/<uuid>, as AWS spells it.
    Column("id", String(300), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),
    # DeletionTaskFailureReasonType as JSON, for a task that failed.
    Column("reason", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_service_linked_role_deletions_account", service_linked_role_deletions.c.account_id)

# When each user or role last tried to use a service (and, for IAM, each action; ``action_name``
# is "" for the service as a whole). Written in batches by ``auth/key_usage.py``, read by the
# service last accessed reports. No foreign key on the entity: users and roles both plug in.
service_last_accessed = Table(
    "service_last_accessed",
    metadata,
    Column("entity_id", String(32), primary_key=True),
    Column("service_namespace", String(64), primary_key=True),
    Column("action_name", String(128), primary_key=True),
    # No foreign key: batches written after a dev-mode reset must not fail on a vanished account.
    Column("account_id", String(12), nullable=False),
    Column("last_authenticated_at", DateTime(timezone=True), nullable=False),
    Column("region", String(64), nullable=False),
)

# GenerateServiceLastAccessedDetails jobs: the report is computed when the job is made and kept
# as JSON, so later reads page through one consistent snapshot.
service_last_accessed_jobs = Table(
    "service_last_accessed_jobs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    # AWS answers a job only to the user or role session that generated it.
    Column("requester_arn", String(2048), nullable=False),
    Column("granularity", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=False),
    Column("report", Text, nullable=False),
)
Index(
    "ix_service_last_accessed_jobs_account",
    service_last_accessed_jobs.c.account_id,
    service_last_accessed_jobs.c.created_at,
)

# --- login profiles, password policy, account aliases, credential reports ---

login_profiles = Table(
    "login_profiles",
    metadata,
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    # argon2id only; the plain text is never stored.
    Column("password_hash", Text, nullable=False),
    Column("password_reset_required", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("password_changed_at", DateTime(timezone=True), nullable=False),
)

# Every password a user has had (newest last), for PasswordReusePrevention; outlives the
# login profile (deleting and recreating it must not reset the history), not the user.
password_history = Table(
    "password_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False),
)
Index("ix_password_history_user", password_history.c.user_id)

password_policies = Table(
    "password_policies",
    metadata,
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("minimum_password_length", Integer, nullable=False),
    Column("require_symbols", Boolean, nullable=False),
    Column("require_numbers", Boolean, nullable=False),
    Column("require_uppercase", Boolean, nullable=False),
    Column("require_lowercase", Boolean, nullable=False),
    Column("allow_users_to_change_password", Boolean, nullable=False),
    Column("max_password_age", Integer, nullable=True),
    Column("password_reuse_prevention", Integer, nullable=True),
    Column("hard_expiry", Boolean, nullable=True),
)

# One row per account-wide setting that AWS keeps as a single value (e.g. the STS global
# endpoint's token version); ``value`` is JSON, read and written by the module that owns ``name``.
account_settings = Table(
    "account_settings",
    metadata,
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# The primary key makes an alias unique across every account, as AWS's are.
account_aliases = Table(
    "account_aliases",
    metadata,
    Column("alias", String(63), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    UniqueConstraint("account_id", name="uq_account_aliases_account"),
)

credential_reports = Table(
    "credential_reports",
    metadata,
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("generated_at", DateTime(timezone=True), nullable=False),
    Column("content", LargeBinary, nullable=False),
)

# --- groups, managed and inline policies, attachments ---

groups = Table(
    "groups",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("name_lower", String(128), nullable=False),
    Column("path", String(512), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("account_id", "name_lower", name="uq_groups_account_name"),
)

group_members = Table(
    "group_members",
    metadata,
    Column("group_id", String(32), ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)
Index("ix_group_members_user", group_members.c.user_id)

# Customer managed policies; AWS managed ones live in a read-only catalog shipped as data.
managed_policies = Table(
    "managed_policies",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("name_lower", String(128), nullable=False),
    Column("path", String(512), nullable=False),
    Column("description", String(1000), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("default_version", Integer, nullable=False),
    # Version numbers are never reused, even after a version is deleted.
    Column("next_version", Integer, nullable=False),
    UniqueConstraint("account_id", "name_lower", name="uq_managed_policies_account_name"),
)

policy_versions = Table(
    "policy_versions",
    metadata,
    Column("policy_id", String(32), ForeignKey("managed_policies.id", ondelete="CASCADE"), primary_key=True),
    Column("number", Integer, primary_key=True, autoincrement=False),
    # Stored exactly as the client sent it; returned URL-encoded.
    Column("document", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Inline policies of users, groups and roles: (entity_kind, entity_id) with no foreign key,
# so every kind of principal plugs in (entity ids are globally unique).
inline_policies = Table(
    "inline_policies",
    metadata,
    Column("entity_id", String(32), primary_key=True),
    Column("name_lower", String(128), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("entity_kind", String(8), nullable=False),
    Column("name", String(128), nullable=False),
    Column("document", Text, nullable=False),
    # Non-whitespace characters: AWS's per-entity quota counts these.
    Column("size", Integer, nullable=False),
)

# Managed policies (customer or AWS) attached to users, groups and roles, by policy ARN.
policy_attachments = Table(
    "policy_attachments",
    metadata,
    Column("entity_id", String(32), primary_key=True),
    Column("policy_arn", String(2048), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("entity_kind", String(8), nullable=False),
    Column("policy_name", String(128), nullable=False),
    Column("policy_path", String(512), nullable=False),
)
Index("ix_policy_attachments_policy", policy_attachments.c.account_id, policy_attachments.c.policy_arn)

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

# --- the web console ---

# Signed-in (or half-signed-in: waiting for an MFA code or a new password) console sessions.
# ``id`` is the SHA-256 of the random id in the cookie, so a copy of the table opens no session;
# ``credential_stamp`` fingerprints the password hash signed in with: a changed password ends it.
console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    # NULL for the account's root user.
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    # "mfa" (a code is due), "password" (a new password is due) or "active".
    Column("stage", String(16), nullable=False),
    Column("credential_stamp", String(64), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("mfa_authenticated_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    # "signin" (a password sign-in: root or ``user_id``) or "federation" (the federation
    # endpoint: the session acts as the temporary credentials in ``base_sealed``, never as root).
    Column("origin", String(16), nullable=False, server_default="signin"),
    # When the session ends at the latest (NULL: 12 hours after ``created_at``).
    Column("expires_at", DateTime(timezone=True), nullable=True),
    # Session tokens sealed with the keyring (bound to the row id): a federation session's own
    # credentials, and the role session it switched to (switch role), if any.
    Column("base_key_id", String(16), nullable=True),
    Column("base_sealed", LargeBinary, nullable=True),
    Column("role_key_id", String(16), nullable=True),
    Column("role_sealed", LargeBinary, nullable=True),
    Column("role_display_name", String(64), nullable=True),
    Column("role_color", String(16), nullable=True),
)
Index("ix_console_sessions_user", console_sessions.c.user_id)

# Sign-in tokens of the federation endpoint: single use, 15 minutes. ``id`` is the SHA-256 of
# the token; the temporary credentials' session token is sealed (bound to ``id``).
console_signin_tokens = Table(
    "console_signin_tokens",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("token_key_id", String(16), nullable=False),
    Column("token_sealed", LargeBinary, nullable=False),
    # When the console session this token starts must end.
    Column("session_expires_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
Index("ix_console_signin_tokens_expiry", console_signin_tokens.c.expires_at)

# Secrets the console shows once (a new access key's secret, a new password, an MFA setup),
# waiting for the one page that shows them, whichever process serves it. ``id`` is the SHA-256
# of the session's row key and the purpose; the value (JSON) is sealed with the keyring, bound
# to ``id``. Rows go with their console session (sign-out, expiry, revocation).
console_shown_once = Table(
    "console_shown_once",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("session_key", String(64), ForeignKey("console_sessions.id", ondelete="CASCADE"), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("value_key_id", String(16), nullable=False),
    Column("value_sealed", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_console_shown_once_session", console_shown_once.c.session_key)
Index("ix_console_shown_once_created", console_shown_once.c.created_at)

# Every console sign-in attempt (who, from where, outcome), for throttling and the audit trail.
# ``account`` and ``user_name`` are as typed, lower-cased: attempts on unknown names count too.
sign_in_attempts = Table(
    "sign_in_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("attempted_at", DateTime(timezone=True), nullable=False),
    Column("account", String(256), nullable=False),
    Column("user_name", String(128), nullable=False),
    Column("account_id", String(12), nullable=True),
    Column("source_ip", String(64), nullable=False),
    Column("outcome", String(32), nullable=False),
)
Index("ix_sign_in_attempts_who", sign_in_attempts.c.account, sign_in_attempts.c.user_name)
Index("ix_sign_in_attempts_source", sign_in_attempts.c.source_ip, sign_in_attempts.c.attempted_at)

# --- IAM Identity Center (sso/) ---

# The installation's one Identity Center instance (ssoins-<16 hex>), with its identity store
# (d-<10 hex>), owned by the management account. ``provider_suffix`` names the SAML provider
# the provisioned roles trust: AWSSSO_<provider_suffix>_DO_NOT_DELETE.
sso_instances = Table(
    "sso_instances",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("identity_store_id", String(16), nullable=False, unique=True),
    Column("owner_account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=True),
    Column("provider_suffix", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Identity store users. ``name_key`` is the SHA-256 (hex) of the case-folded user name: user
# names are unique ignoring case, and may be 128 characters of any script. The profile
# attributes the store keeps but credo never reads (addresses, phone numbers, photos,
# extensions…) are one JSON object; ``emails`` is the JSON list of Email objects.
# ``password_hash`` (argon2id, for the access portal) is never returned by any API.
sso_users = Table(
    "sso_users",
    metadata,
    Column("id", String(47), primary_key=True),
    Column("instance_id", String(32), ForeignKey("sso_instances.id", ondelete="CASCADE"), nullable=False),
    Column("user_name", String(128), nullable=False),
    Column("name_key", String(64), nullable=False),
    Column("display_name", String(1024), nullable=True),
    Column("formatted_name", String(1024), nullable=True),
    Column("family_name", String(1024), nullable=True),
    Column("given_name", String(1024), nullable=True),
    Column("middle_name", String(1024), nullable=True),
    Column("honorific_prefix", String(1024), nullable=True),
    Column("honorific_suffix", String(1024), nullable=True),
    Column("emails", Text, nullable=True),
    # SHA-256 (hex) of the case-folded primary email address, for GetUserId by emails.value.
    Column("email_key", String(64), nullable=True),
    Column("profile", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("password_hash", Text, nullable=True),
    Column("password_changed_at", DateTime(timezone=True), nullable=True),
    Column("revision", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(2048), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(2048), nullable=False),
    UniqueConstraint("instance_id", "name_key", name="uq_sso_users_name"),
)
Index("ix_sso_users_email", sso_users.c.instance_id, sso_users.c.email_key)

# Identity store groups; ``name_key`` as for users, of the display name (unique ignoring case).
sso_groups = Table(
    "sso_groups",
    metadata,
    Column("id", String(47), primary_key=True),
    Column("instance_id", String(32), ForeignKey("sso_instances.id", ondelete="CASCADE"), nullable=False),
    Column("display_name", String(1024), nullable=False),
    Column("name_key", String(64), nullable=False),
    Column("description", String(1024), nullable=True),
    Column("revision", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(2048), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(2048), nullable=False),
    UniqueConstraint("instance_id", "name_key", name="uq_sso_groups_name"),
)

sso_group_memberships = Table(
    "sso_group_memberships",
    metadata,
    Column("id", String(47), primary_key=True),
    Column("group_id", String(47), ForeignKey("sso_groups.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", String(47), ForeignKey("sso_users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(2048), nullable=False),
    UniqueConstraint("group_id", "user_id", name="uq_sso_group_memberships_member"),
)
Index("ix_sso_group_memberships_user", sso_group_memberships.c.user_id)

# Permission sets (ps-<16 hex>). ``revision`` grows with every change; a provisioned role
# records the revision it was built from, so an account whose role is older is "not provisioned
# with the latest". The boundary is an AWS managed policy ARN or a customer managed policy's
# name and path (resolved in each account at provisioning).
sso_permission_sets = Table(
    "sso_permission_sets",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("instance_id", String(32), ForeignKey("sso_instances.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(32), nullable=False),
    Column("name_lower", String(32), nullable=False),
    Column("description", String(700), nullable=True),
    Column("session_duration", String(100), nullable=False),
    Column("relay_state", String(240), nullable=True),
    Column("inline_policy", Text, nullable=True),
    Column("boundary_policy_arn", String(2048), nullable=True),
    Column("boundary_policy_name", String(128), nullable=True),
    Column("boundary_policy_path", String(512), nullable=True),
    Column("revision", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("instance_id", "name_lower", name="uq_sso_permission_sets_name"),
)

# A permission set's managed policies: AWS managed ones (``kind`` "aws", ``reference`` the ARN)
# and references to customer managed ones (``kind`` "customer", ``reference`` path + name).
sso_permission_set_policies = Table(
    "sso_permission_set_policies",
    metadata,
    Column(
        "permission_set_id",
        String(32),
        ForeignKey("sso_permission_sets.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("kind", String(8), primary_key=True),
    Column("reference", String(2048), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("path", String(512), nullable=False),
    Column("attached_at", DateTime(timezone=True), nullable=False),
)

# Who may use a permission set in which account: a user or a group of the identity store.
sso_account_assignments = Table(
    "sso_account_assignments",
    metadata,
    Column(
        "permission_set_id",
        String(32),
        ForeignKey("sso_permission_sets.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("principal_type", String(8), primary_key=True),
    Column("principal_id", String(47), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_sso_account_assignments_principal", sso_account_assignments.c.principal_id)
Index("ix_sso_account_assignments_account", sso_account_assignments.c.account_id)

# The AWSReservedSSO_… role a permission set is provisioned as in one account. IAM refuses
# callers' changes to these roles (``iam/protected_roles.py``); ``revision`` is the permission
# set's revision the role was last built from.
sso_provisioned_roles = Table(
    "sso_provisioned_roles",
    metadata,
    Column(
        "permission_set_id",
        String(32),
        ForeignKey("sso_permission_sets.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", String(32), ForeignKey("roles.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("revision", Integer, nullable=False),
    Column("provisioned_at", DateTime(timezone=True), nullable=False),
)

# The status records of assignment creations and deletions and of provisionings, which AWS runs
# asynchronously and reports by request id. ``kind``: "assignment-creation",
# "assignment-deletion" or "provisioning".
sso_requests = Table(
    "sso_requests",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("instance_id", String(32), ForeignKey("sso_instances.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("status", String(16), nullable=False),
    Column("failure_reason", Text, nullable=True),
    Column("account_id", String(12), nullable=True),
    Column("permission_set_arn", String(1224), nullable=True),
    Column("principal_type", String(8), nullable=True),
    Column("principal_id", String(47), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_sso_requests_instance", sso_requests.c.instance_id, sso_requests.c.kind, sso_requests.c.created_at)

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

# --- the audit trail (audit/) ---

# One CloudTrail-shaped event per API call and console sign-in: ``event`` is the record as
# CloudTrail writes it (JSON, every secret removed); the other columns are what LookupEvents and
# ``credo audit`` filter on. A mutating call's row is written in its own transaction.
audit_events = Table(
    "audit_events",
    metadata,
    Column("id", String(36), primary_key=True),  # eventID
    Column("event_time", DateTime(timezone=True), nullable=False),
    # recipientAccountId; NULL when no account could be told (an unsigned call that failed).
    Column("account_id", String(12), nullable=True),
    Column("event_source", String(64), nullable=False),
    Column("event_name", String(128), nullable=False),
    Column("user_name", String(256), nullable=True),  # LookupEvents' Username
    Column("access_key_id", String(128), nullable=True),
    Column("read_only", Boolean, nullable=False),
    Column("resources", Text, nullable=False),  # JSON: [{"ResourceType", "ResourceName"}]
    Column("event", Text, nullable=False),
)
Index("ix_audit_events_time", audit_events.c.event_time)
Index("ix_audit_events_account_time", audit_events.c.account_id, audit_events.c.event_time)
Index("ix_audit_events_name", audit_events.c.event_name, audit_events.c.event_time)
Index("ix_audit_events_user", audit_events.c.user_name, audit_events.c.event_time)
Index("ix_audit_events_key", audit_events.c.access_key_id)

# Each event's resources, one row each, for LookupEvents' ResourceName and ResourceType.
audit_event_resources = Table(
    "audit_event_resources",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), ForeignKey("audit_events.id", ondelete="CASCADE"), nullable=False),
    Column("resource_type", String(64), nullable=False),
    Column("resource_name", String(2048), nullable=False),
)
Index("ix_audit_event_resources_event", audit_event_resources.c.event_id)
Index("ix_audit_event_resources_name", audit_event_resources.c.resource_name)
Index("ix_audit_event_resources_type", audit_event_resources.c.resource_type)

# Service definitions of the teams' own services (credo.gateway): one per prefix and scope,
# where scope is an account id or "*" for every account. ``document`` is the checked definition
# as canonical JSON; ``version`` counts its puts.
service_definitions = Table(
    "service_definitions",
    metadata,
    Column("prefix", String(64), primary_key=True),
    Column("scope", String(12), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("document", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
