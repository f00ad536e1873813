"""The decision: may this principal perform this action on this resource, given these policies?

Follows AWS's "Policy evaluation logic":

1. An explicit Deny in any applicable policy (identity, resource-based, boundary, session)
   decides: ``explicitDeny``.
2. The identity side allows when an identity policy allows (or the caller is the account
   root, ``is_root``) and every cap given allows too: the permissions boundaries (if
   ``boundaries`` is not None, one of them must allow) and the session policies (if
   ``session`` is not None, one of them must allow).
3. Cross-account (``resource_account`` and ``Request.principal_account`` both known and
   different): both the identity side and a resource-based policy must allow.
4. Same account: the identity side alone is enough, and so is a resource-based grant, capped
   by how it names the caller. Naming the session ARN (or a service/federated principal) is
   not capped; naming an IAM user ARN is capped by session policies but not by the boundary;
   naming a role (matching its sessions) or ``*`` is capped by both; naming only the account
   (id or root ARN) delegates to the account's identity policies and grants nothing alone.
5. Otherwise ``implicitDeny``.

``resource_required`` is for role trust policies: AWS lets a role be assumed only when its
trust policy allows the caller, even within the account, so a resource-based grant (at least
naming the caller's account) is then needed on top of rules 2-4.

NotPrincipal (Deny only) applies to every caller it does not name; an account listed there
exempts only the account root. credo does not reproduce AWS's quirk that a principal is
denied unless its account is listed too.

Speed: each policy keeps, per action name, the statements whose Action matches it and the
context keys they read; the outcome for one policy (its matching Allow and Deny statements
and missing keys) is remembered under the resource and those keys' values, so a repeated
request is a few dictionary look-ups. Outcomes for resource-based policies, which depend on
the principal, are always computed.

``Decision.matched`` lists the Deny statements that matched for ``explicitDeny`` and the
matching Allow statements of identity and resource-based policies for ``allowed``.
``Decision.missing_context`` lists keys that statements matching the action needed but the
context lacked. Boundary and session statements are reported with the policy's ``Id`` or
``"PermissionsBoundary"`` / ``"SessionPolicy"`` as their policy id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from credo.policy.conditions import Context
from credo.policy.document import MatchedStatement, Outcome, Policy, Statement
from credo.policy.principals import ACCOUNT, CAPPED, NONE, SESSION, USER, session_role

Result = Literal["allowed", "explicitDeny", "implicitDeny"]


@dataclass(frozen=True, init=False)
class Request:
    """What is asked: an action on a resource, by a principal, with a context.

    ``context`` keys are case-insensitive; a value is a string or a list of strings.
    ``principal_service`` (``ec2.amazonaws.com``) and ``principal_federated`` (an identity
    provider) identify non-IAM callers for Principal matching.
    """

    action: str
    resource: str = "*"
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    principal_arn: str | None = None
    principal_account: str | None = None
    principal_service: str | None = None
    principal_federated: str | None = None

    def __init__(
        self,
        action: str,
        resource: str = "*",
        context: Mapping[str, str | Sequence[str]] | None = None,
        principal_arn: str | None = None,
        principal_account: str | None = None,
        principal_service: str | None = None,
        principal_federated: str | None = None,
    ) -> None:
        # The generated __init__ of a frozen dataclass sets each field through
        # object.__setattr__; filling the instance dict directly gives the same object in half
        # the time, and a server builds one Request per call.
        d = self.__dict__
        d["action"] = action
        d["resource"] = resource
        d["context"] = {} if context is None else context
        d["principal_arn"] = principal_arn
        d["principal_account"] = principal_account
        d["principal_service"] = principal_service
        d["principal_federated"] = principal_federated


@dataclass(frozen=True, init=False)
class Decision:
    """The answer: allowed or not and why (the deciding statements, the missing keys)."""

    result: Result
    matched: tuple[MatchedStatement, ...]
    missing_context: tuple[str, ...]

    def __init__(
        self, result: Result, matched: tuple[MatchedStatement, ...], missing_context: tuple[str, ...]
    ) -> None:
        d = self.__dict__  # one Decision per call: see Request.__init__
        d["result"] = result
        d["matched"] = matched
        d["missing_context"] = missing_context

    @property
    def allowed(self) -> bool:
        return self.result == "allowed"


_NOTHING: tuple[str, ...] = ()
_IMPLICIT_DENY = Decision("implicitDeny", (), ())


_EMPTY: Context = {}


def _outcome(statements: tuple[Statement, ...], resource: str, ctx: Context) -> Outcome:
    """Which of ``statements`` (all matching the action) match the resource and conditions.

    One flat loop, because this is the cost of every decision not remembered yet.
    """
    missing: dict[str, str] | None = None
    allows: list[Statement] = []
    denies: list[Statement] = []
    for st in statements:
        resources = st.resources
        if st.uses_context:
            for key, name in st.needed_keys:
                if key not in ctx:
                    if missing is None:
                        missing = {}
                    missing.setdefault(key, name)
            if resources is not None:
                if resources.match_all:
                    if st.not_resource:
                        continue
                else:
                    found = resources.matches(resource, ctx)
                    if found is None or found is st.not_resource:
                        continue
            failed = False
            for cond in st.conditions:
                if not cond.check(ctx):
                    failed = True
                    break
            if failed:
                continue
        elif resources is not None:
            if resources.match_all:
                if st.not_resource:
                    continue
            else:
                pattern = resources.pattern
                if (pattern is not None and pattern.fullmatch(resource) is not None) is st.not_resource:
                    continue
        (denies if st.deny else allows).append(st)
    return Outcome(tuple(allows), tuple(denies), tuple(missing.items()) if missing else ())


def _hashable(value: str | Sequence[str] | None) -> object:
    return value if value is None or value.__class__ is str else tuple(value)


class _Call:
    """One evaluation's request, normalized once, and what it has found so far."""

    __slots__ = ("_ctx", "action", "denies", "missing", "request", "resource")

    def __init__(self, request: Request) -> None:
        self.request = request
        self.action = request.action.lower()
        self.resource = request.resource
        self._ctx: Context | None = None
        self.missing: dict[str, str] | None = None
        self.denies: list[MatchedStatement] = []

    @property
    def ctx(self) -> Context:
        """The context with lowercased keys, built on first use."""
        ctx = self._ctx
        if ctx is None:
            context = self.request.context
            ctx = self._ctx = {k.lower(): v for k, v in context.items()}
        return ctx

    def applies(self, st: Statement, missing: dict[str, str]) -> bool:
        """Whether a statement whose action matches also matches resource and conditions."""
        resources = st.resources
        if not st.uses_context:
            if resources is None:
                return True
            if resources.match_all:
                return not st.not_resource
            pattern = resources.pattern
            hit = pattern is not None and pattern.fullmatch(self.resource) is not None
            return hit is not st.not_resource
        ctx = self.ctx
        for key, name in st.needed_keys:
            if key not in ctx:
                missing.setdefault(key, name)
        if resources is not None:
            if resources.match_all:
                if st.not_resource:
                    return False
            else:
                found = resources.matches(self.resource, ctx)
                if found is None or found is st.not_resource:
                    return False
        for cond in st.conditions:  # noqa: SIM110 - a loop is faster than all() over a generator
            if not cond.check(ctx):
                return False
        return True

    def scan(self, policy_id: str, policy: Policy, allows: list[MatchedStatement] | None) -> bool:
        """Record matching Deny (and, given ``allows``, Allow) statements; True if one allows."""
        plan = policy.plan_for(self.action)
        if not plan.statements:
            return False
        resource = self.resource
        if plan.reads:
            context = self.request.context
            keys = tuple(context)
            spelled = plan.spellings.get(keys) or plan.spelled(keys)
            key: object = (resource, *map(context.get, spelled))
            try:
                outcome = plan.outcomes.get(key)
            except TypeError:  # a multivalued key: lists become tuples
                key = (resource, *[_hashable(self.ctx.get(k)) for k in plan.reads])
                outcome = plan.outcomes.get(key)
            if outcome is None:
                outcome = _outcome(plan.statements, resource, self.ctx)
                plan.remember(key, outcome)
        else:
            outcome = plan.outcomes.get(resource)
            if outcome is None:
                outcome = _outcome(plan.statements, resource, _EMPTY)
                plan.remember(resource, outcome)
        reported_allows, reported_denies = outcome.reported(policy_id)
        if reported_denies:
            self.denies.extend(reported_denies)
        if allows is not None and reported_allows:
            allows.extend(reported_allows)
        if outcome.missing:
            if self.missing is None:
                self.missing = {}
            for k, name in outcome.missing:
                self.missing.setdefault(k, name)
        return bool(reported_allows)

    def grant(self, st: Statement) -> int:
        if st.principals is None:
            return CAPPED
        request = self.request
        level = st.principals.grant(
            request.principal_arn,
            request.principal_account,
            session_role(request.principal_arn),
            request.principal_service,
            request.principal_federated,
        )
        if st.not_principal:
            # Listing an account in NotPrincipal exempts the account principal, not its users
            # and roles (AWS: list the account and the principal, or the whole account is denied).
            exempt = level > ACCOUNT or (level == ACCOUNT and (request.principal_arn or "").endswith(":root"))
            return NONE if exempt else CAPPED
        return level


