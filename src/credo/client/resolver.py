"""Turn a keychain profile, or a role profile built on one, into short-lived credentials.

A keychain profile resolves to ``GetSessionToken`` credentials made with its long-term key
(with MFA when it has ``mfa_serial``); a role profile (``role_arn`` + ``source_profile``)
is assumed with its source's credentials, hop by hop for chained roles, honouring
``duration_seconds``, ``external_id``, ``role_session_name`` and its own ``mfa_serial``. So
the long-term key is only ever used by credo itself, to sign STS calls.

Each hop's result is cached in the keychain and re-used while more than fifteen minutes are
left and its basis — the key's generation and the settings of every profile below it —
is unchanged. An MFA code is asked once per cached session, on the terminal.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from credo.client.config_files import Value
from credo.client.keychain import (
    ROLE_SESSION_SERVICE,
    SESSION_SERVICE,
    CachedSession,
    Keychain,
    LongTermKey,
)
from credo.client.profile_sources import source_of
from credo.client.shared_config import SharedConfig
from credo.client.sts_calls import CallerKeys, SessionCredentials, assume_role, get_session_token
from credo.client.terminal import NoTerminal, ask

# botocore refreshes credentials with less than 15 minutes left (its advisory window; below 10
# minutes every use blocks on the refresh), and its own assume-role cache stops re-using them
# then too. Handing out less would make each botocore client ask again at every call.
REUSE_MARGIN = timedelta(minutes=15)
DEFAULT_REGION = "us-east-1"
BASE_SETTINGS = ("mfa_serial", "endpoint_url", "services", "region")
ROLE_SETTINGS = (
    "role_arn",
    "source_profile",
    "mfa_serial",
    "external_id",
    "role_session_name",
    "duration_seconds",
    "endpoint_url",
    "services",
    "region",
)
# Where STS is: a change sends the next call to another server, so cached sessions are not re-used.
ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")

Asker = Callable[..., str]


class ResolveError(Exception):
    """The profile cannot be resolved; the message says why and what to do."""


@dataclass(frozen=True)
class Chain:
    """Role profiles from the one asked for down to the base, and the base's keychain entry."""

    roles: tuple[str, ...]
    base: str
    key_profile: str


@dataclass(frozen=True)
class Credentials:
    """What a caller gets: a session (token and expiry), or the long-term key with --no-session."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None
    expiration: datetime | None

    @classmethod
    def of_session(cls, session: SessionCredentials) -> Credentials:
        return cls(
            session.access_key_id, session.secret_access_key, session.session_token, session.expiration
        )


@dataclass(frozen=True)
class Hop:
    """One cached step: where its session is kept and the basis it must match."""

    service: str
    profile: str
    basis: str


def _text(value: Value | None) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def basis_digest(document: Any) -> str:
    """A cached session's basis: the hash of what it was made on (settings, key generation...)."""
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode("utf-8")).hexdigest()


def chain_of(shared: SharedConfig, profile: str) -> Chain | None:
    """The chain below ``profile``, or None when it does not end at a keychain profile."""
    roles: list[str] = []
    name = profile
    visited: list[str] = []
    while True:
        values = shared.profile(name)
        if values is None:
            if not visited:
                raise ResolveError(f"The config profile ({name}) could not be found")
            raise ResolveError(f"The source_profile ({name}) of profile {visited[-1]} could not be found")
        visited.append(name)
        role_arn, source = _text(values.get("role_arn")), _text(values.get("source_profile"))
        if role_arn and _text(values.get("web_identity_token_file")):
            return None
        if role_arn and source:
            roles.append(name)
            if source == name:  # botocore: a role profile may be its own source
                break
            if source in visited:
                raise ResolveError(
                    "Infinite loop in credential configuration detected. Attempting to load from "
                    f"profile {source} which has already been visited. Visited profiles: {visited}"
                )
            name = source
            continue
        if role_arn:
            return None  # credential_source: botocore's business
        break
    config = shared.config_profiles().get(name, {})
    credentials = shared.credential_profiles().get(name, {})
    found = source_of({k: v for k, v in config.items() if k != "role_arn"}, credentials)
    if found.kind != "keychain":
        return None
    return Chain(tuple(roles), name, found.detail)


