"""Soak: the server at half its measured maximum throughput for ten minutes: errors, latency, memory.

For each store (SQLite, and PostgreSQL when a database is given) one ``credo serve --dev``
is started and given 100 users. A mixed, signed load runs against it: of every 50 requests,
30 GetCallerIdentity, 10 GetUser, 9 ListUsers and one write (CreateUser and DeleteUser in turn,
each user deleted three writes after it was made). First the maximum throughput is measured
briefly with a closed loop (32 connections, each sending as soon as its last request answered);
then the same mix runs at half that rate, in an open loop, for ``--duration`` seconds (600 by
default), with latencies counted from each request's scheduled moment. The server's resident
memory (``VmRSS`` in ``/proc/PID/status``) is sampled every 5 seconds; its growth per minute
is the least-squares slope over the run, and over its second half alone.

    .venv/bin/python -m benchmarks.soak [--duration 600] [--postgres URL] [--out docs/benchmarks.md]

The load generator is this process (``benchmarks.rate_load``); on a machine with two or more
CPUs the server is pinned to CPU 0 and the generator to CPU 1. ``--postgres`` names a database
whose ``public`` schema is dropped and recreated. The exit status is 1 if any request failed.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import load, rate_load
from benchmarks.crash import recreate_postgres_schema
from benchmarks.report import cpu_model, measured_heading, write_section

SECTION_TITLE = "## Soak"
ROOT = (load.ACCESS_KEY_ID, load.SECRET_ACCESS_KEY)
MAX_CONNECTIONS = 32
SOAK_CONNECTIONS = 64
RSS_EVERY = 5.0
GENERATOR_CPU = 1
# Of every 50 requests: the mix the module docstring describes, shuffled once.
MIX = ["GetCallerIdentity"] * 30 + ["GetUser"] * 10 + ["ListUsers"] * 9 + ["write"]
random.Random(0).shuffle(MIX)
FIXED = {
    "GetCallerIdentity": ("sts", "Action=GetCallerIdentity&Version=2011-06-15"),
    "GetUser": ("iam", "Action=GetUser&Version=2010-05-08&UserName=user000"),
    "ListUsers": ("iam", "Action=ListUsers&Version=2010-05-08"),
}


class MixedRequests:
    """The next request of the mix; fixed ones signed once a minute, writes signed as they come."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.number = 0
        self.writes = 0
        self.signed_at = 0.0
        self.fixed: dict[str, rate_load.Prepared] = {}

    def __call__(self) -> rate_load.Prepared:
        now = time.monotonic()
        if now - self.signed_at > rate_load.RESIGN_SECONDS:
            self.fixed = {
                name: rate_load.prepare(name, service, body, self.port, ROOT)
                for name, (service, body) in FIXED.items()
            }
            self.signed_at = now
        kind = MIX[self.number % len(MIX)]
        self.number += 1
        if kind != "write":
            return self.fixed[kind]
        self.writes += 1
        half, odd = divmod(self.writes, 2)
        if not odd:
            body = f"Action=CreateUser&Version=2010-05-08&UserName=soak-{half}"
            return rate_load.prepare("CreateUser", "iam", body, self.port, ROOT)
        if half < 2:  # nothing made yet to delete (soak-1 is made at the second write)
            return self.fixed["GetCallerIdentity"]
        body = f"Action=DeleteUser&Version=2010-05-08&UserName=soak-{half - 1}"
        return rate_load.prepare("DeleteUser", "iam", body, self.port, ROOT)


def rss_mib(pid: int) -> float:
    """The process's resident memory, from ``/proc/PID/status``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"no VmRSS for process {pid}")


def slope_per_minute(samples: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MiB) samples, in MiB per minute."""
    if len(samples) < 2:
        return 0.0
    xs = [t / 60 for t, _ in samples]
    ys = [m for _, m in samples]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread if spread else 0.0


@dataclass
class SoakResult:
    """One store's run."""

    store: str
    max_rps: float = 0.0
    max_p50_ms: float = 0.0
    max_p99_ms: float = 0.0
    rate: float = 0.0
    seconds: float = 0.0
    total: rate_load.Stats = field(default_factory=rate_load.Stats)
    minutes: dict[int, rate_load.Stats] = field(default_factory=dict)
    by_name: Counter[str] = field(default_factory=Counter)
    longest_wait_ms: float = 0.0
    rss: list[tuple[float, float]] = field(default_factory=list)
    rss_after_setup: float = 0.0
    server_cpu: float = 0.0
    generator_cpu: float = 0.0
    load_average: tuple[float, float] = (0.0, 0.0)
    skipped: str | None = None


