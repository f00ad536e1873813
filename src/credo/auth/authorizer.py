"""May this caller do this action on this resource? The one gate every API call passes.

The root user may do everything in its own account; everyone else gets what their identity
policies allow (inline, attached, through groups), capped by their permissions boundary and,
for sessions, by the session policies — decided by ``credo.policy.evaluate``. Decisions
read compiled policies from a cache whose entries drop when what they were built from changes
(the identity, its groups, its managed policies: ``IdentityPolicies.topics``), through any
server process sharing the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from sqlalchemy import Connection, select

from credo.auth import denials, identity_policies
from credo.auth.action_resources import rule_for
from credo.auth.identity_policies import IdentityPolicies
from credo.auth.principal import Principal
from credo.auth.request_context import request_context
from credo.auth.resources import Target, resolve_target, target_needs_store
from credo.call import Call
from credo.errors import AccessDenied
from credo.policy import Policy, Request, compile_policy, evaluate
from credo.store.db import Store
from credo.store.schema import password_policies
from credo.store.tagged_cache import Miss, TaggedCache

# Identities whose compiled policies stay in memory (least recently used go first).
IDENTITY_CACHE_SIZE = 20_000

# AWS: credentials from GetSessionToken may call IAM only when MFA-authenticated, and STS
# only for AssumeRole and GetCallerIdentity; federated users may not call IAM at all.
_SESSION_STS_ALLOWED = {"AssumeRole", "GetCallerIdentity"}

# Granted to every IAM user by the account password policy's AllowUsersToChangePassword.
_PASSWORD_POLICY_GRANTS = {"ChangePassword", "GetAccountPasswordPolicy"}

PolicyType = Literal[
    "identity-based policy", "resource-based policy", "permissions boundary", "session policy"
]


class Authorizer:
    """Decides calls; caches each identity's compiled policies until one of their sources changes."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._cache: TaggedCache[tuple[str, str], IdentityPolicies] = TaggedCache(store, IDENTITY_CACHE_SIZE)
        # For /metrics (credo.server.metrics): plain ints, see credo.metrics on why no lock.
        self.allowed = 0
        self.denied = 0

    @property
    def cache_hits(self) -> int:
        return self._cache.hits

    @property
    def cache_misses(self) -> int:
        return self._cache.misses

    def authorize(self, call: Call, service: str, secure_transport: bool) -> None:
        """Return if the call is allowed; raise ``AccessDenied`` with AWS's message otherwise.

        Every way out counts an ``allowed`` or a ``denied`` (for /metrics), counted in line:
        this is the hot path, and a wrapping call would cost more than the counting."""
        rule = rule_for(service, call.action)
        if rule is None or (service == "sts" and call.action == "AssumeRole"):
            # Nothing to check here: AssumeRole is decided by its handler, with the role's
            # trust policy as the resource-based policy.
            self.allowed += 1
            return
        principal = call.principal
        action = f"{service}:{call.action}"
        try:
            self._check_session_limits(call, service, action)
        except AccessDenied:
            self.denied += 1
            raise
        if principal.is_root:
            self.allowed += 1
            return
        identity = self._cached_identity(principal.identity_kind, principal.identity_id)
        if identity is not None and not target_needs_store(rule, call.params):
            # The common case (a listing, "*", the caller itself): no connection at all.
            target = resolve_target(None, rule, call.params, principal)
        else:
            with self._store.read() as conn:
                if identity is None:
                    identity = self._load_identity(
                        conn, principal.identity_kind, principal.identity_id, principal.account_id
                    )
                target = resolve_target(conn, rule, call.params, principal)
        refusal = self._decide(call, action, identity, target, secure_transport)
        if refusal is not None:
            self.denied += 1
            raise refusal
        self.allowed += 1

    def authorize_targets(
        self, call: Call, service: str, secure_transport: bool, targets: Sequence[Target]
    ) -> None:
        """Like ``authorize``, against resources the caller found (the JSON services, whose
        actions may need several): every one must be allowed, and a refusal names each one
        denied, joined with ", " as AWS's refusals do."""
        try:
            self._authorize_targets(call, service, secure_transport, targets)
        except AccessDenied:
            self.denied += 1
            raise
        self.allowed += 1

    def _authorize_targets(
        self, call: Call, service: str, secure_transport: bool, targets: Sequence[Target]
    ) -> None:
        principal = call.principal
        action = f"{service}:{call.action}"
        self._check_session_limits(call, service, action)
        if principal.is_root:
            return
        identity = self._cached_identity(principal.identity_kind, principal.identity_id)
        if identity is None:
            with self._store.read() as conn:
                identity = self._load_identity(
                    conn, principal.identity_kind, principal.identity_id, principal.account_id
                )
        refusals = [
            refusal
            for target in targets
            if (refusal := self._decide(call, action, identity, target, secure_transport)) is not None
        ]
        if refusals:
            raise AccessDenied(", ".join(refusal.message for refusal in refusals))

    def _decide(
        self, call: Call, action: str, identity: IdentityPolicies, target: Target, secure_transport: bool
    ) -> AccessDenied | None:
        """``None`` if the caller may do ``action`` on ``target``; else the refusal to raise."""
        principal = call.principal
        context = request_context(
            principal,
            principal_arn=identity.arn or principal.arn,
            principal_tags=identity.tags,
            params=call.params,
            now=call.services.clock.now(),
            source_ip=call.source_ip,
            secure_transport=secure_transport,
            region=call.region,
            resource_tags=target.tags,
        )
        request = Request(
            action=action,
            resource=target.arn,
            context=context,
            principal_arn=principal.arn,
            principal_account=principal.account_id,
        )
        boundaries, session = caps(principal, identity)
        decision = evaluate(request, identity=identity.identity, boundaries=boundaries, session=session)
        if decision.allowed:
            return None
        if decision.result == "implicitDeny" and self._granted_by_password_policy(call, target):
            return None
        error = access_denied(
            principal.arn, action, target, request, identity, boundaries, session, decision.result
        )
        why = denials.describe_denial(
            principal, action, target.arn, context, decision.result == "explicitDeny", decision.matched
        )
        error.encoded_message = denials.encode(call.services.keyring, why)
        return error

    def _check_session_limits(self, call: Call, service: str, action: str) -> None:
        principal = call.principal
        if not principal.is_session or principal.kind == "assumed-role":
            return
        if service == "sts" and call.action == "GetFederationToken":
            raise AccessDenied("Cannot call GetFederationToken with session credentials")
        if service == "sts" and call.action not in _SESSION_STS_ALLOWED:
            raise AccessDenied(
                f"User: {principal.arn} is not authorized to perform: {action} because session "
                "credentials may not call this operation"
            )
        if service == "iam" and (principal.kind == "federated-user" or not principal.mfa_authenticated):
            raise AccessDenied(
                f"User: {principal.arn} is not authorized to perform: {action} because IAM calls with "
                "session credentials require MFA authentication"
            )

    def _granted_by_password_policy(self, call: Call, target: Target) -> bool:
        """AWS: ``AllowUsersToChangePassword`` lets every IAM user change their own password."""
        principal = call.principal
        if call.action not in _PASSWORD_POLICY_GRANTS or principal.kind != "user":
            return False
        if call.action == "ChangePassword" and target.arn != principal.arn:
            return False
        with self._store.read() as conn:
            allowed = conn.execute(
                select(password_policies.c.allow_users_to_change_password).where(
                    password_policies.c.account_id == principal.account_id
                )
            ).scalar()
        return bool(allowed)

    def identity_policies(self, principal: Principal) -> IdentityPolicies:
        """The compiled policies of the principal's identity, from the cache or the store."""
        identity = self._cached_identity(principal.identity_kind, principal.identity_id)
        if identity is None:
            with self._store.read() as conn:
                identity = self._load_identity(
                    conn, principal.identity_kind, principal.identity_id, principal.account_id
                )
        return identity

    def _cached_identity(self, kind: str, identity_id: str) -> IdentityPolicies | None:
        """The identity's compiled policies if cached and still current."""
        found = self._cache.get((kind, identity_id))
        return None if isinstance(found, Miss) else found

    def _load_identity(
        self, conn: Connection, kind: str, identity_id: str, account_id: str
    ) -> IdentityPolicies:
        ticket = self._cache.ticket()
        if kind == "role":
            loaded = identity_policies.load_role(conn, account_id, identity_id)
        else:
            loaded = identity_policies.load_user(conn, account_id, identity_id)
        self._cache.put((kind, identity_id), loaded, loaded.topics, ticket)
        return loaded


