"""The audit trail (``credo.audit``): events and the resources each names."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from credo.store.schema.base import metadata

# --- the audit trail (audit/) ---

# One CloudTrail-shaped event per API call and console sign-in: ``event`` is the record as
# CloudTrail writes it (JSON, every secret removed); the other columns are what LookupEvents and
# ``credo audit`` filter on. A mutating call's row is written in its own transaction.
audit_events = Table(
    "audit_events",
    metadata,
    Column("id", String(36), primary_key=True),  # eventID
    Column("event_time", DateTime(timezone=True), nullable=False),
    # recipientAccountId; NULL when no account could be told (an unsigned call that failed).
    Column("account_id", String(12), nullable=True),
    Column("event_source", String(64), nullable=False),
    Column("event_name", String(128), nullable=False),
    Column("user_name", String(256), nullable=True),  # LookupEvents' Username
    Column("access_key_id", String(128), nullable=True),
    Column("read_only", Boolean, nullable=False),
    Column("resources", Text, nullable=False),  # JSON: [{"ResourceType", "ResourceName"}]
    Column("event", Text, nullable=False),
)
Index("ix_audit_events_time", audit_events.c.event_time)
Index("ix_audit_events_account_time", audit_events.c.account_id, audit_events.c.event_time)
Index("ix_audit_events_name", audit_events.c.event_name, audit_events.c.event_time)
Index("ix_audit_events_user", audit_events.c.user_name, audit_events.c.event_time)
Index("ix_audit_events_key", audit_events.c.access_key_id)

# Each event's resources, one row each, for LookupEvents' ResourceName and ResourceType.
audit_event_resources = Table(
    "audit_event_resources",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), ForeignKey("audit_events.id", ondelete="CASCADE"), nullable=False),
    Column("resource_type", String(64), nullable=False),
    Column("resource_name", String(2048), nullable=False),
)
Index("ix_audit_event_resources_event", audit_event_resources.c.event_id)
Index("ix_audit_event_resources_name", audit_event_resources.c.resource_name)
Index("ix_audit_event_resources_type", audit_event_resources.c.resource_type)