async def _measure(server: load.Server, duration: float, max_seconds: float, result: SoakResult) -> None:
    source = MixedRequests(server.port)
    await rate_load.closed_loop(server.port, source, MAX_CONNECTIONS, 3.0)  # warm-up
    peak = await rate_load.closed_loop(server.port, source, MAX_CONNECTIONS, max_seconds)
    stats = peak.total()
    if stats.errors:
        raise RuntimeError(f"errors while measuring the maximum: {dict(stats.errors)}")
    result.max_rps = stats.count / max_seconds
    result.max_p50_ms, result.max_p99_ms = stats.percentile_ms(0.5), stats.percentile_ms(0.99)
    result.rate = result.max_rps / 2
    print(f"[{result.store}] maximum {result.max_rps:,.0f} req/s; soaking at {result.rate:,.0f} req/s")
    pid = server.process.pid
    result.rss.append((0.0, rss_mib(pid)))

    def sample(elapsed: float) -> None:
        if elapsed - result.rss[-1][0] >= RSS_EVERY:
            result.rss.append((elapsed, rss_mib(pid)))
        if int(elapsed) % 60 == 0:
            print(f"[{result.store}] {elapsed:.0f}s  RSS {result.rss[-1][1]:.1f} MiB", flush=True)

    load_before = os.getloadavg()[1]
    server_cpu, own_cpu, started = server.cpu_seconds(), time.process_time(), time.perf_counter()
    recorder, longest_wait = await rate_load.open_loop(
        server.port, source, result.rate, duration, SOAK_CONNECTIONS, sample
    )
    result.seconds = time.perf_counter() - started
    result.rss.append((result.seconds, rss_mib(pid)))
    result.server_cpu = (server.cpu_seconds() - server_cpu) / result.seconds
    result.generator_cpu = (time.process_time() - own_cpu) / result.seconds
    result.load_average = (load_before, os.getloadavg()[1])
    result.total, result.minutes, result.by_name = recorder.total(), recorder.buckets, recorder.by_name
    result.longest_wait_ms = longest_wait * 1000


def run_store(store: str, database_url: str | None, duration: float, max_seconds: float) -> SoakResult:
    result = SoakResult(store)
    server_pin, _, _ = load.cpu_pins()
    extra = ["--database-url", database_url] if database_url else []
    if database_url:
        recreate_postgres_schema(database_url)
    target = load.Target(store, "credo serve --dev", lambda port: [*load.credo_command(port), *extra], True)
    with load.running(target, server_pin) as server:
        load.create_users(server.port)
        result.rss_after_setup = rss_mib(server.process.pid)
        import uvloop

        uvloop.run(_measure(server, duration, max_seconds, result))
    return result


def _ms(value: float) -> str:
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _summary_row(r: SoakResult) -> str:
    if r.skipped:
        return f"| {r.store} | {r.skipped} |" + " |" * 10
    total = r.total
    errors = sum(total.errors.values())
    return (
        f"| {r.store} | {r.max_rps:,.0f} (p50 {_ms(r.max_p50_ms)}, p99 {_ms(r.max_p99_ms)} ms) "
        f"| {r.rate:,.0f} | {r.seconds:.0f} s | {total.count:,} ({total.count / r.seconds:,.0f}/s) "
        f"| **{errors}** | {_ms(total.percentile_ms(0.5))} / {_ms(total.percentile_ms(0.9))} / "
        f"{_ms(total.percentile_ms(0.99))} / {_ms(total.percentile_ms(0.999))} / "
        f"{_ms(max(total.latencies, default=0) * 1000)} | {r.server_cpu:.0%} | {r.generator_cpu:.0%} "
        f"| {r.load_average[0]:.1f} → {r.load_average[1]:.1f} |"
    )


def _memory_row(r: SoakResult) -> str:
    if r.skipped or not r.rss:
        return f"| {r.store} | — | — | — | — | — | — |"
    second_half = [s for s in r.rss if s[0] >= r.seconds / 2]
    return (
        f"| {r.store} | {r.rss_after_setup:.1f} | {r.rss[0][1]:.1f} | {r.rss[-1][1]:.1f} "
        f"| {max(m for _, m in r.rss):.1f} | {slope_per_minute(r.rss):+.3f} "
        f"| {slope_per_minute(second_half):+.3f} |"
    )


