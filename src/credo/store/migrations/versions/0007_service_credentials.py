"""Service-specific credentials and server certificates.

Revision ID: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels = None
depends_on = None


def _account_id() -> sa.Column[str]:
    return sa.Column(
        "account_id", sa.String(12), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "service_specific_credentials",
        sa.Column("id", sa.String(128), primary_key=True),
        _account_id(),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("service_name", sa.String(128), nullable=False),
        sa.Column("service_user_name", sa.String(200), nullable=False),
        sa.Column("secret_key_id", sa.String(16), nullable=False),
        sa.Column("secret_sealed", sa.LargeBinary, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_service_specific_credentials_user", "service_specific_credentials", ["user_id"])
    op.create_table(
        "server_certificates",
        sa.Column("id", sa.String(32), primary_key=True),
        _account_id(),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("name_lower", sa.String(128), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("chain", sa.Text, nullable=True),
        sa.Column("private_key_key_id", sa.String(16), nullable=False),
        sa.Column("private_key_sealed", sa.LargeBinary, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("account_id", "name_lower", name="uq_server_certificates_account_name"),
    )


def downgrade() -> None:
    op.drop_table("server_certificates")
    op.drop_index("ix_service_specific_credentials_user", table_name="service_specific_credentials")
    op.drop_table("service_specific_credentials")
