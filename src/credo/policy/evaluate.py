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

Speed: each policy keeps, per action name as spelled, a plan: the statements whose Action
matches it and the context keys they read. What one policy says about a request (its matching
Allow and Deny statements, as reported under the policy's id, and the missing keys) depends
only on the resource and those keys' values, so it is remembered under them, and a repeated
request is a few dictionary look-ups; when that report is all a call found, the Decision is
cached on it too. The keys are read as the caller spelled them (the spelling of a set of keys
is worked out once per plan), so a context is never lowercased as a whole to decide an
identity policy: a decision not remembered yet reads just the keys its plan needs. Equal
reports are shared, whatever the resource. Reports of resource-based policies, which depend
on the principal, are always computed.

``Decision.matched`` lists the Deny statements that matched for ``explicitDeny`` and the
matching Allow statements of identity and resource-based policies for ``allowed``.
``Decision.missing_context`` lists keys that statements matching the action needed but the
context lacked. Boundary and session statements are reported with the policy's ``Id`` or
``"PermissionsBoundary"`` / ``"SessionPolicy"`` as their policy id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from credo.policy.conditions import Context
from credo.policy.document import ActionPlan, Policy, Statement, missing_keys
from credo.policy.outcome import Decision, Report, Result, decided
from credo.policy.principals import ACCOUNT, CAPPED, NONE, SESSION, USER, session_role

_EMPTY: Context = {}


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


def _matching(
    statements: tuple[Statement, ...], resource: str, ctx: Context
) -> tuple[tuple[Statement, ...], tuple[Statement, ...]]:
    """Which of ``statements`` (all matching the action) match the resource and conditions:
    ``(allows, denies)``.

    One flat loop, because this is the cost of every decision not remembered yet.
    """
    allows: list[Statement] = []
    denies: list[Statement] = []
    for st in statements:
        resources = st.resources
        if st.uses_context:
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
    return tuple(allows), tuple(denies)


def _hashable(value: str | Sequence[str]) -> str | tuple[str, ...]:
    return value if value.__class__ is str else tuple(value)


class _Call:
    """One evaluation's request, and the reports that have something to say about it."""

    __slots__ = ("_ctx", "denied", "found", "keys", "request")

    def __init__(self, request: Request) -> None:
        self.request = request
        self.keys: tuple[str, ...] | None = None  # the context's keys as spelled, once needed
        self._ctx: Context | None = None
        self.found: list[tuple[Report, bool]] = []  # and whether its Allows count
        self.denied = False

    @property
    def ctx(self) -> Context:
        """The context with lowercased keys, built on first use."""
        ctx = self._ctx
        if ctx is None:
            context = self.request.context
            ctx = self._ctx = {k.lower(): v for k, v in context.items()}
        return ctx

    def report(self, policy_id: str, plan: ActionPlan) -> Report:
        """What the plan's policy says about this request: remembered, or computed and remembered."""
        resource = self.request.resource
        if not plan.reads:
            key: object = (policy_id, resource)
            report = plan.reports.get(key)
            if report is None:
                report = self.computed(plan, policy_id, key, _EMPTY, ())
            return report
        context = self.request.context
        keys = self.keys
        if keys is None:
            keys = self.keys = tuple(context)
        reader = plan.readers[keys]
        values = reader.values(context)
        key = (policy_id, resource, reader.absent, values)
        try:
            report = plan.reports.get(key)
        except TypeError:  # a multivalued key: lists become tuples
            values = tuple(map(_hashable, values))
            key = (policy_id, resource, reader.absent, values)
            report = plan.reports.get(key)
        if report is None:
            # Everything the plan's statements read, and nothing else: no lowercasing it all.
            # (Equal lengths by construction; checking them costs a third of building it.)
            ctx = dict(zip(reader.present, values, strict=False))
            report = self.computed(plan, policy_id, key, ctx, reader.missing)
        return report

    def computed(
        self,
        plan: ActionPlan,
        policy_id: str,
        key: object,
        ctx: Context,
        missing: tuple[tuple[str, str], ...],
    ) -> Report:
        """Compute what the plan's policy says, share an equal report made before, remember it."""
        allows, denies = _matching(plan.statements, self.request.resource, ctx)
        distinct = (policy_id, allows, denies, missing)
        report = plan.distinct.get(distinct)
        if report is None:
            if len(plan.distinct) >= 256:
                plan.distinct.clear()
            report = plan.distinct[distinct] = Report.of(policy_id, allows, denies, missing)
        return plan.remember(key, report)

    def take(self, report: Report, counted: bool) -> None:
        """Keep a report that has something to say (its Allows only if ``counted``)."""
        if report.denies:
            self.denied = True
        elif not report.missing and not (counted and report.allows):
            return
        self.found.append((report, counted))

    def scan(self, policy_id: str, policy: Policy, counted: bool) -> bool:
        """Take in what a policy without principals says; True if it allows."""
        plan = policy.plans[self.request.action]
        if not plan.statements:
            return False
        report = self.report(policy_id, plan)
        self.take(report, counted)
        return bool(report.allows)

    def scan_granting(self, policy_id: str, policy: Policy) -> int:
        """Take in what a resource-based policy says; the best grant among its matching Allows."""
        levels: dict[Statement, int] = {}
        for st in policy.plans[self.request.action].statements:
            level = self.grant(st)
            if level != NONE:
                levels[st] = level
        if not levels:
            return NONE
        statements = tuple(levels)
        ctx = self.ctx
        allows, denies = _matching(statements, self.request.resource, ctx)
        self.take(Report.of(policy_id, allows, denies, missing_keys(statements, ctx)), True)
        return max((levels[st] for st in allows), default=NONE)

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

    def decision(self, result: Result) -> Decision:
        """The Decision for ``result``, the cached one when a single report said it all."""
        found = self.found
        if not found:
            return decided(result, (), (), ())
        if len(found) == 1:
            report, counted = found[0]
            if counted or result != "allowed":
                return report.decision(result)
        missing: dict[str, str] = {}
        for report, _ in found:
            for key, name in report.missing:
                missing.setdefault(key, name)
        return decided(
            result,
            tuple(m for report, counted in found if counted for m in report.allows),
            tuple(m for report, _ in found for m in report.denies),
            tuple(missing.values()),
        )


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

    identity_allowed = False
    for policy_id, policy in identity:
        if call.scan(policy_id, policy, True):
            identity_allowed = True

    best_grant = NONE
    for policy_id, policy in resource:
        best_grant = max(best_grant, call.scan_granting(policy_id, policy))

    boundary_ok = True
    if boundaries is not None:
        boundary_ok = False
        for policy in boundaries:
            if call.scan(policy.id or "PermissionsBoundary", policy, False):
                boundary_ok = True
    session_ok = True
    if session is not None:
        session_ok = False
        for policy in session:
            if call.scan(policy.id or "SessionPolicy", policy, False):
                session_ok = True

    if call.denied:
        return call.decision("explicitDeny")

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
    return call.decision("allowed" if allowed else "implicitDeny")


def context_free(action: str, policies: Iterable[Policy]) -> bool:
    """Whether deciding ``action`` under ``policies`` reads no context key (no condition, no
    ``${…}`` in a resource among the statements that match it): their decision then depends on
    the resource alone, and a caller may remember it (credo.gateway's per-key decisions)."""
    return not any(policy.plans[action].reads for policy in policies)
