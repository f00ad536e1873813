"""``credo login saml``: sign in at a SAML identity provider and keep the role session in a profile.

What saml2aws does: sign in to the IdP's web form (the password prompted, never echoed, never
stored), take the ``SAMLResponse`` it issues for AWS, let the person pick one of the roles it
offers, exchange it with credo's ``AssumeRoleWithSAML`` and write the role's temporary
credentials into the profile. ``--configure`` keeps the IdP URL, user name and role in the
profile as ``credo_saml_idp_url``, ``credo_saml_username`` and ``credo_role_arn`` (keys botocore
ignores), so the next ``credo login saml --profile P`` asks only for the password.
"""

from __future__ import annotations

import sys

import click

from credo.cli.configure import load_and_warn
from credo.cli.failures import exit_with, guarded
from credo.cli.login_profile import DEFAULT_REGION, endpoint_for, save_login, setting
from credo.client import saml_login, temporary_credentials
from credo.client.saml_login import RoleChoice
from credo.client.shared_config import effective_profile

KEPT_OPTIONS = {
    "idp_url": "credo_saml_idp_url",
    "username": "credo_saml_username",
    "role_arn": "credo_role_arn",
}


def _password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            exit_with("--password-stdin: no password on standard input")
        return password
    return str(click.prompt("Password", hide_input=True, err=True))


def _choose(choices: list[RoleChoice], role_arn: str | None, can_ask: bool) -> RoleChoice:
    """The role named by ``--role``, the only one offered, or the one the person picks."""
    offered = "\n".join(f"  {choice.role_arn}" for choice in choices)
    if role_arn:
        for choice in choices:
            if choice.role_arn == role_arn:
                return choice
        exit_with(f"The identity provider does not offer role {role_arn}; it offers:\n{offered}")
    if len(choices) == 1:
        return choices[0]
    if not can_ask:
        exit_with(f"The identity provider offers several roles; pick one with --role:\n{offered}")
    click.echo("The identity provider offers these roles:", err=True)
    for number, choice in enumerate(choices, start=1):
        click.echo(f"  [{number}] {choice.role_arn}", err=True)
    picked = click.prompt("Role", type=click.IntRange(1, len(choices)), err=True)
    return choices[int(picked) - 1]


@click.command("saml")
@click.option("--profile", default=None, metavar="NAME", help="The profile to write the session to.")
@click.option("--idp-url", default=None, metavar="URL", help="The IdP's sign-in URL for AWS (IdP-initiated).")
@click.option("--username", default=None, metavar="NAME", help="Your user name at the IdP.")
@click.option("--role", "role_arn", default=None, metavar="ARN", help="The role to assume.")
@click.option(
    "--endpoint-url", default=None, metavar="URL", help="The credo server (default: the profile's)."
)
@click.option("--duration", type=click.IntRange(900, 43200), default=None, help="Session length in seconds.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input instead of prompting."
)
@click.option(
    "--configure", "keep", is_flag=True, help="Also keep the IdP URL, user name and role in the profile."
)
@guarded
def saml(
    profile: str | None,
    idp_url: str | None,
    username: str | None,
    role_arn: str | None,
    endpoint_url: str | None,
    duration: int | None,
    password_stdin: bool,
    keep: bool,
) -> None:
    """Sign in at a SAML identity provider's form, then AssumeRoleWithSAML."""
    target = effective_profile(profile)
    shared = load_and_warn()
    idp_url = idp_url or setting(shared, target, KEPT_OPTIONS["idp_url"])
    if not idp_url:
        exit_with(f"Missing --idp-url (not given, and not kept in profile {target})")
    role_arn = role_arn or setting(shared, target, KEPT_OPTIONS["role_arn"])
    endpoint = endpoint_for(shared, target, endpoint_url)
    region = setting(shared, target, "region") or DEFAULT_REGION
    try:
        saml_login.check_idp_url(idp_url)
        username = (
            username
            or setting(shared, target, KEPT_OPTIONS["username"])
            or str(click.prompt("Username", err=True))
        )
        saml_response = saml_login.sign_in(idp_url, username, _password(password_stdin))
        choice = _choose(
            saml_login.role_choices(saml_response), role_arn, sys.stdin.isatty() and not password_stdin
        )
        credentials = temporary_credentials.with_saml(
            endpoint, region, choice.role_arn, choice.provider_arn, saml_response, duration
        )
    except (saml_login.SamlLoginError, temporary_credentials.StsRefused) as error:
        exit_with(str(error))
    kept = {KEPT_OPTIONS["idp_url"]: idp_url, KEPT_OPTIONS["username"]: username} if keep else {}
    if keep:
        kept[KEPT_OPTIONS["role_arn"]] = choice.role_arn
    save_login(target, credentials, endpoint_url, kept)
