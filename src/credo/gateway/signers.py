"""Who signed a request: the key's secret, principal, policies and fixed context, cached as one.

A decision needs, of the credentials a request is signed with, the secret (to check the
signature), the principal, the principal's compiled policies and caps, and the context keys that
are the same for every request they sign (``aws:userid``, ``aws:PrincipalArn``, tags…).
``Signers.find`` hands these out as one ``Signer``, built from the server's credential and policy
caches (``CredentialResolver``, ``Authorizer``) and kept in a ``TaggedCache`` under the union of
their topics: the key, its owner, the owner's groups and managed policies, its boundary. A change
to any of them (a deactivated key, a detached policy, a new Deny) drops the signer in every
process sharing the store when it drops theirs, before the next decision.

A signer also remembers the service definitions its requests were routed by (``ServiceCatalog``;
it is dropped when any definition changes, topic ``ANY_DEFINITION``) and its *allowed* judgements (``credo.gateway.evaluation``) for the actions
its policies decide without reading the context (``credo.policy.context_free``): those depend on
the action and the resource alone, so a repeated request is one look-up. Refusals are always
worked out afresh (their encoded message carries the request's context).

Bounds: ``SIGNER_CACHE_SIZE`` signers (least recently used go first), each remembering at most
``JUDGEMENTS_PER_SIGNER`` judgements (it starts over when full).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from credo.auth.authorizer import Authorizer, caps
from credo.auth.credentials import CredentialResolver
from credo.auth.identity_policies import IdentityPolicies
from credo.auth.principal import Principal
from credo.auth.request_context import ContextValue, principal_keys
from credo.clock import Clock
from credo.errors import ExpiredToken
from credo.gateway.caller import Caller
from credo.gateway.catalog import ANY_DEFINITION, ServiceCatalog
from credo.gateway.definitions import ServiceDefinition
from credo.policy import Policy, context_free
from credo.store import changes
from credo.store.db import Store
from credo.store.tagged_cache import Miss, TaggedCache

if TYPE_CHECKING:
    from credo.gateway.evaluation import Judgement

# Keys (and sessions) whose signer stays in memory.
SIGNER_CACHE_SIZE = 10_000
# Allowed judgements one signer remembers: (action, resource) pairs, e.g. one per widget read.
JUDGEMENTS_PER_SIGNER = 1_024
DEFINITIONS_PER_SIGNER = 64


@dataclass(slots=True, eq=False)
class Signer:
    """One access key (or session) with what deciding its requests needs (see the module docstring)."""

    secret: str
    principal: Principal
    identity: IdentityPolicies
    boundaries: list[Policy] | None
    session: list[Policy] | None
    context: dict[str, ContextValue]  # ``principal_keys``: the same for each request it signs
    expires_at: float | None  # a session's end (seconds since the epoch)
    principal_json: str  # the decision endpoint's ``principal`` object
    allowed: dict[tuple[str, str, str | None], Judgement] = field(default_factory=dict)
    definitions: dict[str, ServiceDefinition | None] = field(default_factory=dict)  # by prefix
    _context_free: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def of(cls, secret: str, principal: Principal, identity: IdentityPolicies) -> Signer:
        boundaries, session = caps(principal, identity)
        expires_at = principal.expires_at.timestamp() if principal.expires_at is not None else None
        return cls(
            secret,
            principal,
            identity,
            boundaries,
            session,
            principal_keys(
                principal, principal_arn=identity.arn or principal.arn, principal_tags=identity.tags
            ),
            expires_at,
            json.dumps(Caller.of(principal).document(), separators=(",", ":")),
        )

    def context_free(self, action: str) -> bool:
        """Whether its policies decide ``action`` without reading the request context."""
        found = self._context_free.get(action)
        if found is None:
            policies = [policy for _, policy in self.identity.identity]
            policies += self.boundaries or ()
            policies += self.session or ()
            if len(self._context_free) >= JUDGEMENTS_PER_SIGNER:
                self._context_free.clear()
            found = self._context_free[action] = context_free(action, policies)
        return found

    def definition(self, prefix: str, catalog: ServiceCatalog) -> ServiceDefinition | None:
        """The definition of ``prefix`` for its account, as ``catalog`` finds it (remembered)."""
        try:
            return self.definitions[prefix]
        except KeyError:
            found = catalog.find(prefix, self.principal.account_id)
            if len(self.definitions) >= DEFINITIONS_PER_SIGNER:
                self.definitions.clear()
            self.definitions[prefix] = found
            return found

    def remember(self, key: tuple[str, str, str | None], judgement: Judgement) -> None:
        if len(self.allowed) >= JUDGEMENTS_PER_SIGNER:
            self.allowed.clear()
        self.allowed[key] = judgement


class Signers:
    """``Signer``s by access key id (and session token), kept fresh by the store's change feed."""

    def __init__(
        self, store: Store, credentials: CredentialResolver, authorizer: Authorizer, clock: Clock
    ) -> None:
        self.credentials = credentials
        self.authorizer = authorizer
        self._clock = clock
        # Made after the caches a signer is built from or reads (the credentials', the policies',
        # the service catalog's), so it hears of each change after them: a signer built while a
        # change is being delivered is never kept (the ticket), and one that is kept only ever
        # reads those caches after they dropped what the changes before it touched.
        self._cache: TaggedCache[str | tuple[str, str], Signer] = TaggedCache(store, SIGNER_CACHE_SIZE)

    def find(self, access_key_id: str, session_token: str | None) -> Signer:
        """The signer of ``access_key_id``; ``InvalidClientTokenId`` or ``ExpiredToken`` as
        ``CredentialResolver.resolve`` refuses, a session's expiry checked on every call."""
        key = access_key_id if session_token is None else (access_key_id, session_token)
        found = self._cache.get(key)
        if isinstance(found, Miss):
            ticket = self._cache.ticket()
            resolved = self.credentials.resolve(access_key_id, session_token)
            principal = resolved.principal
            if principal.is_root:
                identity = IdentityPolicies(principal.arn, (), None, ())
            else:
                identity = self.authorizer.identity_policies(principal)
            found = Signer.of(resolved.secret, principal, identity)
            topics = {
                changes.identity(principal.identity_kind, principal.identity_id),
                *identity.topics,
                ANY_DEFINITION,
            }
            if session_token is None:
                topics.add(changes.key(access_key_id))
            self._cache.put(key, found, frozenset(topics), ticket)
        if found.expires_at is not None and self._clock.time() >= found.expires_at:
            raise ExpiredToken()
        return found
