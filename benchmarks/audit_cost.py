"""What the audit trail costs a GetCallerIdentity: on the request path, and later in the flush.

Run from the repository root, with checkouts of the code before and with the audit trail
(worktrees)::

    git worktree add /tmp/credo-before 22444d9^
    git worktree add /tmp/credo-audit 22444d9
    .venv/bin/python -m benchmarks.audit_cost --base /tmp/credo-before/src --audited /tmp/credo-audit/src

The request path is measured as ``benchmarks/metrics_cost.py`` measures counting: the same
in-process ASGI call of a botocore-signed GetCallerIdentity on a dev store, 20,000 times in a
fresh process per round, base and audited alternating, CPU time of the calling thread, best of
each. A read-only call only queues its facts there: no database round trip. The queue is
emptied every 1,000 calls, between timed stretches, as the flusher empties it every second in
a server (otherwise tens of thousands of queued calls would tax the garbage collector as no
server's queue does). The flush (the
background thread's work, once a second in a server) is then timed for those queued events:
building each CloudTrail record and inserting them in one transaction, in CPU and wall time
per event, with this tree's flush. ``--audited`` defaults to this tree.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.metrics_cost import REQUEST_SETUP, ROOT, last_line_in_fresh_process

_ONE_ROUND = (
    REQUEST_SETUP
    + """async def send(reply):
    if reply["type"] == "http.response.start":
        assert reply["status"] == 200
async def calls(app, services, count):
    # The flusher takes the queued events away about every second in a server (its own cost is
    # measured apart): drop them every 1,000 calls, outside the timed stretches.
    audit = getattr(services, "audit", None)
    spent = 0.0
    for _ in range(count // 1000):
        started = time.thread_time()
        for _ in range(1000):
            await app(scope, receive, send)
        spent += time.thread_time() - started
        if audit is not None:
            audit.discard_pending()
    return spent / count * 1e6
with tempfile.TemporaryDirectory() as data_dir:
    services, _ = open_services(effective_settings(Settings(dev=True, data_dir=Path(data_dir))))
    app = create_app(services)
    asyncio.run(calls(app, services, 5000))  # warm up
    print(min(asyncio.run(calls(app, services, 20000)) for _ in range(3)))
    services.store.dispose()
"""
)


def one_round(src: Path) -> float:
    """CPU µs per call, best of 3 runs in a fresh process importing credo from ``src``."""
    return float(last_line_in_fresh_process(_ONE_ROUND, src))


_FLUSH = (
    REQUEST_SETUP
    + """async def send(reply):
    pass
async def calls(app, count):
    for _ in range(count):
        await app(scope, receive, send)
with tempfile.TemporaryDirectory() as data_dir:
    services, _ = open_services(effective_settings(Settings(dev=True, data_dir=Path(data_dir))))
    app = create_app(services)
    best_cpu, best_wall = float("inf"), float("inf")
    for _ in range(5):
        asyncio.run(calls(app, 5000))
        count = services.audit.pending()
        cpu, wall = time.thread_time(), time.perf_counter()
        services.audit.flush()
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        best_cpu, best_wall = min(best_cpu, cpu / count), min(best_wall, wall / count)
    print(best_cpu * 1e6, best_wall * 1e6)
    services.store.dispose()
"""
)


def flush_cost(src: Path) -> tuple[float, float]:
    """CPU and wall µs per event of flushing 5,000 queued GetCallerIdentity events (best of 5)."""
    cpu, wall = last_line_in_fresh_process(_FLUSH, src).split()
    return float(cpu), float(wall)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--base", type=Path, required=True, help="src/ of the checkout without the audit trail"
    )
    parser.add_argument(
        "--audited", type=Path, default=ROOT / "src", help="src/ with it (default: this tree)"
    )
    parser.add_argument("--rounds", type=int, default=15, help="alternating rounds (default 15)")
    args = parser.parse_args(argv)
    best = {"base": float("inf"), "audited": float("inf")}
    for _ in range(args.rounds):
        best["base"] = min(best["base"], one_round(args.base))
        best["audited"] = min(best["audited"], one_round(args.audited))
    for name, micros in best.items():
        print(f"{name}: {micros:.2f} µs per GetCallerIdentity")
    print(
        f"request path: {best['audited'] - best['base']:+.2f} µs ({best['audited'] / best['base'] - 1:+.1%})"
    )
    cpu, wall = flush_cost(ROOT / "src")
    print(f"flush, off the request path: {cpu:.1f} µs CPU, {wall:.1f} µs wall per event")


if __name__ == "__main__":
    main()
