"""What credo's decisions cost other services: the decision endpoint and the ASGI middleware.

Run from the repository root::

    make compiled   # the compiled build, measured beside the pure Python one
    .venv/bin/python -m benchmarks.authorizer [--rounds 3] [--duration 4] [--out docs/benchmarks.md]

One dev store (SQLite) holds the widgets service's definition and a user allowed
``widgets:GetWidget`` by an inline policy; every measured request is that user's botocore-signed
``GET /widgets/w-1``, allowed. Two measurements in one run:

1. In process, no HTTP: microseconds per ASGI call of an unauthenticated handler
   (``benchmarks/gateway_app.py``), of the same handler behind ``CredoMiddleware`` (local mode),
   and of credo's app answering ``POST /_credo/authorize`` for that request (that also in a
   child whose ``credo`` is the compiled build); best of alternating rounds. Middleware minus
   handler is what the middleware adds (goal ≤ 50 µs).
   Beside them, the same ``POST /_credo/authorize`` without its signature, refused at once:
   what ``credo serve`` spends on any call to that endpoint before the decision's own work.
2. Under load, as ``benchmarks.load`` measures (server on CPU 0, wrk on CPU 1, 32 connections),
   in alternating rounds: the trivial ASGI ceiling (``benchmarks/trivial_asgi.py``; and the same
   app on credo's own HTTP protocol, ``benchmarks/trivial_on_credo_stack.py``), the
   unauthenticated handler, the handler behind the middleware, and ``credo serve`` answering
   the decision endpoint (its nginx mode, ``GET /_credo/authorize/nginx`` with the gateway's
   shared secret; and its unsigned call, refused), and a second ``credo serve`` on the same store
   running the compiled build (its JSON form and nginx mode): decisions (requests) per second, p50
   and p99 latency, medians of the rounds. The endpoint's share of the trivial ceiling is the
   goal's figure (≥ 50%).

The result replaces the ``## Authorizer: decision endpoint and middleware`` section of
``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import gateway_app, load, trivial_asgi
from benchmarks.hot_path import _asgi_call_us
from benchmarks.report import measured_heading, write_section

SECTION_TITLE = "## Authorizer: decision endpoint and middleware"
REFUSED = "decision endpoint, unsigned (refused)"
TRIVIAL = "trivial ASGI"
# The trivial app sent the decision endpoint's own request (a signed POST with its JSON body):
# the ceiling for that request on this HTTP stack, as ``benchmarks.load`` sends the trivial app
# the same requests as credo.
TRIVIAL_DECISION = "trivial ASGI, the endpoint's request"
# The same, served by credo's HTTP protocol (``benchmarks/trivial_on_credo_stack.py``): that
# protocol writes each answer once and keeps deadlines on one timer, so stock uvicorn's ceiling
# flatters credo's endpoints; this one does not.
TRIVIAL_CREDO_STACK = "trivial ASGI on credo's HTTP protocol, the endpoint's request"
# nginx's auth_request subrequest (GET /_credo/authorize/nginx): the original's headers, no body.
NGINX = "decision endpoint, nginx mode"
# The same endpoint in the compiled build (``make compiled``: setup.py's CREDO_COMPILE=1, mypyc),
# as ``make wheel`` builds it for deploying: a second ``credo serve`` on the same store.
COMPILED = "decision endpoint, compiled"
COMPILED_NGINX = "decision endpoint, nginx mode, compiled"
COMPILED_SRC = load.REPO_ROOT / "build" / "compiled" / "src"
GATEWAY_SECRET = "benchmark-gateway-secret"
CONNECTIONS = 32
REGION = "us-east-1"
DEFINITION = load.REPO_ROOT / "examples" / "widgets" / "widgets.yaml"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "widgets:GetWidget", "Resource": "*"}],
}
GATEWAY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "credo:Authorize", "Resource": "*"}],
}


@dataclass(frozen=True)
class Keys:
    reader: tuple[str, str]
    gateway: tuple[str, str]


@dataclass(frozen=True)
class Call:
    """One HTTP request, replayed byte for byte."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def scope(self) -> dict[str, Any]:
        return {
            "type": "http",
            "method": self.method,
            "path": self.path,
            "raw_path": self.path.encode(),
            "query_string": b"",
            "headers": [(k.lower().encode(), v.encode()) for k, v in self.headers.items()],
            "client": (load.HOST, 40000),
            "scheme": "http",
        }


