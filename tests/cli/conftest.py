"""Fixtures for the configure tests: private AWS files, a ``credo`` runner and a pty driver."""

from __future__ import annotations

import configparser
import fcntl
import os
import pty
import select
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

CREDO = str(Path(sys.executable).with_name("credo"))
AWS = str(Path(sys.executable).with_name("aws"))


@dataclass
class AwsFiles:
    """A throwaway home with its own config and credentials files."""

    home: Path
    config: Path
    credentials: Path
    env: dict[str, str]

    def write(self, config: str | None = None, credentials: str | None = None) -> None:
        self.config.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        for path, text in ((self.config, config), (self.credentials, credentials)):
            if text is not None:
                path.write_text(text)
                path.chmod(0o600)

    def read(self) -> tuple[str | None, str | None]:
        return tuple(  # type: ignore[return-value]
            path.read_text() if path.exists() else None for path in (self.config, self.credentials)
        )

    def session_expiry(self, profile: str) -> datetime:
        """The ``x_security_token_expires`` a ``credo login`` wrote for ``profile``."""
        parser = configparser.ConfigParser()
        parser.read_string(self.credentials.read_text())
        return datetime.fromisoformat(parser[profile]["x_security_token_expires"])


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def aws_files(tmp_path: Path) -> AwsFiles:
    """Config and credentials files under tmp_path, named by the environment a command gets."""
    home = tmp_path / "home"
    home.mkdir()
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    config = home / ".aws" / "config"
    credentials = home / ".aws" / "credentials"
    env.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=str(credentials),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return AwsFiles(home, config, credentials, env)


@pytest.fixture
def credo(aws_files: AwsFiles) -> Callable[..., Result]:
    """Run ``credo ARGS`` in a subprocess with the private files; returns its result."""

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        done = subprocess.run(
            [CREDO, *args],
            input=input,
            capture_output=True,
            text=True,
            env={**aws_files.env, **(env or {})},
            timeout=60,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture
def aws(aws_files: AwsFiles) -> Callable[..., Result]:
    """Run the installed aws CLI (v1) the same way, for comparisons."""

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        done = subprocess.run(
            [AWS, *args], capture_output=True, text=True, env={**aws_files.env, **(env or {})}, timeout=60
        )
        return Result(done.returncode, done.stdout, done.stderr)

    return run


def read_until(fd: int, expected: bytes, seen: bytearray, start: int, timeout: float) -> int:
    """Read into ``seen`` until ``expected`` appears after ``start``; returns the index after it."""
    deadline = time.monotonic() + timeout
    while seen.find(expected, start) < 0:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"timed out waiting for {expected!r}; got {bytes(seen)!r}")
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                raise AssertionError(f"process ended before {expected!r}; got {bytes(seen)!r}")
            seen.extend(chunk)
    return seen.find(expected, start) + len(expected)


def run_on_pty(
    argv: Sequence[str],
    env: dict[str, str],
    dialogue: Sequence[tuple[str, str]],
    timeout: float = 30,
    controlling: bool = False,
) -> tuple[int, str]:
    """Run ``argv`` on a pseudo-terminal, answering each prompt; returns (status, transcript).

    ``controlling`` starts it in a new session whose controlling terminal is the pty, so prompts
    written to ``/dev/tty`` (as a ``credential_process`` must write them) reach it too.
    """
    controller, terminal = pty.openpty()

    def take_terminal() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        list(argv),
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=env,
        close_fds=True,
        start_new_session=controlling,
        preexec_fn=take_terminal if controlling else None,
    )
    os.close(terminal)
    seen = bytearray()
    position = 0
    deadline = time.monotonic() + timeout
    try:
        for prompt, answer in dialogue:
            position = read_until(controller, prompt.encode(), seen, position, deadline - time.monotonic())
            os.write(controller, answer.encode() + b"\r")
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.5)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(controller, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen.extend(chunk)
        status = process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(controller)
    return status, bytes(seen).decode(errors="replace").replace("\r\n", "\n")


def run_in_pty(
    args: Sequence[str], env: dict[str, str], dialogue: Sequence[tuple[str, str]], timeout: float = 30
) -> tuple[int, str]:
    """Run ``credo ARGS`` on a pseudo-terminal, answering each prompt; returns (status, transcript)."""
    return run_on_pty([CREDO, *args], env, dialogue, timeout)


@pytest.fixture
def pty_credo(aws_files: AwsFiles) -> Callable[..., tuple[int, str]]:
    """Drive ``credo`` through a real pseudo-terminal with a list of (prompt, answer) pairs."""

    def run(
        *args: str, dialogue: Sequence[tuple[str, str]], env: dict[str, str] | None = None
    ) -> tuple[int, str]:
        return run_in_pty(args, {**aws_files.env, **(env or {})}, dialogue)

    return run
