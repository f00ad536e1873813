"""What credo keeps in the keychain: each profile's long-term key, and the sessions made from it.

Entries are JSON under three services, named by profile:

- ``credo:access-key`` — the access key id, its secret, when it was added, and a random
  ``generation`` drawn at every ``credo add``;
- ``credo:session`` — the profile's cached ``GetSessionToken`` credentials;
- ``credo:role-session`` — a role profile's cached ``AssumeRole`` credentials;
- ``credo:saml-session`` — a SAML login profile's cached ``AssumeRoleWithSAML`` credentials.

A cached session records the ``basis`` it was made on (the key's generation and the settings
of every profile in the chain, hashed), so new keys or a changed profile make it unusable
without anyone having to find and delete it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from credo.client.secret_store import KeychainError, SecretStore
from credo.client.sts_calls import CallerKeys, SessionCredentials

KEYS_SERVICE = "credo:access-key"
SESSION_SERVICE = "credo:session"
ROLE_SESSION_SERVICE = "credo:role-session"
SAML_SESSION_SERVICE = "credo:saml-session"


@dataclass(frozen=True)
class LongTermKey:
    access_key_id: str
    secret_access_key: str
    generation: str
    added: str

    def as_caller(self) -> CallerKeys:
        return CallerKeys(self.access_key_id, self.secret_access_key)


@dataclass(frozen=True)
class CachedSession:
    credentials: SessionCredentials
    basis: str


def _load(text: str, profile: str, fields: tuple[str, ...]) -> dict[str, str]:
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not all(isinstance(data.get(name), str) for name in fields):
        raise KeychainError(
            f"The keychain entry for profile {profile} was not written by this credo; "
            f"remove it with: credo remove {profile}"
        )
    return data


class Keychain:
    """credo's entries in a ``SecretStore``."""

    def __init__(self, store: SecretStore) -> None:
        self.store = store

    # --- long-term keys -------------------------------------------------------------------------

    def keys(self, profile: str) -> LongTermKey | None:
        text = self.store.get(KEYS_SERVICE, profile)
        if text is None:
            return None
        data = _load(text, profile, ("AccessKeyId", "SecretAccessKey", "Generation", "Added"))
        return LongTermKey(data["AccessKeyId"], data["SecretAccessKey"], data["Generation"], data["Added"])

    def store_keys(self, profile: str, access_key_id: str, secret_access_key: str) -> LongTermKey:
        """Store (or replace) the profile's key under a new generation.

        Sessions cached from a replaced key are unusable from then on (their basis names its
        generation); deleting them is tidying, left to the caller, so that a failure there can
        never be mistaken for a failure to store the key.
        """
        key = LongTermKey(
            access_key_id,
            secret_access_key,
            generation=_new_generation(),
            added=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        self.put_keys(profile, key)
        return key

    def put_keys(self, profile: str, key: LongTermKey) -> None:
        """Store ``key`` exactly as given (generation included): a rotation putting the old one back."""
        document = {
            "AccessKeyId": key.access_key_id,
            "SecretAccessKey": key.secret_access_key,
            "Generation": key.generation,
            "Added": key.added,
        }
        self.store.set(KEYS_SERVICE, profile, json.dumps(document))

    def delete_keys(self, profile: str) -> bool:
        return self.store.delete(KEYS_SERVICE, profile)

    # --- cached sessions ------------------------------------------------------------------------

    def session(self, service: str, profile: str) -> CachedSession | None:
        text = self.store.get(service, profile)
        if text is None:
            return None
        fields = ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration", "Basis")
        data = _load(text, profile, fields)
        try:
            expiration = datetime.fromisoformat(data["Expiration"]).astimezone(UTC)
        except ValueError:
            return None
        credentials = SessionCredentials(
            data["AccessKeyId"], data["SecretAccessKey"], data["SessionToken"], expiration
        )
        return CachedSession(credentials, data["Basis"])

    def store_session(self, service: str, profile: str, session: CachedSession) -> None:
        credentials = session.credentials
        document = {
            "AccessKeyId": credentials.access_key_id,
            "SecretAccessKey": credentials.secret_access_key,
            "SessionToken": credentials.session_token,
            "Expiration": credentials.expiration.isoformat(),
            "Basis": session.basis,
        }
        self.store.set(service, profile, json.dumps(document))

    def delete_session(self, service: str, profile: str) -> bool:
        return self.store.delete(service, profile)


def open_keychain() -> Keychain:
    """credo's keychain in the store ``CREDO_KEYRING_BACKEND`` names."""
    from credo.client.secret_store import open_secret_store

    return Keychain(open_secret_store())


def _new_generation() -> str:
    import secrets  # only when keys are stored: the cached-session path stays lighter

    return secrets.token_hex(16)
