"""``credo login saml``: sign in at a SAML identity provider and keep the role session in a profile.

What saml2aws does: sign in to the IdP's web form (the password prompted, never echoed, never
stored), take the ``SAMLResponse`` it issues for AWS, let the person pick one of the roles it
offers, exchange it with credo's ``AssumeRoleWithSAML`` and write the role's temporary
credentials into the profile. ``--configure`` keeps the IdP URL, user name, role and session
length in the profile as ``credo_saml_idp_url``, ``credo_saml_username``, ``credo_role_arn`` and
``credo_saml_duration`` (keys botocore ignores), so the next ``credo login saml --profile P``
asks only for the password; ``--configure-only`` keeps them without signing in (as
``saml2aws configure``). ``--credential-process`` serves the session to botocore through
``credential_process`` instead, cached in the keychain and signed in again when it ends
(``credo.client.saml_sessions``).
"""

from __future__ import annotations

import sys

import click

from credo.cli.configure import load_and_warn
from credo.cli.failures import exit_with
from credo.cli.keychain_failures import keychain_guarded
from credo.cli.login_profile import (
    DEFAULT_REGION,
    drop_session,
    endpoint_for,
    keep_settings,
    save_login,
    say_signed_in,
    setting,
)
from credo.client import saml_login, temporary_credentials
from credo.client.keychain import Keychain, open_keychain
from credo.client.profile_sources import SAML_IDP_URL, credential_process_line, keychain_profile_of
from credo.client.saml_login import RoleChoice
from credo.client.saml_sessions import (
    ROLE_ARN,
    SAML_DURATION,
    SAML_USERNAME,
    SamlSessions,
    duration_setting,
    saml_profile,
)
from credo.client.shared_config import SharedConfig, config_section_for, effective_profile
from credo.client.temporary_credentials import TemporaryCredentials


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


def _served_by_process(shared: SharedConfig, profile: str) -> bool:
    """Whether the profile already gets its session from ``credo credential-process PROFILE``."""
    process = shared.config_profiles().get(profile, {}).get("credential_process")
    return isinstance(process, str) and keychain_profile_of(process) == profile


def _serve_by_process(shared: SharedConfig, profile: str) -> None:
    """The ``credential_process`` line, and no session keys in the file (botocore would prefer them)."""
    shared.set_config(config_section_for(profile), "credential_process", credential_process_line(profile))
    drop_session(shared, profile)


def _save_for_process(
    profile: str,
    credentials: TemporaryCredentials,
    endpoint_url: str | None,
    kept: dict[str, str],
    keychain: Keychain,
) -> None:
    """Keep the settings and the ``credential_process`` line, and cache the session in the keychain."""
    shared = load_and_warn()  # re-read: the files may have changed while the person signed in
    keep_settings(shared, profile, endpoint_url, kept)
    _serve_by_process(shared, profile)
    settings = saml_profile(shared, profile)
    assert settings is not None  # ``kept`` holds the IdP URL
    SamlSessions(keychain).keep(settings, credentials)
    shared.save()
    say_signed_in(
        profile, credentials, f", served by credential_process from the {keychain.store.description}"
    )


def _configure_only(
    shared: SharedConfig, profile: str, endpoint_url: str | None, kept: dict[str, str], by_process: bool
) -> None:
    """Keep the settings (and the ``credential_process`` line) without contacting the IdP."""
    if endpoint_url or by_process:
        endpoint_for(shared, profile, endpoint_url)  # checks the URL; a credential_process needs one
    keep_settings(shared, profile, endpoint_url, kept)
    if by_process:
        _serve_by_process(shared, profile)
    shared.save()
    click.echo(f"Profile {profile} keeps {', '.join(sorted(kept))}; nobody signed in.")
    if by_process:
        click.echo(
            f"aws --profile {profile} … signs in at the identity provider when it needs a session "
            "(the password is asked on the terminal)."
        )


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
    "--configure",
    "keep",
    is_flag=True,
    help="Also keep the IdP URL, user name, role and duration in the profile.",
)
@click.option(
    "--configure-only",
    is_flag=True,
    help="Keep the IdP URL, user name, role and duration in the profile without signing in.",
)
@click.option(
    "--credential-process",
    "by_process",
    is_flag=True,
    help="Serve the session through credential_process from the keychain, signing in again when it "
    "ends (implies --configure).",
)
@keychain_guarded
def saml(
    profile: str | None,
    idp_url: str | None,
    username: str | None,
    role_arn: str | None,
    endpoint_url: str | None,
    duration: int | None,
    password_stdin: bool,
    keep: bool,
    configure_only: bool,
    by_process: bool,
) -> None:
    """Sign in at a SAML identity provider's form, then AssumeRoleWithSAML."""
    target = effective_profile(profile)
    shared = load_and_warn()
    idp_url = idp_url or setting(shared, target, SAML_IDP_URL)
    if not idp_url:
        exit_with(f"Missing --idp-url (not given, and not kept in profile {target})")
    try:
        saml_login.check_idp_url(idp_url)
    except saml_login.SamlLoginError as error:
        exit_with(str(error))
    role_arn = role_arn or setting(shared, target, ROLE_ARN)
    duration = duration or duration_setting(setting(shared, target, SAML_DURATION), target)
    by_process = by_process or _served_by_process(shared, target)
    kept = {SAML_IDP_URL: idp_url}
    if duration is not None:
        kept[SAML_DURATION] = str(duration)
    if configure_only:
        username = username or setting(shared, target, SAML_USERNAME)
        kept.update({key: value for key, value in ((SAML_USERNAME, username), (ROLE_ARN, role_arn)) if value})
        _configure_only(shared, target, endpoint_url, kept, by_process)
        return
    endpoint = endpoint_for(shared, target, endpoint_url)
    region = setting(shared, target, "region") or DEFAULT_REGION
    keychain = (
        open_keychain() if by_process else None
    )  # a keychain problem is told before the password is asked
    try:
        username = (
            username or setting(shared, target, SAML_USERNAME) or str(click.prompt("Username", err=True))
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
    kept.update({SAML_USERNAME: username, ROLE_ARN: choice.role_arn})
    if keychain is not None:
        _save_for_process(target, credentials, endpoint_url, kept, keychain)
    else:
        save_login(target, credentials, endpoint_url, kept if keep else {})
