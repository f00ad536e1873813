"""The ``credo`` entry point: one click group, thin commands over library functions."""

from __future__ import annotations

import click

from credo import __version__


@click.group()
@click.version_option(__version__, prog_name="credo")
def main() -> None:
    """credo: a self-hosted, AWS-compatible IAM and STS server and credentials CLI."""
