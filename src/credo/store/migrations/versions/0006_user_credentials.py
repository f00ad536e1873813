"""SSH public keys and signing certificates.

Revision ID: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels = None
depends_on = None


def _account_id() -> sa.Column[str]:
    return sa.Column(
        "account_id", sa.String(12), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "ssh_public_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        _account_id(),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("openssh", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(48), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "fingerprint", name="uq_ssh_public_keys_user_fingerprint"),
    )
    op.create_table(
        "signing_certificates",
        sa.Column("id", sa.String(128), primary_key=True),
        _account_id(),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("account_id", "fingerprint", name="uq_signing_certificates_account_fingerprint"),
    )
    op.create_index("ix_signing_certificates_user", "signing_certificates", ["user_id"])


def downgrade() -> None:
    for table in ("signing_certificates", "ssh_public_keys"):
        op.drop_table(table)
