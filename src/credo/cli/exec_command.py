"""``credo exec PROFILE -- COMMAND …``: run a command with a profile's short-lived credentials.

Keychain profiles, and role profiles built on them, are resolved by credo (a cached session,
MFA asked once); any other profile by botocore's own chain. By default the command replaces
credo (exec), with the credentials in ``AWS_ACCESS_KEY_ID`` and friends; with ``--server``
credo stays as its parent and serves renewing credentials on a loopback container endpoint
instead, forwarding signals and passing its exit status on.
"""

from __future__ import annotations

import os
import re

import click

from credo.cli.configure import load_and_warn, profile_not_found
from credo.cli.failures import exit_with
from credo.cli.keychain_failures import keychain_guarded
from credo.cli.profile_credentials import credentials_source
from credo.client.exec_env import (
    MARKER,
    CommandNotRun,
    ProfileSettings,
    child_environment,
    expiration_text,
    replace_process,
    run_child,
)
from credo.client.resolver import Credentials

_DURATION_RE = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s?)?$")


def parse_duration(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    """``3600``, ``3600s``, ``45m``, ``1h``, ``1h30m`` → seconds."""
    if value is None:
        return None
    match = _DURATION_RE.match(value.strip().lower())
    if not value.strip() or match is None:
        raise click.BadParameter(f"{value!r} is not a duration such as 1h, 45m, 1h30m or 3600")
    return int(match["h"] or 0) * 3600 + int(match["m"] or 0) * 60 + int(match["s"] or 0)


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def credential_variables(credentials: Credentials) -> dict[str, str]:
    variables = {
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
    }
    if credentials.session_token is not None:
        variables["AWS_SESSION_TOKEN"] = credentials.session_token
    if credentials.expiration is not None:
        variables["AWS_CREDENTIAL_EXPIRATION"] = expiration_text(credentials.expiration)
    return variables


@click.command("exec")
@click.argument("profile")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@click.option(
    "--duration",
    callback=parse_duration,
    default=None,
    metavar="D",
    help="Lifetime of fresh (uncached) credentials: 1h, 45m, 3600…",
)
@click.option(
    "--no-session", is_flag=True, help="Give the keychain's long-term key itself (no GetSessionToken)."
)
@click.option(
    "--server", is_flag=True, help="Serve renewing credentials on a loopback container endpoint instead."
)
@click.option("--allow-nested", is_flag=True, help="Run even inside another credo exec.")
@keychain_guarded
def exec_command(
    profile: str,
    command: tuple[str, ...],
    duration: int | None,
    no_session: bool,
    server: bool,
    allow_nested: bool,
) -> None:
    """Run a command with a profile's short-lived credentials in its environment."""
    outer = os.environ.get(MARKER)
    if outer and not allow_nested:
        exit_with(
            f"credo exec: already inside credo exec for profile {outer} ({MARKER} is set); "
            "leave that shell first, or pass --allow-nested"
        )
    shared = load_and_warn()
    values = shared.profile(profile)
    if values is None:
        exit_with(profile_not_found(profile))
    settings = ProfileSettings(profile, _text(values.get("region")), _text(values.get("endpoint_url")))
    fetch = credentials_source(shared, profile, duration, not no_session)
    first = fetch()
    argv = list(command) or [os.environ.get("SHELL") or "/bin/sh"]
    try:
        if not server:
            replace_process(argv, child_environment(os.environ, settings, credential_variables(first)))
            return
        if first.session_token is None or first.expiration is None:
            exit_with(f"--server serves temporary credentials only; profile {profile} gave long-term keys")
        from credo.client.container_server import CredentialsEndpoint  # http.server: only for --server

        with CredentialsEndpoint(fetch, first) as endpoint:
            status = run_child(argv, child_environment(os.environ, settings, endpoint.environment()))
    except CommandNotRun as error:
        exit_with(str(error), error.status)
    raise click.exceptions.Exit(status)
