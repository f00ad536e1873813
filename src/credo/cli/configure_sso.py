"""``credo configure sso``: the aws CLI's ``configure sso`` wizard, for a credo portal.

Asks for the session name, start URL, region and scopes, signs in (``credo sso login``'s flows),
lists the accounts and roles the user can reach to pick one, then writes ``[sso-session NAME]``
and a profile with ``sso_session``, ``sso_account_id``, ``sso_role_name``, ``region``, ``output``
and ``endpoint_url`` — the setting through which botocore's SSO providers reach credo.
"""

from __future__ import annotations

import click

from credo.cli.configure import load_and_warn
from credo.cli.failures import exit_with, guarded
from credo.cli.sso import Target, sign_in
from credo.client import sso_login
from credo.client.shared_config import config_section_for
from credo.client.sso_login import RoleChoice, SsoLoginError, SsoSession


def _ask(label: str, default: str | None = None) -> str:
    shown = default if default else "None"
    answer: str = click.prompt(f"{label} [{shown}]", default="", show_default=False, prompt_suffix=": ")
    return answer.strip() or (default or "")


def _pick(kind: str, options: list[str]) -> int:
    """The index of the option the person picks (the only one is taken without asking)."""
    if len(options) == 1:
        click.echo(f"Using the {kind} {options[0]}")
        return 0
    for number, option in enumerate(options, start=1):
        click.echo(f"  [{number}] {option}")
    picked = click.prompt(f"Pick the {kind}", type=click.IntRange(1, len(options)))
    return int(picked) - 1


def choose_role(choices: list[RoleChoice]) -> RoleChoice:
    accounts = list(dict.fromkeys((choice.account_id, choice.account_name) for choice in choices))
    click.echo(f"There are {len(accounts)} AWS accounts available to you.")
    account_id, _ = accounts[
        _pick("account ID", [f"{name} ({ident})" if name else ident for ident, name in accounts])
    ]
    roles = [choice for choice in choices if choice.account_id == account_id]
    click.echo(f"There are {len(roles)} roles available to you.")
    return roles[_pick("role name", [choice.role_name for choice in roles])]


@click.command("sso")
@click.option(
    "--endpoint-url", default=None, metavar="URL", help="The credo server (asked for when not given)."
)
@click.option(
    "--no-browser",
    is_flag=True,
    help="Do not open the verification URL in the default browser: print it.",
)
@click.option(
    "--use-device-code",
    is_flag=True,
    help="Use the device code flow (confirm a code on any device); also used when no browser opens.",
)
@guarded
def configure_sso_command(endpoint_url: str | None, no_browser: bool, use_device_code: bool) -> None:
    """Configure a profile that signs in through the SSO portal (as `aws configure sso`)."""
    session_name = _ask("SSO session name (Recommended)")
    if not session_name:
        exit_with("credo configure sso needs an SSO session name (legacy profiles are not written)")
    start_url = _ask("SSO start URL")
    region = _ask("SSO region")
    scopes = _ask("SSO registration scopes", ",".join(sso_login.DEFAULT_SCOPES))
    endpoint = endpoint_url or _ask("credo endpoint URL")
    if not (start_url and region and endpoint):
        exit_with("The SSO start URL, SSO region and credo endpoint URL are all needed")
    shared = load_and_warn()
    section = f"sso-session {session_name}"
    shared.set_config(section, "sso_start_url", start_url)
    shared.set_config(section, "sso_region", region)
    shared.set_config(section, "sso_registration_scopes", scopes)
    shared.save()
    sso = SsoSession(
        session_name, start_url, region, tuple(s.strip() for s in scopes.split(",") if s.strip())
    )
    try:
        sign_in(Target(sso, None), endpoint, no_browser, use_device_code, 300.0)
        access = sso_login.cached_access_token(sso, sso_login.now())
        if access is None:
            exit_with("The sign-in left no token in the cache")
        choices = sso_login.reachable_roles(sso_login.portal_client(None, region, endpoint), access)
    except SsoLoginError as error:
        exit_with(str(error))
    if not choices:
        exit_with(
            "No account or role is assigned to you on this portal: ask an administrator for an assignment"
        )
    choice = choose_role(choices)
    cli_region = _ask("CLI default client Region", region)
    output = _ask("CLI default output format")
    profile = _ask("CLI profile name", f"{choice.role_name}-{choice.account_id}")
    shared = load_and_warn()
    target = config_section_for(profile)
    for key, value in (
        ("sso_session", session_name),
        ("sso_account_id", choice.account_id),
        ("sso_role_name", choice.role_name),
        ("region", cli_region),
        ("output", output),
        ("endpoint_url", endpoint),
    ):
        if value:
            shared.set_config(target, key, value)
    shared.save()
    click.echo("\nTo use this profile, specify the profile name using --profile, as shown:\n")
    click.echo(f"aws sts get-caller-identity --profile {profile}")
