"""Foundation: accounts, users, tags, access keys, the store epoch.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(12), primary_key=True),
        sa.Column("email", sa.String(256), nullable=True),
        sa.Column("root_password_hash", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "account_id", sa.String(12), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("name_lower", sa.String(64), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_last_used", sa.DateTime(timezone=True), nullable=True),
        sa.Column("permissions_boundary_arn", sa.String(2048), nullable=True),
        sa.UniqueConstraint("account_id", "name_lower", name="uq_users_account_name"),
    )
    op.create_table(
        "tags",
        sa.Column("entity_id", sa.String(64), primary_key=True),
        sa.Column("key_lower", sa.String(128), primary_key=True),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("value", sa.String(256), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "access_keys",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column(
            "account_id", sa.String(12), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
        sa.Column("secret_key_id", sa.String(16), nullable=False),
        sa.Column("secret_sealed", sa.LargeBinary, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_service", sa.String(64), nullable=True),
        sa.Column("last_used_region", sa.String(64), nullable=True),
    )
    op.create_index("ix_access_keys_user", "access_keys", ["user_id"])
    op.create_table(
        "store_epoch",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("value", sa.Integer, nullable=False),
    )
    op.execute("INSERT INTO store_epoch (id, value) VALUES (1, 0)")


def downgrade() -> None:
    for table in ("store_epoch", "access_keys", "tags", "users", "accounts"):
        op.drop_table(table)
