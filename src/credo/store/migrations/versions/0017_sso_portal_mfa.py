"""Virtual MFA devices of identity store users for the access portal, and their wrong codes.

Revision ID: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision: str | None = "0016"
branch_labels = None
depends_on = None


def _user(nullable: bool) -> sa.Column[str]:
    return sa.Column(
        "user_id", sa.String(47), sa.ForeignKey("sso_users.id", ondelete="CASCADE"), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "sso_mfa_devices",
        sa.Column("id", sa.String(32), primary_key=True),
        _user(nullable=False),
        sa.Column("serial", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("seed_key_id", sa.String(16), nullable=False),
        sa.Column("seed_sealed", sa.LargeBinary, nullable=False),
        sa.Column("enabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_step", sa.Integer, nullable=True),
        sa.Column("drift", sa.Integer, nullable=False),
    )
    op.create_index("ix_sso_mfa_devices_user", "sso_mfa_devices", ["user_id"])
    op.create_table(
        "sso_mfa_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "device_id",
            sa.String(32),
            sa.ForeignKey("sso_mfa_devices.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _user(nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sso_mfa_failures_device", "sso_mfa_failures", ["device_id", "failed_at"])
    op.create_index("ix_sso_mfa_failures_user", "sso_mfa_failures", ["user_id", "failed_at"])


def downgrade() -> None:
    op.drop_index("ix_sso_mfa_failures_user", table_name="sso_mfa_failures")
    op.drop_index("ix_sso_mfa_failures_device", table_name="sso_mfa_failures")
    op.drop_table("sso_mfa_failures")
    op.drop_index("ix_sso_mfa_devices_user", table_name="sso_mfa_devices")
    op.drop_table("sso_mfa_devices")
