"""CLI start-up benchmark: ``credo configure`` commands against the installed aws CLI.

Run from the repository root::

    .venv/bin/python -m benchmarks.cli_bench [--repetitions 30] [--no-write]

Each command runs as a fresh process (what a shell or a ``credential_process`` pays),
against the same static-key profile in private config/credentials files, interleaved in
one run so machine noise hits every command alike. The figure is the median wall time.
Both tools run from compiled bytecode, as installed packages do, even where the caller's
environment sets ``PYTHONDONTWRITEBYTECODE`` (credo is an editable install, whose sources
would otherwise be compiled on every start): ``PYTHONPYCACHEPREFIX`` points at a private
cache that the warm-up round fills. The installed aws CLI is v1, which has no
``export-credentials``; credo's export is compared with ``aws configure get
aws_access_key_id`` (v1's cheapest read of the same profile) and with ``aws configure list``.
Results go into the ``## CLI`` section of ``docs/benchmarks.md``; other sections are left
as they are.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import cpu_model, measured_heading, write_section

SECTION_TITLE = "## CLI"
COMMAND = ".venv/bin/python -m benchmarks.cli_bench"
BIN = Path(sys.executable).parent
CREDO = str(BIN / "credo")
AWS = str(BIN / "aws")

CASES: list[tuple[str, list[str]]] = [
    ("credo configure list", [CREDO, "configure", "list"]),
    ("credo configure export-credentials", [CREDO, "configure", "export-credentials"]),
    ("credo configure get aws_access_key_id", [CREDO, "configure", "get", "aws_access_key_id"]),
    ("aws configure list", [AWS, "configure", "list"]),
    ("aws configure get aws_access_key_id", [AWS, "configure", "get", "aws_access_key_id"]),
]
BASELINE = "aws configure list"
TARGETS = [
    ("credo configure list", "aws configure list", 1 / 3),
    ("credo configure export-credentials", "aws configure list", 1 / 2),
    ("credo configure export-credentials", "aws configure get aws_access_key_id", 1 / 2),
]


def _environment(home: Path) -> dict[str, str]:
    aws_dir = home / ".aws"
    aws_dir.mkdir(mode=0o700)
    (aws_dir / "config").write_text("[default]\nregion = us-east-1\noutput = json\n")
    (aws_dir / "credentials").write_text(
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
    )
    for path in aws_dir.iterdir():
        path.chmod(0o600)
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AWS_") and name != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(aws_dir / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(aws_dir / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        PYTHONPYCACHEPREFIX=str(home / "pycache"),
    )
    return env


def _time_once(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def measure(repetitions: int) -> dict[str, list[float]]:
    """Wall times per case, cases interleaved round by round after one warm-up each."""
    with tempfile.TemporaryDirectory() as home:
        env = _environment(Path(home))
        for _, argv in CASES:
            _time_once(argv, env)
        samples: dict[str, list[float]] = {label: [] for label, _ in CASES}
        for _ in range(repetitions):
            for label, argv in CASES:
                samples[label].append(_time_once(argv, env))
    return samples


def render(samples: dict[str, list[float]], repetitions: int, load: tuple[float, float, float]) -> str:
    median = {label: statistics.median(times) for label, times in samples.items()}
    lines = [
        *measured_heading(SECTION_TITLE, f"{COMMAND} --repetitions {repetitions}"),
        f"Machine: {os.cpu_count()} CPUs, {cpu_model()}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; aws CLI {_aws_version()}. Load average when the run "
        f"started: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}.",
        "",
        "Each command is a fresh process reading a static-key `default` profile from private files, "
        "both tools from compiled bytecode (a private `PYTHONPYCACHEPREFIX` that the warm-up fills); "
        f"the cases run interleaved, {repetitions} rounds after one warm-up, and the table shows the "
        "median wall time. The installed aws CLI is v1, which has no `export-credentials`, so credo's "
        "export is compared with `aws configure list` and `aws configure get`.",
        "",
        "What a credo client command pays for is Python's start-up, click and credo's own config-file "
        "modules: the `credo` and `credo configure` groups import a command's module only when it runs, "
        "botocore is imported only for profiles that need its credential chain, and "
        "`tests/cli/test_client_imports.py` fails if any `configure` command imports server code "
        "(SQLAlchemy, Starlette, uvicorn, Alembic, psycopg, argon2, credo's server packages).",
        "",
        f"| Command | median ms | min ms | max ms | × `{BASELINE}` |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, times in samples.items():
        lines.append(
            f"| `{label}` | {median[label] * 1e3:.0f} | {min(times) * 1e3:.0f} | {max(times) * 1e3:.0f} "
            f"| {median[label] / median[BASELINE]:.2f} |"
        )
    lines += ["", "Targets:", ""]
    for ours, theirs, limit in TARGETS:
        ratio = median[ours] / median[theirs]
        verdict = "met" if ratio <= limit else "**not met**"
        lines.append(f"- `{ours}` / `{theirs}`: **{ratio:.2f}** (target ≤ {limit:.2f}): {verdict}")
    return "\n".join(lines) + "\n"


def _aws_version() -> str:
    done = subprocess.run([AWS, "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).split()[0].removeprefix("aws-cli/") if done.returncode == 0 else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repetitions", type=int, default=30)
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks.md"))
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()
    section = render(measure(args.repetitions), args.repetitions, load)
    print(section)
    if not args.no_write:
        write_section(args.out, SECTION_TITLE, section)


if __name__ == "__main__":
    main()
