"""The IAM policy simulator: SimulateCustomPolicy, SimulatePrincipalPolicy, GetContextKeysFor*.

Every decision is made by ``credo.policy.evaluate`` with the same arguments the authorizer
passes for a real call (identity policies, the permissions boundary as the only cap,
resource-based policies with the resource's account), so the simulator cannot disagree with
enforcement. What it adds is the report, following AWS's current shape: one
``EvaluationResult`` per action whose top-level decision is the most restrictive across the
requested resources (``explicitDeny`` > ``implicitDeny`` > ``allowed``), with the matched
statements of the resources that decided it and every missing context key; the per-resource
decisions are in ``ResourceSpecificResults`` when ``ResourceArns`` was given.
``EvalResourceName`` is ``*`` unless exactly one resource was simulated (credo keeps no ARN
templates per service, which is what AWS prints for several).

Cross-account (the resource's account, from its ARN or else ``ResourceOwner``, differs from
the caller's): both the identity side and the resource policy must allow, and
``EvalDecisionDetails`` says what each decided (``IAM Policy``, ``Resource Policy``); it is
also given whenever a resource policy takes part. Service control policies
(``OrderedOrganizationPolicyInputList``) cap everything: at every level one of them must allow
and none may deny; their statements are not reported, their verdict is
``OrganizationsDecisionDetail``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from credo.arn import parse_arn
from credo.auth.request_context import ContextValue
from credo.call import Call, Operation, Result
from credo.errors import InvalidInput
from credo.iam import simulation_sources as sources
from credo.iam.paging import DEFAULT_MAX_ITEMS, decode_marker, decode_position, encode_marker
from credo.iam.simulation_context import context_from_entries
from credo.iam.simulation_sources import Source
from credo.policy import Decision, MatchedStatement, Policy, Request, context_keys_of, evaluate

_RANK = {"allowed": 0, "implicitDeny": 1, "explicitDeny": 2}
_ACTION = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9_-]+\Z")
_ACCOUNT = re.compile(r"\d{12}\Z")


@dataclass(frozen=True)
class Simulation:
    """Everything one simulation decides with."""

    identity: tuple[Source, ...]
    boundary: Source | None
    resource_policy: Source | None
    scp_levels: tuple[tuple[Policy, ...], ...]
    caller_arn: str | None
    caller_account: str
    resource_owner: str | None
    context: dict[str, ContextValue]


def _check_actions(names: Sequence[str]) -> None:
    for name in names:
        if "*" in name or "?" in name:
            raise InvalidInput(f"Action name {name} is invalid: wildcards are not supported in simulations.")
        if not _ACTION.match(name):
            raise InvalidInput(
                f"Action name {name} is invalid: it must be a service prefix and an operation, "
                "such as iam:CreateUser."
            )


def _check_resources(arns: Sequence[str]) -> None:
    for resource in arns:
        if resource != "*" and parse_arn(resource) is None:
            raise InvalidInput(f'Resource {resource} must be in ARN format or "*".')


def _owner_account(owner: str | None) -> str | None:
    """``ResourceOwner``: an account id, or the account's ARN (``arn:aws:iam::<id>:root``)."""
    if owner is None:
        return None
    if _ACCOUNT.match(owner):
        return owner
    parsed = parse_arn(owner)
    if parsed is None or not _ACCOUNT.match(parsed.account):
        raise InvalidInput(f"Invalid ResourceOwner {owner}: it must be an account id or an account ARN.")
    return parsed.account


def _resource_account(resource: str, sim: Simulation) -> str:
    parsed = parse_arn(resource)
    if parsed is not None and _ACCOUNT.match(parsed.account):
        return parsed.account
    return sim.resource_owner or sim.caller_account


