"""What ``credo exec`` adds to a command: ``credo exec dev -- CMD`` (cached session) against ``CMD``.

Run from the repository root::

    .venv/bin/python -m benchmarks.exec_overhead [--runs 50] [--no-write]

It starts ``credo serve --dev`` on a free loopback port, creates an IAM user and its key
through boto3, stores the key with ``credo add`` in both keychains credo has — its encrypted
keychain file, and the OS keychain through ``keyring`` (here the tests' file-backed backend,
named by ``PYTHON_KEYRING_BACKEND``: this machine has no Secret Service) — and lets ``credo
credential-process`` cache the profile's GetSessionToken session in each; then it stops the
server, so every timed ``credo exec`` is answered from a cache (a run that needed the server
would fail). Each command is a fresh process from compiled bytecode (a private
``PYTHONPYCACHEPREFIX`` that a warm-up round fills); the cases run interleaved, ``--runs``
rounds, and the report gives p50 and p95 wall times and what ``credo exec`` adds to each
command at both. A second table breaks the added time down: Python's start-up, importing
the command, opening the keychain file (scrypt), and loading ``keyring``.
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
# The tests' keyring backend, loaded by name as a user names theirs.
TEST_KEYRING = Path(__file__).resolve().parent.parent / "tests" / "keyring_backend"
NOOP = [PYTHON, "-c", "pass"]
SCRYPT = (
    "import os\nfrom cryptography.hazmat.primitives.kdf.scrypt import Scrypt\n"
    "Scrypt(salt=os.urandom(16), length=32, n=2**15, r=8, p=1).derive(b'passphrase')"
)
FILE, OS = "file", "os"  # which keychain a process is given
DEV_FILE = "credo exec dev -- true (encrypted file)"
DEV_OS = "credo exec dev -- true (OS keychain)"
# (label, argv, keychain)
CASES: list[tuple[str, list[str], str]] = [
    ("true", ["true"], FILE),
    (DEV_FILE, [CREDO, "exec", "dev", "--", "true"], FILE),
    (DEV_OS, [CREDO, "exec", "dev", "--", "true"], OS),
    ("credo exec plain -- true", [CREDO, "exec", "plain", "--", "true"], FILE),
    ("python -c pass", NOOP, FILE),
    ("credo exec dev -- python -c pass (OS keychain)", [CREDO, "exec", "dev", "--", *NOOP], OS),
]
PAIRS = [
    ("true", DEV_FILE),
    ("true", DEV_OS),
    ("python -c pass", "credo exec dev -- python -c pass (OS keychain)"),
    ("true", "credo exec plain -- true"),
]
# Where the time goes: each a fresh process, like the cases.
PARTS: list[tuple[str, list[str], str]] = [
    ("python -c pass", NOOP, FILE),
    ("credo --version (Python, click, credo's entry point)", [CREDO, "--version"], FILE),
    ("python: import cryptography's scrypt, derive the keychain file's key", [PYTHON, "-c", SCRYPT], FILE),
    ("python: import keyring", [PYTHON, "-c", "import keyring"], FILE),
    (
        "python: credo opens the OS keychain (keyring, the backend named)",
        [PYTHON, "-c", "from credo.client.secret_store import OsKeychain; OsKeychain.detect()"],
        OS,
    ),
    (
        "python: keyring.get_keyring() searching every backend (finds none here)",
        [PYTHON, "-c", "import keyring; keyring.get_keyring()"],
        FILE,
    ),
]


def _environment(home: Path) -> dict[str, dict[str, str]]:
    """The environment of each keychain's processes: the same files, one keychain each."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "CREDO_", "PYTHON_KEYRING")) and name != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(home / ".aws" / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        PYTHONPYCACHEPREFIX=str(home / "pycache"),
    )
    file_keychain = {
        **env,
        "CREDO_KEYRING_BACKEND": "file",
        "CREDO_KEYRING_PASSPHRASE": PASSPHRASE,
        "CREDO_KEYRING_FILE": str(home / "keychain.json"),
    }
    os_keychain = {
        **env,
        "CREDO_KEYRING_BACKEND": "os",
        "PYTHON_KEYRING_BACKEND": "credo_test_keyring.FileKeyring",
        "PYTHONPATH": str(TEST_KEYRING),
        "CREDO_TEST_KEYRING_FILE": str(home / "os-keychain.json"),
    }
    return {FILE: file_keychain, OS: os_keychain}


def prepare(home: Path, envs: dict[str, dict[str, str]]) -> None:
    """A keychain profile ``dev`` with a cached session in each keychain, made against a server that is then
    stopped; ``plain`` holds the same key in the credentials file."""
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
        for env in envs.values():
            run = {"env": env, "check": True, "capture_output": True, "text": True}
            add = [CREDO, "add", "dev", "--from-csv", str(csv_path), "--endpoint-url", endpoint]
            subprocess.run(add, **run)  # type: ignore[call-overload]
            cached = subprocess.run([CREDO, "credential-process", "dev"], **run)  # type: ignore[call-overload]
            json.loads(cached.stdout)  # a session, or the run stops here
        csv_path.unlink()
        with (home / ".aws" / "credentials").open("a") as credentials:
            credentials.write(
                f"[plain]\naws_access_key_id = {key['AccessKeyId']}\naws_secret_access_key = {key['SecretAccessKey']}\n"
            )
        (home / ".aws" / "credentials").chmod(0o600)  # else every run warns that others may read it
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


def measure(
    cases: list[tuple[str, list[str], str]], runs: int, envs: dict[str, dict[str, str]]
) -> dict[str, Samples]:
    """Times per case, interleaved round by round after one warm-up round."""
    for _, argv, keychain in cases:
        _time_once(argv, envs[keychain], Samples())
    samples = {label: Samples() for label, _, _ in cases}
    for _ in range(runs):
        for label, argv, keychain in cases:
            _time_once(argv, envs[keychain], samples[label])
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
        "`dev` is a keychain profile whose GetSessionToken session is cached, once in credo's encrypted "
        "keychain file (`CREDO_KEYRING_BACKEND=file`) and once in the OS keychain (`os`, the default: "
        "`keyring` loading the backend `PYTHON_KEYRING_BACKEND` names — the tests' file-backed one, as this "
        "machine has no Secret Service); the server was stopped before timing, so every `credo exec dev` "
        "answered from a cache. `plain` holds plaintext keys (no keychain, no session): credo's own cost. "
        f"Fresh processes from compiled bytecode, cases interleaved, {runs} runs each.",
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
        envs = _environment(home)
        prepare(home, envs)
        samples = measure(CASES, args.runs, envs)
        parts = measure(PARTS, max(10, args.runs // 2), envs)
    section = render(samples, parts, args.runs, load)
    print(section)
    if not args.no_write:
        write_section(args.out, SECTION_TITLE, section)


if __name__ == "__main__":
    main()
