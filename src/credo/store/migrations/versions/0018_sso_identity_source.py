"""The access portal's external SAML identity provider.

Revision ID: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision: str | None = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sso_identity_sources",
        sa.Column(
            "instance_id",
            sa.String(32),
            sa.ForeignKey("sso_instances.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("entity_id", sa.String(1024), nullable=False),
        sa.Column("metadata_document", sa.Text, nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sso_identity_sources")
