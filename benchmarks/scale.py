"""Scale: a million identities. Fill a store with N users in bulk, then measure a real server on it.

For each store (SQLite, PostgreSQL or both) and for 1,000 users and then N users, one after
another on a fresh store each time:

1. fill it (``benchmarks/scale_fill.py``): credo's migrations, one account, N users each with an
   access key, N/1000 groups, customer managed policies on the groups and on every 100th user,
   tags on every 10th user, and a read-only admin (``scale-admin``);
2. start ``credo serve`` on it and time it until ``/readyz`` answers 200;
3. measure (``benchmarks/scale_measure.py``), with 4 closed-loop clients: GetCallerIdentity and
   GetUser on oneself for the first call of 1,000 users (cold caches), for users drawn among
   those 1,000 (the active set, cached at both sizes; measured before the random draws, whose
   other users would push them out of the bounded caches), for users drawn at random among all
   N (cache misses at large N), and for one user again and again (warm);
   GetUser by the admin on random users and on the active set;
   ListUsers' first and last page (MaxItems 100 and 1000) from one client; the server's memory.

It prints a table beside the issue's goals (latency at N ≤ 1.2× latency at 1,000, page time
flat, start under 5 s, RSS ≤ 300 MB per process) and with ``--out`` writes it into the
``## Scale: a million identities`` section of ``docs/benchmarks.md``.

    .venv/bin/python -m benchmarks.scale --users 100000 [--store sqlite|postgresql|both]
        [--database-url postgresql://postgres@127.0.0.1/scale1m] [--seconds 10] [--out docs/benchmarks.md]

PostgreSQL's database (``--database-url``, else ``CREDO_TEST_DATABASE_URL``) gets its ``public``
schema dropped and recreated before each fill, and dropped again at the end: give it a
database of its own. SQLite stores live in a scratch directory under ``/tmp``, removed at the end
(``--keep`` keeps both).
"""

from __future__ import annotations

import argparse
import base64
import os
import platform
import random
import secrets
import shlex
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import load, scale_fill, scale_report
from benchmarks.crash import recreate_postgres_schema
from benchmarks.scale_measure import ScaleServer, Target, measure
from benchmarks.scale_report import Phase, StoreRun
from credo.keyring import Keyring

BASELINE_USERS = 1_000


def _say(text: str) -> None:
    print(text, flush=True)


def _store_mib(database_url: str | None, data_dir: Path) -> float:
    if database_url is None:
        return sum(path.stat().st_size for path in data_dir.glob("credo.sqlite3*")) / 2**20
    from sqlalchemy import create_engine, text

    from credo.store.db import normalize_url

    engine = create_engine(normalize_url(database_url))
    with engine.connect() as conn:
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    engine.dispose()
    return int(size) / 2**20


def _postgres_version(database_url: str) -> str:
    from sqlalchemy import create_engine, text

    from credo.store.db import normalize_url

    engine = create_engine(normalize_url(database_url))
    with engine.connect() as conn:
        version = str(conn.execute(text("SHOW server_version")).scalar_one())
    engine.dispose()
    return f"PostgreSQL {version.split()[0]}"


BASELINE_SCHEMA = "credo_scale_baseline"


