"""A profile's credentials for the commands that hand them on (``exec``, ``login``).

Keychain profiles, and role profiles built on them, are resolved by credo (a cached session,
MFA asked once); plain keys are read from the files as botocore would return them; any other
profile goes through botocore's own chain (imported only then).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from credo.cli.failures import exit_with
from credo.client.keychain import open_keychain
from credo.client.resolver import Credentials, Resolver, chain_of
from credo.client.shared_config import SharedConfig


def credentials_source(
    shared: SharedConfig, profile: str, duration: int | None, use_session: bool
) -> Callable[[], Credentials]:
    """How to get (and later renew) the profile's credentials."""
    if chain_of(shared, profile) is not None:
        resolver = Resolver(shared, open_keychain())
        return lambda: resolver.resolve(profile, duration=duration, use_session=use_session)
    if duration is not None or not use_session:
        exit_with(
            f"--duration and --no-session apply to keychain profiles and roles built on them; profile "
            f"{profile} gets its credentials from botocore's chain"
        )

    def from_botocore() -> Credentials:
        from credo.cli.configure_export import resolve_credentials, static_credentials

        # Plain keys botocore would return unchanged are read without importing botocore.
        static = static_credentials(shared, profile)
        if static is not None:
            return Credentials(static.access_key, static.secret_key, static.token, None)
        import botocore.exceptions

        try:
            found = resolve_credentials(profile)
        except botocore.exceptions.BotoCoreError as error:
            exit_with(f"Unable to retrieve credentials: {str(error).strip()}")
        if found is None:
            exit_with(f"Unable to retrieve credentials for profile {profile}: no credentials found")
        expiration = datetime.fromisoformat(found.expiration) if found.expiration else None
        return Credentials(found.access_key, found.secret_key, found.token, expiration)

    return from_botocore
