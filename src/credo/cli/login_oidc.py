"""``credo login oidc``: sign in at an OpenID Connect provider and keep the role session in a profile.

What saml2aws does, for OpenID Connect: the person signs in through the browser (authorization
code with PKCE, redirected to a loopback port), the ID token is exchanged with credo's
``AssumeRoleWithWebIdentity`` for the role's temporary credentials, and those go into the
profile's section of the credentials file (``aws_session_token`` and its expiry included), so
the aws CLI and boto3 use them as they are. Nothing long-lived is stored. The provider and role
can be kept in the profile (``--configure``) as ``credo_oidc_issuer``, ``credo_oidc_client_id``
and ``credo_role_arn`` (and ``credo_oidc_redirect_port`` when one is given), keys botocore
ignores.
"""

from __future__ import annotations

import webbrowser

import click

from credo.cli.configure import load_and_warn
from credo.cli.failures import exit_with, guarded
from credo.cli.login_profile import DEFAULT_REGION, endpoint_for, save_login, setting
from credo.client import oidc_login, temporary_credentials
from credo.client.shared_config import SharedConfig, effective_profile

# Profile keys for what `--configure` keeps; botocore ignores keys it does not know.
KEPT_OPTIONS = {
    "issuer": "credo_oidc_issuer",
    "client_id": "credo_oidc_client_id",
    "role_arn": "credo_role_arn",
}
REDIRECT_PORT = "credo_oidc_redirect_port"


def _kept_port(shared: SharedConfig, profile: str) -> int:
    """The redirect port kept in the profile, or 0 (any free port)."""
    kept = setting(shared, profile, REDIRECT_PORT) or "0"
    if not kept.isdigit() or not 0 <= int(kept) <= 65535:
        exit_with(f"{REDIRECT_PORT} in profile {profile} must be a port number, not {kept!r}")
    return int(kept)


@click.command("oidc")
@click.option("--profile", default=None, metavar="NAME", help="The profile to write the session to.")
@click.option("--issuer", default=None, metavar="URL", help="The OpenID Connect provider (its issuer URL).")
@click.option("--client-id", default=None, metavar="ID", help="This CLI's client id at the provider.")
@click.option("--role", "role_arn", default=None, metavar="ARN", help="The role to assume.")
@click.option(
    "--endpoint-url", default=None, metavar="URL", help="The credo server (default: the profile's)."
)
@click.option("--duration", type=click.IntRange(900, 43200), default=None, help="Session length in seconds.")
@click.option("--no-browser", is_flag=True, help="Print the sign-in URL instead of opening a browser.")
@click.option(
    "--timeout",
    type=click.IntRange(1, 3600),
    default=300,
    show_default=True,
    help="Seconds to wait for the sign-in in the browser.",
)
@click.option(
    "--redirect-port",
    type=click.IntRange(1, 65535),
    default=None,
    metavar="PORT",
    help="Listen for the redirect on this loopback port (default: any free port).",
)
@click.option(
    "--configure",
    "keep",
    is_flag=True,
    help="Also keep issuer, client id, role (and redirect port) in the profile.",
)
@guarded
def oidc(
    profile: str | None,
    issuer: str | None,
    client_id: str | None,
    role_arn: str | None,
    endpoint_url: str | None,
    duration: int | None,
    no_browser: bool,
    timeout: int,
    redirect_port: int | None,
    keep: bool,
) -> None:
    """Sign in with OpenID Connect (authorization code + PKCE), then AssumeRoleWithWebIdentity."""
    target = effective_profile(profile)
    shared = load_and_warn()
    given = {"issuer": issuer, "client_id": client_id, "role_arn": role_arn}
    chosen = {name: value or setting(shared, target, KEPT_OPTIONS[name]) for name, value in given.items()}
    missing = [
        f"--{name.replace('_', '-').replace('-arn', '')}" for name, value in chosen.items() if not value
    ]
    if missing:
        exit_with(f"Missing {', '.join(missing)} (not given, and not kept in profile {target})")
    port = redirect_port or _kept_port(shared, target)
    endpoint = endpoint_for(shared, target, endpoint_url)
    region = setting(shared, target, "region") or DEFAULT_REGION

    def show(url: str) -> None:
        # The URL is always printed (as `aws sso login` does): the browser may not open, or may
        # be the wrong one. It carries no secret: PKCE keeps the verifier in this process.
        if no_browser or not webbrowser.open(url):
            click.echo("Open this URL in a browser on this machine to sign in:", err=True)
        else:
            click.echo("Your browser was opened to sign in. If it did not open, open this URL:", err=True)
        click.echo(url, err=True)
        click.echo(f"Waiting up to {timeout} seconds for the sign-in...", err=True)

    try:
        token = oidc_login.sign_in(str(chosen["issuer"]), str(chosen["client_id"]), show, timeout, port)
        credentials = temporary_credentials.with_web_identity(
            endpoint,
            region,
            str(chosen["role_arn"]),
            temporary_credentials.session_name_for(oidc_login.subject_of(token)),
            token,
            duration,
        )
    except (oidc_login.OidcLoginError, temporary_credentials.StsRefused) as error:
        exit_with(str(error))
    kept = {key: str(chosen[name]) for name, key in KEPT_OPTIONS.items()} if keep else {}
    if keep and redirect_port:
        kept[REDIRECT_PORT] = str(redirect_port)
    save_login(target, credentials, endpoint_url, kept)
