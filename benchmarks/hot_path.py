"""Where a GetCallerIdentity's server time goes: credo's own Python, and what load makes of it.

Run from the repository root::

    .venv/bin/python -m benchmarks.hot_path [--rounds 5] [--duration 4] [--out docs/benchmarks.md]

Two measurements in one run:

1. In process, no HTTP: one ASGI call of credo's app for a botocore-signed GetCallerIdentity
   (dev store on SQLite, root credentials), and one of the trivial app
   (``benchmarks/trivial_asgi.py``). The difference is credo's own work per request:
   SigV4, decoding, the key look-up, authorization, the handler, the XML.
2. Under load, as ``benchmarks.load`` measures (server on CPU 0, wrk on CPU 1, 32
   connections), in alternating rounds: the trivial app; the trivial app plus a pure-Python
   loop calibrated to take, in process, as long as credo's own work ("trivial + same
   Python"); and credo. For each: requests per second and the server's CPU time per request,
   user and system.

Comparing the last two rows shows what credo's way of replying saves: the same amount of
Python, with replies written at once, costs much more server CPU per request under load. The
result replaces the ``## Hot path: credo's own work per request`` section of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import load, trivial_asgi
from benchmarks.report import measured_heading, write_section

SECTION_TITLE = "## Hot path: credo's own work per request"
CONNECTIONS = 32
OPERATION = load.OPERATIONS[0]  # GetCallerIdentity
assert OPERATION.name == "GetCallerIdentity"

Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


@dataclass(frozen=True)
class InProcess:
    credo_us: float
    trivial_us: float
    burn_loops: int  # iterations of trivial_asgi.burn that take credo's own work's time
    burned_us: float  # the trivial app with that burn

    @property
    def own_us(self) -> float:
        """credo's own work: what its ASGI call takes beyond the trivial app's."""
        return self.credo_us - self.trivial_us


def _asgi_call_us(app: Asgi, scope: dict[str, Any], body: bytes, calls: int) -> float:
    """Microseconds per ASGI call of ``app`` on one prebuilt request (response discarded)."""
    message = {"type": "http.request", "body": body, "more_body": False}
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return message

    async def send(reply: dict[str, Any]) -> None:
        if reply["type"] == "http.response.start":
            statuses.append(reply["status"])

    async def run() -> float:
        started = time.perf_counter()
        for _ in range(calls):
            await app(scope, receive, send)
        return time.perf_counter() - started

    elapsed = asyncio.run(run())
    if set(statuses) != {200}:
        raise RuntimeError(f"{app!r} answered {sorted(set(statuses))}")
    return elapsed / calls * 1e6


def _trivial_burning_us(loops: int, scope: dict[str, Any], body: bytes, rounds: int, calls: int) -> float:
    saved = trivial_asgi.BURN_LOOPS
    trivial_asgi.BURN_LOOPS = loops
    try:
        return min(_asgi_call_us(trivial_asgi.app, scope, body, calls) for _ in range(rounds))
    finally:
        trivial_asgi.BURN_LOOPS = saved


def in_process(rounds: int, calls: int = 20_000) -> InProcess:
    """Best of ``rounds`` alternating rounds for credo's app and the trivial app, then the
    number of burn loops that makes the trivial app take as long as credo's (within 3%)."""
    from credo.server.app import create_app
    from credo.server.bootstrap import effective_settings, open_services
    from credo.settings import Settings

    scope, body = load.asgi_request(OPERATION)
    with tempfile.TemporaryDirectory(prefix="credo-hot-path-") as data_dir:
        services, _ = open_services(effective_settings(Settings(dev=True, data_dir=Path(data_dir))))
        try:
            apps: dict[str, Asgi] = {"credo": create_app(services), "trivial": trivial_asgi.app}
            best = dict.fromkeys(apps, float("inf"))
            for _ in range(rounds):
                for name, app in apps.items():
                    best[name] = min(best[name], _asgi_call_us(app, scope, body, calls))
        finally:
            services.store.dispose()
    loops = 100
    burned = _trivial_burning_us(loops, scope, body, rounds, calls)
    for _ in range(5):
        per_loop = (burned - best["trivial"]) / loops
        loops = max(1, round((best["credo"] - best["trivial"]) / per_loop))
        burned = _trivial_burning_us(loops, scope, body, rounds, calls)
        if abs(burned - best["credo"]) <= 0.03 * best["credo"]:
            break
    return InProcess(best["credo"], best["trivial"], loops, burned)


@dataclass(frozen=True)
class UnderLoad:
    name: str
    requests_per_second: float
    user_us: float  # server CPU per request
    system_us: float

    @property
    def cpu_us(self) -> float:
        return self.user_us + self.system_us


