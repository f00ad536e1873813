"""``credo credential-process PROFILE``: what botocore runs for a keychain profile.

Prints the profile's short-lived credentials in the ``credential_process`` JSON (``Version``,
``AccessKeyId``, ``SecretAccessKey``, ``SessionToken``, ``Expiration``), from the keychain's
cache when a session has more than five minutes left; only then is botocore imported, to
call STS. Questions (an MFA code, the keychain file's passphrase) are asked on the terminal,
never on stdout, which botocore reads.
"""

from __future__ import annotations

import click

from credo.cli.configure_export import ResolvedCredentials, render
from credo.cli.keychain_failures import keychain_guarded
from credo.client.keychain import open_keychain
from credo.client.resolver import Resolver
from credo.client.shared_config import load_shared_config


@click.command("credential-process", hidden=True)
@click.argument("profile")
@keychain_guarded
def credential_process_command(profile: str) -> None:
    """Print a keychain profile's session credentials for botocore's credential_process."""
    resolver = Resolver(load_shared_config(), open_keychain())
    found = resolver.resolve(profile)
    expiration = found.expiration.isoformat() if found.expiration is not None else None
    credentials = ResolvedCredentials(
        found.access_key_id, found.secret_access_key, found.session_token, expiration
    )
    click.echo(render(credentials, "process"), nl=False)
