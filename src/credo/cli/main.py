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
    "add": LazyCommand(
        "credo.cli.keychain_add:add_command",
        "Store a profile's access key in the OS keychain; botocore gets sessions from it.",
    ),
    "audit": LazyCommand(
        "credo.cli.audit:audit_command",
        "Show the audit trail: every API call and console sign-in, as CloudTrail records them.",
    ),
    "configure": LazyCommand(
        "credo.cli.configure:configure",
        "Configure credentials and settings (run alone: the interactive wizard).",
    ),
    "credential-process": LazyCommand(
        "credo.cli.credential_process:credential_process_command",
        "Print a keychain profile's session credentials for botocore's credential_process.",
        hidden=True,
    ),
    "db": LazyCommand("credo.cli.db_commands:db", "Database maintenance."),
    "doctor": LazyCommand(
        "credo.cli.doctor_command:doctor_command",
        "Check ~/.aws/config, ~/.aws/credentials and the environment; print each problem and its fix.",
    ),
    "exec": LazyCommand(
        "credo.cli.exec_command:exec_command",
        "Run a command with a profile's short-lived credentials in its environment.",
    ),
    "init": LazyCommand(
        "credo.cli.server_commands:init",
        "Create the store and its first account explicitly, and print the root credentials once.",
    ),
    "keys": LazyCommand(
        "credo.cli.keys:keys",
        "The master keys that seal secrets at rest: status, rotate-master, reseal, retire-old.",
    ),
    "list": LazyCommand(
        "credo.cli.keychain_list:list_command",
        "List profiles, where each one's credentials come from, and cached session expiry.",
    ),
    "login": LazyCommand(
        "credo.cli.login:login",
        "Open the console as a profile, or sign in through an identity provider.",
    ),
    "migrate": LazyCommand(
        "credo.cli.keychain_migrate:migrate_command",
        "Move plaintext access keys from ~/.aws/credentials into the keychain.",
    ),
    "remove": LazyCommand(
        "credo.cli.keychain_add:remove_command",
        "Remove a profile's access key and cached sessions from the keychain.",
    ),
    "rotate": LazyCommand(
        "credo.cli.rotate_command:rotate_command",
        "Replace a profile's access key with a new one, then delete the old key.",
    ),
    "serve": LazyCommand("credo.cli.server_commands:serve", "Run the IAM and STS endpoint."),
    "service": LazyCommand(
        "credo.cli.services:service",
        "Your own services' definitions: actions, resources, condition keys and HTTP routes.",
    ),
    "sso": LazyCommand(
        "credo.cli.sso:sso",
        "Single sign-on: sign in to the access portal, sign out, write a profile per role.",
    ),
}


@click.group(cls=LazyGroup, lazy_commands=COMMANDS)
@click.version_option(__version__, prog_name="credo")
def main() -> None:
    """credo: a self-hosted, AWS-compatible IAM and STS server and credentials CLI."""
