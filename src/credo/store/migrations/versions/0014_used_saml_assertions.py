"""SAML assertions already exchanged for credentials (AssumeRoleWithSAML refuses a replay).

Revision ID: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision: str | None = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "used_saml_assertions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_used_saml_assertions_expires", "used_saml_assertions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_used_saml_assertions_expires", table_name="used_saml_assertions")
    op.drop_table("used_saml_assertions")
