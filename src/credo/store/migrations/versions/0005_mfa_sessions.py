"""Virtual MFA devices, throttled wrong-code attempts, and the index of temporary key ids.

Revision ID: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels = None
depends_on = None


def _account_id() -> sa.Column[str]:
    return sa.Column(
        "account_id", sa.String(12), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "mfa_devices",
        sa.Column("id", sa.String(32), primary_key=True),
        _account_id(),
        sa.Column("serial", sa.String(256), nullable=False),
        sa.Column("serial_lower", sa.String(256), nullable=False, unique=True),
        sa.Column("name", sa.String(226), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("seed_key_id", sa.String(16), nullable=False),
        sa.Column("seed_sealed", sa.LargeBinary, nullable=False),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
        sa.Column("enabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_step", sa.Integer, nullable=True),
        sa.Column("drift", sa.Integer, nullable=False),
    )
    op.create_index("ix_mfa_devices_user", "mfa_devices", ["user_id"])
    op.create_table(
        "mfa_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "device_id", sa.String(32), sa.ForeignKey("mfa_devices.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_mfa_failures_device", "mfa_failures", ["device_id", "failed_at"])
    op.create_index("ix_mfa_failures_user", "mfa_failures", ["user_id", "failed_at"])
    op.create_table(
        "session_keys",
        sa.Column("id", sa.String(20), primary_key=True),
        _account_id(),
        sa.Column("source_key_id", sa.String(128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_session_keys_expires", "session_keys", ["expires_at"])


def downgrade() -> None:
    for table in ("session_keys", "mfa_failures", "mfa_devices"):
        op.drop_table(table)
