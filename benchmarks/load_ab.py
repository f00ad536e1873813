"""This tree against another under HTTP load, in alternating runs: a before/after on a busy machine.

Run from the repository root, with a checkout of the earlier code (a worktree)::

    git worktree add /tmp/credo-base <revision>
    .venv/bin/python -m benchmarks.load_ab --base /tmp/credo-base/src [--rounds 5] [--duration 5]

``credo serve --dev`` from ``--base`` and from this tree, and the trivial app, run side by side,
each pinned to CPU 0 as ``benchmarks.load`` pins them (wrk on CPU 1), with 100 users created
in each credo. Every round runs wrk (32 connections) once against each server for each
operation, one after another, so a slow spell of the machine falls on all of them alike; the
medians over the rounds are printed, with the server's CPU time per request. Printed only: the
figures that go into docs/benchmarks.md are ``benchmarks.load``'s, this is the comparison.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from benchmarks import load

ROOT = Path(__file__).resolve().parents[1]
CONNECTIONS = 32


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.load_ab", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--base", type=Path, required=True, help="the other tree's src/ directory")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run (default 5)")
    args = parser.parse_args(argv)
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed (e.g. `sudo apt-get install wrk`)")
        return 2
    server_pin, wrk_pin, pin_note = load.cpu_pins()
    print(pin_note, flush=True)
    sources = {"base": args.base.resolve(), "this": ROOT / "src"}
    runs: dict[tuple[str, str], list[load.Run]] = {}
    with tempfile.TemporaryDirectory(prefix="credo-load-ab-") as scratch, ExitStack() as stack:
        servers: dict[str, load.Server] = {}
        for name, src in sources.items():
            environment = {"PYTHONPATH": f"{src}{os.pathsep}{ROOT}"}
            target = load.Target(name, name, load.credo_command, True)
            servers[name] = stack.enter_context(load.running(target, server_pin, environment))
            load.create_users(servers[name].port)
        trivial = load.Target("trivial", "trivial", load.trivial_command, False)
        servers["trivial"] = stack.enter_context(load.running(trivial, server_pin))
        for round_number in range(args.rounds):
            for operation in load.OPERATIONS:
                for name, server in servers.items():
                    request = load.sign_request(operation, server.port)
                    problem = load.check_sample(request, operation)
                    if problem is not None:
                        raise SystemExit(f"{name} {operation.name}: {problem}")
                    script = Path(scratch) / f"{name}-{operation.name}.lua"
                    script.write_text(load.wrk_script(request))
                    if round_number == 0:
                        load.run_wrk(wrk, wrk_pin, script, request.url, 8, 2)  # warm-up
                    run = load.measure_once(
                        server, wrk, wrk_pin, script, request.url, CONNECTIONS, args.duration
                    )
                    if run.result.non_2xx or run.result.socket_errors:
                        raise SystemExit(f"{name} {operation.name}: errors during the run: {run.result}")
                    runs.setdefault((name, operation.name), []).append(run)
                    print(
                        f"round {round_number + 1} {name:<8} {operation.name:<17} "
                        f"{run.result.requests_per_second:>9.0f} req/s  server CPU {run.server_cpu:.0%}",
                        flush=True,
                    )
    print()
    print("| Server | Operation | req/s (median) | server CPU µs / request | Others (max) |")
    print("|---|---|---:|---:|---:|")
    for (name, operation_name), measured in runs.items():
        rps = statistics.median(run.result.requests_per_second for run in measured)
        cpu_us = statistics.median(run.server_cpu / run.result.requests_per_second * 1e6 for run in measured)
        others = max((run.other_cpu or 0.0) for run in measured)
        print(f"| {name} | {operation_name} | {rps:,.0f} | {cpu_us:,.0f} | {others:.0%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