def caps(principal: Principal, identity: IdentityPolicies) -> tuple[list[Policy] | None, list[Policy] | None]:
    """``(boundaries, session policies)`` that cap the principal's identity policies; ``None``
    where there is no such cap (``credo.policy.evaluate``'s convention)."""
    session: list[Policy] | None = [compile_policy(text, "session") for text in principal.session_policies]
    if not session and principal.kind != "federated-user":
        # Only a federated user's session is narrowed even with no policy: AWS gives a
        # GetFederationToken session without session policies no permissions at all.
        session = None
    boundaries = [identity.boundary] if identity.boundary is not None else None
    return boundaries, session


def access_denied(
    caller_arn: str,
    action: str,
    target: Target,
    request: Request,
    identity: IdentityPolicies,
    boundaries: list[Policy] | None,
    session: list[Policy] | None,
    result: str,
    resource: Sequence[tuple[str, Policy]] = (),
) -> AccessDenied:
    """AWS's wording, naming the kind of policy that denied (explicitly or by silence).

    ``resource``: the resource-based policies evaluated too (credo.gateway's callers pass one)."""
    head = f"User: {caller_arn} is not authorized to perform: {action} on resource: {target.named}"
    if result == "explicitDeny":
        source = _explicit_deny_source(request, identity, boundaries, session, resource)
        article = "an" if source.startswith("identity") else "a"
        return AccessDenied(f"{head} with an explicit deny in {article} {source}")
    source = _implicit_deny_source(request, identity, boundaries, session)
    return AccessDenied(f"{head} because no {source} allows the {action} action")


def _explicit_deny_source(
    request: Request,
    identity: IdentityPolicies,
    boundaries: list[Policy] | None,
    session: list[Policy] | None,
    resource: Sequence[tuple[str, Policy]] = (),
) -> PolicyType:
    if evaluate(request, identity=identity.identity).result == "explicitDeny":
        return "identity-based policy"
    if resource and evaluate(request, resource=resource).result == "explicitDeny":
        return "resource-based policy"
    if boundaries and evaluate(request, identity=[("b", p) for p in boundaries]).result == "explicitDeny":
        return "permissions boundary"
    return "session policy"


def _implicit_deny_source(
    request: Request,
    identity: IdentityPolicies,
    boundaries: list[Policy] | None,
    session: list[Policy] | None,
) -> PolicyType:
    if not evaluate(request, identity=identity.identity).allowed:
        return "identity-based policy"
    if boundaries is not None and not evaluate(request, identity=[("b", p) for p in boundaries]).allowed:
        return "permissions boundary"
    return "session policy"
