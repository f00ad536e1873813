"""Console sessions that act as a role (switch role, the federation endpoint), and sign-in tokens.

Revision ID: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision: str | None = "0011"
branch_labels = None
depends_on = None

_SESSION_COLUMNS = (
    ("origin", sa.String(16), False, "signin"),
    ("expires_at", sa.DateTime(timezone=True), True, None),
    ("base_key_id", sa.String(16), True, None),
    ("base_sealed", sa.LargeBinary, True, None),
    ("role_key_id", sa.String(16), True, None),
    ("role_sealed", sa.LargeBinary, True, None),
    ("role_display_name", sa.String(64), True, None),
    ("role_color", sa.String(16), True, None),
)


def upgrade() -> None:
    for name, kind, nullable, default in _SESSION_COLUMNS:
        op.add_column("console_sessions", sa.Column(name, kind, nullable=nullable, server_default=default))
    op.create_table(
        "console_signin_tokens",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "account_id", sa.String(12), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("token_key_id", sa.String(16), nullable=False),
        sa.Column("token_sealed", sa.LargeBinary, nullable=False),
        sa.Column("session_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_console_signin_tokens_expiry", "console_signin_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_console_signin_tokens_expiry", table_name="console_signin_tokens")
    op.drop_table("console_signin_tokens")
    with op.batch_alter_table("console_sessions") as batch:
        for name, *_rest in reversed(_SESSION_COLUMNS):
            batch.drop_column(name)
