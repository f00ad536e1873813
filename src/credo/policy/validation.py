"""Policy documents checked rule by rule in AWS's order, each failure with AWS's exact message.

IAM answers a malformed document with ``MalformedPolicyDocument`` and one fixed message,
chosen by the first of its checks that fails, whatever else is wrong. The checks, in order
(docs/policies.md cites where AWS documents or is recorded to give each message):

1. the text is JSON (trust policies: ``This policy contains invalid Json``);
2. the grammar (``Syntax errors in policy.``): known fields, one of each Action/NotAction and
   Resource/NotResource pair, Effect spelled Allow or Deny in any case, strings or lists of
   strings, conditions as ``{operator: {key: value(s)}}`` with known operators;
3. trust policies: no ``Resource``/``NotResource``/``NotPrincipal``; managed policies:
   ``"Version": "2012-10-17"``; identity policies: no ``Principal``;
4. "legacy parsing": Effect case, ``Date*`` condition values, ARN shape;
5. unique Sids, then Action present, then Resource present;
6. the first resource's format (ARN, partition, service, region, IAM path);
7. action names (``vendor:Name``), the actions a trust policy allows, then Principal.

``MalformedPolicyDocument.detail`` says which statement and which field broke the rule; the
rules for single entries (ARNs, action names, dates) are in ``credo.policy.element_formats``.
This runs once per policy text (``compile_policy`` caches), never per request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NoReturn

from credo.errors import MalformedPolicyDocument
from credo.policy.element_formats import (
    action_name_error,
    base_operator,
    known_operator,
    legacy_arn,
    legacy_date,
    resource_format_error,
    trust_action_allowed,
)
from credo.policy.principals import compile_principal

if TYPE_CHECKING:
    from credo.policy.document import PolicyKind

SYNTAX = "Syntax errors in policy."
INVALID_JSON = "This policy contains invalid Json"
VERSION_2012 = "Policy document must be version 2012-10-17 or greater."
LEGACY = "The policy failed legacy parsing"
UNIQUE_SIDS = "Statement IDs (SID) in a single policy must be unique."
NO_ACTIONS = "Policy statement must contain actions."
NO_RESOURCES = "Policy statement must contain resources."
NO_PRINCIPAL_HERE = "Policy document should not specify a principal."
MISSING_PRINCIPAL = "Missing required field Principal"
NOT_PRINCIPAL_ALLOW = 'NotPrincipal must be used with "Effect":"Deny"'
TRUST_ACTIONS = (
    "Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  "
    "and sts:AssumeRoleWithWebIdentity"
)
VERSIONS = ("2012-10-17", "2008-10-17")

_TOP_FIELDS = ("Version", "Id", "Statement")
_FIELDS = ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource")
_PAIRS = (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal"))
_IDENTITY_KINDS = frozenset({"identity", "boundary", "session"})

Statement = dict[str, Any]


def fail(message: str, detail: str) -> NoReturn:
    raise MalformedPolicyDocument(message, detail=detail)


def where(statement: object, index: int) -> str:
    """How details name a statement: by Sid when it has one, else by 1-based position."""
    sid = statement.get("Sid") if isinstance(statement, dict) else None
    return f"Statement {sid!r}" if isinstance(sid, str) and sid else f"Statement #{index + 1}"


def entries(value: object) -> list[str]:
    """An Action/Resource-like element as a list (a string is a list of one)."""
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def check_document(doc: object, kind: PolicyKind, *, managed: bool = False) -> list[Statement]:
    """Raise MalformedPolicyDocument as AWS does for the first rule ``doc`` breaks; else its statements."""
    statements = _grammar(doc)
    assert isinstance(doc, dict)  # _grammar checked it
    if kind == "trust":
        _trust_fields(statements)
    if managed and doc.get("Version") != "2012-10-17":
        fail(
            VERSION_2012, f'Version is {json.dumps(doc.get("Version"))}: managed policies need "2012-10-17".'
        )
    if kind in _IDENTITY_KINDS:
        for i, st in enumerate(statements):
            for name in ("Principal", "NotPrincipal"):
                if name in st:
                    fail(
                        NO_PRINCIPAL_HERE,
                        f"{where(st, i)} has {name}; only resource-based policies name principals.",
                    )
    _legacy_statements(statements)
    resource_error = _resources(statements) if kind != "trust" else None
    _unique_sids(statements)
    for i, st in enumerate(statements):
        if not _present(st, "Action", "NotAction"):
            fail(NO_ACTIONS, f"{where(st, i)} has no Action or NotAction entries.")
    if kind != "trust":
        for i, st in enumerate(statements):
            if not _present(st, "Resource", "NotResource"):
                fail(NO_RESOURCES, f"{where(st, i)} has no Resource or NotResource entries.")
    if resource_error is not None:
        fail(*resource_error)
    _action_names(statements)
    if kind == "trust":
        _trust_actions(statements)
    if kind in ("trust", "resource"):
        _principals(statements, kind)
    return statements


def _present(st: Statement, *names: str) -> bool:
    """Whether the element is there: any string counts (even ``""``, refused later), ``[]`` does not."""
    return any(name in st and st[name] != [] for name in names)


# --- 2. grammar ---------------------------------------------------------------------------------


def _grammar(doc: object) -> list[Statement]:
    if not isinstance(doc, dict):
        fail(SYNTAX, "The document is not a JSON object.")
    for name in doc:
        if name not in _TOP_FIELDS:
            fail(SYNTAX, f"Unknown top-level field {name!r}: a policy has Version, Id and Statement.")
    if "Version" in doc and doc["Version"] not in VERSIONS:
        fail(SYNTAX, f'Version {json.dumps(doc["Version"])} is neither "2012-10-17" nor "2008-10-17".')
    if "Id" in doc and not isinstance(doc["Id"], str):
        fail(SYNTAX, "Id must be a string.")
    if "Statement" not in doc:
        fail(SYNTAX, "The policy has no Statement.")
    raw = doc["Statement"]
    if not isinstance(raw, dict | list):
        fail(SYNTAX, "Statement must be an object or a list of objects.")
    statements: list[object] = [raw] if isinstance(raw, dict) else raw
    if not statements:
        fail(SYNTAX, "Statement is an empty list.")
    for i, st in enumerate(statements):
        _statement_grammar(st, i)
    return [st for st in statements if isinstance(st, dict)]


def _statement_grammar(st: object, index: int) -> None:
    at = where(st, index)
    if not isinstance(st, dict):
        fail(SYNTAX, f"{at} is not a JSON object.")
    for name in st:
        if name not in _FIELDS and name != "Condition":
            fail(SYNTAX, f"{at} has an unknown field {name!r}.")
    for first, second in _PAIRS:
        if first in st and second in st:
            fail(SYNTAX, f"{at} has both {first} and {second}; a statement takes one of them.")
    effect = st.get("Effect")
    if effect is None:
        fail(SYNTAX, f"{at} has no Effect.")
    if not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):
        fail(SYNTAX, f'{at}: Effect is {json.dumps(effect)}, not "Allow" or "Deny".')
    for name in ("Action", "NotAction", "Resource", "NotResource"):
        value = st.get(name, "")
        if not isinstance(value, str) and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            fail(SYNTAX, f"{at}: {name} must be a string or a list of strings.")
    if "Condition" in st:
        _condition_grammar(st["Condition"], at)
    if "Sid" in st and not isinstance(st["Sid"], str):
        fail(SYNTAX, f"{at}: Sid must be a string.")


def _scalar(value: object) -> bool:
    return isinstance(value, str | int | float)  # bool is an int


def _condition_grammar(condition: object, at: str) -> None:
    if not isinstance(condition, dict):
        fail(SYNTAX, f"{at}: Condition must be an object of operators.")
    for operator, block in condition.items():
        if not isinstance(block, dict):
            fail(SYNTAX, f"{at}: condition {operator!r} must be an object of keys and values.")
        for key, values in block.items():
            items = values if isinstance(values, list) else [values]
            if not all(_scalar(v) for v in items):
                fail(
                    SYNTAX, f"{at}: condition key {key!r} takes a string, number, boolean or a list of them."
                )
        # AWS ignores an unknown operator with nothing under it.
        if block and not known_operator(operator):
            fail(SYNTAX, f"{at}: {operator!r} is not a condition operator.")


# --- 3. per-kind fields -------------------------------------------------------------------------


def _trust_fields(statements: list[Statement]) -> None:
    for i, st in enumerate(statements):
        for name in ("Resource", "NotResource", "NotPrincipal"):
            if name in st:
                fail(
                    f"Has prohibited field {name}",
                    f"{where(st, i)} has {name}, which role trust policies do not take.",
                )


# --- 4. legacy parsing --------------------------------------------------------------------------


def _legacy_statements(statements: list[Statement]) -> None:
    for i, st in enumerate(statements):
        if st["Effect"] not in ("Allow", "Deny"):
            fail(LEGACY, f'{where(st, i)}: Effect {st["Effect"]!r} must be spelled "Allow" or "Deny".')
        for operator, block in st.get("Condition", {}).items():
            if not base_operator(operator).startswith("date"):
                continue
            for key, values in block.items():
                for value in values if isinstance(values, list) else [values]:
                    text = str(value).lower()
                    if "${" not in text and not legacy_date(text):
                        fail(LEGACY, f"{where(st, i)}: {value!r} under {operator} {key!r} is not a date.")


# --- 6. resources -------------------------------------------------------------------------------


def _resources(statements: list[Statement]) -> tuple[str, str] | None:
    """The resource error to report later; raises at once when a resource fails legacy parsing.

    As recorded for AWS: Resource elements are read before NotResource ones; within a list the
    error reported is that of the alphabetically first bad entry, and a later statement's error
    replaces an earlier one's. Legacy parsing of a statement's ARNs stops at the first bad one.
    """
    found: tuple[str, str] | None = None
    for name in ("Resource", "NotResource"):
        for i, st in enumerate(statements):
            if name not in st:
                continue
            for entry in sorted(entries(st[name]), reverse=True):
                message = resource_format_error(entry)
                if message is not None:
                    found = (message, f"{where(st, i)}: {name} {entry!r}.")
            if found is None:
                for entry in entries(st[name]):
                    if not legacy_arn(entry):
                        fail(LEGACY, f"{where(st, i)}: {name} {entry!r} is not an ARN AWS can read.")
    return found


# --- 5 and 7. Sids, actions, principals ---------------------------------------------------------


def _unique_sids(statements: list[Statement]) -> None:
    seen: set[str] = set()
    for i, st in enumerate(statements):
        sid = st.get("Sid")
        if sid:
            if sid in seen:
                fail(UNIQUE_SIDS, f"{where(st, i)}: Sid {sid!r} is used by an earlier statement.")
            seen.add(sid)


def _actions(statements: list[Statement]) -> Iterator[tuple[int, Statement, str, str]]:
    """Every (index, statement, element name, entry): all Action entries, then all NotAction."""
    for name in ("Action", "NotAction"):
        for i, st in enumerate(statements):
            for entry in entries(st.get(name, [])):
                yield i, st, name, entry


def _action_names(statements: list[Statement]) -> None:
    for i, st, name, entry in _actions(statements):
        message = action_name_error(entry)
        if message is not None:
            fail(message, f'{where(st, i)}: {name} {entry!r} is not "service:Action" (or "*").')


def _trust_actions(statements: list[Statement]) -> None:
    for i, st in enumerate(statements):
        if "NotAction" in st:
            fail(TRUST_ACTIONS, f"{where(st, i)} has NotAction; role trust policies list their actions.")
        for entry in entries(st["Action"]):
            if not trust_action_allowed(entry):
                fail(
                    TRUST_ACTIONS, f"{where(st, i)}: Action {entry!r} is not one a role trust policy allows."
                )


def _principals(statements: list[Statement], kind: PolicyKind) -> None:
    for i, st in enumerate(statements):
        at = where(st, i)
        if "Principal" not in st and "NotPrincipal" not in st:
            fail(MISSING_PRINCIPAL, f"{at} has no Principal; {kind} policies name who they apply to.")
        if "NotPrincipal" in st and st["Effect"] == "Allow":
            fail(NOT_PRINCIPAL_ALLOW, f"{at} uses NotPrincipal with Allow.")
        compile_principal(st.get("Principal", st.get("NotPrincipal")), at)
