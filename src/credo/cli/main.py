"""The ``credo`` entry point: one click group, thin commands over library functions."""

from __future__ import annotations

import click

from credo import __version__


@click.group()
@click.version_option(__version__, prog_name="credo")
def main() -> None:
    """credo: a self-hosted, AWS-compatible IAM and STS server and credentials CLI."""


def _register() -> None:
    from credo.cli.accounts import account
    from credo.cli.server_commands import db, init, serve

    main.add_command(serve)
    main.add_command(init)
    main.add_command(db)
    main.add_command(account)


_register()


from credo.cli.configure import configure  # noqa: E402

main.add_command(configure)
