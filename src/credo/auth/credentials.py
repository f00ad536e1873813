"""Access key id → secret and Principal, cached in memory until the key or its user changes.

Each entry names the key and its owner as its topics (``credo.store.changes``); deactivating
or deleting the key, or deleting or renaming the user, drops it in every process sharing the
store (at once in this one, within a second in the others).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from sqlalchemy import bindparam, select

from credo import arn
from credo.auth.principal import Principal
from credo.clock import Clock
from credo.errors import ExpiredToken, InvalidClientTokenId
from credo.keyring import Keyring, Sealed
from credo.store import changes
from credo.store.db import Store
from credo.store.schema import access_keys, users
from credo.store.tagged_cache import Miss, TaggedCache
from credo.sts.tokens import SessionTokenKeys

# Access keys whose secret and owner stay in memory (least recently used go first).
KEY_CACHE_SIZE = 50_000


@dataclass(frozen=True, slots=True)
class ResolvedKey:
    """A verified-to-exist, active key: its secret (to check the signature) and its owner."""

    secret: str
    principal: Principal


# Built once (a miss costs about half as much without building the statement each time).
_KEY_WITH_OWNER = (
    select(access_keys, users.c.name, users.c.path)
    .select_from(access_keys.outerjoin(users, users.c.id == access_keys.c.user_id))
    .where(access_keys.c.id == bindparam("id"))
)


class CredentialResolver:
    """Resolves access key ids for signature checks, with a cache kept fresh by the store."""

    def __init__(
        self, store: Store, keyring: Keyring, clock: Clock, session_tokens: SessionTokenKeys
    ) -> None:
        self._store = store
        self._keyring = keyring
        self._clock = clock
        self.session_tokens = session_tokens
        # ``None``: no such active key (remembered too, so a stream of bad ids stays cheap).
        self._cache: TaggedCache[str, ResolvedKey | None] = TaggedCache(store, KEY_CACHE_SIZE)

    @property
    def cache_hits(self) -> int:
        return self._cache.hits

    @property
    def cache_misses(self) -> int:
        return self._cache.misses

    def resolve(self, access_key_id: str, session_token: str | None) -> ResolvedKey:
        """The active key ``access_key_id``; ``InvalidClientTokenId`` for unknown or inactive keys."""
        if session_token is not None:
            return self._resolve_session(access_key_id, session_token)
        found = self._cache.get(access_key_id)
        if isinstance(found, Miss):
            ticket = self._cache.ticket()
            found = self._load(access_key_id)
            topics = {changes.key(access_key_id)}
            if found is not None:
                topics.add(changes.identity(found.principal.identity_kind, found.principal.identity_id))
            self._cache.put(access_key_id, found, frozenset(topics), ticket)
        if found is None:
            raise InvalidClientTokenId()
        return found

    def _resolve_session(self, access_key_id: str, session_token: str) -> ResolvedKey:
        """Temporary credentials: the token alone says everything (see ``credo.sts.tokens``).

        As on AWS, a session outlives the deactivation or deletion of the key that created it;
        only expiry ends it (docs/sessions.md).
        """
        claims = self.session_tokens.open(session_token)
        if claims.access_key_id != access_key_id:
            raise InvalidClientTokenId()
        if self._clock.time() >= claims.expires_at:
            raise ExpiredToken()
        return ResolvedKey(claims.secret_access_key, claims.principal())

    def _load(self, access_key_id: str) -> ResolvedKey | None:
        if "\x00" in access_key_id:
            return None  # no key has one, and PostgreSQL refuses NUL in a query's text
        with self._store.read() as conn:
            row = conn.execute(_KEY_WITH_OWNER, {"id": access_key_id}).mappings().first()
        if row is None or not row["active"]:
            return None
        secret = self._keyring.open(
            Sealed(row["secret_key_id"], row["secret_sealed"]), access_key_id.encode()
        )
        account_id = sys.intern(row["account_id"])  # one copy, not one per cached key
        if row["user_id"] is None:
            principal = Principal(
                account_id=account_id,
                kind="root",
                arn=arn.root_arn(account_id),
                user_id=account_id,
                user_name=None,
                access_key_id=access_key_id,
                identity_kind="root",
                identity_id=account_id,
            )
        else:
            principal = Principal(
                account_id=account_id,
                kind="user",
                arn=arn.iam_arn(account_id, "user", row["path"], row["name"]),
                user_id=row["user_id"],
                user_name=row["name"],
                access_key_id=access_key_id,
                identity_kind="user",
                identity_id=row["user_id"],
            )
        return ResolvedKey(secret.decode(), principal)
