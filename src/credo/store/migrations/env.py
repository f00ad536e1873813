"""Alembic's environment: runs migrations on the engine credo hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from credo.store.schema import metadata

engine: Engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
