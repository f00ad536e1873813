"""Accounts, users, access keys, tags, roles, instance profiles, login profiles and password rules, groups, managed and inline policies and their attachments."""

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

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(12), primary_key=True),
    Column("email", String(256), nullable=True),
    Column("root_password_hash", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # The root user's GetUser PasswordLastUsed (migration 0024).
    Column("root_password_last_used", DateTime(timezone=True), nullable=True),
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
