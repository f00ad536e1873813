"""Questions for the person at the terminal, asked on ``/dev/tty`` rather than stdin/stdout.

``credo credential-process`` runs under botocore with stdout and stderr captured, so a prompt
written there would be swallowed (or parsed as credentials). Like ssh, sudo and aws-vault,
credo asks on the controlling terminal; without one it falls back to stdin when that is a
terminal, and otherwise refuses with a message saying what to do instead.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Iterator
from typing import TextIO


class NoTerminal(Exception):
    """A question must be asked and there is nobody to ask: no terminal to prompt on."""


@contextlib.contextmanager
def _controlling_terminal() -> Iterator[tuple[TextIO, TextIO] | None]:
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        yield None
        return
    # A terminal cannot seek, so it is read and written through two streams, not one "r+".
    with (
        open(fd, encoding="utf-8", closefd=True) as reader,
        open(os.dup(fd), "w", encoding="utf-8") as writer,
    ):
        yield reader, writer


def ask(prompt: str, *, secret: bool = False, why: str = "") -> str:
    """The answer typed at the terminal (echo off when ``secret``), stripped; never empty."""
    with _controlling_terminal() as terminal:
        if terminal is None:
            if not sys.stdin.isatty():
                hint = f" ({why})" if why else ""
                raise NoTerminal(f"{prompt.strip().rstrip(':')} is needed but there is no terminal{hint}")
            terminal = (sys.stdin, sys.stderr)
        reader, writer = terminal
        if secret:
            import getpass  # only when a secret is asked: resolving a cached session never does

            with warnings.catch_warnings():
                # getpass opens /dev/tty itself, else turns echo off on stdin; it warns when it
                # cannot, and the answer is still read.
                warnings.simplefilter("ignore", getpass.GetPassWarning)
                answer = getpass.getpass(prompt, stream=writer)
        else:
            writer.write(prompt)
            writer.flush()
            answer = reader.readline()
    answer = answer.strip()
    if not answer:
        raise NoTerminal(f"{prompt.strip().rstrip(':')}: no answer given")
    return answer
