"""The audit trail: CloudTrail-shaped events and their resources.

Revision ID: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision: str | None = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=True),
        sa.Column("event_source", sa.String(64), nullable=False),
        sa.Column("event_name", sa.String(128), nullable=False),
        sa.Column("user_name", sa.String(256), nullable=True),
        sa.Column("access_key_id", sa.String(128), nullable=True),
        sa.Column("read_only", sa.Boolean, nullable=False),
        sa.Column("resources", sa.Text, nullable=False),
        sa.Column("event", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_events_time", "audit_events", ["event_time"])
    op.create_index("ix_audit_events_account_time", "audit_events", ["account_id", "event_time"])
    op.create_index("ix_audit_events_name", "audit_events", ["event_name", "event_time"])
    op.create_index("ix_audit_events_user", "audit_events", ["user_name", "event_time"])
    op.create_index("ix_audit_events_key", "audit_events", ["access_key_id"])
    op.create_table(
        "audit_event_resources",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "event_id",
            sa.String(36),
            sa.ForeignKey("audit_events.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("resource_type", sa.String(64), nullable=False),
        sa.Column("resource_name", sa.String(2048), nullable=False),
    )
    op.create_index("ix_audit_event_resources_event", "audit_event_resources", ["event_id"])
    op.create_index("ix_audit_event_resources_name", "audit_event_resources", ["resource_name"])
    op.create_index("ix_audit_event_resources_type", "audit_event_resources", ["resource_type"])


def downgrade() -> None:
    op.drop_table("audit_event_resources")
    op.drop_table("audit_events")