def _signed(
    keys: tuple[str, str], service: str, method: str, url: str, body: bytes = b"", **headers: str
) -> Call:
    from urllib.parse import urlsplit

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    parts = urlsplit(url)
    request = AWSRequest(method=method, url=url, data=body, headers={"Host": parts.netloc, **headers})
    SigV4Auth(Credentials(*keys), service, REGION).add_auth(request)
    return Call(method, parts.path, {str(k): str(v) for k, v in request.headers.items()}, body)


def widget_call(keys: Keys, port: int) -> Call:
    """The reader's GET /widgets/w-1, as sent to ``port``."""
    return _signed(keys.reader, "widgets", "GET", f"http://{load.HOST}:{port}/widgets/w-1")


def decision_call(keys: Keys, port: int) -> Call:
    """The gateway's POST /_credo/authorize about the reader's request, as sent to ``port``."""
    original = _signed(keys.reader, "widgets", "GET", "http://widgets.example/widgets/w-1")
    body = json.dumps(
        {
            "method": "GET",
            "url": "/widgets/w-1",
            "headers": original.headers,
            "payload_hash": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "service": "widgets",
        }
    ).encode()
    url = f"http://{load.HOST}:{port}/_credo/authorize"
    return _signed(keys.gateway, "credo", "POST", url, body, **{"Content-Type": "application/json"})


def nginx_call(keys: Keys, port: int) -> Call:
    """nginx's subrequest about the reader's request, as ``docs/authorizer.md``'s configuration sends it."""
    original = _signed(keys.reader, "widgets", "GET", "http://widgets.example/widgets/w-1")
    headers = {
        **original.headers,
        "X-Original-Method": "GET",
        "X-Original-URI": "/widgets/w-1",
        "X-Credo-Service": "widgets",
        "X-Credo-Gateway-Secret": GATEWAY_SECRET,
    }
    return Call("GET", "/_credo/authorize/nginx", headers, b"")


def refused_call(keys: Keys, port: int) -> Call:
    """The decision call without its signature: refused before anything is decided."""
    call = decision_call(keys, port)
    headers = {name: value for name, value in call.headers.items() if name.lower() != "authorization"}
    return Call(call.method, call.path, headers, call.body)


def prepare_store(port: int, data_dir: Path) -> Keys:
    """The definition (straight into the store) and the two users (through IAM)."""
    import boto3

    from credo.gateway.catalog import GLOBAL, put_definition
    from credo.gateway.definitions import load_definition
    from credo.store.db import Store

    store = Store(f"sqlite:///{data_dir / 'credo.sqlite3'}")
    try:
        with store.write() as conn:
            put_definition(conn, load_definition(DEFINITION.read_text()), GLOBAL, datetime.now(UTC))
    finally:
        store.dispose()
    iam = boto3.client(
        "iam",
        endpoint_url=f"http://{load.HOST}:{port}",
        aws_access_key_id=load.ACCESS_KEY_ID,
        aws_secret_access_key=load.SECRET_ACCESS_KEY,
        region_name=REGION,
    )
    found: dict[str, tuple[str, str]] = {}
    for name, policy in (("reader", POLICY), ("gateway", GATEWAY_POLICY)):
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        found[name] = (key["AccessKeyId"], key["SecretAccessKey"])
    return Keys(found["reader"], found["gateway"])


@dataclass(frozen=True)
class InProcess:
    trivial_us: float
    credo_api_us: float  # credo's own GetCallerIdentity, for scale
    handler_us: float
    middleware_us: float
    endpoint_us: float
    refused_us: float  # the endpoint's unsigned call: credo serve's floor for it

    @property
    def added_us(self) -> float:
        return self.middleware_us - self.handler_us


