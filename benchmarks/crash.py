"""Crash safety: ``kill -9`` the server during a write load, restart it, count lost acknowledged writes.

For each store (SQLite, and PostgreSQL when a database is given) one store lives through all
the trials. A trial runs a write load from several threads through boto3 (no retries):
CreateUser, CreateAccessKey, PutUserPolicy, and for every third user DeleteAccessKey, each
recorded once it has answered 200. At a random moment the server is killed with SIGKILL, then
started again on the same store (same data dir, same database), and every write acknowledged
in the trial is checked through the API: each user must exist, each policy must be there,
each key must authenticate (a signed GetCallerIdentity answering with the user's ARN), and
each deleted key must be refused. The writes that were in flight when the server died are
checked too, for information: either outcome is correct for them. After the last trial, all
acknowledged writes of all trials are checked once more.

A process kill leaves the operating system's page cache intact, so this proves that credo
acknowledges only committed writes; it does not simulate a power cut (for that, SQLite's
``synchronous=FULL`` on IAM commits and PostgreSQL's ``fsync`` are what count).

    .venv/bin/python -m benchmarks.crash [--trials 20] [--postgres URL] [--out docs/benchmarks.md]

``--postgres`` names a database whose ``public`` schema is dropped and recreated; without it,
``CREDO_TEST_DATABASE_URL`` is used if set, else PostgreSQL is skipped. The exit status is 1
if any acknowledged write was lost.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import load
from benchmarks.crash_checks import Acknowledged, Checker, InFlight, WriteLoad
from benchmarks.report import cpu_model, measured_heading, write_section

SECTION_TITLE = "## Crash safety"
ROOT_KEY = ("crash-root", "crash-root-secret")
DEFAULT_OUT = load.DEFAULT_OUT


@dataclass
class StoreResult:
    """What the trials on one store found."""

    store: str
    trials: int = 0
    acknowledged: dict[str, int] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)
    final_lost: list[str] = field(default_factory=list)
    in_flight: int = 0
    in_flight_applied: int = 0
    other_errors: dict[str, int] = field(default_factory=dict)
    kill_after: list[float] = field(default_factory=list)
    restart_seconds: list[float] = field(default_factory=list)
    skipped: str | None = None


class CrashedStore:
    """One store and the ``credo serve`` processes started on it, one after another."""

    def __init__(self, scratch: Path, database_url: str | None) -> None:
        self.scratch = scratch
        self.data_dir = scratch / "data"
        self.database_url = database_url
        self.starts = 0
        self.server: load.Server | None = None

    def start(self) -> load.Server:
        self.starts += 1
        workdir = self.scratch / f"start-{self.starts:02d}"
        workdir.mkdir()
        port = load.free_port()
        command = [
            load._venv_bin("credo"),
            "serve",
            "--host",
            load.HOST,
            "--port",
            str(port),
            "--data-dir",
            str(self.data_dir),
        ]
        if self.database_url:
            command += ["--database-url", self.database_url]
        env = {"CREDO_ROOT_ACCESS_KEY_ID": ROOT_KEY[0], "CREDO_ROOT_SECRET_ACCESS_KEY": ROOT_KEY[1]}
        self.server = load.Server(command, workdir, port, env)
        self.server.wait_ready()
        return self.server

    def kill(self) -> None:
        """SIGKILL, to the server's own process id: no shutdown code runs."""
        assert self.server is not None
        os.kill(self.server.process.pid, signal.SIGKILL)
        self.server.process.wait()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


