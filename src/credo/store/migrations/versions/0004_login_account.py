"""Login profiles, password policy, account aliases, credential reports.

Revision ID: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels = None
depends_on = None


def _account_id() -> sa.Column[str]:
    return sa.Column(
        "account_id", sa.String(12), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "login_profiles",
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        _account_id(),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("password_reset_required", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "password_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_password_history_user", "password_history", ["user_id"])
    op.create_table(
        "password_policies",
        sa.Column(
            "account_id", sa.String(12), sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("minimum_password_length", sa.Integer, nullable=False),
        sa.Column("require_symbols", sa.Boolean, nullable=False),
        sa.Column("require_numbers", sa.Boolean, nullable=False),
        sa.Column("require_uppercase", sa.Boolean, nullable=False),
        sa.Column("require_lowercase", sa.Boolean, nullable=False),
        sa.Column("allow_users_to_change_password", sa.Boolean, nullable=False),
        sa.Column("max_password_age", sa.Integer, nullable=True),
        sa.Column("password_reuse_prevention", sa.Integer, nullable=True),
        sa.Column("hard_expiry", sa.Boolean, nullable=True),
    )
    op.create_table(
        "account_aliases",
        sa.Column("alias", sa.String(63), primary_key=True),
        _account_id(),
        sa.UniqueConstraint("account_id", name="uq_account_aliases_account"),
    )
    op.create_table(
        "credential_reports",
        sa.Column(
            "account_id", sa.String(12), sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "credential_reports",
        "account_aliases",
        "password_policies",
        "password_history",
        "login_profiles",
    ):
        op.drop_table(table)
