"""``credo rotate PROFILE``: a new access key for the profile's user, stored where the old one was.

The profile's key is in the keychain (a keychain profile) or in a shared file (plaintext
keys); ``credo.client.key_rotation`` does the rotation and says the state on any failure.
Sessions cached from the old key are dropped once the new key is stored and read back.
"""

from __future__ import annotations

import click

from credo.cli.configure import load_and_warn, profile_not_found
from credo.cli.failures import exit_with
from credo.cli.keychain_add import forget_sessions
from credo.cli.keychain_failures import keychain_guarded
from credo.client.aws_calls import CallerKeys
from credo.client.config_files import read_ini
from credo.client.key_rotation import Rotation, RotationFailed, SessionFor
from credo.client.keychain import Keychain, LongTermKey, open_keychain
from credo.client.profile_sources import source_of
from credo.client.resolver import Resolver, chain_of
from credo.client.shared_config import SharedConfig, config_section_for, load_shared_config, region_of
from credo.client.sts_calls import get_session_token
from credo.client.terminal import ask


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


class KeychainHome:
    """The key in credo's keychain; the old entry is kept to be put back exactly (its sessions stay valid)."""

    def __init__(self, keychain: Keychain, shared: SharedConfig, profile: str, old: LongTermKey) -> None:
        self.keychain, self.shared, self.profile, self.old = keychain, shared, profile, old

    @property
    def description(self) -> str:
        return f"the {self.keychain.store.description}"

    def write(self, access_key_id: str, secret_access_key: str) -> None:
        self.keychain.store_keys(self.profile, access_key_id, secret_access_key)

    def held(self) -> tuple[str, str] | None:
        key = self.keychain.keys(self.profile)
        return None if key is None else (key.access_key_id, key.secret_access_key)

    def put_back(self) -> None:
        self.keychain.put_keys(self.profile, self.old)

    def forget_sessions(self) -> None:
        forget_sessions(self.keychain, self.shared, self.profile)


class FileHome:
    """Plaintext keys in the credentials file (or the config file): replaced in place, atomically."""

    def __init__(self, profile: str, in_config: bool, path: str, old: CallerKeys) -> None:
        self.profile, self.in_config, self.path, self.old = profile, in_config, path, old

    @property
    def description(self) -> str:
        return self.path

    def _section(self) -> str:
        return config_section_for(self.profile) if self.in_config else self.profile

    def write(self, access_key_id: str, secret_access_key: str) -> None:
        shared = load_shared_config()  # as it is now: only the two keys change
        for key, value in (
            ("aws_access_key_id", access_key_id),
            ("aws_secret_access_key", secret_access_key),
        ):
            if self.in_config:
                shared.set_config(self._section(), key, value)
            else:
                shared.set_credential(self.profile, key, value)
        shared.save()

    def held(self) -> tuple[str, str] | None:
        section = read_ini(self.path).section(self._section())
        values = section.values() if section is not None else {}
        key_id, secret = values.get("aws_access_key_id"), values.get("aws_secret_access_key")
        return (key_id, secret) if isinstance(key_id, str) and isinstance(secret, str) else None

    def put_back(self) -> None:
        self.write(self.old.access_key_id, self.old.secret_access_key)

    def forget_sessions(self) -> None:
        """Nothing to drop: credo caches no session for plaintext keys."""


def _keychain_sessions(resolver: Resolver, profile: str) -> SessionFor:
    """The keychain's MFA session of the key stored now (the cached one first, else asked)."""

    def session_for(keys: CallerKeys) -> CallerKeys:
        stored = resolver.keychain.keys(profile)
        if stored is None or stored.access_key_id != keys.access_key_id:
            raise RuntimeError(f"the keychain does not hold {keys.access_key_id} for profile {profile}")
        found = resolver.resolve(profile)
        return CallerKeys(found.access_key_id, found.secret_access_key, found.session_token)

    return session_for


def _file_sessions(profile: str, serial: str, region: str) -> SessionFor:
    def session_for(keys: CallerKeys) -> CallerKeys:
        code = ask(
            f"Enter MFA code for {serial}: ",
            why=f"profile {profile} has mfa_serial; run credo rotate on a terminal to enter the code",
        )
        params = {"SerialNumber": serial, "TokenCode": code}
        return get_session_token(profile, keys, region, params).as_caller()

    return session_for


def _with_notice(profile: str, session_for: SessionFor, old_key_id: str) -> SessionFor:
    """Before the new key's MFA session, say why a second code is asked."""

    def announced(keys: CallerKeys) -> CallerKeys:
        if keys.access_key_id != old_key_id:
            click.echo(
                f"The new key needs its own MFA session (profile {profile} has mfa_serial): "
                "wait for the next code, as each code works once.",
                err=True,
            )
        return session_for(keys)

    return announced


@click.command("rotate")
@click.argument("profile")
@keychain_guarded
def rotate_command(profile: str) -> None:
    """Replace a profile's access key with a new one, then delete the old key."""
    shared = load_and_warn()
    values = shared.profile(profile)
    if values is None:
        exit_with(profile_not_found(profile))
    region = region_of(values)
    serial = _text(values.get("mfa_serial"))
    chain = chain_of(shared, profile)
    home: KeychainHome | FileHome
    if chain is not None:
        if chain.roles:
            exit_with(
                f"Profile {profile} assumes a role; the access key is profile {chain.key_profile}'s: "
                f"credo rotate {chain.key_profile}"
            )
        keychain = open_keychain()
        key = keychain.keys(profile)
        if key is None:
            exit_with(f"No access key for profile {profile} in the {keychain.store.description}")
        old = key.as_caller()
        home = KeychainHome(keychain, shared, profile, key)
        session_for: SessionFor = (
            _keychain_sessions(Resolver(shared, keychain), profile) if serial else (lambda keys: keys)
        )
    else:
        config = shared.config_profiles().get(profile, {})
        credentials = shared.credential_profiles().get(profile, {})
        source = source_of(config, credentials)
        if source.kind == "role":
            exit_with(
                f"Profile {profile} assumes a role ({source.detail}); rotate the profile that holds the key"
            )
        if source.kind != "file":
            exit_with(
                f"Profile {profile} has no access key of its own to rotate (its credentials: {source.kind})"
            )
        in_config = not _text(credentials.get("aws_access_key_id"))
        holder = config if in_config else credentials
        if _text(holder.get("aws_session_token")) or _text(holder.get("aws_security_token")):
            exit_with(
                f"Profile {profile} holds temporary credentials (a session token): there is no key to rotate"
            )
        old = CallerKeys(
            str(holder["aws_access_key_id"]).strip(), str(holder["aws_secret_access_key"]).strip()
        )
        path = shared.config.path if in_config else shared.credentials.path
        home = FileHome(profile, in_config, path, old)
        session_for = _file_sessions(profile, serial, region) if serial else (lambda keys: keys)
    if serial:
        session_for = _with_notice(profile, session_for, old.access_key_id)
    rotation = Rotation(
        profile, region, old, home, session_for, say=click.echo, warn=lambda text: click.echo(text, err=True)
    )
    try:
        done = rotation.run()
    except RotationFailed as error:
        exit_with(str(error))
    click.echo(
        f"Rotated the access key of profile {profile} ({done.user_arn}): {done.old_key_id} → {done.new_key_id}."
    )
