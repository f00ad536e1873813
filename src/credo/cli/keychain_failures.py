"""How the keychain commands fail: the keychain's, the resolver's and STS's errors as one message, exit 255."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from credo.cli.failures import exit_with, guarded
from credo.client.aws_calls import AwsCallFailed
from credo.client.resolver import ResolveError
from credo.client.secret_store import KeychainError
from credo.client.terminal import NoTerminal

P = ParamSpec("P")
R = TypeVar("R")


def keychain_guarded(command: Callable[P, R]) -> Callable[P, R]:
    """``guarded``, plus keychain, resolution, STS and no-terminal errors as a message and 255."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (KeychainError, ResolveError, AwsCallFailed, NoTerminal) as error:
            exit_with(str(error))

    return guarded(run)