class Resolver:
    """Resolves profiles against one snapshot of the config files and one keychain."""

    def __init__(
        self,
        shared: SharedConfig,
        keychain: Keychain,
        *,
        asker: Asker = ask,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.shared = shared
        self.keychain = keychain
        self.asker = asker
        self.clock = clock

    # --- which profiles credo resolves ------------------------------------------------------

    def _values(self, name: str) -> dict[str, Value]:
        return self.shared.profile(name) or {}

    def chain(self, profile: str) -> Chain | None:
        return chain_of(self.shared, profile)

    # --- bases: what a cached session must have been made on --------------------------------

    def _settings(self, name: str, keys: tuple[str, ...]) -> dict[str, Any]:
        values = self._values(name)
        picked: dict[str, Any] = {key: values.get(key) for key in keys if key in values}
        services = _text(values.get("services"))
        if services is not None:
            picked["[services]"] = self.shared.services().get(services)
        picked["[env]"] = {name: os.environ.get(name) for name in ENDPOINT_VARIABLES if os.environ.get(name)}
        return picked

    def hops(self, chain: Chain, key: LongTermKey, *, use_session: bool = True) -> list[Hop]:
        """The cached steps, base first, each with the basis its cached session must carry."""
        hops: list[Hop] = []
        basis = basis_digest({"generation": key.generation, "session": use_session})
        if use_session:
            basis = basis_digest({"source": basis, "settings": self._settings(chain.base, BASE_SETTINGS)})
            hops.append(Hop(SESSION_SERVICE, chain.base, basis))
        for name in reversed(chain.roles):
            basis = basis_digest({"source": basis, "settings": self._settings(name, ROLE_SETTINGS)})
            hops.append(Hop(ROLE_SESSION_SERVICE, name, basis))
        return hops

    def cached(self, profile: str) -> CachedSession | None:
        """The cached session ``profile`` would re-use (None: none, or made on another basis)."""
        chain = self.chain(profile)
        if chain is None:
            return None
        key = self.keychain.keys(chain.key_profile)
        if key is None:
            return None
        last = self.hops(chain, key)[-1]
        session = self.keychain.session(last.service, last.profile)
        return session if session is not None and session.basis == last.basis else None

    # --- resolving ----------------------------------------------------------------------------

    def resolve(self, profile: str, *, duration: int | None = None, use_session: bool = True) -> Credentials:
        """Credentials for ``profile``; ``duration`` asks the last hop for a fresh, uncached session."""
        chain = self.chain(profile)
        if chain is None:
            raise ResolveError(f"Profile {profile} does not get its credentials from the credo keychain")
        key = self.keychain.keys(chain.key_profile)
        if key is None:
            raise ResolveError(
                f"No access key for profile {chain.key_profile} in the {self.keychain.store.description}; "
                f"add one with: credo add {chain.key_profile}"
            )
        if not use_session and not chain.roles:
            return Credentials(key.access_key_id, key.secret_access_key, None, None)
        hops = self.hops(chain, key, use_session=use_session)
        caller: CallerKeys = key.as_caller()
        proven: str | None = None
        session: SessionCredentials | None = None
        for index, hop in enumerate(hops):
            fresh = duration if index == len(hops) - 1 else None
            session = self._cached(hop) if fresh is None else None
            if session is None:
                if hop.service == SESSION_SERVICE:
                    session, proven = self._get_session_token(hop.profile, caller, fresh)
                else:
                    session = self._assume_role(hop.profile, caller, proven, fresh)
                if fresh is None:
                    self.keychain.store_session(hop.service, hop.profile, CachedSession(session, hop.basis))
            elif hop.service == SESSION_SERVICE:
                proven = _text(self._values(hop.profile).get("mfa_serial"))
            caller = session.as_caller()
        assert session is not None  # a chain has a session hop or a role hop
        return Credentials.of_session(session)

    def _cached(self, hop: Hop) -> SessionCredentials | None:
        cached = self.keychain.session(hop.service, hop.profile)
        if cached is None or cached.basis != hop.basis:
            return None
        if cached.credentials.expiration - self.clock() <= REUSE_MARGIN:
            return None
        return cached.credentials

    def _region(self, name: str) -> str:
        return (
            _text(self._values(name).get("region"))
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or DEFAULT_REGION
        )

    def _mfa_code(self, serial: str, profile: str) -> str:
        try:
            return self.asker(
                f"Enter MFA code for {serial}: ",
                why=f"profile {profile} has mfa_serial; run the command on a terminal to enter the code",
            )
        except NoTerminal as error:
            raise ResolveError(str(error)) from None

    def _get_session_token(
        self, profile: str, caller: CallerKeys, duration: int | None
    ) -> tuple[SessionCredentials, str | None]:
        params: dict[str, Any] = {}
        if duration is not None:
            params["DurationSeconds"] = duration
        serial = _text(self._values(profile).get("mfa_serial"))
        if serial:
            params["SerialNumber"] = serial
            params["TokenCode"] = self._mfa_code(serial, profile)
        return get_session_token(profile, caller, self._region(profile), params), serial

    def _assume_role(
        self, profile: str, caller: CallerKeys, proven: str | None, duration: int | None
    ) -> SessionCredentials:
        values = self._values(profile)
        params: dict[str, Any] = {
            "RoleArn": _text(values.get("role_arn")),
            "RoleSessionName": _text(values.get("role_session_name"))
            or f"credo-{int(self.clock().timestamp())}",
        }
        configured = _text(values.get("duration_seconds"))
        if duration is None and configured is not None:
            try:
                duration = int(configured)
            except ValueError:
                raise ResolveError(
                    f"duration_seconds of profile {profile} is not a number: {configured!r}"
                ) from None
        if duration is not None:
            params["DurationSeconds"] = duration
        external_id = _text(values.get("external_id"))
        if external_id:
            params["ExternalId"] = external_id
        serial = _text(values.get("mfa_serial"))
        # A session made with this very device already carries MFA into AssumeRole.
        if serial and serial != proven:
            params["SerialNumber"] = serial
            params["TokenCode"] = self._mfa_code(serial, profile)
        return assume_role(profile, caller, self._region(profile), params)
