"""Where a listing's server time goes, in process: ListUsers, ListRoles and ListGroups with 100 each.

Run from the repository root::

    .venv/bin/python -m benchmarks.list_path [--rounds 15] [--calls 50]
    .venv/bin/python -m benchmarks.list_path --base /tmp/credo-base/src [--processes 5]

For each operation, one ASGI call of credo's app for a botocore-signed request (dev store on
SQLite, root credentials), and its two parts measured alone: the handler (the query and the
result mapping) and the rendering of that result as XML. GetCallerIdentity is measured beside
them as the cost of a request with nothing to list. Times are CPU time of this thread (the
machine is shared, and CPU time is what other processes disturb least), the best of
``--rounds`` rounds of ``--calls`` calls. With ``--base`` (another tree's ``src``, e.g. a
worktree of an earlier revision), both trees are measured in fresh processes, alternately,
``--processes`` times each, and the best of each figure is printed side by side. Printed
only; ``benchmarks.load`` gives the figures under HTTP load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, MutableMapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks import load

ROOT = Path(__file__).resolve().parents[1]
COUNT = 100
LISTINGS = {
    "ListUsers": ("CreateUser", {"UserName": "user{i}"}),
    "ListRoles": (
        "CreateRole",
        {
            "RoleName": "role{i}",
            "AssumeRolePolicyDocument": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
            '"Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
        },
    ),
    "ListGroups": ("CreateGroup", {"GroupName": "group{i}"}),
}


def _iam(action: str) -> load.Operation:
    return load.Operation(action, "iam", f"Action={action}&Version=2010-05-08", b"", False)


class InProcessApp:
    """credo's app on a scratch dev store, called directly as uvicorn would call it."""

    def __init__(self, data_dir: Path) -> None:
        from credo.server.app import create_app
        from credo.server.bootstrap import effective_settings, open_services
        from credo.settings import Settings

        self.services, _ = open_services(effective_settings(Settings(dev=True, data_dir=data_dir)))
        self.app = create_app(self.services)
        self.loop = asyncio.new_event_loop()
        self.last_status = 0

    def call(self, scope: dict[str, Any], body: bytes, times: int = 1) -> None:
        message = {"type": "http.request", "body": body, "more_body": False}

        async def receive() -> dict[str, Any]:
            return message

        async def send(reply: MutableMapping[str, Any]) -> None:
            if reply["type"] == "http.response.start":
                self.last_status = reply["status"]

        async def run() -> None:
            for _ in range(times):
                await self.app(scope, receive, send)

        self.loop.run_until_complete(run())
        if self.last_status != 200:
            raise RuntimeError(f"{scope} answered {self.last_status}")

    def close(self) -> None:
        self.loop.close()
        self.services.store.dispose()


def best_us(action: Callable[[], object], rounds: int, calls: int) -> float:
    """The fastest of ``rounds`` rounds, in CPU microseconds per call."""
    best = float("inf")
    for _ in range(rounds):
        started = time.thread_time()
        for _ in range(calls):
            action()
        best = min(best, (time.thread_time() - started) / calls * 1e6)
    return best


def measure(rounds: int, calls: int) -> list[tuple[str, float, float, float]]:
    """(operation, ASGI call, handler, rendering) in µs; GetCallerIdentity has only the first."""
    rows: list[tuple[str, float, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="credo-list-path-") as data_dir:
        app = InProcessApp(Path(data_dir))
        try:
            for create, fields in LISTINGS.values():
                for i in range(COUNT):
                    params = {name: value.replace("{i}", f"{i:03d}") for name, value in fields.items()}
                    app.call(
                        *load.asgi_request(
                            _iam(create), (load.ACCESS_KEY_ID, load.SECRET_ACCESS_KEY), **params
                        )
                    )
            identity = load.asgi_request(load.OPERATIONS[0])
            rows.append(("GetCallerIdentity", best_us(lambda: app.call(*identity), rounds, calls), 0.0, 0.0))
            rows += [(action, *_listing(app, action, rounds, calls)) for action in LISTINGS]
        finally:
            app.close()
    return rows


def _listing(app: InProcessApp, action: str, rounds: int, calls: int) -> tuple[float, float, float]:
    """The whole ASGI call, the handler alone and the rendering alone, for one listing."""
    from credo.call import Call
    from credo.protocol import model, xml
    from credo.server.operations import OPERATIONS

    request = load.asgi_request(_iam(action))
    handler = OPERATIONS["iam"][action].handler
    principal = app.services.credentials.resolve(load.ACCESS_KEY_ID, None).principal
    call = Call(action, {}, principal, app.services, "request-id", load.REGION)
    operation = model.operation("iam", action)
    assert operation is not None
    result = handler(call)
    namespace = model.NAMESPACES["iam"]
    return (
        best_us(lambda: app.call(*request), rounds, calls),
        best_us(lambda: handler(call), rounds, calls),
        best_us(lambda: xml.render_result(operation, namespace, result, "request-id"), rounds, calls),
    )


def in_fresh_process(src: Path, rounds: int, calls: int) -> list[list[Any]]:
    """``measure`` in a new interpreter importing credo from ``src``."""
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{ROOT}"}
    command = [
        sys.executable,
        "-m",
        "benchmarks.list_path",
        "--json",
        "--rounds",
        str(rounds),
        "--calls",
        str(calls),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    rows: list[list[Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return rows


def compare(base: Path, processes: int, rounds: int, calls: int) -> None:
    """Both trees, alternately, each in fresh processes; the best of every figure side by side."""
    best: dict[str, dict[str, list[float]]] = {"base": {}, "this": {}}
    for _ in range(processes):
        for label, src in (("base", base), ("this", ROOT / "src")):
            for name, *figures in in_fresh_process(src, rounds, calls):
                kept = best[label].setdefault(name, [float("inf")] * len(figures))
                best[label][name] = [min(a, b) for a, b in zip(kept, figures, strict=True)]
    print(f"{'operation':<18} {'part':<10} {'base µs':>9} {'this µs':>9} {'speed-up':>9}")
    for name, figures in best["this"].items():
        for part, before, after in zip(
            ("ASGI call", "handler", "render"), best["base"][name], figures, strict=True
        ):
            if after:
                print(f"{name:<18} {part:<10} {before:>9.1f} {after:>9.1f} {before / after:>8.2f}x")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.list_path", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--rounds", type=int, default=15, help="rounds per measurement; the best is kept")
    parser.add_argument("--calls", type=int, default=50, help="calls per round")
    parser.add_argument("--base", type=Path, help="another tree's src/ to compare with, alternately")
    parser.add_argument("--processes", type=int, default=5, help="with --base: fresh processes per tree")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # one process's rows
    args = parser.parse_args(argv)
    if args.json:
        print(json.dumps(measure(args.rounds, args.calls)))
        return 0
    if args.base is not None:
        compare(args.base, args.processes, args.rounds, args.calls)
        return 0
    print(f"{'operation':<18} {'ASGI call µs':>13} {'handler µs':>11} {'render µs':>10}")
    for name, whole, handler, render in measure(args.rounds, args.calls):
        parts = f"{handler:>11.1f} {render:>10.1f}" if handler else f"{'':>11} {'':>10}"
        print(f"{name:<18} {whole:>13.1f} {parts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