def _minute_rows(r: SoakResult) -> list[str]:
    rows = []
    for minute, stats in sorted(r.minutes.items()):
        end = (minute + 1) * 60
        rss = min(r.rss, key=lambda sample: abs(sample[0] - end))[1] if r.rss else 0.0
        rows.append(
            f"| {r.store} | {minute + 1} | {stats.count:,} | {sum(stats.errors.values())} "
            f"| {_ms(stats.percentile_ms(0.5))} | {_ms(stats.percentile_ms(0.99))} | {rss:.1f} |"
        )
    return rows


def render_section(results: Sequence[SoakResult], command: str, pin_note: str) -> str:
    measured = [r for r in results if not r.skipped]
    errors = Counter[str]()
    for r in measured:
        errors.update({f"{r.store}: {kind}": n for kind, n in r.total.errors.items()})
    mix = ", ".join(
        f"{name} {count:,}" for name, count in sorted(sum((r.by_name for r in measured), Counter()).items())
    )
    lines = [
        *measured_heading(SECTION_TITLE, command),
        f"Machine: {os.cpu_count()} CPUs, {cpu_model()}, Linux {platform.release()}, "
        f"Python {platform.python_version()}. {pin_note}",
        "",
        "`credo serve --dev` with 100 users; of every 50 signed requests 30 GetCallerIdentity, 10 "
        "GetUser, 9 ListUsers and one CreateUser or DeleteUser. *Maximum*: a closed loop of "
        f"{MAX_CONNECTIONS} connections from this Python generator. *Soak*: half that rate, "
        f"scheduled at fixed intervals over up to {SOAK_CONNECTIONS} keep-alive connections, with "
        "latency counted from each request's scheduled moment. CPU columns are shares of one core "
        "during the soak; *load average* is the machine's 5-minute load average (`/proc/loadavg`) "
        "at the start and end of the soak, which shows how much other work shared the CPUs. "
        f"Requests sent during the soak: {mix or 'none'}.",
        "",
        "| Store | Maximum req/s | Soak req/s | Duration | Requests | Errors "
        "| p50 / p90 / p99 / p99.9 / max ms | server CPU | generator CPU | load average |",
        "|---|---|---:|---:|---:|---:|---|---:|---:|---|",
        *[_summary_row(r) for r in results],
        "",
        "Errors by kind: " + (", ".join(f"{k} {n}" for k, n in sorted(errors.items())) or "none") + ".",
        "",
        "Server memory (VmRSS, MiB): after creating the users, at the start and end of the soak, "
        "the highest sample, and the growth per minute (least-squares slope over all samples, and "
        "over the second half of the soak).",
        "",
        "| Store | After setup | Soak start | Soak end | Highest | Growth MiB/min | Second half MiB/min |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *[_memory_row(r) for r in results],
        "",
        "Minute by minute:",
        "",
        "| Store | Minute | Requests | Errors | p50 ms | p99 ms | RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *[row for r in measured for row in _minute_rows(r)],
    ]
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600, help="soak seconds per store (default 600)")
    parser.add_argument("--max-seconds", type=float, default=15, help="seconds measuring the maximum (15)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("CREDO_TEST_DATABASE_URL"),
        help="PostgreSQL URL whose public schema is dropped and recreated (default $CREDO_TEST_DATABASE_URL)",
    )
    parser.add_argument("--stores", default="sqlite,postgresql", help="comma-separated subset")
    parser.add_argument(
        "--out", default=str(load.DEFAULT_OUT), help="markdown file to update ('-' to only print)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    from benchmarks.crash import _without_url

    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    _, generator_pin, pin_note = load.cpu_pins()
    if generator_pin:
        os.sched_setaffinity(0, {GENERATOR_CPU})
        pin_note = pin_note.replace("wrk", "the generator")
    results: list[SoakResult] = []
    for store in [name.strip() for name in args.stores.split(",") if name.strip()]:
        if store == "postgresql" and not args.postgres:
            results.append(SoakResult(store, skipped="skipped: no --postgres URL"))
            continue
        url = args.postgres if store == "postgresql" else None
        results.append(run_store(store, url, args.duration, args.max_seconds))
    command = load.command_line([_without_url(arg) for arg in argv], "benchmarks.soak")
    section = render_section(results, command, pin_note)
    print()
    print(section)
    if args.out != "-":
        write_section(Path(args.out), SECTION_TITLE, section)
        print(f"wrote {args.out}")
    return 1 if any(r.total.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
