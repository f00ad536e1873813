"""The environment ``credo exec`` gives its command, and running that command.

The child gets the credentials as the variables botocore's environment provider reads (or,
with ``--server``, the container-credentials endpoint its container provider reads), the
profile's region and endpoint, and ``CREDO_EXEC_PROFILE`` (aws-vault's ``AWS_VAULT``
marker). Variables that would make botocore pick other credentials first — ``AWS_PROFILE``,
other keys, web identity, another container endpoint — are removed, and so is
``CREDO_KEYRING_PASSPHRASE``: the command gets a session, never the means to open the keychain.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType
from typing import Any

MARKER = "CREDO_EXEC_PROFILE"
CLEARED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "CREDO_KEYRING_PASSPHRASE",
)
# Sent by the terminal to the whole foreground process group, so the child has them already;
# credo ignores them while it waits, as system(3) does.
TERMINAL_SIGNALS = ("SIGINT", "SIGQUIT")
FORWARDED_SIGNALS = ("SIGTERM", "SIGHUP", "SIGUSR1", "SIGUSR2")


@dataclass(frozen=True)
class ProfileSettings:
    """What the child is told about the profile besides its credentials."""

    name: str
    region: str | None
    endpoint_url: str | None


def expiration_text(moment: datetime) -> str:
    """RFC 3339 in UTC, as aws-vault and the aws CLI write ``AWS_CREDENTIAL_EXPIRATION``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def child_environment(
    parent: Mapping[str, str], settings: ProfileSettings, credentials: Mapping[str, str]
) -> dict[str, str]:
    """``parent`` without the overriding variables, plus ``credentials`` and the profile's settings."""
    env = {name: value for name, value in parent.items() if name not in CLEARED}
    env.update(credentials)
    region = parent.get("AWS_REGION") or parent.get("AWS_DEFAULT_REGION") or settings.region
    if region:
        env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = region
    endpoint = parent.get("AWS_ENDPOINT_URL") or settings.endpoint_url
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    env[MARKER] = settings.name
    return env


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()


class CommandNotRun(Exception):
    """The command could not be started; ``status`` is the shell's (127 not found, 126 not runnable)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _not_run(command: str, error: OSError) -> CommandNotRun:
    if isinstance(error, FileNotFoundError):
        return CommandNotRun(f"credo exec: {command}: command not found", 127)
    return CommandNotRun(f"credo exec: {command}: {error.strerror or error}", 126)


def replace_process(command: Sequence[str], env: dict[str, str]) -> None:
    """Become ``command`` (execvpe): its exit status and signals are then simply its own."""
    _flush()
    try:
        os.execvpe(command[0], list(command), env)  # noqa: S606 - the person's own command, as typed
    except OSError as error:
        raise _not_run(command[0], error) from None


def run_child(command: Sequence[str], env: dict[str, str]) -> int:
    """Run ``command`` to its end, forwarding signals; its exit status (128+N when killed by N)."""
    import subprocess  # only --server keeps credo as the parent: the exec path does without it

    _flush()
    try:
        child = subprocess.Popen(list(command), env=env)
    except OSError as error:
        raise _not_run(command[0], error) from None

    def forward(signum: int, frame: FrameType | None) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    previous: dict[int, Any] = {}
    for name in (*TERMINAL_SIGNALS, *FORWARDED_SIGNALS):
        number = getattr(signal, name, None)
        if number is not None:
            handler = signal.SIG_IGN if name in TERMINAL_SIGNALS else forward
            previous[number] = signal.signal(number, handler)
    try:
        status = child.wait()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    return 128 - status if status < 0 else status
