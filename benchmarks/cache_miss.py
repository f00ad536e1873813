"""What a cache miss costs: resolving an access key and loading a user's policies from the store.

With a million identities and clients spread over them, most requests miss the bounded caches
(docs/benchmarks.md, *Scale*), so the miss path sets their latency. This measures it in process,
without HTTP: ``CredentialResolver`` loading one key (the cache bypassed) and
``identity_policies.load_user`` reading one user's inline, attached and group policies,
boundary and tags, for random users of a store filled by ``scale_fill``.

    python -m benchmarks.cache_miss [--users 20000] [--samples 3000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import select, text

from benchmarks import scale_fill
from credo.auth import identity_policies
from credo.auth.credentials import CredentialResolver
from credo.clock import Clock
from credo.keyring import Keyring
from credo.server.bootstrap import session_token_keys
from credo.store.db import Store
from credo.store.schema import access_keys


def _micros(samples: Sequence[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    return f"p50 {statistics.median(ordered) * 1e6:7.1f} µs   p99 {p99 * 1e6:7.1f} µs"


def _timed(work: Callable[[int], object], indexes: Sequence[int]) -> list[float]:
    taken = []
    for index in indexes:
        started = time.perf_counter()
        work(index)
        taken.append(time.perf_counter() - started)
    return taken


def measure(url: str, users: int, samples: int, say: Callable[[str], None] = print) -> dict[str, str]:
    """Fill a store at ``url`` and time both miss paths over ``samples`` random users."""
    keyring = Keyring(secrets.token_bytes(32))
    population = scale_fill.fill(url, users, keyring, progress=lambda _line: None)
    store = Store(url)
    try:
        resolver = CredentialResolver(store, keyring, Clock(), session_token_keys(keyring))
        rng = random.Random(7)
        indexes = [rng.randrange(users) for _ in range(samples)]
        key_ids = [population.keys.get(index)[0] for index in range(users)]
        with store.read() as conn:
            owner = {key: user for key, user in conn.execute(select(access_keys.c.id, access_keys.c.user_id))}
        user_ids = [str(owner[key_id]) for key_id in key_ids]
        account = population.account_id

        def load_key(index: int) -> object:
            return resolver._load(key_ids[index])  # the miss path itself, cache bypassed

        def load_policies(index: int) -> object:
            with store.read() as conn:
                return identity_policies.load_user(conn, account, user_ids[index])

        # Warm the statement caches and the database's own, as a running server would be.
        _timed(load_key, indexes[:200])
        _timed(load_policies, indexes[:200])
        results = {
            "key": _micros(_timed(load_key, indexes)),
            "policies": _micros(_timed(load_policies, indexes)),
        }
        for name, line in results.items():
            say(f"  {name:9} {line}")
        return results
    finally:
        store.dispose()


def _postgres_scratch(database_url: str) -> str:
    """A schema of its own in the given database, so nothing else there is touched."""
    store = Store(database_url)
    try:
        with store.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS credo_cache_miss CASCADE"))
            conn.execute(text("CREATE SCHEMA credo_cache_miss"))
    finally:
        store.dispose()
    joiner = "&" if "?" in database_url else "?"
    return f"{database_url}{joiner}options=-csearch_path%3Dcredo_cache_miss"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=3_000)
    parser.add_argument("--database-url", help="also measure PostgreSQL (a scratch schema in it)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        print(f"SQLite, {args.users:,} users, {args.samples:,} random users")
        measure(f"sqlite:///{Path(scratch) / 'credo.sqlite3'}", args.users, args.samples)
    if args.database_url:
        print(f"PostgreSQL, {args.users:,} users, {args.samples:,} random users")
        measure(_postgres_scratch(args.database_url), args.users, args.samples)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
