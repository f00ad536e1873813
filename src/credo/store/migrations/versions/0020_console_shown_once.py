"""The console's shown-once secrets, in the store so every server process can show them.

Revision ID: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision: str | None = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_shown_once",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "session_key",
            sa.String(64),
            sa.ForeignKey("console_sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("value_key_id", sa.String(16), nullable=False),
        sa.Column("value_sealed", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_console_shown_once_session", "console_shown_once", ["session_key"])
    op.create_index("ix_console_shown_once_created", "console_shown_once", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_console_shown_once_created", table_name="console_shown_once")
    op.drop_index("ix_console_shown_once_session", table_name="console_shown_once")
    op.drop_table("console_shown_once")
