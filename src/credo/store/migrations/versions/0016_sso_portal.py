"""The access portal: portal settings, sso-oidc clients, portal sign-in sessions, device
authorizations, authorization codes and tokens.

Revision ID: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision: str | None = "0015"
branch_labels = None
depends_on = None


def _created_expires() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _client() -> sa.Column[str]:
    return sa.Column(
        "client_id", sa.String(64), sa.ForeignKey("sso_oidc_clients.id", ondelete="CASCADE"), nullable=False
    )


def _session(nullable: bool) -> sa.Column[str]:
    return sa.Column(
        "session_id",
        sa.String(64),
        sa.ForeignKey("sso_portal_sessions.id", ondelete="CASCADE"),
        nullable=nullable,
    )


def upgrade() -> None:
    op.create_table(
        "sso_portal_settings",
        sa.Column(
            "instance_id",
            sa.String(32),
            sa.ForeignKey("sso_instances.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("session_seconds", sa.Integer, nullable=False),
    )
    op.create_table(
        "sso_oidc_clients",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "instance_id",
            sa.String(32),
            sa.ForeignKey("sso_instances.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("grant_types", sa.Text, nullable=False),
        sa.Column("redirect_uris", sa.Text, nullable=False),
        sa.Column("issuer_url", sa.String(2048), nullable=True),
        *_created_expires(),
    )
    op.create_index("ix_sso_oidc_clients_expires", "sso_oidc_clients", ["expires_at"])
    op.create_table(
        "sso_portal_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "user_id", sa.String(47), sa.ForeignKey("sso_users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("stage", sa.String(8), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("mfa_authenticated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sso_portal_sessions_user", "sso_portal_sessions", ["user_id"])
    op.create_index("ix_sso_portal_sessions_expires", "sso_portal_sessions", ["expires_at"])
    op.create_table(
        "sso_device_authorizations",
        sa.Column("id", sa.String(64), primary_key=True),
        _client(),
        sa.Column("user_code", sa.String(9), nullable=False, unique=True),
        sa.Column("status", sa.String(8), nullable=False),
        _session(nullable=True),
        sa.Column("interval_seconds", sa.Integer, nullable=False),
        sa.Column("polled_at", sa.DateTime(timezone=True), nullable=True),
        *_created_expires(),
    )
    op.create_index("ix_sso_device_authorizations_expires", "sso_device_authorizations", ["expires_at"])
    op.create_table(
        "sso_authorization_codes",
        sa.Column("id", sa.String(64), primary_key=True),
        _client(),
        _session(nullable=False),
        sa.Column("redirect_uri", sa.String(2048), nullable=False),
        sa.Column("code_challenge", sa.String(128), nullable=False),
        sa.Column("scopes", sa.Text, nullable=False),
        *_created_expires(),
    )
    op.create_index("ix_sso_authorization_codes_expires", "sso_authorization_codes", ["expires_at"])
    op.create_table(
        "sso_tokens",
        sa.Column("id", sa.String(64), primary_key=True),
        _session(nullable=False),
        _client(),
        sa.Column("refresh_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("scopes", sa.Text, nullable=False),
        *_created_expires(),
        sa.Column("refresh_expires_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_sso_tokens_session", "sso_tokens", ["session_id"])
    op.create_index("ix_sso_tokens_expires", "sso_tokens", ["expires_at"])


def downgrade() -> None:
    for table, indexes in (
        ("sso_tokens", ("ix_sso_tokens_expires", "ix_sso_tokens_session")),
        ("sso_authorization_codes", ("ix_sso_authorization_codes_expires",)),
        ("sso_device_authorizations", ("ix_sso_device_authorizations_expires",)),
        ("sso_portal_sessions", ("ix_sso_portal_sessions_expires", "ix_sso_portal_sessions_user")),
        ("sso_oidc_clients", ("ix_sso_oidc_clients_expires",)),
    ):
        for index in indexes:
            op.drop_index(index, table_name=table)
        op.drop_table(table)
    op.drop_table("sso_portal_settings")
