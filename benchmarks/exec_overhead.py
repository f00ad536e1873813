"""What ``credo exec`` adds to a command: ``credo exec dev -- CMD`` (cached session) against ``CMD``.

Run from the repository root::

    .venv/bin/python -m benchmarks.exec_overhead [--runs 50] [--no-write]

It starts ``credo serve --dev`` on a free loopback port, creates an IAM user and its key
through boto3, stores the key with ``credo add`` in credo's encrypted keychain file and lets
``credo credential-process`` cache the profile's GetSessionToken session — then stops the
server, so every timed ``credo exec`` is answered from the cache (a run that needed the
server would fail). Each command is a fresh process from compiled bytecode (a private
``PYTHONPYCACHEPREFIX`` that a warm-up round fills); the cases run interleaved, ``--runs``
rounds, and the report gives p50 and p95 wall times and what ``credo exec`` adds to each
command at both. A second table breaks the added time down: Python's start-up, importing
the command, and opening the keychain file (scrypt).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import boto3

from benchmarks.load import HOST, Server, credo_command, free_port
from benchmarks.report import cpu_model, measured_heading, write_section

SECTION_TITLE = "## credo exec overhead"
COMMAND = ".venv/bin/python -m benchmarks.exec_overhead"
CREDO = str(Path(sys.executable).with_name("credo"))
PYTHON = sys.executable
GOAL_MS = 150.0
PASSPHRASE = "benchmark passphrase"
NOOP = [PYTHON, "-c", "pass"]
SCRYPT = (
    "import os\nfrom cryptography.hazmat.primitives.kdf.scrypt import Scrypt\n"
    "Scrypt(salt=os.urandom(16), length=32, n=2**15, r=8, p=1).derive(b'passphrase')"
)
CASES: list[tuple[str, list[str]]] = [
    ("true", ["true"]),
    ("credo exec dev -- true", [CREDO, "exec", "dev", "--", "true"]),
    ("credo exec plain -- true", [CREDO, "exec", "plain", "--", "true"]),
    ("python -c pass", NOOP),
    ("credo exec dev -- python -c pass", [CREDO, "exec", "dev", "--", *NOOP]),
]
PAIRS = [
    ("true", "credo exec dev -- true"),
    ("python -c pass", "credo exec dev -- python -c pass"),
    ("true", "credo exec plain -- true"),
]
# Where the time goes: each a fresh process, like the cases.
PARTS: list[tuple[str, list[str]]] = [
    ("python -c pass", NOOP),
    ("credo --version (Python, click, credo's entry point)", [CREDO, "--version"]),
    ("python: import cryptography's scrypt, derive the keychain file's key", [PYTHON, "-c", SCRYPT]),
    (
        "python: import keyring, find the OS keychain (none here)",
        [PYTHON, "-c", "import keyring; keyring.get_keyring()"],
    ),
]


def _environment(home: Path) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "CREDO_")) and name != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(home / ".aws" / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        CREDO_KEYRING_BACKEND="file",
        CREDO_KEYRING_PASSPHRASE=PASSPHRASE,
        CREDO_KEYRING_FILE=str(home / "keychain.json"),
        PYTHONPYCACHEPREFIX=str(home / "pycache"),
    )
    return env


def prepare(home: Path, env: dict[str, str]) -> None:
    """A keychain profile ``dev`` with a cached session, made against a server that is then stopped."""
    port = free_port()
    server = Server(credo_command(port), home, port)
    try:
        server.wait_ready()
        endpoint = f"http://{HOST}:{port}"
        iam = boto3.client(
            "iam",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        iam.create_user(UserName="bench")
        key = iam.create_access_key(UserName="bench")["AccessKey"]
        csv_path = home / "accessKeys.csv"
        csv_path.write_text(
            f"Access key ID,Secret access key\n{key['AccessKeyId']},{key['SecretAccessKey']}\n"
        )
        run = {"env": env, "check": True, "capture_output": True, "text": True}
        subprocess.run([CREDO, "add", "dev", "--from-csv", str(csv_path), "--endpoint-url", endpoint], **run)  # type: ignore[call-overload]
        csv_path.unlink()
        with (home / ".aws" / "credentials").open("a") as credentials:
            credentials.write(
                f"[plain]\naws_access_key_id = {key['AccessKeyId']}\naws_secret_access_key = {key['SecretAccessKey']}\n"
            )
        cached = subprocess.run([CREDO, "credential-process", "dev"], **run)  # type: ignore[call-overload]
        json.loads(cached.stdout)  # a session, or the run stops here
    finally:
        server.stop()


@dataclass
class Samples:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system of the process (and its children)


def _time_once(argv: list[str], env: dict[str, str], into: Samples) -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    into.wall.append(time.perf_counter() - start)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    into.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)


def measure(cases: list[tuple[str, list[str]]], runs: int, env: dict[str, str]) -> dict[str, Samples]:
    """Times per case, interleaved round by round after one warm-up round."""
    for _, argv in cases:
        _time_once(argv, env, Samples())
    samples = {label: Samples() for label, _ in cases}
    for _ in range(runs):
        for label, argv in cases:
            _time_once(argv, env, samples[label])
    return samples


def percentile(times: list[float], fraction: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def render(samples: dict[str, Samples], parts: dict[str, Samples], runs: int, load: tuple[float, ...]) -> str:
    every = {**samples, **parts}
    p50 = {label: statistics.median(times.wall) * 1e3 for label, times in every.items()}
    p95 = {label: percentile(times.wall, 0.95) * 1e3 for label, times in every.items()}
    cpu = {label: statistics.median(times.cpu) * 1e3 for label, times in every.items()}
    lines = [
        *measured_heading(SECTION_TITLE, f"{COMMAND} --runs {runs}"),
        f"Machine: {os.cpu_count()} CPUs, {cpu_model()}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}. Load average when the run started: "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}.",
        "",
        "`dev` is a keychain profile (credo's encrypted keychain file, `CREDO_KEYRING_BACKEND=file`, the "
        "only keychain on this machine) whose GetSessionToken session is cached; the server was stopped "
        "before timing, so every `credo exec dev` answered from the cache. `plain` holds plaintext keys "
        "(no keychain, no session): credo's own cost. Fresh processes from compiled bytecode, cases "
        f"interleaved, {runs} runs each.",
        "",
        "| Command | p50 ms | p95 ms | CPU ms (median) |",
        "|---|---:|---:|---:|",
        *(f"| `{label}` | {p50[label]:.0f} | {p95[label]:.0f} | {cpu[label]:.0f} |" for label in samples),
        "",
        f"| Added | p50 ms | p95 ms | CPU ms | goal < {GOAL_MS:.0f} ms |",
        "|---|---:|---:|---:|---|",
    ]
    for direct, wrapped in PAIRS:
        added50, added95 = p50[wrapped] - p50[direct], p95[wrapped] - p95[direct]
        met = "met" if added50 < GOAL_MS else "**not met**"
        added_cpu = cpu[wrapped] - cpu[direct]
        lines.append(
            f"| `{wrapped}` to `{direct}` | {added50:.0f} | {added95:.0f} | {added_cpu:.0f} | {met} |"
        )
    lines += [
        "",
        f"Goal: under {GOAL_MS:.0f} ms added (p50).",
        "",
        "Where the added time goes:",
        "",
        "| Fresh process | p50 ms | p95 ms | CPU ms (median) |",
        "|---|---:|---:|---:|",
        *(f"| {label} | {p50[label]:.0f} | {p95[label]:.0f} | {cpu[label]:.0f} |" for label in parts),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks.md"))
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="credo-exec-bench-") as scratch:
        home = Path(scratch)
        env = _environment(home)
        prepare(home, env)
        samples = measure(CASES, args.runs, env)
        parts = measure(PARTS, max(10, args.runs // 2), env)
    section = render(samples, parts, args.runs, load)
    print(section)
    if not args.no_write:
        write_section(args.out, SECTION_TITLE, section)


if __name__ == "__main__":
    main()
