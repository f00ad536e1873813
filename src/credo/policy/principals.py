"""The Principal / NotPrincipal element: validation and matching against the caller.

An ``AWS`` entry may be ``*`` (everyone, including anonymous callers), a 12-digit account id
or an account root ARN (the account: any principal whose account it is), a user, role or
federated-user ARN (that principal exactly), or an assumed-role session ARN. A role ARN also
matches the role's sessions (``arn:aws:sts::ACCOUNT:assumed-role/NAME/...``), compared by
account and role name because a session ARN does not carry the role's path. ``Service`` and
``Federated`` entries match ``Request.principal_service`` / ``principal_federated``;
``CanonicalUser`` entries are accepted but match no caller. Wildcards inside an ARN are
invalid, as in AWS, and are refused with AWS's ``Invalid principal in policy: "AWS":"<value>"``
(IAM User Guide, "AWS JSON policy elements: Principal"; the type in capitals, as IAM writes it).

``grant`` says how strongly a statement names the caller, which the evaluator needs because
AWS caps a resource-based grant by permissions boundaries and session policies differently
depending on whether it names the user, the role, the session or only the account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from credo.errors import MalformedPolicyDocument

NONE, ACCOUNT, CAPPED, USER, SESSION = 0, 1, 2, 3, 4

_ACCOUNT = re.compile(r"\d{12}\Z")
_ARN = re.compile(
    r"arn:aws[a-z\-]*:(?:"
    r"iam::(\d{12}):(?:root|user/[^*?]+|role/[^*?]+|federated-user/[^*?]+)"
    r"|sts::(\d{12}):(?:assumed-role/[^/*?]+/[^*?]+|federated-user/[^*?]+)"
    r")\Z"
)
_ROLE = re.compile(r"arn:aws[a-z\-]*:iam::(\d{12}):role/(?:[^*?]*/)?([^/*?]+)\Z")
_SESSION = re.compile(r"arn:aws[a-z\-]*:sts::(\d{12}):assumed-role/([^/]+)/")
_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")


def session_role(principal_arn: str | None) -> tuple[str, str] | None:
    """``(account, role name)`` of an assumed-role session ARN, else ``None``."""
    if principal_arn is None:
        return None
    m = _SESSION.match(principal_arn)
    return (m.group(1), m.group(2)) if m else None


@dataclass(frozen=True, slots=True)
class PrincipalMatcher:
    """A compiled Principal or NotPrincipal element."""

    everyone: bool
    arns: frozenset[str]
    accounts: frozenset[str]
    roles: frozenset[tuple[str, str]]
    services: frozenset[str]
    federated: frozenset[str]

    def grant(
        self,
        arn: str | None,
        account: str | None,
        role: tuple[str, str] | None,
        service: str | None,
        federated: str | None,
    ) -> int:
        """How this element names the caller: SESSION > USER > CAPPED > ACCOUNT > NONE."""
        if service is not None and service.lower() in self.services:
            return SESSION
        if federated is not None and federated in self.federated:
            return SESSION
        if arn is not None and arn in self.arns:
            return SESSION if ":sts:" in arn else USER
        if self.everyone or (role is not None and role in self.roles):
            return CAPPED
        if account is not None and account in self.accounts:
            return ACCOUNT
        return NONE


_INVALID = "Invalid principal in policy"
# A service principal is a host name such as ``ec2.amazonaws.com`` (AWS checks it against its
# list of services, which credo does not have).
_SERVICE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*(?:\.[A-Za-z0-9\-]+)+\Z")


def _invalid(kind: str, entry: str, where: str, why: str) -> MalformedPolicyDocument:
    """AWS's message names the type in capitals and the value: ``"AWS":"bob"``."""
    return MalformedPolicyDocument(f'{_INVALID}: "{kind.upper()}":"{entry}"', detail=f"{where}: {why}")


def _strings(value: object, kind: str, where: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) and v for v in items):
        raise MalformedPolicyDocument(
            _INVALID, detail=f"{where}: {kind} takes a non-empty string or list of strings."
        )
    return [v for v in items if isinstance(v, str)]


def compile_principal(value: object, where: str) -> PrincipalMatcher:
    """Validate and compile a Principal/NotPrincipal value (``where`` names the statement)."""
    if value == "*":
        return PrincipalMatcher(True, frozenset(), frozenset(), frozenset(), frozenset(), frozenset())
    if not isinstance(value, dict) or not value:
        raise MalformedPolicyDocument(
            _INVALID, detail=f'{where}: a principal is "*" or an object such as {{"AWS": "123456789012"}}.'
        )
    everyone = False
    arns: set[str] = set()
    accounts: set[str] = set()
    roles: set[tuple[str, str]] = set()
    services: set[str] = set()
    federated: set[str] = set()
    for kind, entries in value.items():
        if kind not in _KINDS:
            raise MalformedPolicyDocument(
                _INVALID,
                detail=f"{where}: {kind!r} is not a principal type (AWS, Service, Federated, CanonicalUser).",
            )
        for entry in _strings(entries, kind, where):
            if kind == "Service":
                if not _SERVICE.match(entry):
                    raise _invalid(
                        kind, entry, where, "a service principal is a name like ec2.amazonaws.com."
                    )
                services.add(entry.lower())
            elif kind == "Federated":
                if "*" in entry or "?" in entry:
                    raise _invalid(kind, entry, where, "a federated principal cannot contain wildcards.")
                federated.add(entry)
            elif kind == "AWS":
                if entry == "*":
                    everyone = True
                elif _ACCOUNT.match(entry):
                    accounts.add(entry)
                elif (m := _ARN.match(entry)) is not None:
                    if entry.endswith(":root"):
                        accounts.add(m.group(1))
                    else:
                        arns.add(entry)
                        if (r := _ROLE.match(entry)) is not None:
                            roles.add((r.group(1), r.group(2)))
                else:
                    raise _invalid(
                        kind,
                        entry,
                        where,
                        "an AWS principal is *, a 12-digit account id, or an account, user, role "
                        "or session ARN without wildcards.",
                    )
    return PrincipalMatcher(
        everyone,
        frozenset(arns),
        frozenset(accounts),
        frozenset(roles),
        frozenset(services),
        frozenset(federated),
    )
