"""Persistence: SQLAlchemy Core tables, the engine and its transactions, Alembic migrations."""
