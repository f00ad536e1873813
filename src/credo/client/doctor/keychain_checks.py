"""Checks of credo's keychain for the keychain profiles: a key present, cached sessions not expired."""

from __future__ import annotations

from datetime import datetime

from credo.client.doctor.findings import Finding
from credo.client.keychain import ROLE_SESSION_SERVICE, SESSION_SERVICE, Keychain


def keychain_findings(
    keychain: Keychain, key_profiles: list[str], session_profiles: list[str], now: datetime
) -> list[Finding]:
    found: list[Finding] = []
    for profile in key_profiles:
        if keychain.keys(profile) is None:
            found.append(
                Finding(
                    "error",
                    "keychain-key",
                    f"profile {profile} runs credo credential-process, but the "
                    f"{keychain.store.description} holds no key for it",
                    f"credo add {profile}",
                    profile,
                )
            )
    for profile in session_profiles:
        for service in (SESSION_SERVICE, ROLE_SESSION_SERVICE):
            cached = keychain.session(service, profile)
            if cached is not None and cached.credentials.expiration <= now:
                when = cached.credentials.expiration.strftime("%Y-%m-%dT%H:%M:%SZ")
                found.append(
                    Finding(
                        "note",
                        "expired-session",
                        f"the session cached for profile {profile} expired at {when}",
                        f"nothing to do: the next use makes a new one (credo exec {profile} -- true)",
                        profile,
                    )
                )
    return found
