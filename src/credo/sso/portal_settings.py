"""How long a sign-in to the access portal lasts: Identity Center's session duration.

AWS keeps this per instance (15 minutes to 90 days, 8 hours by default) and offers no API for it;
credo keeps it in ``sso_portal_settings`` and ``credo sso admin session-duration`` sets it. Tokens
issued to a sign-in never outlive it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection, delete, insert, select

from credo.sso.instances import Instance
from credo.store.schema import sso_portal_settings

DEFAULT = timedelta(hours=8)
MINIMUM = timedelta(minutes=15)
MAXIMUM = timedelta(days=90)


def session_duration(conn: Connection, instance: Instance) -> timedelta:
    seconds = conn.execute(
        select(sso_portal_settings.c.session_seconds).where(sso_portal_settings.c.instance_id == instance.id)
    ).scalar()
    return timedelta(seconds=int(seconds)) if seconds is not None else DEFAULT


def set_session_duration(conn: Connection, instance: Instance, duration: timedelta) -> None:
    """Store a new duration (``ValueError`` outside AWS's 15 minutes to 90 days)."""
    if not MINIMUM <= duration <= MAXIMUM:
        raise ValueError("the session duration must be between 15 minutes and 90 days")
    conn.execute(delete(sso_portal_settings).where(sso_portal_settings.c.instance_id == instance.id))
    conn.execute(
        insert(sso_portal_settings).values(
            instance_id=instance.id, session_seconds=int(duration.total_seconds())
        )
    )
