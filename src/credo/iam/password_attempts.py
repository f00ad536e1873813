"""Wrong passwords are counted per user: after ``FAILURE_LIMIT`` within ``FAILURE_WINDOW``
every attempt is refused, right or wrong, until old failures age out — as wrong MFA codes are.

The count, the check and the recorded failure share the caller's transaction, after locking the
user's row (``FOR UPDATE`` on PostgreSQL; SQLite writers take turns), so concurrent guesses cannot
all pass the count first. Callers raise their refusal only after that transaction commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, select

from credo.store.schema import password_failures, users

FAILURE_LIMIT = 5
FAILURE_WINDOW = timedelta(minutes=5)


def is_throttled(conn: Connection, user_id: str, now: datetime) -> bool:
    """Lock the user's row, then say whether recent wrong passwords reached the limit."""
    conn.execute(select(users.c.id).where(users.c.id == user_id).with_for_update())
    recent = (
        select(func.count())
        .select_from(password_failures)
        .where(password_failures.c.user_id == user_id, password_failures.c.failed_at > now - FAILURE_WINDOW)
    )
    return bool(conn.execute(recent).scalar_one() >= FAILURE_LIMIT)


def record_failure(conn: Connection, user_id: str, now: datetime) -> None:
    # Failures older than the window can never matter again.
    conn.execute(delete(password_failures).where(password_failures.c.failed_at <= now - FAILURE_WINDOW))
    conn.execute(insert(password_failures).values(user_id=user_id, failed_at=now))


def clear(conn: Connection, user_id: str) -> None:
    conn.execute(delete(password_failures).where(password_failures.c.user_id == user_id))
