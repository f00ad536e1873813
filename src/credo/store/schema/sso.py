"""IAM Identity Center (``credo.sso``): the instance, its identity store, permission sets, assignments and the roles they provision."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from credo.store.schema.base import metadata

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
