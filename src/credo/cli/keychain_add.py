"""``credo add`` and ``credo remove``: a profile's long-term key into (and out of) the keychain.

``add`` stores the key in the keychain and writes the profile as
``credential_process = credo credential-process NAME``, the line botocore, boto3 and the aws
CLI run to get the profile's (short-lived) credentials; plaintext keys of that profile are
taken out of the shared files, since botocore would prefer them. ``remove`` undoes it: the
key, every session cached from it, and the ``credential_process`` line.
"""

from __future__ import annotations

import click

from credo.cli.configure import load_and_warn
from credo.cli.configure_import import (
    CsvImportError,
    is_access_key_id,
    is_profile_name,
    parse_credentials_csv,
    read_csv_argument,
)
from credo.cli.failures import exit_with
from credo.cli.keychain_failures import keychain_guarded
from credo.client.keychain import (
    ROLE_SESSION_SERVICE,
    SAML_SESSION_SERVICE,
    SESSION_SERVICE,
    Keychain,
    open_keychain,
)
from credo.client.profile_sources import credential_process_line, keychain_profile_of
from credo.client.resolver import ResolveError, Resolver
from credo.client.secret_store import KeychainError
from credo.client.shared_config import CREDENTIAL_KEYS, SharedConfig, config_section_for, mask

PLAINTEXT_KEYS = (*CREDENTIAL_KEYS, "aws_security_token")


def _key_from_csv(path: str, profile: str) -> tuple[str, str]:
    try:
        keys, _ = parse_credentials_csv(read_csv_argument("file://" + path), profile=profile)
    except CsvImportError as error:
        exit_with(str(error))
    if len(keys) != 1:
        exit_with(f"{path} holds {len(keys)} access keys; credo add stores one (use the CSV of one key)")
    return keys[0].access_key_id, keys[0].secret_access_key


def _key_from_prompt() -> tuple[str, str]:
    key_id: str = click.prompt("Access key ID", prompt_suffix=": ").strip()
    if not is_access_key_id(key_id):
        exit_with(f"{key_id!r} is not an access key ID (16 to 128 capital letters and digits)")
    secret: str = click.prompt("Secret access key", hide_input=True, prompt_suffix=": ").strip()
    return key_id, secret


def drop_plaintext_keys(shared: SharedConfig, profile: str) -> list[str]:
    """Remove the profile's keys from both files (botocore would prefer them); the files changed."""
    changed = []
    if any(key in shared.credential_profiles().get(profile, {}) for key in PLAINTEXT_KEYS):
        for key in PLAINTEXT_KEYS:
            shared.remove_credential(profile, key)
        changed.append(shared.credentials.path)
    section = config_section_for(profile)
    if any(key in shared.config_profiles().get(profile, {}) for key in PLAINTEXT_KEYS):
        from credo.client.config_files import remove_option

        for key in PLAINTEXT_KEYS:
            shared.config = remove_option(shared.config, section, key)
        changed.append(shared.config.path)
    return changed


@click.command("add")
@click.argument("profile")
@click.option(
    "--from-csv",
    "csv_path",
    default=None,
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="The access key CSV the console downloads, instead of prompting.",
)
@click.option("--region", default=None, help="Also set the profile's region.")
@click.option(
    "--endpoint-url",
    default=None,
    metavar="URL",
    help="Also set the profile's endpoint_url (the credo server).",
)
@click.option("--mfa-serial", default=None, metavar="ARN", help="Also set the profile's mfa_serial.")
@keychain_guarded
def add_command(
    profile: str, csv_path: str | None, region: str | None, endpoint_url: str | None, mfa_serial: str | None
) -> None:
    """Store a profile's access key in the OS keychain; botocore gets sessions from it."""
    if not is_profile_name(profile):
        exit_with(f"{profile!r} cannot be a profile name (no spaces, brackets, quotes, # or ;)")
    shared = load_and_warn()  # a malformed file stops us before the keychain is touched
    key_id, secret = _key_from_csv(csv_path, profile) if csv_path else _key_from_prompt()
    if not secret or any(char.isspace() for char in secret):
        exit_with("The secret access key is empty or contains whitespace")
    keychain = open_keychain()
    keychain.store_keys(profile, key_id, secret)
    changed = drop_plaintext_keys(shared, profile)
    section = config_section_for(profile)
    shared.set_config(section, "credential_process", credential_process_line(profile))
    for name, value in (("region", region), ("endpoint_url", endpoint_url), ("mfa_serial", mfa_serial)):
        if value:
            shared.set_config(section, name, value)
    shared.save()
    click.echo(f"Stored access key {key_id} for profile {profile} in the {keychain.store.description}.")
    for path in changed:
        click.echo(f"Removed the profile's plaintext keys from {path}.")
    try:
        forget_sessions(keychain, shared, profile)
    except KeychainError as error:  # tidying only: a replaced key's sessions are never re-used
        click.echo(
            f"warning: sessions cached from the profile's previous key could not be deleted: {error} "
            "(they are not used again, and expire on their own)",
            err=True,
        )
    click.echo(f"aws --profile {profile} … now gets short-lived credentials through credo.")


def forget_sessions(keychain: Keychain, shared: SharedConfig, key_profile: str) -> int:
    """Delete every cached session made from ``key_profile``'s key; how many there were."""
    resolver = Resolver(shared, keychain)
    dropped = int(keychain.delete_session(SESSION_SERVICE, key_profile))
    for name in shared.profile_names():
        try:
            chain = resolver.chain(name)
        except ResolveError:
            continue
        if chain is None or chain.key_profile != key_profile:
            continue
        dropped += int(chain.base != key_profile and keychain.delete_session(SESSION_SERVICE, chain.base))
        for role in chain.roles:
            dropped += int(keychain.delete_session(ROLE_SESSION_SERVICE, role))
    return dropped


@click.command("remove")
@click.argument("profile")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@keychain_guarded
def remove_command(profile: str, yes: bool) -> None:
    """Remove a profile's access key and cached sessions from the keychain."""
    shared = load_and_warn()
    keychain = open_keychain()
    key = keychain.keys(profile)
    process = shared.config_profiles().get(profile, {}).get("credential_process")
    ours = isinstance(process, str) and keychain_profile_of(process) == profile
    if key is None and not ours:
        exit_with(f"Profile {profile} has no access key in the {keychain.store.description}")
    if key is not None and not yes:
        click.confirm(
            f"Remove access key {mask(key.access_key_id)} of profile {profile} from the keychain?", abort=True
        )
    dropped = forget_sessions(keychain, shared, profile)
    dropped += int(keychain.delete_session(SAML_SESSION_SERVICE, profile))  # a SAML login profile's
    removed = keychain.delete_keys(profile)
    if ours:
        from credo.client.config_files import remove_option

        shared.config = remove_option(shared.config, config_section_for(profile), "credential_process")
        shared.save()
    if removed:
        click.echo(f"Removed the access key of profile {profile} and {dropped} cached session(s).")
    if ours:
        click.echo(f"Removed credential_process from profile {profile} in {shared.config.path}.")
