"""What every ``credo login`` kind shares: the profile's settings, the endpoint, and where the session goes."""

from __future__ import annotations

from urllib.parse import urlsplit

import click

from credo.cli.configure import load_and_warn
from credo.cli.failures import exit_with
from credo.client.shared_config import SharedConfig, config_section_for
from credo.client.temporary_credentials import TemporaryCredentials

DEFAULT_REGION = "us-east-1"
# What a login writes into the credentials file (saml2aws's keys).
SESSION_KEYS = (
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "x_security_token_expires",
    "x_principal_arn",
)


def setting(shared: SharedConfig, profile: str, key: str) -> str | None:
    value = (shared.profile(profile) or {}).get(key)
    return value if isinstance(value, str) and value else None


def store_session(shared: SharedConfig, profile: str, credentials: TemporaryCredentials) -> None:
    """The session's keys into the profile's credentials section, as saml2aws writes them."""
    values = (
        credentials.access_key_id,
        credentials.secret_access_key,
        credentials.session_token,
        credentials.expiration.isoformat(),
        credentials.assumed_role_arn,
    )
    for key, value in zip(SESSION_KEYS, values, strict=True):
        shared.set_credential(profile, key, value)


def drop_session(shared: SharedConfig, profile: str) -> None:
    """Remove what ``store_session`` writes: botocore would prefer those keys to ``credential_process``."""
    for key in SESSION_KEYS:
        shared.remove_credential(profile, key)


def endpoint_for(shared: SharedConfig, profile: str, given: str | None) -> str:
    endpoint = given or setting(shared, profile, "endpoint_url")
    if not endpoint:
        exit_with(f"The profile ({profile}) has no endpoint_url: pass --endpoint-url URL of the credo server")
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        exit_with(f"--endpoint-url must be an http:// or https:// URL, not {endpoint!r}")
    return endpoint


def keep_settings(shared: SharedConfig, profile: str, endpoint_url: str | None, kept: dict[str, str]) -> None:
    """The endpoint (when given) and the kept ``credo_*`` options into the profile's config section."""
    section = config_section_for(profile)
    if endpoint_url:
        shared.set_config(section, "endpoint_url", endpoint_url)
    for key, value in kept.items():
        shared.set_config(section, key, value)


def say_signed_in(profile: str, credentials: TemporaryCredentials, where: str = "") -> None:
    click.echo(
        f"Profile {profile} signs as {credentials.assumed_role_arn} until "
        f"{credentials.expiration.isoformat()}{where}"
    )


def save_login(
    profile: str, credentials: TemporaryCredentials, endpoint_url: str | None, kept: dict[str, str]
) -> None:
    """Write the session (and, when given, the endpoint and the kept ``credo_*`` options), then say so."""
    shared = load_and_warn()  # re-read: the files may have changed while the person signed in
    store_session(shared, profile, credentials)
    keep_settings(shared, profile, endpoint_url, kept)
    shared.save()
    say_signed_in(profile, credentials)
