"""SAML and OpenID Connect identity providers, and the SAML providers' private keys.

Revision ID: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision: str | None = "0012"
branch_labels = None
depends_on = None


def _account() -> sa.Column[str]:
    return sa.Column(
        "account_id", sa.String(12), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "saml_providers",
        sa.Column("id", sa.String(64), primary_key=True),
        _account(),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("name_lower", sa.String(128), nullable=False),
        sa.Column("metadata_document", sa.Text, nullable=False),
        sa.Column("entity_id", sa.String(1024), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("encryption_mode", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("account_id", "name_lower", name="uq_saml_providers_account_name"),
    )
    op.create_table(
        "saml_provider_keys",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "provider_id",
            sa.String(64),
            sa.ForeignKey("saml_providers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key_key_id", sa.String(16), nullable=False),
        sa.Column("key_sealed", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_saml_provider_keys_provider", "saml_provider_keys", ["provider_id"])
    op.create_table(
        "oidc_providers",
        sa.Column("id", sa.String(32), primary_key=True),
        _account(),
        sa.Column("location", sa.String(255), nullable=False),
        sa.Column("scheme", sa.String(8), nullable=False),
        sa.Column("client_ids", sa.Text, nullable=False),
        sa.Column("thumbprints", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("account_id", "location", name="uq_oidc_providers_account_location"),
    )


def downgrade() -> None:
    op.drop_table("oidc_providers")
    op.drop_index("ix_saml_provider_keys_provider", table_name="saml_provider_keys")
    op.drop_table("saml_provider_keys")
    op.drop_table("saml_providers")
