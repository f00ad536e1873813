"""``credo migrate``: plaintext long-term keys from the credentials file into the keychain.

Every profile of the credentials file with an access key and secret (and no session token,
which is temporary and left alone) is stored in the keychain and read back, then written as a
keychain profile in the config file, and only then are its keys taken out of the credentials
file. Comments, other profiles and other settings stay; the file is rewritten atomically with
mode 0600. A profile whose config makes botocore use something else (a role, SSO, web
identity, another ``credential_process``) is skipped and said so.
"""

from __future__ import annotations

import os

import click

from credo.cli.configure import load_and_warn
from credo.cli.failures import exit_with
from credo.cli.keychain_add import PLAINTEXT_KEYS
from credo.cli.keychain_failures import keychain_guarded
from credo.client.config_files import remove_section
from credo.client.keychain import open_keychain
from credo.client.profile_sources import credential_process_line, keychain_profile_of
from credo.client.shared_config import SharedConfig, config_section_for

# Settings with which botocore would not use the profile's keys from the credentials file.
OTHER_PROVIDERS = ("role_arn", "web_identity_token_file", "sso_session", "sso_start_url", "credential_source")


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def skip_reason(shared: SharedConfig, profile: str) -> str | None:
    """Why a profile with keys in the credentials file is not migrated; None to migrate it."""
    values = shared.credential_profiles().get(profile, {})
    if _text(values.get("aws_session_token")) or _text(values.get("aws_security_token")):
        return "holds temporary credentials (a session token)"
    config = shared.config_profiles().get(profile, {})
    for key in OTHER_PROVIDERS:
        if key in config or key in values:
            return f"has {key}, so botocore does not use these keys"
    process = config.get("credential_process")
    if isinstance(process, str) and keychain_profile_of(process) != profile:
        return "has another credential_process"
    return None


def candidates(shared: SharedConfig, wanted: tuple[str, ...]) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(profile, key id, secret) to migrate, and lines about the profiles skipped."""
    chosen: list[tuple[str, str, str]] = []
    notes: list[str] = []
    profiles = shared.credential_profiles()
    for name in wanted:
        if name not in profiles:
            exit_with(f"Profile {name} is not in the credentials file {shared.credentials.path}")
    for name, values in profiles.items():
        if wanted and name not in wanted:
            continue
        key_id, secret = _text(values.get("aws_access_key_id")), _text(values.get("aws_secret_access_key"))
        if key_id is None or secret is None:
            if wanted:
                notes.append(f"Skipped profile {name}: no access key and secret in the credentials file")
            continue
        reason = skip_reason(shared, name)
        if reason is not None:
            notes.append(f"Skipped profile {name}: it {reason}")
            continue
        chosen.append((name, key_id, secret))
    return chosen, notes


def strip_keys(shared: SharedConfig, profile: str) -> None:
    for key in PLAINTEXT_KEYS:
        shared.remove_credential(profile, key)
    section = shared.credentials.section(profile)
    if section is not None and not section.options:
        shared.credentials = remove_section(shared.credentials, profile)


@click.command("migrate")
@click.option(
    "--profile", "profiles", multiple=True, metavar="NAME", help="Migrate only this profile (repeatable)."
)
@keychain_guarded
def migrate_command(profiles: tuple[str, ...]) -> None:
    """Move plaintext access keys from ~/.aws/credentials into the keychain."""
    shared = load_and_warn()
    chosen, notes = candidates(shared, profiles)
    for note in notes:
        click.echo(note, err=True)
    if not chosen:
        click.echo(f"No plaintext access keys to migrate in {shared.credentials.path}.")
        return
    keychain = open_keychain()
    # Every key is in the keychain, and reads back, before either file changes.
    for name, key_id, secret in chosen:
        keychain.store_keys(name, key_id, secret)
        stored = keychain.keys(name)
        if stored is None or (stored.access_key_id, stored.secret_access_key) != (key_id, secret):
            exit_with(
                f"The keychain did not give back the key stored for profile {name}; no file was changed"
            )
    for name, _, _ in chosen:
        shared.set_config(config_section_for(name), "credential_process", credential_process_line(name))
        strip_keys(shared, name)
    shared.save()  # the config file first, then the credentials file
    os.chmod(shared.credentials.path, 0o600)
    for name, key_id, _ in chosen:
        click.echo(f"Moved access key {key_id} of profile {name} into the {keychain.store.description}.")
    click.echo(f"Rewrote {shared.credentials.path} without them (mode 0600).")
