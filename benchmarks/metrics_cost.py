"""What counting for /metrics costs a GetCallerIdentity, in process: this tree against another.

Run from the repository root, with a checkout of the code before the counters (a worktree)::

    git worktree add /tmp/credo-base <revision>
    .venv/bin/python -m benchmarks.metrics_cost --base /tmp/credo-base/src [--rounds 15]

Each round makes ``benchmarks/hot_path.py``'s in-process request (one ASGI call of a
botocore-signed GetCallerIdentity on a dev store) 20,000 times in a fresh process, once with
``--base`` first on ``sys.path`` and once with this tree, alternating, and measures the CPU
time of the calling thread per call; the best of each is printed. CPU time, alternation and
the best of many keep a busy machine's other processes out of the difference.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# What every in-process round starts with: a signed GetCallerIdentity as uvicorn hands it over.
REQUEST_SETUP = """
import asyncio, tempfile, time
from pathlib import Path
from benchmarks import hot_path, load
from credo.server.app import create_app
from credo.server.bootstrap import effective_settings, open_services
from credo.settings import Settings
scope, body = load.asgi_request(hot_path.OPERATION)
message = {"type": "http.request", "body": body, "more_body": False}
async def receive():
    return message
"""

_ONE_ROUND = (
    REQUEST_SETUP
    + """async def send(reply):
    if reply["type"] == "http.response.start":
        assert reply["status"] == 200
async def calls(app, count):
    started = time.thread_time()  # CPU time of this thread: time other processes take is not counted
    for _ in range(count):
        await app(scope, receive, send)
    return (time.thread_time() - started) / count * 1e6
with tempfile.TemporaryDirectory() as data_dir:
    services, _ = open_services(effective_settings(Settings(dev=True, data_dir=Path(data_dir))))
    app = create_app(services)
    asyncio.run(calls(app, 5000))  # warm up
    print(min(asyncio.run(calls(app, 20000)) for _ in range(3)))
    services.store.dispose()
"""
)


def last_line_in_fresh_process(script: str, src: Path) -> str:
    """Run ``script`` in a fresh interpreter importing credo from ``src``; its last line of output."""
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{ROOT}"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )
    return done.stdout.strip().splitlines()[-1]


def one_round(src: Path) -> float:
    """CPU µs per call, best of 3 runs in a fresh process importing credo from ``src``."""
    return float(last_line_in_fresh_process(_ONE_ROUND, src))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--base", type=Path, required=True, help="src/ of the checkout to compare with")
    parser.add_argument("--rounds", type=int, default=15, help="alternating rounds (default 15)")
    args = parser.parse_args(argv)
    best = {"base": float("inf"), "this tree": float("inf")}
    for _ in range(args.rounds):
        best["base"] = min(best["base"], one_round(args.base))
        best["this tree"] = min(best["this tree"], one_round(ROOT / "src"))
    for name, micros in best.items():
        print(f"{name}: {micros:.2f} µs per GetCallerIdentity")
    print(
        f"difference: {best['this tree'] - best['base']:+.2f} µs ({best['this tree'] / best['base'] - 1:+.1%})"
    )


if __name__ == "__main__":
    main()
