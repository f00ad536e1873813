"""``credo credential-process PROFILE``: what botocore runs for a keychain or SAML login profile.

Prints the profile's short-lived credentials in the ``credential_process`` JSON (``Version``,
``AccessKeyId``, ``SecretAccessKey``, ``SessionToken``, ``Expiration``), from the keychain's
cache when a session has more than fifteen minutes left; only then is botocore imported, to
call STS. A keychain profile's session is made with its long-term key; a SAML login profile's
(one keeping ``credo_saml_idp_url``) by signing in at the IdP again. Questions (an MFA code,
the IdP password, the keychain file's passphrase) are asked on the terminal, never on stdout,
which botocore reads.
"""

from __future__ import annotations

import click

from credo.cli.configure_export import ResolvedCredentials, render
from credo.cli.failures import exit_with
from credo.cli.keychain_failures import keychain_guarded
from credo.client.keychain import Keychain, open_keychain
from credo.client.resolver import Credentials, Resolver
from credo.client.saml_sessions import SamlProfile, SamlSessions, saml_profile
from credo.client.shared_config import load_shared_config


def _saml_credentials(keychain: Keychain, profile: SamlProfile) -> Credentials:
    from credo.client.saml_login import SamlLoginError
    from credo.client.temporary_credentials import StsRefused

    try:
        return Credentials.of_session(SamlSessions(keychain).credentials(profile))
    except (SamlLoginError, StsRefused) as error:
        exit_with(str(error))


@click.command("credential-process", hidden=True)
@click.argument("profile")
@keychain_guarded
def credential_process_command(profile: str) -> None:
    """Print a keychain profile's session credentials for botocore's credential_process.

    A SAML login profile (``credo login saml --credential-process``) gets its cached role
    session, or signs in at its identity provider again.
    """
    shared = load_shared_config()
    keychain = open_keychain()
    saml = saml_profile(shared, profile)
    found = (
        _saml_credentials(keychain, saml) if saml is not None else Resolver(shared, keychain).resolve(profile)
    )
    expiration = found.expiration.isoformat() if found.expiration is not None else None
    credentials = ResolvedCredentials(
        found.access_key_id, found.secret_access_key, found.session_token, expiration
    )
    click.echo(render(credentials, "process"), nl=False)
