"""The ``credo`` entry point: one click group, thin commands over library functions.

Commands are imported when they run (see ``lazy_group``), so a client command such as
``credo configure list`` never loads the server's dependencies.
"""

from __future__ import annotations

import click

from credo import __version__
from credo.cli.lazy_group import LazyCommand, LazyGroup

# Each summary is its command's help up to the first blank line; a test keeps them equal.
COMMANDS = {
    "account": LazyCommand(
        "credo.cli.accounts:account",
        "Accounts in the store: each has its own root user, IAM users and roles.",
    ),
    "configure": LazyCommand(
        "credo.cli.configure:configure",
        "Configure credentials and settings (run alone: the interactive wizard).",
    ),
    "db": LazyCommand("credo.cli.server_commands:db", "Database maintenance."),
    "init": LazyCommand(
        "credo.cli.server_commands:init",
        "Create the store and its first account explicitly, and print the root credentials once.",
    ),
    "serve": LazyCommand("credo.cli.server_commands:serve", "Run the IAM and STS endpoint."),
}


@click.group(cls=LazyGroup, lazy_commands=COMMANDS)
@click.version_option(__version__, prog_name="credo")
def main() -> None:
    """credo: a self-hosted, AWS-compatible IAM and STS server and credentials CLI."""
