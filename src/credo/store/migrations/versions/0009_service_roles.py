"""Service-linked roles, their deletion tasks, and service last accessed data and reports.

Revision ID: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels = None
depends_on = None


def _account_id() -> sa.Column[str]:
    return sa.Column(
        "account_id", sa.String(12), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "service_linked_roles",
        sa.Column("role_id", sa.String(32), sa.ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
        _account_id(),
        sa.Column("service_name", sa.String(128), nullable=False),
    )
    op.create_table(
        "service_linked_role_deletions",
        sa.Column("id", sa.String(300), primary_key=True),
        _account_id(),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_service_linked_role_deletions_account", "service_linked_role_deletions", ["account_id"]
    )
    op.create_table(
        "service_last_accessed",
        sa.Column("entity_id", sa.String(32), primary_key=True),
        sa.Column("service_namespace", sa.String(64), primary_key=True),
        sa.Column("action_name", sa.String(128), primary_key=True),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("last_authenticated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
    )
    op.create_table(
        "service_last_accessed_jobs",
        sa.Column("id", sa.String(36), primary_key=True),
        _account_id(),
        sa.Column("requester_arn", sa.String(2048), nullable=False),
        sa.Column("granularity", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report", sa.Text, nullable=False),
    )
    op.create_index(
        "ix_service_last_accessed_jobs_account",
        "service_last_accessed_jobs",
        ["account_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_service_last_accessed_jobs_account", table_name="service_last_accessed_jobs")
    op.drop_table("service_last_accessed_jobs")
    op.drop_table("service_last_accessed")
    op.drop_index("ix_service_linked_role_deletions_account", table_name="service_linked_role_deletions")
    op.drop_table("service_linked_role_deletions")
    op.drop_table("service_linked_roles")
