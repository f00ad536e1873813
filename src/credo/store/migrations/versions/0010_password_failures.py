"""Wrong passwords, counted per user, so guessing an old password is throttled like MFA codes.

Revision ID: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision: str | None = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "password_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_password_failures_user", "password_failures", ["user_id", "failed_at"])


def downgrade() -> None:
    op.drop_index("ix_password_failures_user", table_name="password_failures")
    op.drop_table("password_failures")
