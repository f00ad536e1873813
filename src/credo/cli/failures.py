"""How CLI commands fail: a message on stderr and aws CLI's exit codes, never a traceback.

aws exits 255 for configuration and service errors, 1 for "no such value" from
``configure get``, and 252 for bad command-line usage (click uses 2 for that).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NoReturn, ParamSpec, TypeVar

import click

from credo.client.aws_errors import aws_error_text
from credo.client.config_files import ConfigFileError, ConfigValueError

__all__ = ["CONFIG_ERROR_EXIT", "aws_error_text", "exit_with", "guarded"]

CONFIG_ERROR_EXIT = 255

P = ParamSpec("P")
R = TypeVar("R")


def exit_with(message: str, code: int = CONFIG_ERROR_EXIT) -> NoReturn:
    """Print ``message`` on stderr and exit with ``code``."""
    click.echo(message, err=True)
    raise click.exceptions.Exit(code)


def guarded(command: Callable[P, R]) -> Callable[P, R]:
    """Turn file and OS errors inside ``command`` into a message and exit status 255."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (ConfigFileError, ConfigValueError) as error:
            exit_with(str(error))
        except OSError as error:
            where = f": {error.filename}" if error.filename else ""
            exit_with(f"{error.strerror or error}{where}")

    return run
