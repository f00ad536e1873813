"""Large requests and other clients: GetCallerIdentity latency while one client sends large ones.

On SQLite credo handles a request on its event loop, so a request that takes long to decode or
answer makes every other client wait. This measures how long, in one run of
``credo serve --dev``: a probe client sends GetCallerIdentity over one keep-alive connection
every 10 ms and records each latency, first alone, then while a second client sends one kind
of large valid request after another:

- ``TagUser``: 50 tags of the longest key and value, padded with parameters credo ignores up
  to the most parameters it accepts (10,000) and just under its 1 MiB body limit;
- ``SimulateCustomPolicy``, one policy of the largest size the model allows (131,072
  characters: 430 statements with conditions) and one action;
- ``SimulateCustomPolicy``, one small policy, 1,000 actions and 100 resources (MaxItems 1000):
  100,000 decisions in one request.

    .venv/bin/python -m benchmarks.stall [--seconds 20] [--out docs/benchmarks.md]

``tests/server/test_large_request_isolation.py`` sends the same requests with a generous
bound; the figures live here.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from benchmarks import load
from benchmarks.report import cpu_model, measured_heading, write_section

SECTION_TITLE = "## Large requests and other clients"
BODY_LIMIT = 1024 * 1024  # credo.server.api refuses larger bodies
MAX_PARAMETERS = 10_000  # credo.protocol.query.MAX_PARAMETERS
POLICY_LIMIT = 131_072  # policyDocumentType's max in the IAM model
LARGE_USER = "large-request-user"
PROBE_PAUSE = 0.01
ROOT = (load.ACCESS_KEY_ID, load.SECRET_ACCESS_KEY)


def large_tag_user(number: int = 0, user: str = LARGE_USER) -> dict[str, str]:
    """TagUser with 50 maximal tags, padded to 10,000 parameters and just under 1 MiB encoded
    (the same every time: nothing in it is cached)."""
    params = {"Action": "TagUser", "Version": "2010-05-08", "UserName": user}
    for n in range(1, 51):
        params[f"Tags.member.{n}.Key"] = f"key{n:02d}".ljust(128, "k")
        params[f"Tags.member.{n}.Value"] = "v" * 256
    padding = MAX_PARAMETERS - len(params)
    room = BODY_LIMIT - len(urlencode(params)) - 1_000
    # Each padding pair costs "&Pad0001=" (9 bytes) plus its value.
    value = "x" * (room // padding - 9)
    params.update({f"Pad{n:04d}": value for n in range(padding)})
    return params


def _statement(n: int, salt: int = 0) -> dict[str, object]:
    """A statement with wildcards and conditions; ``salt`` makes its patterns new to any cache."""
    return {
        "Sid": f"S{n}",
        "Effect": "Deny" if n % 3 == 0 else "Allow",
        "Action": [f"s3:Get{n}x{salt}*", f"ec2:Describe{n}x{salt}*", "iam:List*"],
        "Resource": [f"arn:aws:s3:::bucket-{n}/*", f"arn:aws:iam::123456789012:user/team{n}/*"],
        "Condition": {
            "StringLike": {"aws:PrincipalTag/team": [f"team-{n}*", "ops*"]},
            "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]},
        },
    }


def largest_policy(salt: int = 0) -> str:
    """A valid identity policy of as many statements as fit in the model's 131,072 characters."""
    opening, closing = '{"Version":"2012-10-17","Statement":[', "]}"
    parts: list[str] = []
    length = len(opening) + len(closing) - 1  # the first statement has no comma before it
    while True:
        part = json.dumps(_statement(len(parts), salt), separators=(",", ":"))
        if length + len(part) + 1 > POLICY_LIMIT:
            return opening + ",".join(parts) + closing
        parts.append(part)
        length += len(part) + 1


