"""Console sessions and the record of console sign-in attempts.

Revision ID: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision: str | None = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "account_id", sa.String(12), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("credential_stamp", sa.String(64), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("mfa_authenticated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_console_sessions_user", "console_sessions", ["user_id"])
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account", sa.String(256), nullable=False),
        sa.Column("user_name", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=True),
        sa.Column("source_ip", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
    )
    op.create_index("ix_sign_in_attempts_who", "sign_in_attempts", ["account", "user_name"])
    op.create_index("ix_sign_in_attempts_source", "sign_in_attempts", ["source_ip", "attempted_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_attempts_source", table_name="sign_in_attempts")
    op.drop_index("ix_sign_in_attempts_who", table_name="sign_in_attempts")
    op.drop_table("sign_in_attempts")
    op.drop_index("ix_console_sessions_user", table_name="console_sessions")
    op.drop_table("console_sessions")
