"""What authorization costs per request: a user with a 20-statement policy against the root user.

Runs one ``credo serve --dev`` (SQLite), creates 100 users and a user ``bench`` whose attached
managed policy has 20 statements with wildcards and conditions, then measures GetCallerIdentity and
ListUsers with wrk for the root user (who skips policy evaluation) and for ``bench``, in
alternating rounds of one run. The cost of authorization is the difference in the server's
CPU time per request (bench minus root), which other load on the machine does not skew the
way it skews requests per second.

    python -m benchmarks.authz [--duration 4] [--rounds 5] [--out docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import load
from benchmarks.report import write_section

SECTION_TITLE = "## Authorization cost"
CONNECTIONS = 8
BENCH_CALLER = "bench (20 statements)"


def twenty_statement_policy() -> dict[str, object]:
    """Realistic noise first (other services, other actions, conditions), the grants last."""
    statements: list[dict[str, object]] = []
    for index in range(16):
        statements.append(
            {
                "Sid": f"Other{index}",
                "Effect": "Allow",
                "Action": [f"s3:Get*{index}", f"ec2:Describe*{index}", "dynamodb:Query"],
                "Resource": f"arn:aws:s3:::bucket-{index}/*",
                "Condition": {"StringLike": {"aws:PrincipalTag/team": f"team-{index}*"}},
            }
        )
    statements += [
        {
            "Sid": "DenyOutsideHours",
            "Effect": "Deny",
            "Action": "iam:Delete*",
            "Resource": "*",
            "Condition": {"DateLessThan": {"aws:CurrentTime": "2000-01-01T00:00:00Z"}},
        },
        {
            "Sid": "DenyFromElsewhere",
            "Effect": "Deny",
            "Action": "iam:*",
            "Resource": "*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}},
        },
        {
            "Sid": "ReadIam",
            "Effect": "Allow",
            "Action": ["iam:List*", "iam:Get*"],
            "Resource": "arn:aws:iam::*:user/*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {"Sid": "Identity", "Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"},
    ]
    return {"Version": "2012-10-17", "Statement": statements}


@dataclass(frozen=True)
class Row:
    """One caller and operation: the median of interleaved rounds."""

    caller: str
    operation: str
    requests_per_second: float
    cpu_us_per_request: float
    p99_ms: float


def create_bench_user(port: int) -> tuple[str, str]:
    import boto3

    iam = boto3.client(
        "iam",
        endpoint_url=f"http://{load.HOST}:{port}",
        aws_access_key_id=load.ACCESS_KEY_ID,
        aws_secret_access_key=load.SECRET_ACCESS_KEY,
        region_name=load.REGION,
    )
    iam.create_user(UserName="bench")
    policy = iam.create_policy(PolicyName="twenty", PolicyDocument=json.dumps(twenty_statement_policy()))
    iam.attach_user_policy(UserName="bench", PolicyArn=policy["Policy"]["Arn"])
    key = iam.create_access_key(UserName="bench")["AccessKey"]
    return str(key["AccessKeyId"]), str(key["SecretAccessKey"])


def measure(duration: int, rounds: int, warmup: int) -> tuple[list[Row], str]:
    """Root and ``bench`` in alternating rounds, so drift and neighbours hit both alike."""
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    server_pin, wrk_pin, pin_note = load.cpu_pins()
    target = load.Target("credo", "credo serve --dev", load.credo_command, create_users=True)
    rows: list[Row] = []
    with load.running(target, server_pin) as server, tempfile.TemporaryDirectory() as scratch:
        load.create_users(server.port)
        bench = create_bench_user(server.port)
        callers = {"root": (load.ACCESS_KEY_ID, load.SECRET_ACCESS_KEY), BENCH_CALLER: bench}
        for operation in load.OPERATIONS:
            scripts: dict[str, Path] = {}
            for caller, credentials in callers.items():
                request = load.sign_request(operation, server.port, credentials)
                problem = load.check_sample(request, operation)
                if problem:
                    raise RuntimeError(f"{caller} {operation.name}: {problem}")
                scripts[caller] = Path(scratch) / f"{operation.name}-{len(scripts)}.lua"
                scripts[caller].write_text(load.wrk_script(request))
                load.run_wrk(wrk, wrk_pin, scripts[caller], request.url, CONNECTIONS, warmup)
            samples: dict[str, list[tuple[float, float, float]]] = {caller: [] for caller in callers}
            for _ in range(rounds):
                for caller, script in scripts.items():
                    cpu_before = server.cpu_seconds()
                    result = load.run_wrk(
                        wrk, wrk_pin, script, f"http://{load.HOST}:{server.port}/", CONNECTIONS, duration
                    )
                    cpu = server.cpu_seconds() - cpu_before
                    if result.non_2xx or result.socket_errors:
                        raise RuntimeError(f"{caller} {operation.name}: errors during the run: {result}")
                    samples[caller].append(
                        (result.requests_per_second, cpu / result.requests * 1e6, result.p99_ms)
                    )
            for caller, runs in samples.items():
                rows.append(
                    Row(
                        caller,
                        operation.name,
                        statistics.median(r[0] for r in runs),
                        statistics.median(r[1] for r in runs),
                        statistics.median(r[2] for r in runs),
                    )
                )
    return rows, f"{pin_note} {load.machine_facts(wrk)}"


@dataclass(frozen=True)
class InProcess:
    """ListUsers through ``QueryEndpoint.process`` (no HTTP), and the time spent inside ``authorize``."""

    root_us: float
    bench_us: float
    authorize_us: float


def in_process(rounds: int = 7, requests: int = 300) -> InProcess:
    """The same comparison without HTTP or other processes: the best of alternating rounds.

    On a shared machine the HTTP figures move by several percent between runs; in-process
    timings of one request path against another are steadier, and
    the time spent inside ``authorize`` shows what authorization itself costs.
    """
    from credo.call import Call
    from credo.server.api import QueryEndpoint
    from credo.server.bootstrap import effective_settings, open_services
    from credo.settings import Settings

    with tempfile.TemporaryDirectory(prefix="credo-authz-") as data_dir:
        settings = effective_settings(Settings(dev=True, data_dir=Path(data_dir)))
        services, _ = open_services(settings)
        endpoint = QueryEndpoint(services)
        root = (load.ACCESS_KEY_ID, load.SECRET_ACCESS_KEY)

        def run(scope: dict[str, object], body: bytes) -> bytes:
            answer = endpoint.process(scope, body, "benchmark")
            assert answer is not None
            status, payload = answer
            if status != 200:
                raise RuntimeError(payload.decode(errors="replace"))
            return payload

        def call(action: str, credentials: tuple[str, str] = root, **params: str) -> str:
            return run(*_asgi_request(action, params, credentials)).decode()

        for index in range(load.USER_COUNT):
            call("CreateUser", UserName=f"user{index:03d}")
        call("CreateUser", UserName="bench")
        created = call(
            "CreatePolicy", PolicyName="twenty", PolicyDocument=json.dumps(twenty_statement_policy())
        )
        call("AttachUserPolicy", UserName="bench", PolicyArn=_element(created, "Arn"))
        key = call("CreateAccessKey", UserName="bench")
        bench = (_element(key, "AccessKeyId"), _element(key, "SecretAccessKey"))

        requests_by_caller = {
            "root": _asgi_request("ListUsers", {}, root),
            "bench": _asgi_request("ListUsers", {}, bench),
        }
        best = {caller: float("inf") for caller in requests_by_caller}
        for _ in range(rounds):
            for caller, (scope, body) in requests_by_caller.items():
                started = time.perf_counter()
                for _ in range(requests):
                    run(scope, body)
                best[caller] = min(best[caller], (time.perf_counter() - started) / requests * 1e6)

        # Time spent inside authorize during bench's requests (caches as cold as a request leaves them).
        authorizer = services.authorizer
        authorize = authorizer.authorize
        spent = [0.0]

        def timed_authorize(call: Call, service: str, secure_transport: bool) -> None:
            started = time.perf_counter()
            authorize(call, service, secure_transport)
            spent[0] += time.perf_counter() - started

        authorizer.authorize = timed_authorize  # type: ignore[method-assign]
        scope, body = requests_by_caller["bench"]
        for _ in range(requests):
            run(scope, body)
        authorize_us = spent[0] / requests * 1e6
        services.store.dispose()
    return InProcess(best["root"], best["bench"], authorize_us)


def _asgi_request(
    action: str, params: dict[str, str], credentials: tuple[str, str]
) -> tuple[dict[str, object], bytes]:
    """An ASGI scope and body for a SigV4-signed IAM Query call, as uvicorn would hand it over."""
    operation = load.Operation(action, "iam", f"Action={action}&Version=2010-05-08", b"", needs_users=False)
    return load.asgi_request(operation, credentials, **params)


def _element(xml: str, tag: str) -> str:
    start = xml.index(f"<{tag}>") + len(tag) + 2
    return xml[start : xml.index(f"</{tag}>", start)]


def render(rows: list[Row], inner: InProcess, facts: str, command: str, rounds: int, duration: int) -> str:
    lines = [
        SECTION_TITLE,
        "",
        f"`{command}`, {time.strftime('%Y-%m-%d')}. {facts}",
        "",
        "One `credo serve --dev` (SQLite, one uvicorn worker); 100 users; `bench` has one attached managed policy",
        "of 20 statements (wildcards, StringLike/DateLessThan/NotIpAddress/Bool conditions, two Denies).",
        f"wrk at {CONNECTIONS} connections, {rounds} rounds of {duration} s per caller, root and `bench` alternating;",
        "medians. *Server CPU per request* is the server process's user+system CPU time over the requests",
        "served; it moves less than req/s when other work shares the machine, but still by several percent.",
        "",
        "| caller | operation | req/s | server CPU µs / request | p99 ms |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row.caller} | {row.operation} | {row.requests_per_second:,.0f} "
            f"| {row.cpu_us_per_request:.0f} | {row.p99_ms:.2f} |"
        )
    lines += ["", "Authorization cost (bench minus root, server CPU per request):", ""]
    for operation in load.OPERATIONS:
        root = next(r for r in rows if r.operation == operation.name and r.caller == "root")
        user = next(r for r in rows if r.operation == operation.name and r.caller == BENCH_CALLER)
        extra = user.cpu_us_per_request - root.cpu_us_per_request
        lines.append(
            f"- {operation.name}: root {root.cpu_us_per_request:.0f} µs, bench {user.cpu_us_per_request:.0f} µs "
            f"→ authorization adds {extra:.0f} µs ({extra / root.cpu_us_per_request:+.1%})."
        )
    extra = inner.bench_us - inner.root_us
    lines += [
        "",
        "In process (`QueryEndpoint.process` with a signed ListUsers, no HTTP; best of 7 alternating rounds",
        "of 300 requests), and the time spent inside `Authorizer.authorize` during 300 of `bench`'s requests:",
        "",
        f"- ListUsers: root {inner.root_us:.0f} µs, bench {inner.bench_us:.0f} µs → authorization adds "
        f"{extra:.0f} µs ({extra / inner.root_us:+.1%}).",
        f"- time inside `authorize` during bench's requests: {inner.authorize_us:.1f} µs per request, "
        f"{inner.authorize_us / inner.root_us:.1%} of the root user's whole ListUsers request.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=4, help="seconds per wrk run (default 4)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per caller (default 5)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--out", type=Path, default=load.REPO_ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    rows, facts = measure(args.duration, args.rounds, args.warmup)
    inner = in_process()
    command = "python -m benchmarks.authz " + " ".join(argv if argv is not None else sys.argv[1:])
    section = render(rows, inner, facts, command.strip(), args.rounds, args.duration)
    print(section)
    write_section(args.out, SECTION_TITLE, section)


if __name__ == "__main__":
    main()
