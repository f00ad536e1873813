"""Account-wide single values (token version, account properties, feature switches).

Each setting is one row of ``account_settings``: its name and a JSON value. The areas that
own a setting (``sts_preferences``, ``account_properties``, ``outbound_federation`` …) read
and write it through these functions, inside the caller's transaction.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from credo.store.schema import account_settings


def read_setting(conn: Connection, account_id: str, name: str) -> Any:
    """The setting's value, or ``None`` when the account never set it."""
    text = conn.execute(
        select(account_settings.c.value).where(
            account_settings.c.account_id == account_id, account_settings.c.name == name
        )
    ).scalar()
    return None if text is None else json.loads(text)


def read_settings(conn: Connection, account_id: str, prefix: str) -> dict[str, Any]:
    """Every setting of the account whose name starts with ``prefix``, by name."""
    rows = conn.execute(
        select(account_settings.c.name, account_settings.c.value).where(
            account_settings.c.account_id == account_id,
            account_settings.c.name.startswith(prefix, autoescape=True),
        )
    )
    return {name: json.loads(value) for name, value in rows}


def write_setting(conn: Connection, account_id: str, name: str, value: Any) -> None:
    """Set (or replace) one setting; run inside ``Store.write()``."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True)
    changed = conn.execute(
        update(account_settings)
        .where(account_settings.c.account_id == account_id, account_settings.c.name == name)
        .values(value=text)
    ).rowcount
    if not changed:
        conn.execute(insert(account_settings).values(account_id=account_id, name=name, value=text))


def delete_setting(conn: Connection, account_id: str, name: str) -> bool:
    """Forget one setting; whether it was there."""
    removed = conn.execute(
        delete(account_settings).where(
            account_settings.c.account_id == account_id, account_settings.c.name == name
        )
    ).rowcount
    return bool(removed)
