"""May this caller do this action on this resource? The one gate every API call passes.

The root user may do everything in its own account; everyone else gets what their identity
policies allow (inline, attached, through groups), capped by their permissions boundary and,
for sessions, by the session policies — decided by ``credo.policy.evaluate``. Decisions
read compiled policies from a cache that drops itself whenever the store's generation moves,
so an edit made through any server process applies to the very next request.
"""

from __future__ import annotations

import threading
from typing import Literal

from sqlalchemy import Connection, select

from credo.auth import denials, identity_policies
from credo.auth.action_resources import rule_for
from credo.auth.identity_policies import IdentityPolicies
from credo.auth.request_context import request_context
from credo.auth.resources import Target, resolve_target, target_needs_store
from credo.call import Call
from credo.errors import AccessDenied
from credo.policy import Policy, Request, compile_policy, evaluate
from credo.store.db import Store
from credo.store.schema import password_policies

# AWS: credentials from GetSessionToken may call IAM only when MFA-authenticated, and STS
# only for AssumeRole and GetCallerIdentity; federated users may not call IAM at all.
_SESSION_STS_ALLOWED = {"AssumeRole", "GetCallerIdentity"}

# Granted to every IAM user by the account password policy's AllowUsersToChangePassword.
_PASSWORD_POLICY_GRANTS = {"ChangePassword", "GetAccountPasswordPolicy"}

PolicyType = Literal["identity-based policy", "permissions boundary", "session policy"]


class Authorizer:
    """Decides calls; caches each identity's compiled policies per store generation."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._cache: dict[tuple[str, str], IdentityPolicies] = {}
        self._generation = -1
        self._lock = threading.Lock()

    def authorize(self, call: Call, service: str, secure_transport: bool) -> None:
        """Return if the call is allowed; raise ``AccessDenied`` with AWS's message otherwise."""
        rule = rule_for(service, call.action)
        if rule is None or (service == "sts" and call.action == "AssumeRole"):
            # Nothing to check here: AssumeRole is decided by its handler, with the role's
            # trust policy as the resource-based policy.
            return
        principal = call.principal
        action = f"{service}:{call.action}"
        self._check_session_limits(call, service, action)
        if principal.is_root:
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
        session: list[Policy] | None = [
            compile_policy(text, "session") for text in principal.session_policies
        ]
        if not session and principal.kind != "federated-user":
            # Only a federated user's session is narrowed even with no policy: AWS gives a
            # GetFederationToken session without session policies no permissions at all.
            session = None
        boundaries = [identity.boundary] if identity.boundary is not None else None
        decision = evaluate(request, identity=identity.identity, boundaries=boundaries, session=session)
        if decision.allowed:
            return
        if decision.result == "implicitDeny" and self._granted_by_password_policy(call, target):
            return
        error = access_denied(
            principal.arn, action, target, request, identity, boundaries, session, decision.result
        )
        why = denials.describe_denial(
            principal, action, target.arn, context, decision.result == "explicitDeny", decision.matched
        )
        error.encoded_message = denials.encode(call.services.keyring, why)
        raise error

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

    def _cached_identity(self, kind: str, identity_id: str) -> IdentityPolicies | None:
        """The identity's compiled policies if cached at the store's current generation."""
        generation = self._store.generation()
        with self._lock:
            if generation != self._generation:
                self._cache.clear()
                self._generation = generation
            return self._cache.get((kind, identity_id))

    def _load_identity(
        self, conn: Connection, kind: str, identity_id: str, account_id: str
    ) -> IdentityPolicies:
        if kind == "role":
            loaded = identity_policies.load_role(conn, account_id, identity_id)
        else:
            loaded = identity_policies.load_user(conn, account_id, identity_id)
        with self._lock:
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[(kind, identity_id)] = loaded
        return loaded


def access_denied(
    caller_arn: str,
    action: str,
    target: Target,
    request: Request,
    identity: IdentityPolicies,
    boundaries: list[Policy] | None,
    session: list[Policy] | None,
    result: str,
) -> AccessDenied:
    """AWS's wording, naming the kind of policy that denied (explicitly or by silence)."""
    head = f"User: {caller_arn} is not authorized to perform: {action} on resource: {target.arn}"
    if result == "explicitDeny":
        source = _explicit_deny_source(request, identity, boundaries, session)
        article = "an" if source.startswith("identity") else "a"
        return AccessDenied(f"{head} with an explicit deny in {article} {source}")
    source = _implicit_deny_source(request, identity, boundaries, session)
    return AccessDenied(f"{head} because no {source} allows the {action} action")


def _explicit_deny_source(
    request: Request,
    identity: IdentityPolicies,
    boundaries: list[Policy] | None,
    session: list[Policy] | None,
) -> PolicyType:
    if evaluate(request, identity=identity.identity).result == "explicitDeny":
        return "identity-based policy"
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