def under_load(burn_loops: int, rounds: int, duration: int, warmup: int) -> list[UnderLoad]:
    """Medians over alternating wrk rounds for trivial, trivial + burn, and credo."""
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    server_pin, wrk_pin, _ = load.cpu_pins()
    burn = {"TRIVIAL_ASGI_BURN_LOOPS": str(burn_loops)}
    targets: dict[str, tuple[Callable[[int], list[str]], dict[str, str]]] = {
        "trivial": (load.trivial_command, {}),
        "trivial + same Python": (load.trivial_command, burn),
        "credo": (load.credo_command, {}),
    }
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in targets}
    with tempfile.TemporaryDirectory(prefix="credo-hot-path-") as scratch, ExitStack() as stack:
        servers: dict[str, tuple[load.Server, Path]] = {}
        for index, (name, (command, env)) in enumerate(targets.items()):
            target = load.Target(name, name, command, create_users=False)
            server = stack.enter_context(load.running(target, server_pin, env))
            request = load.sign_request(OPERATION, server.port)
            problem = load.check_sample(request, OPERATION)
            if problem is not None:
                raise RuntimeError(f"{name}: {problem}")
            script = Path(scratch) / f"{index}.lua"
            script.write_text(load.wrk_script(request))
            load.run_wrk(wrk, wrk_pin, script, request.url, CONNECTIONS, warmup)
            servers[name] = (server, script)
        for _ in range(rounds):
            for name, (server, script) in servers.items():
                user_before, system_before = server.cpu_times()
                result = load.run_wrk(
                    wrk, wrk_pin, script, f"http://{load.HOST}:{server.port}/", CONNECTIONS, duration
                )
                user_after, system_after = server.cpu_times()
                if result.non_2xx or result.socket_errors:
                    raise RuntimeError(f"{name}: errors during the run: {result}")
                per_request = 1e6 / result.requests
                samples[name].append(
                    (
                        result.requests_per_second,
                        (user_after - user_before) * per_request,
                        (system_after - system_before) * per_request,
                    )
                )
    return [
        UnderLoad(
            name,
            statistics.median(s[0] for s in runs),
            statistics.median(s[1] for s in runs),
            statistics.median(s[2] for s in runs),
        )
        for name, runs in samples.items()
    ]


def render(inner: InProcess, rows: list[UnderLoad], command: str, facts: str) -> str:
    by_name = {row.name: row for row in rows}
    trivial, burned, credo = by_name["trivial"], by_name["trivial + same Python"], by_name["credo"]
    in_process_us = {
        "trivial": inner.trivial_us,
        "trivial + same Python": inner.burned_us,
        "credo": inner.credo_us,
    }
    credo_added = credo.cpu_us - trivial.cpu_us
    burned_added = burned.cpu_us - trivial.cpu_us
    lines = [
        *measured_heading(SECTION_TITLE, command),
        f"Machine: {facts}",
        "",
        "In process: one ASGI call for a botocore-signed GetCallerIdentity (credo: dev store on "
        "SQLite, root key), best of alternating rounds. Under load: wrk at "
        f"{CONNECTIONS} connections, server on CPU 0 and wrk on CPU 1, medians of alternating "
        "rounds; server CPU per request is the server process's user and system time over the "
        "requests served. *trivial + same Python* is the trivial app with a pure-Python loop "
        "that takes as long in process as credo's own work.",
        "",
        "| Server | in process µs / request | req/s | server CPU µs / request | user | system |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row.name} | {in_process_us[row.name]:.1f} | {row.requests_per_second:,.0f} | "
            f"{row.cpu_us:.1f} | {row.user_us:.1f} | {row.system_us:.1f} |"
        )
    lines += [
        "",
        f"- credo's own work per request, in process: **{inner.own_us:.1f} µs** (this includes the one "
        "extra pass through the event loop that lets replies leave in bursts, which alone, with no "
        f"other request waiting, is dear); under load it adds **{credo_added:.1f} µs** of server CPU "
        "per request.",
        f"- A trivial app doing as much plain Python per request and replying at once adds "
        f"{burned_added:.1f} µs: replying at once wakes the idle load generator for every reply "
        "(system time) and interleaves request and reply code (cache misses).",
        f"- credo serves **{credo.requests_per_second / trivial.requests_per_second:.0%}** of the "
        "trivial ceiling's requests per second here (target ≥ 50%).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    parser.add_argument("--duration", type=int, default=4, help="seconds per wrk run (default 4)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per server (default 2)")
    parser.add_argument("--out", default=str(load.DEFAULT_OUT), help="markdown file, or '-' to only print")
    args = parser.parse_args(argv)
    inner = in_process(args.rounds)
    print(
        f"in process: credo {inner.credo_us:.1f} µs, trivial {inner.trivial_us:.1f} µs, "
        f"trivial burning {inner.burn_loops} loops {inner.burned_us:.1f} µs",
        flush=True,
    )
    rows = under_load(inner.burn_loops, args.rounds, args.duration, args.warmup)
    wrk = shutil.which("wrk") or "wrk"
    _, _, pin_note = load.cpu_pins()
    command = load.command_line(sys.argv[1:] if argv is None else argv, "benchmarks.hot_path")
    section = render(inner, rows, command, f"{pin_note} {load.machine_facts(wrk)}")
    print(section)
    if args.out != "-":
        write_section(Path(args.out), SECTION_TITLE, section)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