def recreate_postgres_schema(url: str) -> None:
    """An empty ``public`` schema, so the first start creates the account afresh."""
    from sqlalchemy import create_engine, text

    from credo.store.db import normalize_url

    engine = create_engine(normalize_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def run_store(
    store: str,
    database_url: str | None,
    trials: int,
    threads: int,
    kill_window: tuple[float, float],
    seed: int,
) -> StoreResult:
    """All trials on one store; each trial's restart is the next trial's server."""
    result = StoreResult(store)
    rng = random.Random(seed)
    everything = Acknowledged()
    if database_url:
        recreate_postgres_schema(database_url)
    with tempfile.TemporaryDirectory(prefix=f"credo-crash-{store}-") as scratch:
        crashed = CrashedStore(Path(scratch), database_url)
        try:
            server = crashed.start()
            for trial in range(1, trials + 1):
                load_run = WriteLoad(server.port, ROOT_KEY, prefix=f"t{trial:02d}", threads=threads)
                load_run.start()
                kill_after = rng.uniform(*kill_window)
                time.sleep(kill_after)
                crashed.kill()
                acknowledged, in_flight, errors = load_run.join()
                started = time.monotonic()
                server = crashed.start()
                result.restart_seconds.append(time.monotonic() - started)
                checker = Checker(server.port, ROOT_KEY)
                lost = checker.missing(acknowledged)
                applied = checker.applied(in_flight)
                everything.merge(acknowledged)
                _record_trial(result, acknowledged, lost, in_flight, applied, errors, kill_after)
                print(
                    f"[{store}] trial {trial:2d}: killed after {kill_after:.2f}s; acknowledged "
                    f"{acknowledged.total()} writes, lost {len(lost)}; in flight {len(in_flight)} "
                    f"(applied {applied}); other errors {sum(errors.values())}",
                    flush=True,
                )
                for line in lost:
                    print(f"  LOST: {line}", flush=True)
            result.final_lost = Checker(server.port, ROOT_KEY).missing(everything)
            print(
                f"[{store}] final check of all {everything.total()} acknowledged writes: "
                f"{len(result.final_lost)} missing",
                flush=True,
            )
        finally:
            crashed.stop()
    return result


def _record_trial(
    result: StoreResult,
    acknowledged: Acknowledged,
    lost: list[str],
    in_flight: Sequence[InFlight],
    applied: int,
    errors: dict[str, int],
    kill_after: float,
) -> None:
    result.trials += 1
    for kind, count in acknowledged.counts().items():
        result.acknowledged[kind] = result.acknowledged.get(kind, 0) + count
    result.lost += lost
    result.in_flight += len(in_flight)
    result.in_flight_applied += applied
    for kind, count in errors.items():
        result.other_errors[kind] = result.other_errors.get(kind, 0) + count
    result.kill_after.append(kill_after)


def _row(result: StoreResult) -> str:
    if result.skipped:
        return f"| {result.store} | — | — | — | — | — | — | {result.skipped} |"
    acked = ", ".join(f"{kind} {count:,}" for kind, count in result.acknowledged.items())
    total = sum(result.acknowledged.values())
    errors = ", ".join(f"{kind} {count}" for kind, count in sorted(result.other_errors.items())) or "none"
    restart = statistics.median(result.restart_seconds) if result.restart_seconds else 0.0
    return (
        f"| {result.store} | {result.trials} | {total:,} ({acked}) | **{len(result.lost)}** "
        f"| {len(result.final_lost)} | {result.in_flight} ({result.in_flight_applied} applied) "
        f"| {min(result.kill_after):.2f}–{max(result.kill_after):.2f} s, median restart {restart:.1f} s "
        f"| {errors} |"
    )


def render_section(results: Sequence[StoreResult], command: str, threads: int, seed: int) -> str:
    lines = [
        *measured_heading(SECTION_TITLE, command),
        f"Machine: {os.cpu_count()} CPUs, {cpu_model()}, Linux {platform.release()}, "
        f"Python {platform.python_version()}.",
        "",
        f"Each trial: {threads} threads write through boto3 (no retries) to `credo serve` (not dev "
        "mode): CreateUser, CreateAccessKey, PutUserPolicy, and DeleteAccessKey for every third user; "
        "a write counts as acknowledged once it answered 200. The server is killed with SIGKILL at a "
        "random moment, started again on the same store, and every acknowledged write of the trial "
        "is checked through the API (user exists, policy exists, key authenticates with a signed "
        "GetCallerIdentity, deleted key refused). *Lost after all* checks every trial's writes again "
        "after the last restart. *In flight* are writes sent but not answered when the server died: either "
        "outcome is correct for them; *applied* shows how many had committed without being "
        "acknowledged. A kill keeps the operating system's page cache, so this tests that only "
        f"committed writes are acknowledged, not power-loss durability. Random seed {seed} (the same "
        "kill moments on both stores).",
        "",
        "| Store | Trials | Acknowledged writes | Lost | Lost after all | In flight at kill "
        "| Kill moment, restart | Other errors |",
        "|---|---:|---|---:|---:|---|---|---|",
        *[_row(result) for result in results],
    ]
    return "\n".join(lines) + "\n"


def _without_url(arg: str) -> str:
    """Database URLs (which may carry a password) stay out of the report."""
    if "://" not in arg:
        return arg
    return arg.split("=", 1)[0] + "=URL" if arg.startswith("--") else "URL"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.crash", description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=20, help="trials per store (default 20)")
    parser.add_argument("--threads", type=int, default=4, help="writing threads (default 4)")
    parser.add_argument(
        "--kill-window",
        default="0.5,4",
        help="the kill comes this many seconds into the load, uniformly at random (default 0.5,4)",
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: from the clock)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("CREDO_TEST_DATABASE_URL"),
        help="PostgreSQL URL whose public schema is dropped and recreated (default $CREDO_TEST_DATABASE_URL)",
    )
    parser.add_argument("--stores", default="sqlite,postgresql", help="comma-separated subset")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="markdown file to update ('-' to only print)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    low, high = (float(part) for part in args.kill_window.split(","))
    seed = args.seed if args.seed is not None else int(time.time())
    print(f"seed {seed}", flush=True)
    results: list[StoreResult] = []
    for store in [name.strip() for name in args.stores.split(",") if name.strip()]:
        if store == "postgresql" and not args.postgres:
            results.append(StoreResult(store, skipped="skipped: no --postgres URL"))
            continue
        url = args.postgres if store == "postgresql" else None
        results.append(run_store(store, url, args.trials, args.threads, (low, high), seed))
    shown = [_without_url(arg) for arg in argv]
    section = render_section(results, load.command_line(shown, "benchmarks.crash"), args.threads, seed)
    print()
    print(section)
    if args.out != "-":
        write_section(Path(args.out), SECTION_TITLE, section)
        print(f"wrote {args.out}")
    lost = sum(len(r.lost) + len(r.final_lost) for r in results)
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
