"""The teams' own services behind credo (``credo.gateway``): their service definitions."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    String,
    Table,
    Text,
)

from credo.store.schema.base import metadata

# Service definitions of the teams' own services (credo.gateway): one per prefix and scope,
# where scope is an account id or "*" for every account. ``document`` is the checked definition
# as canonical JSON; ``version`` counts its puts.
service_definitions = Table(
    "service_definitions",
    metadata,
    Column("prefix", String(64), primary_key=True),
    Column("scope", String(12), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("document", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
