"""The IAM policy engine: parse, validate and evaluate policy documents. Pure: no I/O.

Public API::

    PolicyKind = Literal["identity", "resource", "trust", "boundary", "session"]

    parse_policy(text: str, kind: PolicyKind = "identity", *, managed: bool = False) -> Policy
        Validate and compile; raises credo.errors.MalformedPolicyDocument with AWS's exact
        message, chosen by AWS's order of checks (``validation``), and credo's explanation in
        its ``detail`` ("Statement #2: ..." or "Statement 'Sid': ..."). Principal/NotPrincipal
        is required in "resource" and "trust" policies and refused in the others; "trust"
        policies refuse Resource/NotResource/NotPrincipal and allow only the STS trust actions;
        ``managed`` documents (CreatePolicy, CreatePolicyVersion) need Version 2012-10-17.
    compile_policy(text: str, kind: PolicyKind = "identity") -> Policy
        parse_policy behind functools.lru_cache (2048 entries).
    Policy: kind, version, id, statements (tuple[Statement, ...]), document (the parsed JSON).

    Request(action: str, resource: str = "*", context: Mapping[str, str | Sequence[str]] = {},
            principal_arn: str | None = None, principal_account: str | None = None,
            principal_service: str | None = None, principal_federated: str | None = None)
        frozen dataclass. Context keys are case-insensitive. principal_service/_federated
        name non-IAM callers (an AWS service, an identity provider) for Principal matching.

    evaluate(request, *, identity: Sequence[tuple[str, Policy]] = (),
             resource: Sequence[tuple[str, Policy]] = (),
             boundaries: Sequence[Policy] | None = None, session: Sequence[Policy] | None = None,
             resource_account: str | None = None, is_root: bool = False,
             resource_required: bool = False) -> Decision
        identity/resource pairs are (policy id, policy); the id is reported in matches.
        None for boundaries/session means "no such cap"; an empty list allows nothing.
        Trust policies are evaluated by passing them as ``resource`` policies, with
        resource_required=True: a role is assumable only when its trust policy allows.
    Decision(result: "allowed" | "explicitDeny" | "implicitDeny",
             matched: tuple[MatchedStatement, ...], missing_context: tuple[str, ...]);
        Decision.allowed is result == "allowed".
    MatchedStatement(policy_id, sid, effect, start_line, start_column, end_line, end_column):
        1-based; the start is the statement's ``{``, the end is just past its ``}``.

    context_free(action: str, policies: Iterable[Policy]) -> bool
        Whether no statement of ``policies`` that matches ``action`` reads the context (a
        condition or a ``${...}`` variable): their decision then depends on the resource alone.

    context_keys_of(policies: Iterable[Policy]) -> list[str]
        Condition keys and ${...} variable keys, once each (first spelling), sorted
        case-insensitively: GetContextKeysForCustomPolicy / ForPrincipalPolicy.

The rules, with the AWS documentation they follow, are in each module's docstring:
``document`` (grammar), ``matching`` (wildcards), ``conditions`` (operators), ``variables``
(``${...}``), ``principals`` (Principal, NotPrincipal), ``evaluate`` (the decision) and
``context_keys`` (GetContextKeysFor*Policy).
``validation`` checks a document in AWS's order with AWS's messages, ``element_formats`` the
single entries (ARNs, action names, operators, dates); ``source`` is the JSON reader that keeps
statement positions; ``memo`` the bounded cache behind a policy's per-action plans.
"""

from credo.policy.context_keys import context_keys_of
from credo.policy.document import (
    MatchedStatement,
    Policy,
    PolicyKind,
    Statement,
    compile_policy,
    parse_policy,
)
from credo.policy.evaluate import Request, context_free, evaluate
from credo.policy.outcome import Decision

__all__ = [
    "Decision",
    "MatchedStatement",
    "Policy",
    "PolicyKind",
    "Request",
    "Statement",
    "compile_policy",
    "context_free",
    "context_keys_of",
    "evaluate",
    "parse_policy",
]
