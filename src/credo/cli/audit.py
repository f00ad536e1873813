"""``credo audit``: the audit trail, read straight from the store on the server's machine.

The store is found as ``credo serve`` finds it (flags, then ``CREDO_*`` variables); events hold
no secrets, so no master key is needed. Events are listed oldest first — the newest
``--max-items`` of the range — as text lines or as CloudTrail records (one JSON object per
line); ``--follow`` then prints each new event as the servers write it (read-only calls reach
the store within about a second).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from credo.cli.server_commands import _settings, store_options

if TYPE_CHECKING:
    from credo.audit.lookup import Found, Query
    from credo.store.db import Store

_RELATIVE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
# Events reach the store up to a second or so after they happened (batched reads), longer if a
# server could not write for a while: --follow looks this far back for ones it has not shown.
_FOLLOW_LOOKBACK = timedelta(minutes=2)
_FOLLOW_POLL_SECONDS = 1.0


def parse_time(text: str, now: datetime) -> datetime:
    """An ISO 8601 time (UTC unless it says otherwise) or a time ago: ``30m``, ``2h``, ``7d``."""
    relative = _RELATIVE.match(text.strip().lower())
    if relative is not None:
        return now - timedelta(**{_UNITS[relative.group(2)]: int(relative.group(1))})
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is neither an ISO 8601 time (2026-05-01T10:00:00Z) nor a time ago (30m, 2h, 7d)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@click.command("audit")
@store_options
@click.option("--since", help="Oldest event: ISO 8601 (2026-05-01T10:00Z) or a time ago (30m, 2h, 7d).")
@click.option("--until", help="Newest event, as --since.")
@click.option("--user", help="Only this user name (an IAM user, a role session's name, root).")
@click.option("--event-name", help="Only this API action or event (CreateUser, ConsoleLogin…).")
@click.option("--account", help="Only events of this account (default: every account in the store).")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events as they are written.")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--max-items",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="At most this many events.",
)
def audit_command(
    data_dir: Path | None,
    database_url: str | None,
    since: str | None,
    until: str | None,
    user: str | None,
    event_name: str | None,
    account: str | None,
    follow: bool,
    output: str,
    max_items: int,
) -> None:
    """Show the audit trail: every API call and console sign-in, as CloudTrail records them.

    Text output is one line per event: time, service, action, who, source address, and the
    error code of a failed call. JSON output is one CloudTrail record per line (for jq).
    """
    from credo.audit.lookup import Query

    if follow and until is not None:
        raise click.UsageError("--follow prints events as they come: it takes no --until")
    now = datetime.now(UTC)
    filters: list[tuple[str, str]] = []
    if user:
        filters.append(("Username", user))
    if event_name:
        filters.append(("EventName", event_name))
    query = Query(
        account_id=account,
        filters=tuple(filters),
        start=parse_time(since, now) if since else None,
        end=parse_time(until, now) if until else None,
    )
    store = _open(data_dir, database_url)
    try:
        shown = _list(store, query, max_items, output)
        if follow:
            _follow(store, query, shown, output)
    finally:
        store.dispose()


def _open(data_dir: Path | None, database_url: str | None) -> Store:
    from sqlalchemy.engine import make_url

    from credo.store.db import Store

    url = _settings(data_dir=data_dir, database_url=database_url).effective_database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        raise click.ClickException(f"no store at {parsed.database}: give --data-dir or --database-url")
    return Store(url)


def _list(store: Store, query: Query, max_items: int, output: str) -> dict[str, datetime]:
    """Print the newest ``max_items`` events, oldest first; what was printed, by id."""
    from sqlalchemy.exc import DBAPIError

    from credo.audit import lookup

    try:
        with store.read() as conn:
            found, _ = lookup.page(conn, query, max_items)
    except DBAPIError:
        raise click.ClickException(
            "this store has no audit trail to read: start `credo serve` on it or run `credo db upgrade`"
        ) from None
    for item in reversed(found):
        click.echo(_line(item, output))
    return {item.id: item.event_time for item in found}


def _follow(store: Store, query: Query, shown: dict[str, datetime], output: str) -> None:
    from credo.audit import lookup

    newest = max(shown.values(), default=datetime.now(UTC))
    try:
        while True:
            time.sleep(_FOLLOW_POLL_SECONDS)
            since = newest - _FOLLOW_LOOKBACK
            with store.read() as conn:
                found = lookup.recent(conn, query, since)
            for item in found:
                if item.id not in shown:
                    click.echo(_line(item, output))
                    shown[item.id] = item.event_time
                    newest = max(newest, item.event_time)
            for event_id in [key for key, moment in shown.items() if moment < since]:
                del shown[event_id]
    except KeyboardInterrupt:
        return


def _line(item: Found, output: str) -> str:
    if output == "json":
        return item.event
    record = item.record()
    service = item.event_source.removesuffix(".amazonaws.com")
    outcome = record.get("errorCode") or record.get("errorMessage") or "-"
    if item.event_name == "ConsoleLogin":
        outcome = (record.get("responseElements") or {}).get("ConsoleLogin", outcome)
    return "  ".join(
        [
            record.get("eventTime", item.event_time.strftime("%Y-%m-%dT%H:%M:%SZ")),
            service,
            item.event_name,
            item.user_name or "-",
            record.get("sourceIPAddress") or "-",
            str(outcome),
        ]
    )
