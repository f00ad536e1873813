"""``credo login PROFILE``: open the console signed in as a profile's credentials, as ``aws-vault login``.

Role sessions (a role profile, resolved by credo for keychain chains or by botocore
otherwise) and other temporary credentials go to the federation endpoint as they are;
long-term keys (a keychain profile, plaintext keys) are first exchanged for
``GetFederationToken`` credentials with a policy allowing all the user may do, because the
endpoint takes only role sessions and federation tokens — as AWS's does.
"""

from __future__ import annotations

import webbrowser

import click

from credo.cli.configure import load_and_warn, profile_not_found
from credo.cli.exec_command import parse_duration
from credo.cli.failures import exit_with
from credo.cli.keychain_failures import keychain_guarded
from credo.cli.profile_credentials import credentials_source
from credo.client import console_signin
from credo.client.aws_calls import AwsCallFailed, CallerKeys
from credo.client.resolver import Credentials, chain_of
from credo.client.shared_config import region_of
from credo.client.sts_calls import caller_arn, federation_name, get_federation_token, sts_endpoint

DEFAULT_PATH = "/console/home"
AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def check_path(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not value.startswith("/console") or any(char.isspace() for char in value):
        raise click.BadParameter(f"{value!r} is not a console page: give a path such as /console/users")
    return value


def _federation_session(
    profile: str, credentials: Credentials, region: str, duration: int | None
) -> console_signin.ConsoleSession:
    """Long-term keys exchanged for GetFederationToken credentials named after the user."""
    keys = CallerKeys(credentials.access_key_id, credentials.secret_access_key)
    try:
        name = federation_name(caller_arn(profile, keys, region))
        session = get_federation_token(profile, keys, region, name, duration)
    except AwsCallFailed as error:
        exit_with(
            f"{error}\nProfile {profile} holds long-term keys, which the console takes only after "
            "GetFederationToken (the user needs sts:GetFederationToken); a role profile signs in "
            "with its role session instead."
        )
    return console_signin.ConsoleSession(
        session.access_key_id, session.secret_access_key, session.session_token
    )


def _refusal(profile: str, error: console_signin.SigninRefused) -> str:
    message = str(error)
    if message.startswith(console_signin.NOT_TEMPORARY_PREFIX):
        message += (
            f"\nProfile {profile} holds GetSessionToken credentials, which the console does not take. "
            "Sign in with a role profile (role_arn + source_profile), or with the long-term keys "
            "(credo login exchanges them through GetFederationToken)."
        )
    return message


class _GroupPathContext(click.Context):
    """Run from ``credo login`` with no name of its own: usage and errors say ``credo login``."""

    @property
    def command_path(self) -> str:
        if not self.info_name and self.parent is not None:
            return self.parent.command_path
        return super().command_path


class ConsoleLoginCommand(click.Command):
    context_class = _GroupPathContext


@click.command("login", cls=ConsoleLoginCommand)
@click.argument("profile_argument", metavar="PROFILE", required=False)
@click.option(
    "--profile",
    "profile_option",
    default=None,
    metavar="NAME",
    help="The profile (for one named oidc or saml).",
)
@click.option(
    "--stdout", "to_stdout", is_flag=True, help="Print the sign-in URL instead of opening a browser."
)
@click.option(
    "--path",
    default=DEFAULT_PATH,
    show_default=True,
    callback=check_path,
    metavar="PATH",
    help="The console page to land on.",
)
@click.option(
    "--duration",
    callback=parse_duration,
    default=None,
    metavar="D",
    help="Console session length (1h, 45m…): SessionDuration, or GetFederationToken's for long-term keys.",
)
@keychain_guarded
def console_login(
    profile_argument: str | None, profile_option: str | None, to_stdout: bool, path: str, duration: int | None
) -> None:
    """Open the console signed in as a profile's credentials (or print the sign-in URL)."""
    if bool(profile_argument) == bool(profile_option):
        exit_with("Name the profile once: credo login PROFILE, or credo login --profile NAME", 2)
    profile = str(profile_argument or profile_option)
    shared = load_and_warn()
    values = shared.profile(profile)
    if values is None:
        exit_with(profile_not_found(profile))
    region = region_of(values)
    endpoint = sts_endpoint(profile, region)
    if endpoint.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].endswith(AWS_HOST_SUFFIXES):
        exit_with(
            f"Profile {profile} has no endpoint_url, so its credentials are AWS's ({endpoint}); "
            "credo login signs in to a credo server's console: set endpoint_url in the profile"
        )
    chain = chain_of(shared, profile)
    # A keychain profile gives its long-term key here (GetSessionToken's would be refused); roles their session.
    use_session = chain is None or bool(chain.roles)
    credentials = credentials_source(shared, profile, None, use_session)()
    session_duration = duration
    if credentials.session_token is None:
        if _text(values.get("mfa_serial")):
            click.echo(
                f"note: profile {profile} has mfa_serial, but GetFederationToken sessions carry no MFA "
                "(as on AWS); a role profile with mfa_serial gives an MFA console session",
                err=True,
            )
        session = _federation_session(profile, credentials, region, duration)
        session_duration = None
    else:
        session = console_signin.ConsoleSession(
            credentials.access_key_id, credentials.secret_access_key, credentials.session_token
        )
    try:
        token = console_signin.signin_token(endpoint, session, session_duration)
    except console_signin.SigninRefused as error:
        exit_with(_refusal(profile, error))
    url = console_signin.login_url(endpoint, token, path)
    if to_stdout:
        click.echo(url)
        return
    if webbrowser.open(url):
        click.echo(f"Opened the console as profile {profile} in your browser.", err=True)
        return
    click.echo("No browser could be opened; open this URL (it works once, for 15 minutes):", err=True)
    click.echo(url)
