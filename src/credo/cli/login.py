"""``credo login``: open the console as a profile, or sign in through an identity provider.

Two uses share the name. ``credo login PROFILE`` opens the console signed in as the profile's
credentials (``login_console``, as ``aws-vault login``); ``credo login oidc`` and ``credo
login saml`` sign in at an identity provider and keep the role session (one module per kind,
as saml2aws). ``LoginGroup`` tells them apart by the first argument: a subcommand's name, or
else a profile (``--profile NAME`` for a profile that is named like a subcommand).
"""

from __future__ import annotations

from typing import Any

import click

from credo.cli.login_console import console_login
from credo.cli.login_oidc import oidc
from credo.cli.login_saml import saml


class LoginGroup(click.Group):
    """A group whose unknown first argument is a profile for the console login."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Options before the profile (--stdout, --profile…) are the console login's, not the group's.
        kwargs.setdefault("context_settings", {})["ignore_unknown_options"] = True
        super().__init__(*args, **kwargs)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if self.get_command(ctx, args[0]) is not None:
            return super().resolve_command(ctx, args)
        return "", console_login, args

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        path = ctx.command_path
        formatter.write_usage(path, "[OPTIONS] PROFILE")
        formatter.write_usage(path, "COMMAND [ARGS]...", prefix="   or: ")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        console_context = click.Context(console_login, info_name=ctx.command_path, parent=None)
        rows = [
            row
            for param in console_login.get_params(console_context)
            if isinstance(param, click.Option) and "--help" not in param.opts
            if (row := param.get_help_record(console_context)) is not None
        ]
        with formatter.section("Options of credo login PROFILE"):
            formatter.write_dl(rows)
        super().format_options(ctx, formatter)  # --help, then the commands


@click.group(cls=LoginGroup)
def login() -> None:
    """Open the console as a profile, or sign in through an identity provider.

    \b
    credo login PROFILE [--stdout] [--path /console/…]
        the console, signed in as the profile's credentials (as aws-vault login)
    credo login --profile NAME …
        the same, for a profile named like a command (oidc, saml)
    credo login oidc | saml …
        sign in at an identity provider and keep the role session in a profile
    """


login.add_command(oidc)
login.add_command(saml)