def in_process(keys: Keys, data_dir: Path, rounds: int, calls: int = 5_000) -> InProcess:
    from credo.gateway.local import LocalDecider
    from credo.gateway.middleware import CredoMiddleware
    from credo.server.app import create_app
    from credo.server.bootstrap import effective_settings, open_services
    from credo.settings import Settings

    settings = effective_settings(Settings(dev=True, data_dir=data_dir))
    decider = LocalDecider(settings)
    services, _ = open_services(settings)
    try:
        widget = widget_call(keys, 7300)
        decision = decision_call(keys, 7300)
        apps: dict[str, tuple[Any, Call]] = {
            "trivial": (trivial_asgi.app, widget),
            "handler": (gateway_app.handler, widget),
            "middleware": (CredoMiddleware(gateway_app.handler, service="widgets", decider=decider), widget),
            "endpoint": (create_app(services), decision),
        }
        refused = refused_call(keys, 7300)
        best = dict.fromkeys([*apps, "credo API", "refused"], float("inf"))
        api_scope, api_body = load.asgi_request(load.OPERATIONS[0])  # GetCallerIdentity, root key
        for _ in range(rounds):
            for name, (app, call) in apps.items():
                best[name] = min(best[name], _asgi_call_us(app, call.scope(), call.body, calls))
            api = _asgi_call_us(apps["endpoint"][0], api_scope, api_body, calls)
            best["credo API"] = min(best["credo API"], api)
            best["refused"] = min(best["refused"], _refused_us(apps["endpoint"][0], refused, calls))
    finally:
        services.store.dispose()
        decider.close()
    return InProcess(
        best["trivial"],
        best["credo API"],
        best["handler"],
        best["middleware"],
        best["endpoint"],
        best["refused"],
    )


def _stale_compiled_build() -> bool:
    """Whether build/compiled is missing, or its copy of the sources differs from src/'s."""
    sources = load.REPO_ROOT / "src"
    for path in sources.rglob("*.py"):
        copy = COMPILED_SRC / path.relative_to(sources)
        if not copy.is_file() or copy.read_bytes() != path.read_bytes():
            return True
    return False


def compiled_in_process(keys: Keys, data_dir: Path, rounds: int) -> InProcess:
    """``in_process`` in a child whose ``credo`` is the compiled build (it checks that it is)."""
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.authorizer", "--in-process", str(data_dir), str(rounds)],
        input=json.dumps([keys.reader, keys.gateway]),
        capture_output=True,
        text=True,
        check=True,
        cwd=load.REPO_ROOT,
        env=dict(os.environ, PYTHONPATH=str(COMPILED_SRC)),
    )
    return InProcess(**json.loads(child.stdout))


def _in_process_child(data_dir: Path, rounds: int) -> None:
    import importlib.machinery

    import credo.gateway.endpoint

    if not str(credo.gateway.endpoint.__file__).endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
        sys.exit(f"not the compiled build: {credo.gateway.endpoint.__file__}")
    reader, gateway = json.load(sys.stdin)
    found = in_process(Keys(tuple(reader), tuple(gateway)), data_dir, rounds)
    print(json.dumps(dataclasses.asdict(found)))


def _refused_us(app: Any, call: Call, calls: int) -> float:
    """Microseconds per ASGI call of ``app`` on a request it refuses (``_asgi_call_us`` wants 200s)."""
    message = {"type": "http.request", "body": call.body, "more_body": False}
    scope = call.scope()
    statuses: set[int] = set()

    async def receive() -> dict[str, Any]:
        return message

    async def send(reply: dict[str, Any]) -> None:
        if reply["type"] == "http.response.start":
            statuses.add(reply["status"])

    async def run() -> float:
        started = time.perf_counter()
        for _ in range(calls):
            await app(scope, receive, send)
        return time.perf_counter() - started

    elapsed = asyncio.run(run())
    if not statuses or min(statuses) < 400:
        raise RuntimeError(f"the unsigned call was answered {sorted(statuses)}")
    return elapsed / calls * 1e6


