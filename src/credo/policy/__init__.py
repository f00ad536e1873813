"""The IAM policy engine: parse, validate and evaluate policy documents. Pure: no I/O.

Public API::

    PolicyKind = Literal["identity", "resource", "trust", "boundary", "session"]

    parse_policy(text: str, kind: PolicyKind = "identity") -> Policy
        Validate and compile; raises credo.errors.MalformedPolicyDocument saying what and where.
        Principal/NotPrincipal is required in "resource" and "trust" policies and rejected in
        the others; "trust" policies reject Resource/NotResource and NotPrincipal.
    compile_policy(text: str, kind: PolicyKind = "identity") -> Policy
        parse_policy behind functools.lru_cache.

    Request(action, resource="*", context={}, principal_arn=None, principal_account=None,
            principal_service=None, principal_federated=None)          frozen dataclass
        context: Mapping[str, str | Sequence[str]], keys case-insensitive.

    evaluate(request, *, identity: Sequence[tuple[str, Policy]] = (),
             resource: Sequence[tuple[str, Policy]] = (),
             boundaries: Sequence[Policy] | None = None, session: Sequence[Policy] | None = None,
             resource_account: str | None = None, is_root: bool = False) -> Decision
        Decision(result: "allowed" | "explicitDeny" | "implicitDeny",
                 matched: tuple[MatchedStatement, ...], missing_context: tuple[str, ...])
        MatchedStatement(policy_id, sid, effect, start_line, start_column, end_line, end_column):
        1-based; the start is the statement's ``{``, the end is just past its ``}``.
        Trust policies are evaluated by passing them as ``resource`` policies.

    context_keys_of(policies: Iterable[Policy]) -> list[str]
        Condition keys and ${...} variable keys, for GetContextKeysFor*Policy.

The rules, with the AWS documentation they follow, are in each module's docstring:
``document`` (grammar), ``matching`` (wildcards), ``conditions`` (operators), ``variables``
(``${...}``), ``principals`` (Principal) and ``evaluate`` (the decision).
"""

from credo.policy.document import (
    MatchedStatement,
    Policy,
    PolicyKind,
    Statement,
    compile_policy,
    context_keys_of,
    parse_policy,
)
from credo.policy.evaluate import Decision, Request, evaluate

__all__ = [
    "Decision",
    "MatchedStatement",
    "Policy",
    "PolicyKind",
    "Request",
    "Statement",
    "compile_policy",
    "context_keys_of",
    "evaluate",
    "parse_policy",
]