class _Run:
    """One simulation's policies under per-call ids, so matches map back to their source."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        nonce = secrets.token_hex(8)  # ids a policy's own "Id" cannot collide with
        self.by_id: dict[str, Source] = {}
        self.identity: list[tuple[str, Policy]] = []
        for n, source in enumerate(sim.identity):
            key = f"{nonce}:{n}"
            self.by_id[key] = source
            self.identity.append((key, source.policy))
        self.resource: list[tuple[str, Policy]] = []
        if sim.resource_policy is not None:
            key = f"{nonce}:resource"
            self.by_id[key] = sim.resource_policy
            self.resource.append((key, sim.resource_policy.policy))
        self.boundaries = None if sim.boundary is None else [sim.boundary.policy]

    def statement(self, match: MatchedStatement) -> dict[str, Any]:
        # Anything not under our ids was reported by the engine for the boundary.
        source = self.by_id.get(match.policy_id) or self.sim.boundary
        assert source is not None
        return {
            "SourcePolicyId": source.policy_id,
            "SourcePolicyType": source.policy_type,
            "StartPosition": {"Line": match.start_line, "Column": match.start_column},
            "EndPosition": {"Line": match.end_line, "Column": match.end_column},
        }

    def decide(self, action: str, resource: str) -> dict[str, Any]:
        """The ResourceSpecificResult for one action on one resource."""
        sim = self.sim
        request = Request(
            action=action,
            resource=resource,
            context=sim.context,
            principal_arn=sim.caller_arn,
            principal_account=sim.caller_account,
        )
        account = _resource_account(resource, sim)
        decision = evaluate(
            request,
            identity=self.identity,
            resource=self.resource,
            boundaries=self.boundaries,
            resource_account=account,
        )
        result, matched = decision.result, decision.matched
        organizations = self._organizations(request)
        # An SCP's explicit deny decides; its silence denies what would otherwise be allowed.
        if organizations is not None and (
            organizations.result == "explicitDeny" or (result == "allowed" and not organizations.allowed)
        ):
            result, matched = organizations.result, ()
        found: dict[str, Any] = {
            "EvalResourceName": resource,
            "EvalResourceDecision": result,
            "MatchedStatements": [self.statement(m) for m in matched],
            "MissingContextValues": list(decision.missing_context),
        }
        cross_account = account != sim.caller_account
        if self.resource or cross_account:
            found["EvalDecisionDetails"] = self._details(request, account, cross_account)
        if self.boundaries is not None:
            by_boundary = evaluate(request, identity=[("boundary", self.boundaries[0])])
            found["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": by_boundary.allowed}
        if organizations is not None:
            found["OrganizationsDecisionDetail"] = {"AllowedByOrganizations": organizations.allowed}
        return found

    def _details(self, request: Request, account: str, cross_account: bool) -> dict[str, str]:
        identity_side = evaluate(request, identity=self.identity, boundaries=self.boundaries).result
        resource_side = "implicitDeny"
        if self.resource:
            # Alone, a resource policy's verdict: cross-account, naming the caller's account is
            # enough (the identity side is judged separately), which is what is_root models.
            resource_side = evaluate(
                request, resource=self.resource, resource_account=account, is_root=cross_account
            ).result
        return {"IAM Policy": identity_side, "Resource Policy": resource_side}

    def _organizations(self, request: Request) -> Decision | None:
        if not self.sim.scp_levels:
            return None
        verdict: Decision | None = None
        for level in self.sim.scp_levels:
            decision = evaluate(request, identity=[(f"scp{n}", p) for n, p in enumerate(level)])
            if decision.result == "explicitDeny":
                return decision
            if verdict is None or not decision.allowed:
                verdict = decision
        return verdict


def _unique(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for item in items:
        seen.setdefault(repr(sorted(item.items())), item)
    return list(seen.values())


def _evaluate_action(run: _Run, action: str, resources: Sequence[str] | None) -> dict[str, Any]:
    """One EvaluationResult: the per-resource results and their most restrictive aggregate."""
    per_resource = [run.decide(action, resource) for resource in (resources or ["*"])]
    decision = max((r["EvalResourceDecision"] for r in per_resource), key=_RANK.__getitem__)
    deciding = [r for r in per_resource if r["EvalResourceDecision"] == decision]
    missing = list(dict.fromkeys(k for r in per_resource for k in r["MissingContextValues"]))
    result: dict[str, Any] = {
        "EvalActionName": action,
        "EvalResourceName": per_resource[0]["EvalResourceName"] if len(per_resource) == 1 else "*",
        "EvalDecision": decision,
        "MatchedStatements": _unique([s for r in deciding for s in r["MatchedStatements"]]),
        "MissingContextValues": missing,
    }
    details = [r["EvalDecisionDetails"] for r in per_resource if "EvalDecisionDetails" in r]
    if details:
        result["EvalDecisionDetails"] = {
            kind: max((d[kind] for d in details), key=_RANK.__getitem__) for kind in details[0]
        }
    elif resources:
        result["EvalDecisionDetails"] = {}  # AWS: present but empty within one account
    if "PermissionsBoundaryDecisionDetail" in per_resource[0]:
        allowed = all(
            r["PermissionsBoundaryDecisionDetail"]["AllowedByPermissionsBoundary"] for r in per_resource
        )
        result["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": allowed}
    if "OrganizationsDecisionDetail" in per_resource[0]:
        allowed = all(r["OrganizationsDecisionDetail"]["AllowedByOrganizations"] for r in per_resource)
        result["OrganizationsDecisionDetail"] = {"AllowedByOrganizations": allowed}
    if resources:
        result["ResourceSpecificResults"] = per_resource
    return result


def _simulate(call: Call, sim: Simulation) -> Result:
    params = call.params
    actions: list[str] = params["ActionNames"]
    resources: list[str] | None = params.get("ResourceArns") or None
    _check_actions(actions)
    _check_resources(resources or [])
    start = 0
    if params.get("Marker") is not None:
        start = decode_position(decode_marker(params["Marker"])) or 0
        if start > len(actions):
            raise InvalidInput("Invalid Marker.")
    limit = params.get("MaxItems") or DEFAULT_MAX_ITEMS
    shown = actions[start : start + limit]
    run = _Run(sim)
    page: dict[str, Any] = {
        "EvaluationResults": [_evaluate_action(run, action, resources) for action in shown],
        "IsTruncated": start + limit < len(actions),
    }
    if page["IsTruncated"]:
        page["Marker"] = encode_marker(str(start + limit))
    return page


def _common(call: Call) -> tuple[Source | None, Source | None, tuple[tuple[Policy, ...], ...], str | None]:
    """The request's boundary, resource policy, SCP levels and resource owner account."""
    params = call.params
    boundaries = sources.inputs(
        params.get("PermissionsBoundaryPolicyInputList") or [],
        "PermissionsBoundaryPolicyInputList",
        sources.BOUNDARY_POLICY,
        "boundary",
    )
    if len(boundaries) > 1:
        raise InvalidInput("Only one permissions boundary policy can be simulated at a time.")
    resource_policy = None
    if params.get("ResourcePolicy") is not None:
        resource_policy = Source(
            "ResourcePolicy",
            sources.RESOURCE_POLICY,
            sources.inputs([params["ResourcePolicy"]], "ResourcePolicy", "", "resource")[0].policy,
        )
    levels = tuple(
        tuple(
            s.policy
            for s in sources.inputs(level.get("ServiceControlPolicyInputList") or [], "SCP", "", "identity")
        )
        for level in params.get("OrderedOrganizationPolicyInputList") or []
    )
    return (
        (boundaries[0] if boundaries else None),
        resource_policy,
        levels,
        _owner_account(params.get("ResourceOwner")),
    )