@dataclass(frozen=True)
class UnderLoad:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float


def _script(call: Call) -> str:
    lines = [
        f"wrk.method = {load._lua_string(call.method)}",
        f"wrk.path = {load._lua_string(call.path)}",
        f"wrk.body = {load._lua_string(call.body.decode())}",
    ]
    lines += [f"wrk.headers[{load._lua_string(k)}] = {load._lua_string(v)}" for k, v in call.headers.items()]
    return "\n".join(lines) + "\n"


def _uvicorn(app: str) -> Callable[[int], list[str]]:
    def command(port: int) -> list[str]:
        return [
            *load.trivial_command(port)[:3],
            f"benchmarks.gateway_app:{app}",
            *load.trivial_command(port)[4:],
        ]

    return command


def _trivial_on_credo_stack(port: int) -> list[str]:
    return [sys.executable, "-m", "benchmarks.trivial_on_credo_stack", str(port)]


def _credo(data_dir: Path) -> Callable[[int], list[str]]:
    def command(port: int) -> list[str]:
        return [*load.credo_command(port), "--data-dir", str(data_dir)]

    return command


def under_load(rounds: int, duration: int, warmup: int) -> tuple[list[UnderLoad], InProcess, InProcess]:
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    if _stale_compiled_build():
        sys.exit("the compiled build is missing or older than src/: run `make compiled` first")
    server_pin, wrk_pin, _ = load.cpu_pins()
    with tempfile.TemporaryDirectory(prefix="credo-authorizer-") as scratch, ExitStack() as stack:
        data_dir = Path(scratch) / "data"
        store_env = {"CREDO_DEV": "1", "CREDO_DATA_DIR": str(data_dir)}
        endpoint = stack.enter_context(
            load.running(
                load.Target("endpoint", "", _credo(data_dir), False),
                server_pin,
                {"CREDO_GATEWAY_SECRET": GATEWAY_SECRET},
            )
        )
        keys = prepare_store(endpoint.port, data_dir)
        inner = in_process(keys, data_dir, rounds)
        compiled = compiled_in_process(keys, data_dir, rounds)
        print(
            f"in process: handler {inner.handler_us:.1f} µs, middleware {inner.middleware_us:.1f} µs "
            f"(+{inner.added_us:.1f}), endpoint {inner.endpoint_us:.1f} µs; compiled: middleware "
            f"+{compiled.added_us:.1f} µs, endpoint {compiled.endpoint_us:.1f} µs",
            flush=True,
        )
        compiled_endpoint = stack.enter_context(
            load.running(
                load.Target("endpoint-compiled", "", _credo(data_dir), False),
                server_pin,
                {"CREDO_GATEWAY_SECRET": GATEWAY_SECRET, "PYTHONPATH": str(COMPILED_SRC)},
            )
        )
        trivial = stack.enter_context(
            load.running(load.Target("trivial", "", load.trivial_command, False), server_pin)
        )
        trivial_credo = stack.enter_context(
            load.running(
                load.Target("trivial-credo", "", _trivial_on_credo_stack, False),
                server_pin,
                {"PYTHONPATH": str(load.REPO_ROOT)},  # it runs in a scratch directory
            )
        )
        targets: dict[str, tuple[load.Server, Callable[[Keys, int], Call]]] = {
            TRIVIAL: (trivial, widget_call),
            TRIVIAL_DECISION: (trivial, decision_call),
            TRIVIAL_CREDO_STACK: (trivial_credo, decision_call),
            "handler, unauthenticated": (
                stack.enter_context(
                    load.running(load.Target("handler", "", _uvicorn("handler"), False), server_pin)
                ),
                widget_call,
            ),
            "handler + middleware (local)": (
                stack.enter_context(
                    load.running(
                        load.Target("guarded", "", _uvicorn("guarded"), False), server_pin, store_env
                    )
                ),
                widget_call,
            ),
            "decision endpoint": (endpoint, decision_call),
            NGINX: (endpoint, nginx_call),
            REFUSED: (endpoint, refused_call),
            COMPILED: (compiled_endpoint, decision_call),
            COMPILED_NGINX: (compiled_endpoint, nginx_call),
        }
        samples: dict[str, list[load.WrkResult]] = {name: [] for name in targets}
        for round_index in range(rounds + 1):
            for index, (name, (server, make)) in enumerate(targets.items()):
                # Signed afresh each round: a signature is good for 15 minutes.
                script = Path(scratch) / f"{index}.lua"
                script.write_text(_script(make(keys, server.port)))
                url = f"http://{load.HOST}:{server.port}/"
                result = load.run_wrk(
                    wrk, wrk_pin, script, url, CONNECTIONS, warmup if round_index == 0 else duration
                )
                if (result.non_2xx and name != REFUSED) or result.socket_errors:
                    raise RuntimeError(f"{name}: errors during the run: {result}")
                if round_index:
                    samples[name].append(result)
    rows = [
        UnderLoad(
            name,
            statistics.median(r.requests_per_second for r in runs),
            statistics.median(r.p50_ms for r in runs),
            statistics.median(r.p99_ms for r in runs),
        )
        for name, runs in samples.items()
    ]
    return rows, inner, compiled


