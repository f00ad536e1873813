"""``credo sso login | logout | populate``: the aws CLI's SSO commands, against a credo portal.

``login`` signs in (authorization code with PKCE through the browser by default, the device
code flow with ``--use-device-code`` or when no browser opens) and writes botocore's token cache, so unmodified botocore
resolves ``sso_session`` profiles; ``logout`` ends the portal session and forgets the token;
``populate`` writes one profile per account and role the user can reach, as aws-sso-util does.
The portal is reached through the profile's endpoint settings, as botocore reaches it.
"""

from __future__ import annotations

import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import click

from credo.cli.configure import load_and_warn
from credo.cli.failures import exit_with, guarded
from credo.cli.lazy_group import LazyCommand, LazyGroup
from credo.client import sso_login
from credo.client.shared_config import SharedConfig, config_section_for, effective_profile
from credo.client.sso_login import SsoLoginError, SsoSession

# The aws CLI v2's words (awscli/customizations/sso/utils.py: OpenBrowserHandler, and
# PrintOnlyHandler for --no-browser), so what people and scripts read is the same.
OPENING = (
    "Attempting to automatically open the SSO authorization page in your default browser.\n"
    "If the browser does not open or you wish to use a different device to authorize this request, "
    "open the following URL:\n\n{uri}\n"
)
PRINT_ONLY = "Browser will not be automatically opened.\nPlease visit the following URL:\n\n{uri}\n"
ENTER_CODE = "\nThen enter the code:\n\n{code}\n"
AUTOFILL = (
    "\nAlternatively, you may visit the following URL which will autofill the code upon loading:\n{uri}\n"
)
FALLING_BACK = (
    "No web browser could be opened on this machine (set BROWSER to choose one): "
    "signing in with the device code flow instead.\n"
)


@dataclass(frozen=True)
class Target:
    """The SSO session to act on, and the profile whose endpoint settings reach its portal."""

    sso: SsoSession
    profile: str | None


def _text(section: Mapping[str, object], key: str) -> str:
    value = section.get(key)
    return value.strip() if isinstance(value, str) else ""


def sso_session_named(shared: SharedConfig, name: str) -> SsoSession:
    section = shared.sso_sessions().get(name)
    if section is None:
        exit_with(f"The SSO session ({name}) could not be found: there is no [sso-session {name}] section")
    start_url, region = _text(section, "sso_start_url"), _text(section, "sso_region")
    if not start_url or not region:
        exit_with(f"[sso-session {name}] needs sso_start_url and sso_region")
    scopes = tuple(
        scope.strip() for scope in _text(section, "sso_registration_scopes").split(",") if scope.strip()
    )
    return SsoSession(name, start_url, region, scopes or sso_login.DEFAULT_SCOPES)


def target_of(shared: SharedConfig, profile: str | None, session_name: str | None) -> Target:
    """``--sso-session`` (reached through a profile using it, if any) or the profile's own session."""
    if session_name:
        users = [
            name
            for name in shared.profile_names()
            if (shared.profile(name) or {}).get("sso_session") == session_name
        ]
        chosen = profile if profile else (users[0] if users else None)
        return Target(sso_session_named(shared, session_name), chosen)
    name = effective_profile(profile)
    section = shared.profile(name)
    if section is None:
        exit_with(f"The config profile ({name}) could not be found")
    if _text(section, "sso_session"):
        return Target(sso_session_named(shared, _text(section, "sso_session")), name)
    start_url, region = _text(section, "sso_start_url"), _text(section, "sso_region")
    if start_url and region:
        return Target(SsoSession(start_url, start_url, region, legacy=True), name)
    exit_with(f"The profile ({name}) is not configured for SSO: it has no sso_session (or sso_start_url)")


def open_browser(url: str) -> bool:
    """Whether a web browser took ``url``: ``False`` when none is found or the one found (``BROWSER``)
    fails to start, as ``webbrowser`` reports it."""
    try:
        return webbrowser.open_new_tab(url)
    except webbrowser.Error:
        return False


def offer_authorize_url(url: str, no_browser: bool) -> bool:
    """Open the authorization page (or, with ``--no-browser``, print it); ``False`` when no browser
    opened it, so the sign-in falls back to the device code flow."""
    if no_browser:
        click.echo(PRINT_ONLY.format(uri=url), nl=False)
        return True
    if not open_browser(url):
        return False
    click.echo(OPENING.format(uri=url), nl=False)
    return True


def offer_device_code(device: sso_login.DeviceAuthorization, no_browser: bool) -> None:
    """The verification page and code, as the aws CLI shows them; the browser opens the page with
    the code filled in unless ``--no-browser`` (or none opened before)."""
    if no_browser:
        text = PRINT_ONLY.format(uri=device.uri) + ENTER_CODE.format(code=device.user_code)
        click.echo(text + AUTOFILL.format(uri=device.complete_uri), nl=False)
        return
    click.echo(OPENING.format(uri=device.uri) + ENTER_CODE.format(code=device.user_code), nl=False)
    # A browser that does not open leaves the printed URL and code, which is all the flow needs.
    open_browser(device.complete_uri)


