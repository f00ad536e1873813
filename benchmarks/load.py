"""Load benchmark: STS GetCallerIdentity and IAM ListUsers over HTTP, against three servers.

One run measures requests per second and p50/p99 latency at 1, 8 and 32 concurrent
connections for:

- ``credo``: ``credo serve --dev`` (root credentials ``test``/``test``);
- ``moto``: moto's server, the usual local stand-in for IAM and STS;
- ``trivial``: ``benchmarks/trivial_asgi.py`` on the same uvicorn settings as credo, the
  ceiling of the HTTP stack.

The load comes from ``wrk`` replaying one fixed request, signed with SigV4 by botocore
just before each run (a signature stays valid for 15 minutes), so the generator spends
nothing on signing and stays out of the way. On a machine with two or more CPUs the
server is pinned to CPU 0 and wrk to CPU 1 with ``taskset``. Every run starts with a
sample request that must answer 200 with the expected result, and a run in which wrk saw
any non-2xx response is reported as an error instead of a number.

The table and the ratios the issue sets as targets (credo at least 35 times moto and at
least half the trivial ceiling, for GetCallerIdentity at 32 connections; ListUsers at 32
connections against 5,000 requests per second, beside moto and trivial) are printed and
written into ``docs/benchmarks.md`` under their own section, leaving other sections alone.

    .venv/bin/python -m benchmarks.load [--duration 10] [--out docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path

from benchmarks.report import cpu_model, measured_heading, write_section

REPO_ROOT = Path(__file__).resolve().parent.parent
SECTION_TITLE = "## Load: GetCallerIdentity and ListUsers"
DEFAULT_OUT = REPO_ROOT / "docs" / "benchmarks.md"

HOST = "127.0.0.1"
ACCESS_KEY_ID = "test"
SECRET_ACCESS_KEY = "test"
REGION = "us-east-1"
CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
USER_COUNT = 100
CONNECTIONS = (1, 8, 32)
WRK_TIMEOUT = "10s"
SERVER_START_TIMEOUT = 60.0

# The targets, for GetCallerIdentity at the highest connection count.
RATIO_CONNECTIONS = 32
TARGET_TIMES_MOTO = 35.0
TARGET_FRACTION_OF_TRIVIAL = 0.5
# And for ListUsers (100 users) at the same count, in the same run as moto and trivial.
TARGET_LIST_USERS_RPS = 5000.0

SERVER_CPU = 0
WRK_CPU = 1
# Above this share of the server's CPU taken by other processes, a run is flagged as noisy.
CONTENTION_WARNING = 0.10
# With this many connections a CPU-bound server should be busy all the time; if it is not
# (and wrk is not either), something outside both, such as the host, held the run back.
UNSATURATED_MIN_CONNECTIONS = 8
UNSATURATED_SERVER_CPU = 0.85


@dataclass(frozen=True)
class Operation:
    """One API call, as the fixed form body botocore would send for it."""

    name: str
    service: str
    body: str
    result_tag: bytes
    needs_users: bool


OPERATIONS = (
    Operation(
        name="GetCallerIdentity",
        service="sts",
        body="Action=GetCallerIdentity&Version=2011-06-15",
        result_tag=b"<GetCallerIdentityResult",
        needs_users=False,
    ),
    Operation(
        name="ListUsers",
        service="iam",
        body="Action=ListUsers&Version=2010-05-08",
        result_tag=b"<ListUsersResult",
        needs_users=True,
    ),
)


@dataclass(frozen=True)
class Target:
    """A server under test: how to start it and whether to create users in it first."""

    name: str
    description: str
    command: Callable[[int], list[str]]
    create_users: bool


def _venv_bin(name: str) -> str:
    """A console script installed beside this interpreter, else one on PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    return shutil.which(name) or name


def credo_command(port: int) -> list[str]:
    return [_venv_bin("credo"), "serve", "--dev", "--host", HOST, "--port", str(port)]


def _moto_command(port: int) -> list[str]:
    return [_venv_bin("moto_server"), "-H", HOST, "-p", str(port)]


def trivial_command(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "benchmarks.trivial_asgi:app",
        "--app-dir",
        str(REPO_ROOT),
        "--host",
        HOST,
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
    ]