def render(inner: InProcess, compiled: InProcess, rows: list[UnderLoad], command: str, facts: str) -> str:
    by_name = {row.name: row for row in rows}
    trivial = by_name[TRIVIAL]
    ceiling = by_name[TRIVIAL_DECISION]
    endpoint = by_name["decision endpoint"]
    in_process_us = {
        TRIVIAL: f"{inner.trivial_us:.1f}",
        "handler, unauthenticated": f"{inner.handler_us:.1f}",
        "handler + middleware (local)": f"{inner.middleware_us:.1f}",
        "decision endpoint": f"{inner.endpoint_us:.1f}",
        REFUSED: f"{inner.refused_us:.1f}",
        COMPILED: f"{compiled.endpoint_us:.1f}",
    }
    lines = [
        *measured_heading(SECTION_TITLE, command),
        f"Machine: {facts}",
        "",
        "Every request is one user's botocore-signed `GET /widgets/w-1`, allowed by an inline "
        "policy (dev store on SQLite, caches warm): sent as it is to the handler and the middleware, "
        "and inside the gateway's signed `POST /_credo/authorize` (its JSON body: method, URL, "
        "headers, payload hash) to the decision endpoint. The trivial ASGI app is sent both. In "
        "process: one ASGI call, best of alternating "
        f"rounds. Under load: wrk at {CONNECTIONS} connections, server on CPU 0 and wrk on CPU 1, "
        "medians of alternating rounds; each request is one decision.",
        "",
        "| Server | in process µs / request | decisions/s | p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row.name} | {in_process_us.get(row.name, '—')} | {row.requests_per_second:,.0f} | "
            f"{row.p50_ms:.2f} | {row.p99_ms:.2f} |"
        )
    share = endpoint.requests_per_second / ceiling.requests_per_second
    own_stack = by_name[TRIVIAL_CREDO_STACK]
    share_of_own = endpoint.requests_per_second / own_stack.requests_per_second
    share_of_get = endpoint.requests_per_second / trivial.requests_per_second
    floor = by_name[REFUSED].requests_per_second / ceiling.requests_per_second
    nginx_share = by_name[NGINX].requests_per_second / trivial.requests_per_second
    compiled_share = by_name[COMPILED].requests_per_second / ceiling.requests_per_second
    compiled_nginx_share = by_name[COMPILED_NGINX].requests_per_second / trivial.requests_per_second
    lines += [
        "",
        f"- The middleware adds **{inner.added_us:.1f} µs** per request in process (goal ≤ 50 µs: "
        f"{'met' if inner.added_us <= 50 else 'not met'} on this run): SigV4 verification, the key's "
        "cached signer (secret, principal, policies), the route, the decision (an allowed one "
        "remembered per key, action and resource: docs/authorizer.md), and the body read and handed "
        "on. That is "
        f"{inner.added_us / inner.credo_api_us:.1f}× what one credo `GetCallerIdentity` call takes in "
        f"process in the same run ({inner.credo_api_us:.1f} µs; the trivial ASGI app: "
        f"{inner.trivial_us:.1f} µs), so it scales with the machine as credo's own calls do.",
        f"- The decision endpoint serves **{share:.0%}** of the trivial ASGI ceiling's requests per "
        f"second for the same request (goal ≥ 50%: {'met' if share >= 0.5 else 'not met'} on this "
        f"run); {share_of_get:.0%} of the trivial app's rate on the bare `GET`, a smaller request "
        f"than any decision call can be (the trivial app: {ceiling.requests_per_second:,.0f} POSTs "
        f"against {trivial.requests_per_second:,.0f} GETs per second). Each of its "
        "requests is two signature checks (the caller's and the original's), two policy decisions "
        "(remembered, as the middleware's) "
        "for `credo:Authorize`, then the request's, and a JSON body each way. The same call unsigned, "
        f"refused at once, serves {floor:.0%}: what `credo serve` spends on any call to the endpoint "
        "(its HTTP stack and request deadline, the request id, metrics, the JSON reply) before the "
        f"decision's own work ({inner.endpoint_us - inner.refused_us:.1f} µs in process).",
        f"- Against the trivial app served by credo's own HTTP protocol (each answer in one write, "
        f"deadlines on one timer: {own_stack.requests_per_second:,.0f} of the same POSTs per second, "
        f"{own_stack.requests_per_second / ceiling.requests_per_second:.2f}× stock uvicorn's), the "
        f"decision endpoint serves **{share_of_own:.0%}**: the share its own work leaves, with what "
        "credo's protocol saves every app counted on both sides.",
        f"- nginx's mode of the endpoint (`GET /_credo/authorize/nginx`, the gateway known by its "
        f"shared secret: one signature check, no JSON) serves **{nginx_share:.0%}** of the trivial "
        f"ASGI ceiling for a `GET` ({by_name[NGINX].requests_per_second:,.0f} against "
        f"{trivial.requests_per_second:,.0f} decisions per second).",
        f"- **Compiled** (`make compiled`; the wheel `make wheel` builds for deploying: the modules of "
        f"pyproject's `[tool.credo] compiled-modules` compiled by mypyc), the decision endpoint "
        f"serves **{compiled_share:.0%}** of the same ceiling (goal ≥ 50%: "
        f"{'met' if compiled_share >= 0.5 else 'not met'} on this run; "
        f"{by_name[COMPILED].requests_per_second / endpoint.requests_per_second:.2f}× the pure "
        f"Python build's decisions per second) and its nginx mode {compiled_nginx_share:.0%}. In "
        f"process a decision takes {compiled.endpoint_us:.1f} µs there against {inner.endpoint_us:.1f}, "
        f"and the middleware adds {compiled.added_us:.1f} µs against {inner.added_us:.1f}.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--duration", type=int, default=4, help="seconds per wrk run (default 4)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per server (default 2)")
    parser.add_argument("--out", default=str(load.DEFAULT_OUT), help="markdown file, or '-' to only print")
    parser.add_argument("--in-process", nargs=2, metavar=("DATA_DIR", "ROUNDS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.in_process:  # the compiled build's in-process figures, in a child (compiled_in_process)
        _in_process_child(Path(args.in_process[0]), int(args.in_process[1]))
        return
    load_before = os.getloadavg()[0]
    rows, inner, compiled = under_load(args.rounds, args.duration, args.warmup)
    # The machine is shared: how busy it was says how far to trust the figures.
    busy = f"Load average (1 min) {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at the end."
    wrk = shutil.which("wrk") or "wrk"
    _, _, pin_note = load.cpu_pins()
    command = load.command_line(sys.argv[1:] if argv is None else argv, "benchmarks.authorizer")
    section = render(inner, compiled, rows, command, f"{pin_note} {load.machine_facts(wrk)} {busy}")
    print(section)
    if args.out != "-":
        write_section(Path(args.out), SECTION_TITLE, section)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