def sign_in(
    target: Target, endpoint_url: str | None, no_browser: bool, use_device_code: bool, timeout: float
) -> None:
    """The whole login: registration, the chosen flow, the cached token.

    The authorization code flow needs a browser on this machine (it comes back to a loopback
    port); when none opens, the sign-in says so and uses the device code flow, whose page can be
    opened on any device.
    """
    now = datetime.now(UTC)
    oidc = sso_login.oidc_client(target.profile, target.sso.region, endpoint_url)
    answer = None
    if not use_device_code:
        registration = sso_login.register(oidc, target.sso, authorization_code=True, now=now)
        try:
            answer = sso_login.browser_sign_in(
                oidc, target.sso, registration, lambda url: offer_authorize_url(url, no_browser), timeout
            )
        except sso_login.NoBrowserError:
            click.echo(FALLING_BACK, nl=False)
            no_browser = True
    if answer is None:
        registration = sso_login.register(oidc, target.sso, authorization_code=False, now=now)
        answer = sso_login.device_code_sign_in(
            oidc, target.sso, registration, lambda device: offer_device_code(device, no_browser)
        )
    sso_login.cache_token(target.sso, registration, answer, now)
    click.echo(f"Successfully logged into Start URL: {target.sso.start_url}")


F = TypeVar("F", bound=Callable[..., Any])


def _target_options(command: F) -> F:
    for option in reversed(
        [
            click.option(
                "--profile", default=None, metavar="NAME", help="A profile that uses the SSO session."
            ),
            click.option(
                "--sso-session",
                "session_name",
                default=None,
                metavar="NAME",
                help="The [sso-session] to use.",
            ),
            click.option(
                "--endpoint-url",
                default=None,
                metavar="URL",
                help="The credo server (default: the profile's settings).",
            ),
        ]
    ):
        command = option(command)
    return command


@click.group(
    cls=LazyGroup,
    lazy_commands={
        # Server-side: imported only when run, so the client commands load no server code.
        "admin": LazyCommand(
            "credo.cli.sso_admin:admin",
            "Identity Center administration: users, groups, permission sets, assignments, portal settings.",
        )
    },
)
def sso() -> None:
    """Single sign-on: sign in to the access portal, sign out, write a profile per role."""


@sso.command("login")
@_target_options
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
@click.option(
    "--timeout", type=click.FloatRange(1, 3600), default=300.0, help="Seconds to wait for the browser."
)
@guarded
def login(
    profile: str | None,
    session_name: str | None,
    endpoint_url: str | None,
    no_browser: bool,
    use_device_code: bool,
    timeout: float,
) -> None:
    """Sign in to the SSO portal and cache the token botocore's sso_session profiles use."""
    target = target_of(load_and_warn(), profile, session_name)
    try:
        sign_in(target, endpoint_url, no_browser, use_device_code, timeout)
    except SsoLoginError as error:
        exit_with(str(error))


@sso.command("logout")
@_target_options
@guarded
def logout(profile: str | None, session_name: str | None, endpoint_url: str | None) -> None:
    """End the portal session (its token stops working at once) and forget the cached token."""
    target = target_of(load_and_warn(), profile, session_name)
    portal = sso_login.portal_client(target.profile, target.sso.region, endpoint_url)
    if sso_login.sign_out(portal, target.sso):
        click.echo(f"Logged out of Start URL: {target.sso.start_url}")
    else:
        click.echo(f"No cached sign-in for Start URL: {target.sso.start_url}")


def profile_name_for(choice: sso_login.RoleChoice) -> str:
    """aws-sso-util's default: ACCOUNT-NAME.ROLE-NAME (the id when the account has no name)."""
    account = "-".join((choice.account_name or choice.account_id).split())
    return f"{account}.{choice.role_name}"


@sso.command("populate")
@_target_options
@click.option(
    "--region", default=None, help="The region written into each profile (default: the SSO region)."
)
@guarded
def populate(
    profile: str | None, session_name: str | None, endpoint_url: str | None, region: str | None
) -> None:
    """Write one profile per account and role the signed-in user can reach."""
    shared = load_and_warn()
    target = target_of(shared, profile, session_name)
    if target.sso.legacy:
        exit_with("populate needs an [sso-session] section; run `credo configure sso` first")
    access = sso_login.cached_access_token(target.sso, datetime.now(UTC))
    if access is None:
        exit_with(
            f"Not signed in to {target.sso.start_url}: run `credo sso login --sso-session {target.sso.name}`"
        )
    portal = sso_login.portal_client(target.profile, target.sso.region, endpoint_url)
    try:
        choices = sso_login.reachable_roles(portal, access)
    except SsoLoginError as error:
        exit_with(str(error))
    endpoint = endpoint_url or (
        _text(shared.profile(target.profile) or {}, "endpoint_url") if target.profile else ""
    )
    for choice in choices:
        name = profile_name_for(choice)
        section = config_section_for(name)
        shared.set_config(section, "sso_session", target.sso.name)
        shared.set_config(section, "sso_account_id", choice.account_id)
        shared.set_config(section, "sso_role_name", choice.role_name)
        shared.set_config(section, "region", region or target.sso.region)
        if endpoint:
            shared.set_config(section, "endpoint_url", endpoint)
        click.echo(f"{name}: {choice.account_id} {choice.role_name}")
    shared.save()
    click.echo(f"{len(choices)} profile(s) written")
