"""GetCallerIdentity (and ListUsers) on PostgreSQL beside SQLite and the trivial ceiling, in one run.

Run from the repository root, with an empty PostgreSQL database this run may fill::

    .venv/bin/python -m benchmarks.stores --database-url postgresql://postgres@127.0.0.1:5432/credo_stores

Targets, each measured with ``benchmarks/load.py``'s wrk machinery (same signed requests,
warm-up, sample check and CPU accounting):

- ``sqlite``: ``credo serve --dev`` on its SQLite store, one process, pinned to CPU 0;
- ``postgresql``: the same on PostgreSQL, one process, pinned to CPU 0;
- ``postgresql-2w``: ``credo serve --dev --workers 2`` on PostgreSQL, not pinned (two workers
  on a pinned CPU would share it), so it competes with wrk and PostgreSQL for both CPUs;
- ``trivial``: ``benchmarks/trivial_asgi.py``, the HTTP stack's ceiling, pinned to CPU 0.

The goal (issue 20): PostgreSQL-backed GetCallerIdentity at least 80% of SQLite-backed, same run.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks import load
from benchmarks.report import measured_heading, write_section

SECTION_TITLE = "## Stores: PostgreSQL beside SQLite"
GOAL = 0.80


def _credo(database_url: str | None, workers: int) -> Callable[[int], list[str]]:
    def command(port: int) -> list[str]:
        arguments = [*load.credo_command(port), "--workers", str(workers)]
        return arguments + (["--database-url", database_url] if database_url else [])

    return command


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stores", description=__doc__)
    parser.add_argument("--database-url", required=True, help="PostgreSQL URL (an empty database)")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--connections", default="8,32")
    parser.add_argument("--quiet-wait", type=float, default=60.0)
    parser.add_argument("--out", default=str(load.DEFAULT_OUT), help="markdown file to update ('-' to print)")
    args = parser.parse_args(argv)
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    server_pin, wrk_pin, pin_note = load.cpu_pins()
    connections = [int(number) for number in args.connections.split(",")]
    targets = [
        (load.Target("sqlite", "SQLite, 1 process", _credo(None, 1), True), server_pin),
        (load.Target("postgresql", "PostgreSQL, 1 process", _credo(args.database_url, 1), True), server_pin),
        (load.Target("postgresql-2w", "PostgreSQL, --workers 2", _credo(args.database_url, 2), True), []),
        (load.TARGETS[2], server_pin),  # trivial
    ]
    cells: list[load.Cell] = []
    with tempfile.TemporaryDirectory(prefix="credo-stores-") as scratch:
        for target, pin in targets:
            cells += load.measure_target(
                target,
                wrk,
                (pin, wrk_pin),
                connections,
                args.duration,
                args.warmup,
                args.repeat,
                args.quiet_wait,
                Path(scratch),
            )
    section = render(cells, argv, pin_note, wrk, connections)
    print(section)
    if args.out != "-":
        write_section(Path(args.out), SECTION_TITLE, section)
    return 0 if all(cell.ok for cell in cells) else 1


def _rps(cells: Sequence[load.Cell], target: str, operation: str, connections: int) -> float | None:
    for cell in cells:
        if (cell.target, cell.operation, cell.connections) == (target, operation, connections):
            return cell.result.requests_per_second if cell.ok and cell.result is not None else None
    return None


def render(
    cells: Sequence[load.Cell], argv: Sequence[str] | None, pin_note: str, wrk: str, connections: list[int]
) -> str:
    command = load.command_line(list(sys.argv[1:] if argv is None else argv), "benchmarks.stores")
    lines = [
        *measured_heading(SECTION_TITLE, command),
        f"Machine: {load.machine_facts(wrk)} {pin_note} The `postgresql-2w` server is not pinned.",
        "",
        "| Target | Operation | Connections | req/s | p50 ms | p99 ms | server CPU | Notes |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for cell in cells:
        result = cell.result
        if result is None or not cell.ok:
            numbers = "— | — | — | —"
        else:
            cpu = f"{cell.server_cpu:.0%}" if cell.server_cpu is not None else "—"
            numbers = f"{result.requests_per_second:,.0f} | {result.p50_ms:.2f} | {result.p99_ms:.2f} | {cpu}"
        notes = "; ".join([*([cell.error] if cell.error else []), *cell.warnings]).replace("|", "\\|")
        lines.append(f"| {cell.target} | {cell.operation} | {cell.connections} | {numbers} | {notes} |")
    lines.append("")
    for count in connections:
        sqlite = _rps(cells, "sqlite", "GetCallerIdentity", count)
        for target in ("postgresql", "postgresql-2w"):
            postgres = _rps(cells, target, "GetCallerIdentity", count)
            if sqlite and postgres:
                ratio = postgres / sqlite
                verdict = "met" if ratio >= GOAL else "**not met**"
                lines.append(
                    f"- GetCallerIdentity at {count} connections, {target} / sqlite: "
                    f"**{ratio:.0%}** (goal ≥ {GOAL:.0%}): {verdict}"
                )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
