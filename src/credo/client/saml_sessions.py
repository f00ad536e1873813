"""A ``credo login saml`` profile served through ``credential_process``, as saml2aws can serve it.

The profile keeps what ``credo login saml --configure`` keeps (the IdP's sign-in URL, the user
name, the role, the session length) and ``credential_process = credo credential-process NAME``.
botocore runs that command whenever it needs credentials; the role session is cached in the
keychain (``credo:saml-session``) and handed out while more than fifteen minutes are left. Past
that, credo signs in at the IdP again: the password (and the user name, when none is kept) is
asked on the terminal, never on stdout, which botocore reads; without a terminal the command
fails and says how to sign in instead. A cached session carries the basis it was made on (the
profile's settings), so a changed profile is not served an old session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from credo.client.config_files import Value
from credo.client.keychain import SAML_SESSION_SERVICE, CachedSession, Keychain
from credo.client.profile_sources import SAML_IDP_URL
from credo.client.resolver import DEFAULT_REGION, REUSE_MARGIN, ResolveError, basis_digest
from credo.client.shared_config import SharedConfig
from credo.client.sts_calls import SessionCredentials
from credo.client.temporary_credentials import TemporaryCredentials
from credo.client.terminal import NoTerminal, ask

if TYPE_CHECKING:  # saml_login (httpx, lxml) is imported only when a sign-in is needed
    from credo.client.saml_login import RoleChoice

# The keys `credo login saml --configure` keeps; botocore ignores keys it does not know.
SAML_USERNAME = "credo_saml_username"
ROLE_ARN = "credo_role_arn"
SAML_DURATION = "credo_saml_duration"
# What a cached session must have been made with: another IdP, user, role or server is another session.
BASIS_SETTINGS = (SAML_IDP_URL, SAML_USERNAME, ROLE_ARN, SAML_DURATION, "endpoint_url", "region")


def _text(value: Value | None) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


@dataclass(frozen=True)
class SamlProfile:
    """A profile's kept SAML login settings."""

    name: str
    idp_url: str
    username: str | None
    role_arn: str | None
    endpoint: str | None
    region: str
    duration: int | None
    basis: str


def duration_setting(value: str | None, profile: str) -> int | None:
    """``credo_saml_duration`` as seconds (900 to 43,200, as ``--duration``); None when unset."""
    if value is None:
        return None
    if not value.isdigit() or not 900 <= int(value) <= 43200:
        raise ResolveError(
            f"{SAML_DURATION} of profile {profile} must be 900 to 43200 seconds, not {value!r}"
        )
    return int(value)


def saml_profile(shared: SharedConfig, name: str) -> SamlProfile | None:
    """The profile's SAML login settings; None when it keeps no ``credo_saml_idp_url``."""
    values = shared.profile(name)
    if values is None:
        raise ResolveError(f"The config profile ({name}) could not be found")
    idp_url = _text(values.get(SAML_IDP_URL))
    if idp_url is None:
        return None
    settings = {key: _text(values.get(key)) for key in BASIS_SETTINGS}
    return SamlProfile(
        name=name,
        idp_url=idp_url,
        username=settings[SAML_USERNAME],
        role_arn=settings[ROLE_ARN],
        endpoint=settings["endpoint_url"],
        region=settings["region"] or DEFAULT_REGION,
        duration=duration_setting(settings[SAML_DURATION], name),
        basis=basis_digest(settings),
    )


def as_session(credentials: TemporaryCredentials) -> SessionCredentials:
    return SessionCredentials(
        credentials.access_key_id,
        credentials.secret_access_key,
        credentials.session_token,
        credentials.expiration.astimezone(UTC),
    )


class SamlSessions:
    """SAML login profiles' role sessions, cached in one keychain."""

    def __init__(
        self, keychain: Keychain, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.keychain = keychain
        self.clock = clock

    def stored(self, profile: SamlProfile) -> SessionCredentials | None:
        """The session cached for the profile, if it was made with these settings (maybe expired)."""
        found = self.keychain.session(SAML_SESSION_SERVICE, profile.name)
        return found.credentials if found is not None and found.basis == profile.basis else None

    def cached(self, profile: SamlProfile) -> SessionCredentials | None:
        """The stored session, when it has more than fifteen minutes left (botocore refreshes below that)."""
        found = self.stored(profile)
        if found is None or found.expiration - self.clock() <= REUSE_MARGIN:
            return None
        return found

    def keep(self, profile: SamlProfile, credentials: TemporaryCredentials) -> None:
        """Cache a session made with ``profile``'s settings (after ``credo login saml``, too)."""
        cached = CachedSession(as_session(credentials), profile.basis)
        self.keychain.store_session(SAML_SESSION_SERVICE, profile.name, cached)

    def credentials(self, profile: SamlProfile) -> SessionCredentials:
        """The cached session, or a new one from a new sign-in at the IdP (asked on the terminal)."""
        cached = self.cached(profile)
        if cached is not None:
            return cached
        fresh = sign_in_on_terminal(profile)
        self.keep(profile, fresh)
        return as_session(fresh)


def sign_in_on_terminal(profile: SamlProfile) -> TemporaryCredentials:
    """Sign in at the IdP with the password asked on the terminal, then ``AssumeRoleWithSAML``.

    ``SamlLoginError`` and ``StsRefused`` propagate with their messages; a missing setting or a
    choice that needs a person is a ``ResolveError`` saying how to fix the profile.
    """
    from credo.client import saml_login, temporary_credentials

    if profile.endpoint is None:
        raise ResolveError(f"Profile {profile.name} has no endpoint_url (the credo server to sign in to)")
    saml_login.check_idp_url(profile.idp_url)  # before a password is asked for it
    host = urlsplit(profile.idp_url).hostname or profile.idp_url
    how = f"or sign in first with: credo login saml --profile {profile.name}"
    try:
        username = profile.username or ask(
            f"Username at {host}: ",
            why=f"profile {profile.name} keeps no {SAML_USERNAME}; run the command on a terminal, {how}",
        )
        password = ask(
            f"Password for {username} at {host}: ",
            secret=True,
            why=f"profile {profile.name} needs a new SAML session; run the command on a terminal, {how}",
        )
    except NoTerminal as error:
        raise ResolveError(str(error)) from None
    response = saml_login.sign_in(profile.idp_url, username, password)
    choice = _role_choice(profile, saml_login.role_choices(response))
    return temporary_credentials.with_saml(
        profile.endpoint, profile.region, choice.role_arn, choice.provider_arn, response, profile.duration
    )


def _role_choice(profile: SamlProfile, choices: list[RoleChoice]) -> RoleChoice:
    offered = "\n".join(f"  {choice.role_arn}" for choice in choices)
    if profile.role_arn is not None:
        for choice in choices:
            if choice.role_arn == profile.role_arn:
                return choice
        raise ResolveError(
            f"The identity provider does not offer role {profile.role_arn} (kept in profile "
            f"{profile.name} as {ROLE_ARN}); it offers:\n{offered}"
        )
    if len(choices) == 1:
        return choices[0]
    raise ResolveError(
        f"The identity provider offers several roles; keep one in profile {profile.name} with: "
        f"credo login saml --profile {profile.name} --configure-only --role ARN\n{offered}"
    )