def _baseline_url(database_url: str) -> str:
    """The same PostgreSQL database, with the 1,000-user store in a schema of its own (both
    stores serve at once, so that their measurements can take turns)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url).update_query_dict({"options": f"-csearch_path={BASELINE_SCHEMA}"})
    return url.render_as_string(hide_password=False)


def _recreate_schema(database_url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    from credo.store.db import normalize_url

    engine = create_engine(normalize_url(database_url))
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()


@dataclass
class Store:
    """Where one filled store lives."""

    users: int
    data_dir: Path
    database_url: str | None  # None: SQLite in data_dir

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'credo.sqlite3'}"


def _stores(kind: str, sizes: Sequence[int], database_url: str | None, scratch: Path) -> list[Store]:
    """Fresh, empty stores, one per size."""
    stores = []
    for users in sizes:
        data_dir = scratch / f"data-{users}"
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True, mode=0o700)
        url = None
        if kind == "postgresql":
            assert database_url is not None
            if users == sizes[-1]:
                recreate_postgres_schema(database_url)
                url = database_url
            else:
                _recreate_schema(database_url, BASELINE_SCHEMA)
                url = _baseline_url(database_url)
        stores.append(Store(users, data_dir, url))
    return stores


def _fill(
    store: Store, args: argparse.Namespace, rng: random.Random
) -> tuple[Phase, scale_fill.Population, bytes]:
    phase = Phase(store.users)
    master = secrets.token_bytes(32)
    method = "insert" if store.database_url is None else args.pg_load
    _say(f"[{store.users:,} users] filling ({method})")
    started = time.perf_counter()
    population = scale_fill.fill(
        store.url, store.users, Keyring(master), method=method, seed=rng.randrange(2**32), progress=_say
    )
    phase.fill_seconds = time.perf_counter() - started
    phase.fill_parts, phase.rows = population.seconds, population.rows
    phase.store_mib = _store_mib(store.database_url, store.data_dir)
    _say(f"[{store.users:,} users] filled in {phase.fill_seconds:.1f} s, store {phase.store_mib:,.0f} MiB")
    return phase, population, master


def run_store(kind: str, args: argparse.Namespace, scratch: Path) -> StoreRun:
    """Fill a 1,000-user store and an N-user one, serve both, and measure them in turns."""
    database_url = args.database_url if kind == "postgresql" else None
    result = StoreRun(kind)
    if kind == "postgresql":
        if not database_url:
            result.error = "no --database-url (or CREDO_TEST_DATABASE_URL) given"
            return result
        result.version = _postgres_version(database_url)
    else:
        result.version = f"SQLite {sqlite3.sqlite_version}"
    server_pin, _, _ = load.cpu_pins()
    rng = random.Random(args.seed)
    sizes = [BASELINE_USERS, args.users] if args.users > BASELINE_USERS else [args.users]
    stores = _stores(kind, sizes, database_url, scratch / kind)
    servers: list[ScaleServer] = []
    try:
        filled = [_fill(store, args, rng) for store in stores]
        result.phases = [phase for phase, _, _ in filled]
        targets = []
        for store, (_phase, population, master) in zip(stores, filled, strict=True):
            server = ScaleServer(
                store.data_dir,
                store.database_url,
                base64.b64encode(master).decode(),
                scratch / kind / f"server-{store.users}",
                server_pin,
            )
            servers.append(server)
            _say(f"[{store.users:,} users] credo serve ready in {server.start_seconds:.2f} s")
            targets.append(Target(server, population))
        _say("measuring, the stores taking turns")
        measured = measure(targets, args.seconds, args.slices, rng, _say)
        for phase in result.phases:
            phase.measured = measured[phase.users]
    finally:
        for server in servers:
            server.stop()
        if database_url and not args.keep:
            recreate_postgres_schema(database_url)
            _drop_schema(database_url, BASELINE_SCHEMA)
    return result


def _drop_schema(database_url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    from credo.store.db import normalize_url

    engine = create_engine(normalize_url(database_url))
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, required=True, help="users in the large store")
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("CREDO_TEST_DATABASE_URL"),
        help="PostgreSQL database whose public schema is dropped and recreated (default $CREDO_TEST_DATABASE_URL)",
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per closed-loop run and store")
    parser.add_argument("--slices", type=int, default=5, help="turns each run is cut into (default 5)")
    parser.add_argument(
        "--pg-load", choices=["copy", "insert"], default="copy", help="PostgreSQL: COPY or Core executemany"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the stores (and print where)")
    parser.add_argument(
        "--out", default="-", help="markdown file whose scale section to replace (default -: print only)"
    )
    args = parser.parse_args(argv)
    if args.users < 1:
        parser.error("--users must be at least 1")
    return args


def _command_line(argv: Sequence[str]) -> str:
    shown = [("URL" if arg.startswith("postgres") else arg) for arg in argv]
    return shlex.join([".venv/bin/python", "-m", "benchmarks.scale", *shown])


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    scratch = Path(tempfile.mkdtemp(prefix="credo-scale-"))
    runs = []
    try:
        for store in stores:
            _say(f"== {store}")
            try:
                runs.append(run_store(store, args, scratch))
            except Exception as error:  # one store's failure is reported; the other still runs
                runs.append(StoreRun(store, error=f"{type(error).__name__}: {error}"))
                _say(f"[{store}] failed: {error}")
    finally:
        if args.keep:
            _say(f"stores kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    section = scale_report.render(runs, args.users, _command_line(argv), platform.python_version())
    print(section)
    if args.out != "-":
        scale_report.write(Path(args.out), section)
    return 1 if any(run.error for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
