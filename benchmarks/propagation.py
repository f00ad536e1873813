"""How long a revocation made through one credo process takes to be honoured by the others.

Run from the repository root::

    .venv/bin/python -m benchmarks.propagation --database-url postgresql://postgres@127.0.0.1:5432/credo_propagation
    .venv/bin/python -m benchmarks.propagation --store sqlite

Starts ``--processes`` (default 4) ``credo serve --dev`` processes on one store — each is what
one worker of ``credo serve --workers N`` is, but on a port of its own so that every process
can be asked directly. Each round creates an access key through process 0, waits until every
other process has it cached (a signed GetCallerIdentity answered 200), then pollers ask every
other process with that key as fast as they can while process 0 deactivates it. Propagation
is the time from the moment the deactivating call was acknowledged to each process's first
``InvalidClientTokenId`` (a request sent before the acknowledgement is not counted).
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks import load
from benchmarks.report import measured_heading, write_section

SECTION_TITLE = "Revocation across processes"
IDENTITY = load.OPERATIONS[0]  # GetCallerIdentity


class Poller(threading.Thread):
    """Asks one process GetCallerIdentity with one key until it is refused."""

    def __init__(self, port: int, credentials: tuple[str, str], start_after: threading.Event) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.credentials = credentials
        self.start_after = start_after
        self.acknowledged_at: float | None = None
        self.refused_at: float | None = None
        self.requests = 0

    def run(self) -> None:
        connection = http.client.HTTPConnection(load.HOST, self.port, timeout=10)
        self.start_after.wait()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            sent_at = time.monotonic()
            status = _ask(connection, self.port, self.credentials)
            self.requests += 1
            acknowledged = self.acknowledged_at
            if status == 403 and acknowledged is not None and sent_at >= acknowledged:
                self.refused_at = time.monotonic()
                return


def _ask(connection: http.client.HTTPConnection, port: int, credentials: tuple[str, str]) -> int:
    signed = load.sign_request(IDENTITY, port, credentials)
    connection.request("POST", "/", body=signed.body, headers=signed.headers)
    response = connection.getresponse()
    response.read()
    return response.status


def one_round(ports: Sequence[int]) -> list[float]:
    """Seconds from the acknowledged deactivation to each other process's first refusal."""
    import boto3

    iam = boto3.client(
        "iam",
        endpoint_url=f"http://{load.HOST}:{ports[0]}",
        aws_access_key_id=load.ACCESS_KEY_ID,
        aws_secret_access_key=load.SECRET_ACCESS_KEY,
        region_name=load.REGION,
    )
    key = iam.create_access_key()["AccessKey"]  # the root's own: no user needed
    credentials = (key["AccessKeyId"], key["SecretAccessKey"])
    for port in ports[1:]:  # every other process has the key cached
        connection = http.client.HTTPConnection(load.HOST, port, timeout=10)
        while _ask(connection, port, credentials) != 200:
            time.sleep(0.01)
        connection.close()
    go = threading.Event()
    pollers = [Poller(port, credentials, go) for port in ports[1:]]
    for poller in pollers:
        poller.start()
    go.set()
    time.sleep(0.05)
    iam.update_access_key(AccessKeyId=key["AccessKeyId"], Status="Inactive")
    acknowledged = time.monotonic()
    for poller in pollers:
        poller.acknowledged_at = acknowledged
    for poller in pollers:
        poller.join()
    iam.delete_access_key(AccessKeyId=key["AccessKeyId"])
    return [
        (poller.refused_at - acknowledged) if poller.refused_at is not None else float("inf")
        for poller in pollers
    ]


def title(store: str) -> str:
    return f"## {SECTION_TITLE}: {store}"


def render(store: str, processes: int, rounds: int, delays: list[float], command: str, facts: str) -> str:
    ms = sorted(delay * 1000 for delay in delays)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    worst = ms[-1]
    verdict = "met" if worst <= 1000 else "NOT met"
    return "\n".join(
        [
            *measured_heading(title(store), command),
            facts,
            "",
            f"{processes} `credo serve --dev` processes on one {store} store; {rounds} rounds, each "
            f"deactivating a fresh access key through process 0 while pollers ask the other "
            f"{processes - 1} processes (caches warm) with it; time from the acknowledged "
            "`UpdateAccessKey` to each process's first `InvalidClientTokenId`.",
            "",
            "| Store | Processes | Samples | p50 ms | p95 ms | max ms | Goal ≤ 1,000 ms |",
            "|---|---:|---:|---:|---:|---:|---|",
            f"| {store} | {processes} | {len(ms)} | {statistics.median(ms):.1f} | {p95:.1f} | "
            f"{worst:.1f} | {verdict} |",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.propagation", description=__doc__)
    parser.add_argument("--store", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--database-url", help="PostgreSQL URL (an empty database this run may fill)")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--out", default=str(load.DEFAULT_OUT), help="markdown file to update ('-' to print)")
    args = parser.parse_args(argv)
    if args.store == "postgresql" and not args.database_url:
        parser.error("--store postgresql needs --database-url")
    servers: list[load.Server] = []
    with tempfile.TemporaryDirectory(prefix="credo-propagation-") as scratch:
        database = args.database_url or f"sqlite:///{Path(scratch) / 'shared.sqlite3'}"
        try:
            for number in range(args.processes):
                workdir = Path(scratch) / f"p{number}"
                workdir.mkdir()
                port = load.free_port()
                command = [
                    load._venv_bin("credo"), "serve", "--dev", "--host", load.HOST, "--port", str(port),
                    "--data-dir", str(workdir / "data"), "--database-url", database,
                ]  # fmt: skip
                server = load.Server(command, workdir, port)
                server.wait_ready()
                servers.append(server)
            ports = [server.port for server in servers]
            delays: list[float] = []
            for number in range(args.rounds):
                delays += one_round(ports)
                print(
                    f"round {number + 1}: {', '.join(f'{d * 1000:.1f}' for d in delays[-len(ports) + 1 :])} ms"
                )
        finally:
            for server in servers:
                server.stop()
    section = render(
        args.store,
        args.processes,
        args.rounds,
        delays,
        load.command_line(list(sys.argv[1:] if argv is None else argv), "benchmarks.propagation"),
        load.machine_facts("wrk"),
    )
    print(section)
    if args.out != "-":
        write_section(Path(args.out), title(args.store), section)
    return 0 if max(delays) <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