def simulate_largest_policy(number: int = 0) -> dict[str, str]:
    """SimulateCustomPolicy of one action against the largest policy the model allows, a new
    policy each ``number`` (credo caches compiled policies by their text)."""
    return {
        "Action": "SimulateCustomPolicy",
        "Version": "2010-05-08",
        "PolicyInputList.member.1": largest_policy(number),
        "ActionNames.member.1": "iam:ListUsers",
        "ResourceArns.member.1": "arn:aws:iam::123456789012:user/team5/someone",
    }


def simulate_many(number: int = 0, actions: int = 1000, resources: int = 100) -> dict[str, str]:
    """SimulateCustomPolicy of ``actions`` × ``resources`` decisions, all on one page."""
    policy = {"Version": "2012-10-17", "Statement": [_statement(n, number) for n in range(20)]}
    params = {
        "Action": "SimulateCustomPolicy",
        "Version": "2010-05-08",
        "PolicyInputList.member.1": json.dumps(policy),
        "MaxItems": "1000",
    }
    params.update({f"ActionNames.member.{n}": f"iam:GetUser{n}" for n in range(1, actions + 1)})
    params.update(
        {f"ResourceArns.member.{n}": f"arn:aws:iam::123456789012:user/u{n}" for n in range(1, resources + 1)}
    )
    return params


# Each builder takes the request's number, so that requests meant to defeat caches differ.
LARGE_REQUESTS: dict[str, Callable[[int], dict[str, str]]] = {
    "TagUser: 50 tags, 10,000 parameters": large_tag_user,
    "SimulateCustomPolicy: one 131,072-character policy": simulate_largest_policy,
    "SimulateCustomPolicy: 1,000 actions × 100 resources": simulate_many,
}


def signed(params: dict[str, str], port: int, credentials: tuple[str, str] = ROOT) -> load.SignedRequest:
    """``params`` as a form body, signed by botocore for the service its Version names."""
    service = "sts" if params.get("Version") == "2011-06-15" else "iam"
    operation = load.Operation(params["Action"], service, urlencode(params), b"", needs_users=False)
    return load.sign_request(operation, port, credentials)


def exchange(connection: http.client.HTTPConnection, request: load.SignedRequest) -> tuple[int, bytes]:
    """Send ``request`` on a keep-alive connection; the status and body."""
    connection.request("POST", "/", body=request.body, headers=request.headers)
    response = connection.getresponse()
    return response.status, response.read()