TARGETS = (
    Target("credo", "`credo serve --dev` (uvicorn, 1 worker, uvloop, httptools)", credo_command, True),
    Target("moto", "`moto_server` (Flask/werkzeug)", _moto_command, True),
    Target(
        "trivial",
        "`benchmarks/trivial_asgi.py` on uvicorn (1 worker, uvloop, httptools): fixed XML",
        trivial_command,
        False,
    ),
)


@dataclass(frozen=True)
class SignedRequest:
    """A POST signed once with SigV4, to be replayed byte for byte."""

    url: str
    headers: dict[str, str]
    body: bytes


def sign_request(
    operation: Operation, port: int, credentials: tuple[str, str] = (ACCESS_KEY_ID, SECRET_ACCESS_KEY)
) -> SignedRequest:
    """Sign ``operation`` for ``HOST:port`` the way botocore signs a Query API call."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    url = f"http://{HOST}:{port}/"
    request = AWSRequest(
        method="POST",
        url=url,
        data=operation.body,
        headers={"Content-Type": CONTENT_TYPE, "Host": f"{HOST}:{port}"},
    )
    SigV4Auth(Credentials(*credentials), operation.service, REGION).add_auth(request)
    headers = {str(name): str(value) for name, value in request.headers.items()}
    return SignedRequest(url=url, headers=headers, body=operation.body.encode())


def asgi_request(
    operation: Operation, credentials: tuple[str, str] = (ACCESS_KEY_ID, SECRET_ACCESS_KEY), **params: str
) -> tuple[dict[str, object], bytes]:
    """An ASGI scope and body for ``operation`` signed as botocore signs it, as uvicorn hands it over.

    ``params`` are added to the operation's form body. For measuring an app in process.
    """
    from urllib.parse import urlencode

    body = operation.body + ("&" + urlencode(params) if params else "")
    signed = sign_request(replace(operation, body=body), 7300, credentials)
    headers = [(name.lower().encode(), value.encode()) for name, value in signed.headers.items()]
    scope: dict[str, object] = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "query_string": b"",
        "headers": headers,
        "client": (HOST, 40000),
        "scheme": "http",
    }
    return scope, signed.body


def _lua_string(value: str) -> str:
    if not value.isascii() or not value.isprintable():
        raise ValueError(f"refusing to embed a non-printable value in the wrk script: {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_script(request: SignedRequest) -> str:
    """A wrk Lua script that sends ``request`` unchanged on every call."""
    lines = [
        'wrk.method = "POST"',
        'wrk.path = "/"',
        f"wrk.body = {_lua_string(request.body.decode())}",
    ]
    lines += [f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in request.headers.items()]
    return "\n".join(lines) + "\n"


def check_sample(request: SignedRequest, operation: Operation) -> str | None:
    """Send ``request`` once; return why the answer is wrong, or None if it is a good 200."""
    sample = urllib.request.Request(request.url, data=request.body, headers=request.headers, method="POST")
    try:
        with urllib.request.urlopen(sample, timeout=30) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        detail = error.read()[:300].decode(errors="replace")
        return f"sample request: HTTP {error.code}: {detail}"
    except OSError as error:
        return f"sample request failed: {error}"
    if status != 200:
        return f"sample request: HTTP {status}"
    if operation.result_tag not in body:
        return f"sample request: 200 without {operation.result_tag.decode()}>"
    users = body.count(b"<UserName>")
    if operation.needs_users and users < USER_COUNT:
        return f"sample request: ListUsers returned {users} users, expected {USER_COUNT}"
    return None


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run reported."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: dict[str, int]
    cpu_fraction: float


_TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _parse_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if match is None:
        raise ValueError(f"unrecognised wrk time: {text!r}")
    return float(match.group(1)) * _TIME_UNITS_MS[match.group(2)]


def parse_wrk_output(output: str, cpu_fraction: float) -> WrkResult:
    """Pull requests/sec, the 50%/99% latencies and every error count out of wrk's report."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    total = re.search(r"^\s+(\d+) requests in", output, re.MULTILINE)
    if rps is None or p50 is None or p99 is None or total is None:
        raise ValueError(f"could not parse wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors: dict[str, int] = {}
    errors = re.search(r"Socket errors: (.*)$", output, re.MULTILINE)
    if errors is not None:
        for kind, count in re.findall(r"(\w+) (\d+)", errors.group(1)):
            if int(count):
                socket_errors[kind] = int(count)
    return WrkResult(
        requests_per_second=float(rps.group(1)),
        p50_ms=_parse_ms(p50.group(1)),
        p99_ms=_parse_ms(p99.group(1)),
        requests=int(total.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=socket_errors,
        cpu_fraction=cpu_fraction,
    )


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(
    wrk: str, pin: Sequence[str], script: Path, url: str, connections: int, duration: int
) -> WrkResult:
    """Run one wrk measurement; its CPU use is the growth of our reaped children's rusage."""
    command = [
        *pin,
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        WRK_TIMEOUT,
        "-s",
        str(script),
        url,
    ]
    cpu_before = _children_cpu_seconds()
    started = time.monotonic()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    cpu = (_children_cpu_seconds() - cpu_before) / elapsed
    if completed.returncode != 0:
        raise RuntimeError(f"wrk exited {completed.returncode}: {completed.stderr.strip()}")
    return parse_wrk_output(completed.stdout, cpu)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class ServerError(RuntimeError):
    """A server under test failed to start or died."""


class Server:
    """One server process (in its own process group), its log and its CPU use."""

    def __init__(
        self, command: list[str], workdir: Path, port: int, extra_env: dict[str, str] | None = None
    ) -> None:
        self.command = command
        self.port = port
        self.log_path = workdir / "server.log"
        env = dict(os.environ, HOME=str(workdir), PYTHONUNBUFFERED="1", **(extra_env or {}))
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=workdir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def log_tail(self, lines: int = 15) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def wait_ready(self, timeout: float = SERVER_START_TIMEOUT) -> None:
        """Wait until the port accepts connections (uvicorn binds only after startup)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"exited with {self.process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), timeout=1):
                return
            time.sleep(0.1)
        raise ServerError(f"not listening on {HOST}:{self.port} after {timeout:.0f}s:\n{self.log_tail()}")

    def ensure_running(self) -> None:
        if self.process.poll() is not None:
            raise ServerError(f"exited with {self.process.returncode}:\n{self.log_tail()}")

    def cpu_seconds(self) -> float:
        """User plus system CPU of every live process in the server's process group."""
        return sum(self.cpu_times())

    def cpu_times(self) -> tuple[float, float]:
        """User and system CPU seconds of every live process in the server's process group."""
        user = system = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path("/proc", entry, "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) == self.process.pid:
                user += int(fields[11])
                system += int(fields[12])
        ticks = os.sysconf("SC_CLK_TCK")
        return user / ticks, system / ticks

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@contextlib.contextmanager
def running(target: Target, pin: Sequence[str], extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    """Start ``target`` on a free port in a scratch directory; stop it on the way out."""
    with tempfile.TemporaryDirectory(prefix=f"credo-load-{target.name}-") as scratch:
        port = free_port()
        server = Server([*pin, *target.command(port)], Path(scratch), port, extra_env)
        try:
            server.wait_ready()
            yield server
        finally:
            server.stop()


def create_users(port: int, count: int = USER_COUNT) -> None:
    """Create ``user000`` … through boto3, as a client would; existing users are fine."""
    import boto3
    from botocore.exceptions import ClientError

    iam = boto3.client(
        "iam",
        endpoint_url=f"http://{HOST}:{port}",
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
        region_name=REGION,
    )
    for i in range(count):
        try:
            iam.create_user(UserName=f"user{i:03d}")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "EntityAlreadyExists":
                raise


@dataclass
class Cell:
    """One (target, operation, connections) measurement, or why there is none."""

    target: str
    operation: str
    connections: int
    result: WrkResult | None = None
    server_cpu: float | None = None
    other_cpu: float | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.result is not None and self.error is None

    @property
    def noisy(self) -> bool:
        return self.other_cpu is not None and self.other_cpu > CONTENTION_WARNING


def measure_target(
    target: Target,
    wrk: str,
    pins: tuple[list[str], list[str]],
    connections: Sequence[int],
    duration: int,
    warmup: int,
    repeat: int,
    quiet_wait: float,
    scratch: Path,
) -> list[Cell]:
    """Start one server, set it up, warm it up, and measure every operation and concurrency."""
    server_pin, wrk_pin = pins
    cells = [Cell(target.name, op.name, c) for op in OPERATIONS for c in connections]
    print(f"[{target.name}] starting: {shlex.join(target.command(0)[:3])} …", flush=True)
    try:
        with running(target, server_pin) as server:
            if target.create_users:
                print(f"[{target.name}] creating {USER_COUNT} users", flush=True)
                create_users(server.port)
            for operation in OPERATIONS:
                script = scratch / f"{target.name}-{operation.name}.lua"
                if warmup > 0:
                    script.write_text(wrk_script(sign_request(operation, server.port)))
                    with contextlib.suppress(RuntimeError, ValueError):
                        run_wrk(wrk, wrk_pin, script, f"http://{HOST}:{server.port}/", 8, warmup)
                for cell in cells:
                    if cell.operation == operation.name:
                        _measure_cell(
                            cell, operation, server, wrk, wrk_pin, script, duration, repeat, quiet_wait
                        )
    except (ServerError, OSError) as error:
        for cell in cells:
            if cell.result is None and cell.error is None:
                cell.error = f"server: {str(error).splitlines()[0]}"
        print(f"[{target.name}] server problem: {error}", file=sys.stderr, flush=True)
    except Exception as error:  # e.g. user setup rejected: record it, keep the other targets
        for cell in cells:
            if cell.result is None and cell.error is None:
                cell.error = f"setup: {type(error).__name__}: {error}"
        print(f"[{target.name}] setup failed: {error!r}", file=sys.stderr, flush=True)
    return cells


def _cpu_ticks(cpu: int) -> tuple[int, int]:
    """Busy and total ticks of one CPU so far, from /proc/stat (steal counts as busy)."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{cpu} "):
            values = [int(v) for v in line.split()[1:9]]
            idle = values[3] + values[4]  # idle + iowait
            return sum(values) - idle, sum(values)
    raise ValueError(f"cpu{cpu} not in /proc/stat")


@dataclass(frozen=True)
class Run:
    """One measured wrk run and the CPU use around it."""

    result: WrkResult
    server_cpu: float
    other_cpu: float | None


def measure_once(
    server: Server, wrk: str, wrk_pin: Sequence[str], script: Path, url: str, connections: int, duration: int
) -> Run:
    server_cpu_before = server.cpu_seconds()
    ticks_before = _cpu_ticks(SERVER_CPU) if wrk_pin else None
    started = time.monotonic()
    result = run_wrk(wrk, wrk_pin, script, url, connections, duration)
    server_cpu = (server.cpu_seconds() - server_cpu_before) / (time.monotonic() - started)
    other_cpu = None
    if ticks_before is not None:
        busy, total = (
            after - before for after, before in zip(_cpu_ticks(SERVER_CPU), ticks_before, strict=True)
        )
        other_cpu = max(0.0, busy / total - server_cpu) if total else None
    return Run(result, server_cpu, other_cpu)


def _wait_for_quiet_cpu(timeout: float) -> None:
    """Wait (up to ``timeout`` s) until other processes leave the idle server's CPU mostly free."""
    deadline = time.monotonic() + timeout
    waited = False
    while True:
        busy_before, total_before = _cpu_ticks(SERVER_CPU)
        time.sleep(0.5)
        busy_after, total_after = _cpu_ticks(SERVER_CPU)
        total = total_after - total_before
        busy = (busy_after - busy_before) / total if total else 0.0
        if busy <= CONTENTION_WARNING or time.monotonic() >= deadline:
            if waited:
                print(f"  … CPU {SERVER_CPU} now {busy:.0%} busy, measuring", flush=True)
            return
        if not waited:
            print(
                f"  … CPU {SERVER_CPU} is {busy:.0%} busy with other work, waiting up to {timeout:.0f}s",
                flush=True,
            )
            waited = True


def _measure_cell(
    cell: Cell,
    operation: Operation,
    server: Server,
    wrk: str,
    wrk_pin: Sequence[str],
    script: Path,
    duration: int,
    repeat: int,
    quiet_wait: float,
) -> None:
    """Measure one cell ``repeat`` times and keep the fastest clean run."""
    best: Run | None = None
    for _ in range(repeat):
        server.ensure_running()
        if wrk_pin:
            _wait_for_quiet_cpu(quiet_wait)
        request = sign_request(operation, server.port)
        script.write_text(wrk_script(request))
        problem = check_sample(request, operation)
        if problem is not None:
            cell.error = problem
            print(f"[{cell.target}] {cell.operation} c={cell.connections}: {problem}", flush=True)
            return
        try:
            run = measure_once(server, wrk, wrk_pin, script, request.url, cell.connections, duration)
        except (RuntimeError, ValueError) as error:
            cell.error = str(error).splitlines()[0]
            return
        if run.result.non_2xx:
            best = run
            break
        if best is None or run.result.requests_per_second > best.result.requests_per_second:
            best = run
    assert best is not None
    result = best.result
    cell.result, cell.server_cpu, cell.other_cpu = result, best.server_cpu, best.other_cpu
    if result.non_2xx:
        cell.error = f"{result.non_2xx} of {result.requests} responses not 2xx"
    if result.socket_errors:
        cell.warnings.append(
            "socket errors: " + ", ".join(f"{k} {v}" for k, v in sorted(result.socket_errors.items()))
        )
    if cell.connections >= UNSATURATED_MIN_CONNECTIONS and best.server_cpu < UNSATURATED_SERVER_CPU:
        cell.warnings.append(
            f"server used only {best.server_cpu:.0%} of its CPU with wrk at {result.cpu_fraction:.0%}: "
            "limited elsewhere (e.g. the host), treat as a low estimate"
        )
    if cell.noisy and best.other_cpu is not None:
        cell.warnings.append(f"other processes used {best.other_cpu:.0%} of CPU {SERVER_CPU}: noisy")
    print(
        f"[{cell.target}] {cell.operation:<17} c={cell.connections:<3} "
        f"{result.requests_per_second:>10.1f} req/s  p50 {result.p50_ms:.2f} ms  "
        f"p99 {result.p99_ms:.2f} ms  server CPU {best.server_cpu:.0%}  wrk CPU {result.cpu_fraction:.0%}"
        + (f"  others on CPU {SERVER_CPU} {best.other_cpu:.0%}" if best.other_cpu is not None else "")
        + (f"  ERROR: {cell.error}" if cell.error else "")
        + (f"  ({'; '.join(cell.warnings)})" if cell.warnings else ""),
        flush=True,
    )


def credo_serve_available() -> str | None:
    """None if ``credo serve`` exists, else why the credo target is skipped."""
    try:
        completed = subprocess.run(
            [_venv_bin("credo"), "serve", "--help"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"`credo serve --help` could not run: {error}"
    if completed.returncode != 0:
        last = (completed.stderr.strip() or completed.stdout.strip()).splitlines()
        return f"`credo serve --help` failed ({last[-1] if last else completed.returncode})"
    return None


def cpu_pins() -> tuple[list[str], list[str], str]:
    """taskset prefixes for the server and for wrk, and a sentence saying what was done."""
    taskset = shutil.which("taskset")
    allowed = os.sched_getaffinity(0)
    if taskset and {SERVER_CPU, WRK_CPU} <= allowed:
        return (
            [taskset, "-c", str(SERVER_CPU)],
            [taskset, "-c", str(WRK_CPU)],
            f"Server pinned to CPU {SERVER_CPU} and wrk to CPU {WRK_CPU} with `taskset`.",
        )
    reason = "taskset not found" if not taskset else f"only CPUs {sorted(allowed)} available"
    return [], [], f"Not pinned ({reason}): server and wrk share the CPUs."


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_facts(wrk: str) -> str:
    model = cpu_model()
    wrk_version = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False).stdout
    wrk_version = wrk_version.split(" [")[0].removeprefix("wrk ").strip() or "unknown"
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}, "
        f"Linux {platform.release()}, Python {platform.python_version()}; "
        f"wrk {wrk_version}, uvicorn {_version('uvicorn')}, starlette {_version('starlette')}, "
        f"moto {_version('moto')}, botocore {_version('botocore')}."
    )


def _cell_row(cell: Cell) -> str:
    result = cell.result
    if result is None or cell.error is not None:
        numbers = ["—"] * 6
    else:
        numbers = [
            f"{result.requests_per_second:,.0f}",
            f"{result.p50_ms:.2f}",
            f"{result.p99_ms:.2f}",
            f"{cell.server_cpu:.0%}" if cell.server_cpu is not None else "—",
            f"{result.cpu_fraction:.0%}",
            f"{cell.other_cpu:.0%}" if cell.other_cpu is not None else "—",
        ]
    notes = "; ".join([*([cell.error] if cell.error else []), *cell.warnings]) or ""
    notes = notes.replace("|", "\\|").replace("\n", " ")
    return (
        f"| {cell.target} | {cell.operation} | {cell.connections} | " + " | ".join(numbers) + f" | {notes} |"
    )


def _find(cells: Sequence[Cell], target: str, operation: str, connections: int) -> Cell | None:
    for cell in cells:
        if (cell.target, cell.operation, cell.connections) == (target, operation, connections):
            return cell
    return None


def _times(ratio: float) -> str:
    return f"{ratio:.1f}x"


def _percent(ratio: float) -> str:
    return f"{ratio:.0%}"


def ratio_lines(cells: Sequence[Cell]) -> list[str]:
    """The issue's two targets, for GetCallerIdentity at 32 connections, met or not."""
    credo = _find(cells, "credo", "GetCallerIdentity", RATIO_CONNECTIONS)
    lines: list[str] = []
    comparisons: tuple[tuple[str, float, Callable[[float], str]], ...] = (
        ("moto", TARGET_TIMES_MOTO, _times),
        ("trivial", TARGET_FRACTION_OF_TRIVIAL, _percent),
    )
    for other, goal, render in comparisons:
        label = f"credo / {other}"
        base = _find(cells, other, "GetCallerIdentity", RATIO_CONNECTIONS)
        if credo is None or not credo.ok:
            lines.append(f"- {label}: n/a (no credo measurement)")
            continue
        if base is None or not base.ok:
            lines.append(f"- {label}: n/a (no {other} measurement)")
            continue
        assert credo.result is not None and base.result is not None
        value = credo.result.requests_per_second / base.result.requests_per_second
        verdict = "met" if value >= goal else "**not met**"
        noisy = [c.target for c in (credo, base) if c.noisy]
        caveat = (
            f" (noisy: {' and '.join(noisy)} shared CPU {SERVER_CPU} with other processes)" if noisy else ""
        )
        lines.append(f"- {label}: **{render(value)}** (target ≥ {render(goal)}): {verdict}{caveat}")
    return lines


def list_users_line(cells: Sequence[Cell]) -> str:
    """ListUsers at 32 connections against the issue's target, beside moto and the trivial ceiling."""
    credo = _find(cells, "credo", "ListUsers", RATIO_CONNECTIONS)
    if credo is None or not credo.ok or credo.result is None:
        return "- credo ListUsers: n/a (no credo measurement)"
    rps = credo.result.requests_per_second
    verdict = "met" if rps >= TARGET_LIST_USERS_RPS else "**not met**"
    line = f"- credo ListUsers: **{rps:,.0f} req/s** (target ≥ {TARGET_LIST_USERS_RPS:,.0f}): {verdict}"
    comparisons: tuple[tuple[str, Callable[[float], str]], ...] = (
        ("moto", lambda ratio: f"{_times(ratio)} moto"),
        ("trivial", lambda ratio: f"{_percent(ratio)} of trivial"),
    )
    for other, render in comparisons:
        base = _find(cells, other, "ListUsers", RATIO_CONNECTIONS)
        if base is not None and base.ok and base.result is not None:
            line += f"; {render(rps / base.result.requests_per_second)}"
    noisy = [
        c.target
        for c in cells
        if c.operation == "ListUsers" and c.connections == RATIO_CONNECTIONS and c.noisy
    ]
    if noisy:
        line += f" (noisy: {' and '.join(noisy)} shared CPU {SERVER_CPU} with other processes)"
    return line


def render_section(
    cells: Sequence[Cell],
    *,
    command: str,
    facts: str,
    pin_note: str,
    duration: int,
    warmup: int,
    repeat: int,
    notes: Sequence[str],
) -> str:
    target_lines = [f"- **{t.name}**: {t.description}" for t in TARGETS]
    lines = [
        *measured_heading(SECTION_TITLE, command),
        f"Machine: {facts}",
        "",
        *target_lines,
        "",
        f"Load: `wrk -t1 -cN -d{duration}s --latency` replaying one POST to `/`, SigV4-signed by botocore "
        f"(access key `{ACCESS_KEY_ID}`, region `{REGION}`) and re-signed before every run; a sample "
        f"request must answer 200 first. Each target is warmed up for {warmup} s per operation. "
        f"ListUsers runs with {USER_COUNT} users present (created through boto3). {pin_note} "
        + (f"Each cell is the fastest of {repeat} runs. " if repeat > 1 else "")
        + "Server CPU and wrk CPU are shares of one core during the run; wrk well below 100% means "
        "the load generator was not the bottleneck. *Others* is the share of the server's CPU "
        "used by other processes meanwhile (above 10% the cell is flagged as noisy); before each run "
        "the script waits for that CPU to fall quiet.",
        "",
        "| Target | Operation | Connections | req/s | p50 ms | p99 ms | server CPU | wrk CPU | Others "
        "| Errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
        *[_cell_row(cell) for cell in cells],
        "",
        f"GetCallerIdentity at {RATIO_CONNECTIONS} connections:",
        "",
        *ratio_lines(cells),
        "",
        f"ListUsers (100 users) at {RATIO_CONNECTIONS} connections:",
        "",
        list_users_line(cells),
    ]
    if notes:
        lines += ["", *[f"Note: {note}" for note in notes]]
    return "\n".join(lines) + "\n"


def command_line(argv: Sequence[str], module: str = "benchmarks.load") -> str:
    """How this run was started, for the report: ``.venv/bin/python -m MODULE ARGS``."""
    python = Path(sys.executable)
    try:
        shown = str(python.relative_to(REPO_ROOT))
    except ValueError:
        shown = "python"
    return shlex.join([shown, "-m", module, *argv])


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per target and operation")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per cell; the fastest clean one is reported (default 1)"
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        help="seconds to wait before each run for other processes to leave the server's CPU (default 60)",
    )
    parser.add_argument(
        "--out",
        default=str(DEFAULT_OUT),
        help="markdown file whose load section is replaced (default docs/benchmarks.md; '-' to only print)",
    )
    parser.add_argument(
        "--targets",
        default=",".join(t.name for t in TARGETS),
        help="comma-separated subset of credo,moto,trivial",
    )
    parser.add_argument(
        "--connections",
        default=",".join(str(c) for c in CONNECTIONS),
        help="comma-separated connection counts (default 1,8,32)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    wrk = shutil.which("wrk")
    if wrk is None:
        print(
            "wrk is not installed. Install it first, e.g. `sudo apt-get install wrk` (Debian/Ubuntu) "
            "or `brew install wrk` (macOS), then rerun.",
            file=sys.stderr,
        )
        return 2
    wanted = [name.strip() for name in args.targets.split(",") if name.strip()]
    unknown = set(wanted) - {t.name for t in TARGETS}
    if unknown:
        print(f"unknown targets: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    connections = [int(c) for c in args.connections.split(",")]
    server_pin, wrk_pin, pin_note = cpu_pins()
    print(pin_note, flush=True)

    notes: list[str] = []
    cells: list[Cell] = []
    with tempfile.TemporaryDirectory(prefix="credo-load-") as scratch:
        for target in TARGETS:
            if target.name not in wanted:
                continue
            if target.name == "credo":
                missing = credo_serve_available()
                if missing is not None:
                    note = f"credo skipped: {missing}; only moto and the trivial ceiling were measured."
                    print(note, flush=True)
                    notes.append(note)
                    continue
            cells += measure_target(
                target,
                wrk,
                (server_pin, wrk_pin),
                connections,
                args.duration,
                args.warmup,
                args.repeat,
                args.quiet_wait,
                Path(scratch),
            )

    section = render_section(
        cells,
        command=command_line(argv),
        facts=machine_facts(wrk),
        pin_note=pin_note,
        duration=args.duration,
        warmup=args.warmup,
        repeat=args.repeat,
        notes=notes,
    )
    print()
    print(section)
    if args.out != "-":
        write_section(Path(args.out), SECTION_TITLE, section)
        print(f"wrote {args.out}")
    return 1 if any(not cell.ok for cell in cells) else 0


if __name__ == "__main__":
    sys.exit(main())