def simulate_custom_policy(call: Call) -> Result:
    params = call.params
    identity = sources.inputs(params["PolicyInputList"], "PolicyInputList", sources.IAM_POLICY, "identity")
    boundary, resource_policy, levels, owner = _common(call)
    caller_arn = params.get("CallerArn")
    if resource_policy is not None and caller_arn is None:
        raise InvalidInput("CallerArn must be specified when a ResourcePolicy is included in the simulation.")
    caller_account = call.principal.account_id
    if caller_arn is not None:
        caller_account = sources.check_caller_arn(caller_arn)
    context = context_from_entries(params.get("ContextEntries") or [])
    sim = Simulation(
        tuple(identity), boundary, resource_policy, levels, caller_arn, caller_account, owner, context
    )
    return _simulate(call, sim)


def simulate_principal_policy(call: Call) -> Result:
    params = call.params
    account = call.principal.account_id
    with call.services.store.read() as conn:
        principal = sources.load_principal(conn, account, params["PolicySourceArn"])
    principal = sources.exclude(principal, params.get("PolicyExclusionList") or [])
    extra = sources.inputs(
        params.get("PolicyInputList") or [], "PolicyInputList", sources.IAM_POLICY, "identity"
    )
    boundary, resource_policy, levels, owner = _common(call)
    # A boundary passed in replaces the stored one (AWS: only one is in effect at a time).
    boundary = boundary or principal.boundary
    caller_arn = params.get("CallerArn")
    if caller_arn is not None:
        caller_account = sources.check_caller_arn(caller_arn)
    elif resource_policy is not None and principal.kind == "group":
        raise InvalidInput("CallerArn must be specified when a ResourcePolicy is simulated for a group.")
    else:
        caller_arn, caller_account = principal.arn, account
    context = {**principal.context, **context_from_entries(params.get("ContextEntries") or [])}
    sim = Simulation(
        principal.identity + tuple(extra),
        boundary,
        resource_policy,
        levels,
        caller_arn,
        caller_account,
        owner,
        context,
    )
    return _simulate(call, sim)


def get_context_keys_for_custom_policy(call: Call) -> Result:
    policies = sources.inputs(
        call.params["PolicyInputList"], "PolicyInputList", sources.IAM_POLICY, "identity"
    )
    return {"ContextKeyNames": context_keys_of(s.policy for s in policies)}


def get_context_keys_for_principal_policy(call: Call) -> Result:
    with call.services.store.read() as conn:
        principal = sources.load_principal(conn, call.principal.account_id, call.params["PolicySourceArn"])
    extra = sources.inputs(
        call.params.get("PolicyInputList") or [], "PolicyInputList", sources.IAM_POLICY, "identity"
    )
    found = [s.policy for s in principal.identity + tuple(extra)]
    return {"ContextKeyNames": context_keys_of(found)}


OPERATIONS = {
    "SimulateCustomPolicy": Operation(simulate_custom_policy, blocking=True),
    "SimulatePrincipalPolicy": Operation(simulate_principal_policy, blocking=True),
    "GetContextKeysForCustomPolicy": Operation(get_context_keys_for_custom_policy, blocking=True),
    "GetContextKeysForPrincipalPolicy": Operation(get_context_keys_for_principal_policy, blocking=True),
}
