"""Roles and instance profiles.

Revision ID: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roles",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "account_id", sa.String(12), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("name_lower", sa.String(64), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trust_policy", sa.Text, nullable=False),
        sa.Column("description", sa.String(1000), nullable=True),
        sa.Column("max_session_duration", sa.Integer, nullable=False),
        sa.Column("permissions_boundary_arn", sa.String(2048), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_region", sa.String(64), nullable=True),
        sa.UniqueConstraint("account_id", "name_lower", name="uq_roles_account_name"),
    )
    op.create_table(
        "instance_profiles",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "account_id", sa.String(12), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("name_lower", sa.String(128), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("account_id", "name_lower", name="uq_instance_profiles_account_name"),
    )
    op.create_table(
        "instance_profile_roles",
        sa.Column(
            "instance_profile_id",
            sa.String(32),
            sa.ForeignKey("instance_profiles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("role_id", sa.String(32), sa.ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_instance_profile_roles_role", "instance_profile_roles", ["role_id"])


def downgrade() -> None:
    for table in ("instance_profile_roles", "instance_profiles", "roles"):
        op.drop_table(table)
