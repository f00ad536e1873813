"""What authorization costs per request: a user with a 20-statement policy against the root user.

Runs one ``credo serve --dev`` (SQLite), creates 100 users and a user ``bench`` whose attached
managed policy has 20 statements with wildcards and conditions, then measures GetCallerIdentity and
ListUsers with wrk for the root user (who skips policy evaluation) and for ``bench``, in the
same run. The cost of authorization is the difference in server time per request at
saturation: ``1/rps(bench) - 1/rps(root)``.

    python -m benchmarks.authz [--duration 10] [--out docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import load
from benchmarks.report import write_section

SECTION_TITLE = "## Authorization cost"
CONNECTIONS = (1, 8)


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
    caller: str
    operation: str
    connections: int
    result: load.WrkResult


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


def measure(duration: int, warmup: int) -> tuple[list[Row], str]:
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    server_pin, wrk_pin, pin_note = load.cpu_pins()
    target = load.Target("credo", "credo serve --dev", load._credo_command, create_users=True)
    rows: list[Row] = []
    with load.running(target, server_pin) as server, tempfile.TemporaryDirectory() as scratch:
        load.create_users(server.port)
        bench = create_bench_user(server.port)
        callers = {"root": (load.ACCESS_KEY_ID, load.SECRET_ACCESS_KEY), "bench (20 statements)": bench}
        for operation in load.OPERATIONS:
            for caller, credentials in callers.items():
                request = load.sign_request(operation, server.port, credentials)
                problem = load.check_sample(request, operation)
                if problem:
                    raise RuntimeError(f"{caller} {operation.name}: {problem}")
                script = Path(scratch) / "request.lua"
                script.write_text(load.wrk_script(request))
                load.run_wrk(wrk, wrk_pin, script, request.url, 8, warmup)
                for connections in CONNECTIONS:
                    result = load.run_wrk(wrk, wrk_pin, script, request.url, connections, duration)
                    if result.non_2xx:
                        raise RuntimeError(f"{caller} {operation.name}: {result.non_2xx} non-2xx responses")
                    rows.append(Row(caller, operation.name, connections, result))
    return rows, f"{pin_note} {load.machine_facts(wrk)}"


def render(rows: list[Row], facts: str, command: str) -> str:
    lines = [
        SECTION_TITLE,
        "",
        f"`{command}`, {time.strftime('%Y-%m-%d')}. {facts}",
        "",
        "One `credo serve --dev` (SQLite, one uvicorn worker); 100 users; `bench` has one attached managed policy",
        "of 20 statements (wildcards, StringLike/DateLessThan/NotIpAddress/Bool conditions, two Denies).",
        "",
        "| caller | operation | connections | req/s | p50 ms | p99 ms |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        r = row.result
        lines.append(
            f"| {row.caller} | {row.operation} | {row.connections} | {r.requests_per_second:,.0f} "
            f"| {r.p50_ms:.2f} | {r.p99_ms:.2f} |"
        )
    lines += ["", "Authorization cost at 8 connections (server time per request, `1/rps`):", ""]
    for operation in load.OPERATIONS:
        root = next(
            r for r in rows if r.operation == operation.name and r.caller == "root" and r.connections == 8
        )
        user = next(
            r for r in rows if r.operation == operation.name and r.caller != "root" and r.connections == 8
        )
        root_us = 1e6 / root.result.requests_per_second
        user_us = 1e6 / user.result.requests_per_second
        lines.append(
            f"- {operation.name}: root {root_us:.0f} µs, bench {user_us:.0f} µs → authorization adds "
            f"{user_us - root_us:.0f} µs ({(user_us - root_us) / root_us:+.1%})."
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--out", type=Path, default=load.REPO_ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    rows, facts = measure(args.duration, args.warmup)
    command = "python -m benchmarks.authz " + " ".join(argv if argv is not None else sys.argv[1:])
    section = render(rows, facts, command.strip())
    print(section)
    write_section(args.out, SECTION_TITLE, section)


if __name__ == "__main__":
    main()
