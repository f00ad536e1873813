"""IAM Identity Center: the instance, its identity store (users, groups, memberships), permission
sets with their policies, account assignments, provisioned roles and request statuses.

Revision ID: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision: str | None = "0014"
branch_labels = None
depends_on = None


def _instance() -> sa.Column[str]:
    return sa.Column(
        "instance_id", sa.String(32), sa.ForeignKey("sso_instances.id", ondelete="CASCADE"), nullable=False
    )


def _permission_set() -> sa.Column[str]:
    return sa.Column(
        "permission_set_id",
        sa.String(32),
        sa.ForeignKey("sso_permission_sets.id", ondelete="CASCADE"),
        primary_key=True,
    )


def _account() -> sa.Column[str]:
    return sa.Column(
        "account_id", sa.String(12), sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(2048), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(2048), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "sso_instances",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("identity_store_id", sa.String(16), nullable=False, unique=True),
        sa.Column(
            "owner_account_id",
            sa.String(12),
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("provider_suffix", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sso_users",
        sa.Column("id", sa.String(47), primary_key=True),
        _instance(),
        sa.Column("user_name", sa.String(128), nullable=False),
        sa.Column("name_key", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(1024), nullable=True),
        sa.Column("formatted_name", sa.String(1024), nullable=True),
        sa.Column("family_name", sa.String(1024), nullable=True),
        sa.Column("given_name", sa.String(1024), nullable=True),
        sa.Column("middle_name", sa.String(1024), nullable=True),
        sa.Column("honorific_prefix", sa.String(1024), nullable=True),
        sa.Column("honorific_suffix", sa.String(1024), nullable=True),
        sa.Column("emails", sa.Text, nullable=True),
        sa.Column("email_key", sa.String(64), nullable=True),
        sa.Column("profile", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=True),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revision", sa.Integer, nullable=False),
        *_stamps(),
        sa.UniqueConstraint("instance_id", "name_key", name="uq_sso_users_name"),
    )
    op.create_index("ix_sso_users_email", "sso_users", ["instance_id", "email_key"])
    op.create_table(
        "sso_groups",
        sa.Column("id", sa.String(47), primary_key=True),
        _instance(),
        sa.Column("display_name", sa.String(1024), nullable=False),
        sa.Column("name_key", sa.String(64), nullable=False),
        sa.Column("description", sa.String(1024), nullable=True),
        sa.Column("revision", sa.Integer, nullable=False),
        *_stamps(),
        sa.UniqueConstraint("instance_id", "name_key", name="uq_sso_groups_name"),
    )
    op.create_table(
        "sso_group_memberships",
        sa.Column("id", sa.String(47), primary_key=True),
        sa.Column(
            "group_id", sa.String(47), sa.ForeignKey("sso_groups.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "user_id", sa.String(47), sa.ForeignKey("sso_users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(2048), nullable=False),
        sa.UniqueConstraint("group_id", "user_id", name="uq_sso_group_memberships_member"),
    )
    op.create_index("ix_sso_group_memberships_user", "sso_group_memberships", ["user_id"])
    op.create_table(
        "sso_permission_sets",
        sa.Column("id", sa.String(32), primary_key=True),
        _instance(),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("name_lower", sa.String(32), nullable=False),
        sa.Column("description", sa.String(700), nullable=True),
        sa.Column("session_duration", sa.String(100), nullable=False),
        sa.Column("relay_state", sa.String(240), nullable=True),
        sa.Column("inline_policy", sa.Text, nullable=True),
        sa.Column("boundary_policy_arn", sa.String(2048), nullable=True),
        sa.Column("boundary_policy_name", sa.String(128), nullable=True),
        sa.Column("boundary_policy_path", sa.String(512), nullable=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("instance_id", "name_lower", name="uq_sso_permission_sets_name"),
    )
    op.create_table(
        "sso_permission_set_policies",
        _permission_set(),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("reference", sa.String(2048), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sso_account_assignments",
        _permission_set(),
        _account(),
        sa.Column("principal_type", sa.String(8), primary_key=True),
        sa.Column("principal_id", sa.String(47), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sso_account_assignments_principal", "sso_account_assignments", ["principal_id"])
    op.create_index("ix_sso_account_assignments_account", "sso_account_assignments", ["account_id"])
    op.create_table(
        "sso_provisioned_roles",
        _permission_set(),
        _account(),
        sa.Column(
            "role_id",
            sa.String(32),
            sa.ForeignKey("roles.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("provisioned_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sso_requests",
        sa.Column("id", sa.String(36), primary_key=True),
        _instance(),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("failure_reason", sa.Text, nullable=True),
        sa.Column("account_id", sa.String(12), nullable=True),
        sa.Column("permission_set_arn", sa.String(1224), nullable=True),
        sa.Column("principal_type", sa.String(8), nullable=True),
        sa.Column("principal_id", sa.String(47), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sso_requests_instance", "sso_requests", ["instance_id", "kind", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_sso_requests_instance", table_name="sso_requests")
    op.drop_table("sso_requests")
    op.drop_table("sso_provisioned_roles")
    op.drop_index("ix_sso_account_assignments_account", table_name="sso_account_assignments")
    op.drop_index("ix_sso_account_assignments_principal", table_name="sso_account_assignments")
    op.drop_table("sso_account_assignments")
    op.drop_table("sso_permission_set_policies")
    op.drop_table("sso_permission_sets")
    op.drop_index("ix_sso_group_memberships_user", table_name="sso_group_memberships")
    op.drop_table("sso_group_memberships")
    op.drop_table("sso_groups")
    op.drop_index("ix_sso_users_email", table_name="sso_users")
    op.drop_table("sso_users")
    op.drop_table("sso_instances")
