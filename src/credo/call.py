"""What a domain operation receives: the decoded parameters, the caller, and the services.

Domain modules (``iam/``, ``sts/``) export ``OPERATIONS: dict[str, Operation]``; the server
looks actions up there. Handlers are plain functions from ``Call`` to a result mapping
shaped like the operation's output in the botocore model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from credo.auth.credentials import CredentialResolver

if TYPE_CHECKING:
    from credo.audit.trail import AuditTrail
    from credo.auth.authorizer import Authorizer
from credo.auth.key_usage import KeyUsage
from credo.auth.principal import Principal
from credo.clock import Clock
from credo.federation.jwks import JwksCache
from credo.keyring import Keyring
from credo.settings import Settings
from credo.store.db import Store
from credo.store.page_cache import PageCache


@dataclass
class Services:
    """The long-lived parts one server process shares between requests."""

    settings: Settings
    store: Store
    keyring: Keyring
    clock: Clock
    credentials: CredentialResolver
    usage: KeyUsage
    authorizer: Authorizer
    # Every call's event (audit/): in the call's transaction when it writes, else batched.
    audit: AuditTrail
    # Pages of listings (ListUsers), until a write changes what they list.
    pages: PageCache
    # OIDC issuers' signing keys, cached across requests (AssumeRoleWithWebIdentity).
    web_identity_keys: JwksCache = field(default_factory=JwksCache)


@dataclass(slots=True)  # built per request; frozen dataclasses are several times slower to build
class Call:
    """One authenticated API call."""

    action: str
    params: Mapping[str, Any]
    principal: Principal
    services: Services
    request_id: str
    region: str
    source_ip: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


Result = Mapping[str, Any]
Handler = Callable[[Call], Result]


@dataclass(frozen=True)
class Operation:
    """The handler of one API action.

    ``blocking`` marks handlers that spend long on the CPU (argon2 password hashing, QR codes,
    reports): the server never runs them on its event loop, where they would stall every client.
    ``store_free`` marks handlers that answer from the request alone, or usually from a cache
    (a ListUsers page): with PostgreSQL, where any other handler waits on the network, only
    these run on the event loop; one that does need the store there raises ``NeedsThread`` at
    its first access and is done again, whole, in a worker thread.
    """

    handler: Handler
    blocking: bool = False
    store_free: bool = False

    def runs_on_loop(self, store_waits: bool) -> bool:
        """Whether the server may run this handler on its event loop."""
        return not self.blocking and (self.store_free or not store_waits)