@dataclass
class Probe:
    """GetCallerIdentity latencies (seconds) and failures, from one client."""

    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def percentile_ms(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return (
            ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000 if ordered else float("nan")
        )


def probe_while(port: int, stop: threading.Event, pause: float = PROBE_PAUSE) -> Probe:
    """GetCallerIdentity every ``pause`` seconds until ``stop`` is set (re-signed each minute)."""
    probe = Probe()
    connection = http.client.HTTPConnection(load.HOST, port, timeout=120)
    request, signed_at = (
        signed({"Action": "GetCallerIdentity", "Version": "2011-06-15"}, port),
        time.monotonic(),
    )
    while not stop.is_set():
        if time.monotonic() - signed_at > 60:
            request = signed({"Action": "GetCallerIdentity", "Version": "2011-06-15"}, port)
            signed_at = time.monotonic()
        started = time.perf_counter()
        try:
            status, body = exchange(connection, request)
        except (OSError, http.client.HTTPException) as error:
            probe.failures.append(type(error).__name__)
            connection.close()
            continue
        if status == 200 and b"<Arn>" in body:
            probe.latencies.append(time.perf_counter() - started)
        else:
            probe.failures.append(f"HTTP {status}")
        time.sleep(pause)
    connection.close()
    return probe


@dataclass
class Sender:
    """The large-request client: how many it sent, their answers and how long each took."""

    statuses: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    body_bytes: int = 0

    def run(self, port: int, build: Callable[[int], dict[str, str]], stop: threading.Event) -> None:
        connection = http.client.HTTPConnection(load.HOST, port, timeout=600)
        while not stop.is_set():
            request = signed(build(len(self.statuses)), port)
            self.body_bytes = len(request.body)
            started = time.perf_counter()
            status, _ = exchange(connection, request)
            self.seconds.append(time.perf_counter() - started)
            self.statuses.append(status)
        connection.close()


@dataclass(frozen=True)
class Row:
    scenario: str
    sender: Sender | None
    probe: Probe


def measure(port: int, name: str, build: Callable[[int], dict[str, str]] | None, seconds: float) -> Row:
    """Probe for ``seconds`` while (if ``build``) another client sends such requests one after another."""
    stop = threading.Event()
    sender = Sender() if build is not None else None
    thread = None
    if sender is not None:
        thread = threading.Thread(target=sender.run, args=(port, build, stop), daemon=True)
        thread.start()
    timer = threading.Timer(seconds, stop.set)
    timer.start()
    probe = probe_while(port, stop)
    if thread is not None:
        thread.join()  # the last large request finishes first
    row = Row(name, sender, probe)
    print(
        f"{name}: GetCallerIdentity p50 {probe.percentile_ms(0.5):.2f} ms, p99 {probe.percentile_ms(0.99):.1f} ms"
    )
    return row


def _row(row: Row) -> str:
    probe, sender = row.probe, row.sender
    if sender is None:
        large = "— | — | —"
    else:
        ok = sum(status == 200 for status in sender.statuses)
        median = sorted(sender.seconds)[len(sender.seconds) // 2] if sender.seconds else 0.0
        large = f"{sender.body_bytes:,} | {len(sender.statuses)} ({ok} answered 200) | {median * 1000:,.0f}"
    worst = max(probe.latencies, default=0.0) * 1000
    return (
        f"| {row.scenario} | {large} | {len(probe.latencies):,} | {probe.percentile_ms(0.5):.2f} "
        f"| {probe.percentile_ms(0.99):,.1f} | {worst:,.0f} | {len(probe.failures)} |"
    )


def render_section(rows: Sequence[Row], command: str, seconds: float) -> str:
    lines = [
        *measured_heading(SECTION_TITLE, command),
        f"Machine: {os.cpu_count()} CPUs, {cpu_model()}, Linux {platform.release()}, "
        f"Python {platform.python_version()}.",
        "",
        "`credo serve --dev` on SQLite. A probe client sends GetCallerIdentity every 10 ms over one "
        f"keep-alive connection for {seconds:.0f} s per row, alone and then while a second client "
        "sends the row's large valid requests one after another (the simulations each with new "
        "policy text and patterns, as credo caches compiled policies). *Large request "
        "ms* is the median time one of them took; the GetCallerIdentity columns are the probe's.",
        "",
        "| Other client sends | Body bytes | Large requests | Large request ms | GetCallerIdentity "
        "| p50 ms | p99 ms | max ms | Probe failures |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        *[_row(row) for row in rows],
    ]
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stall", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="seconds per row (default 20)")
    parser.add_argument(
        "--out", default=str(load.DEFAULT_OUT), help="markdown file to update ('-' to only print)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    target = load.Target("credo", "credo serve --dev", load.credo_command, False)
    server_pin, probe_pin, _ = load.cpu_pins()
    if probe_pin:
        os.sched_setaffinity(0, {load.WRK_CPU})
    rows: list[Row] = []
    with load.running(target, server_pin) as server:
        import boto3

        boto3.client(
            "iam",
            endpoint_url=f"http://{load.HOST}:{server.port}",
            aws_access_key_id=ROOT[0],
            aws_secret_access_key=ROOT[1],
            region_name=load.REGION,
        ).create_user(UserName=LARGE_USER)
        measure(server.port, "warm-up", None, 2)
        rows.append(measure(server.port, "nothing (GetCallerIdentity alone)", None, args.seconds))
        for name, build in LARGE_REQUESTS.items():
            rows.append(measure(server.port, name, build, args.seconds))
    section = render_section(rows, load.command_line(argv, "benchmarks.stall"), args.seconds)
    print()
    print(section)
    if args.out != "-":
        write_section(Path(args.out), SECTION_TITLE, section)
        print(f"wrote {args.out}")
    failed = any(row.probe.failures or (row.sender and set(row.sender.statuses) - {200}) for row in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
