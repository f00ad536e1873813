"""Groups, managed and inline policies, attachments.

Revision ID: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None


def _account_id() -> sa.Column[str]:
    return sa.Column(
        "account_id", sa.String(12), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "groups",
        sa.Column("id", sa.String(32), primary_key=True),
        _account_id(),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("name_lower", sa.String(128), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("account_id", "name_lower", name="uq_groups_account_name"),
    )
    op.create_table(
        "group_members",
        sa.Column(
            "group_id", sa.String(32), sa.ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_group_members_user", "group_members", ["user_id"])
    op.create_table(
        "managed_policies",
        sa.Column("id", sa.String(32), primary_key=True),
        _account_id(),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("name_lower", sa.String(128), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("description", sa.String(1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("default_version", sa.Integer, nullable=False),
        sa.Column("next_version", sa.Integer, nullable=False),
        sa.UniqueConstraint("account_id", "name_lower", name="uq_managed_policies_account_name"),
    )
    op.create_table(
        "policy_versions",
        sa.Column(
            "policy_id",
            sa.String(32),
            sa.ForeignKey("managed_policies.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "inline_policies",
        sa.Column("entity_id", sa.String(32), primary_key=True),
        sa.Column("name_lower", sa.String(128), primary_key=True),
        _account_id(),
        sa.Column("entity_kind", sa.String(8), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
    )
    op.create_table(
        "policy_attachments",
        sa.Column("entity_id", sa.String(32), primary_key=True),
        sa.Column("policy_arn", sa.String(2048), primary_key=True),
        _account_id(),
        sa.Column("entity_kind", sa.String(8), nullable=False),
        sa.Column("policy_name", sa.String(128), nullable=False),
        sa.Column("policy_path", sa.String(512), nullable=False),
    )
    op.create_index("ix_policy_attachments_policy", "policy_attachments", ["account_id", "policy_arn"])


def downgrade() -> None:
    for table in (
        "policy_attachments",
        "inline_policies",
        "policy_versions",
        "managed_policies",
        "group_members",
        "groups",
    ):
        op.drop_table(table)
