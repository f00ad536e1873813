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

NotPrincipal (Deny only) applies to every caller it does not name; an account listed there
exempts only the account root. credo does not reproduce AWS's quirk that a principal is
denied unless its account is listed too.

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

from credo.policy.document import Policy, Statement
from credo.policy.principals import ACCOUNT, CAPPED, NONE, SESSION, USER, session_role

Result = Literal["allowed", "explicitDeny", "implicitDeny"]


@dataclass(frozen=True)
class Request:
    """What is asked: an action on a resource, by a principal, with a context.

    ``context`` keys are case-insensitive (stored lowercased); a value is a string or a list
    of strings. ``principal_service`` (``ec2.amazonaws.com``) and ``principal_federated`` (an
    identity provider) identify non-IAM callers for Principal matching.
    """

    action: str
    resource: str = "*"
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    principal_arn: str | None = None
    principal_account: str | None = None
    principal_service: str | None = None
    principal_federated: str | None = None
    action_lower: str = field(init=False, repr=False, compare=False)
    service: str = field(init=False, repr=False, compare=False)
    normalized: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    role: tuple[str, str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lowered = self.action.lower()
        object.__setattr__(self, "action_lower", lowered)
        object.__setattr__(self, "service", lowered.split(":", 1)[0])
        object.__setattr__(
            self,
            "normalized",
            {k.lower(): (v,) if isinstance(v, str) else tuple(v) for k, v in self.context.items()},
        )
        object.__setattr__(self, "role", session_role(self.principal_arn))


@dataclass(frozen=True, slots=True)
class MatchedStatement:
    """A statement that decided, positioned as SimulateCustomPolicy reports it (1-based)."""

    policy_id: str
    sid: str | None
    effect: str
    start_line: int
    start_column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class Decision:
    result: Result
    matched: tuple[MatchedStatement, ...]
    missing_context: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return self.result == "allowed"


def _matched(policy_id: str, st: Statement) -> MatchedStatement:
    s = st.span
    return MatchedStatement(
        policy_id, st.sid, st.effect, s.start_line, s.start_column, s.end_line, s.end_column
    )


def _applies(st: Statement, request: Request, missing: dict[str, str]) -> bool:
    """Whether the statement's action, resource and conditions match (not its principal)."""
    if st.actions.matches(request.action_lower) is st.not_action:
        return False
    ctx = request.normalized
    for key, name in st.needed_keys:
        if key not in ctx:
            missing.setdefault(key, name)
    if st.resources is not None:
        hit = st.resources.matches(request.resource, ctx)
        if hit is None or hit is st.not_resource:
            return False
    return all(cond.check(ctx) for cond in st.conditions)


def _scan(
    policy_id: str,
    policy: Policy,
    request: Request,
    missing: dict[str, str],
    denies: list[MatchedStatement],
    allows: list[MatchedStatement] | None,
) -> bool:
    """Record matching Deny statements; return whether some Allow statement matched."""
    allowed = False
    for st in policy.statements_for(request.service):
        if not st.deny and allowed and allows is None:
            continue  # a cap only needs one Allow; keep looking for Deny statements
        if _applies(st, request, missing):
            if st.deny:
                denies.append(_matched(policy_id, st))
            else:
                allowed = True
                if allows is not None:
                    allows.append(_matched(policy_id, st))
    return allowed


def _grant(st: Statement, request: Request) -> int:
    if st.principals is None:
        return CAPPED
    level = st.principals.grant(
        request.principal_arn,
        request.principal_account,
        request.role,
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
) -> Decision:
    """Decide ``request`` against the policies that apply to it (see the module docstring)."""
    missing: dict[str, str] = {}
    denies: list[MatchedStatement] = []
    allows: list[MatchedStatement] = []

    identity_allowed = False
    for policy_id, policy in identity:
        if _scan(policy_id, policy, request, missing, denies, allows):
            identity_allowed = True

    best_grant = NONE
    for policy_id, policy in resource:
        for st in policy.statements_for(request.service):
            level = _grant(st, request)
            if level == NONE or not _applies(st, request, missing):
                continue
            if st.deny:
                denies.append(_matched(policy_id, st))
            else:
                allows.append(_matched(policy_id, st))
                best_grant = max(best_grant, level)

    boundary_ok = True
    if boundaries is not None:
        boundary_ok = False
        for policy in boundaries:
            if _scan(policy.id or "PermissionsBoundary", policy, request, missing, denies, None):
                boundary_ok = True
    session_ok = True
    if session is not None:
        session_ok = False
        for policy in session:
            if _scan(policy.id or "SessionPolicy", policy, request, missing, denies, None):
                session_ok = True

    missing_keys = tuple(missing.values())
    if denies:
        return Decision("explicitDeny", tuple(denies), missing_keys)

    identity_side = (is_root or identity_allowed) and boundary_ok and session_ok
    principal_account = request.principal_account
    if (
        resource_account is not None
        and principal_account is not None
        and resource_account != principal_account
    ):
        allowed = identity_side and best_grant >= ACCOUNT
    else:
        allowed = (
            identity_side
            or best_grant >= SESSION
            or (best_grant == USER and session_ok)
            or (best_grant == CAPPED and boundary_ok and session_ok)
        )
    if allowed:
        return Decision("allowed", tuple(allows), missing_keys)
    return Decision("implicitDeny", (), missing_keys)