def evaluate(
    request: Request,
    *,
    identity: Sequence[tuple[str, Policy]] = (),
    resource: Sequence[tuple[str, Policy]] = (),
    boundaries: Sequence[Policy] | None = None,
    session: Sequence[Policy] | None = None,
    resource_account: str | None = None,
    is_root: bool = False,
    resource_required: bool = False,
) -> Decision:
    """Decide ``request`` against the policies that apply to it (see the module docstring)."""
    call = _Call(request)
    allows: list[MatchedStatement] = []

    identity_allowed = False
    for policy_id, policy in identity:
        if call.scan(policy_id, policy, allows):
            identity_allowed = True

    best_grant = NONE
    for policy_id, policy in resource:
        for st in policy.statements_for(call.action):
            level = call.grant(st)
            if level == NONE:
                continue
            if call.missing is None:
                call.missing = {}
            if not call.applies(st, call.missing):
                continue
            if st.deny:
                call.denies.append(st.matched_as(policy_id))
            else:
                allows.append(st.matched_as(policy_id))
                best_grant = max(best_grant, level)

    boundary_ok = True
    if boundaries is not None:
        boundary_ok = False
        for policy in boundaries:
            if call.scan(policy.id or "PermissionsBoundary", policy, None):
                boundary_ok = True
    session_ok = True
    if session is not None:
        session_ok = False
        for policy in session:
            if call.scan(policy.id or "SessionPolicy", policy, None):
                session_ok = True

    missing = _NOTHING if call.missing is None else tuple(call.missing.values())
    if call.denies:
        return Decision("explicitDeny", tuple(call.denies), missing)

    identity_side = (is_root or identity_allowed) and boundary_ok and session_ok
    account = request.principal_account
    if resource_account is not None and account is not None and resource_account != account:
        allowed = identity_side and best_grant >= ACCOUNT
    else:
        allowed = (
            identity_side
            or best_grant >= SESSION
            or (best_grant == USER and session_ok)
            or (best_grant == CAPPED and boundary_ok and session_ok)
        )
    if resource_required and best_grant < ACCOUNT:
        allowed = False
    if allowed:
        return Decision("allowed", tuple(allows), missing)
    return _IMPLICIT_DENY if missing is _NOTHING else Decision("implicitDeny", (), missing)
