"""What a decision says, and what one policy says about one request (remembered on it).

``Decision`` is ``evaluate``'s answer; a ``Report`` is one policy's matching Allow and Deny
statements and missing context keys for a request, kept by the policy's plan so that a repeated
request is a few look-ups (``credo.policy.evaluate``), with the Decisions made when it is all a
call found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from credo.policy.document import MatchedStatement, Statement

Result = Literal["allowed", "explicitDeny", "implicitDeny"]


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


_IMPLICIT_DENY = Decision("implicitDeny", (), ())


def decided(
    result: Result,
    allows: tuple[MatchedStatement, ...],
    denies: tuple[MatchedStatement, ...],
    missing: tuple[str, ...],
) -> Decision:
    """The Decision for ``result``: the Denies explain explicitDeny, the Allows allowed."""
    if result == "explicitDeny":
        return Decision(result, denies, missing)
    if result == "allowed":
        return Decision(result, allows, missing)
    return Decision(result, (), missing) if missing else _IMPLICIT_DENY


@dataclass(slots=True, eq=False)
class Report:
    """What one policy says about one request, as reported under the policy's id.

    ``missing`` holds (lowercased, as written) keys that statements matching the action
    needed but the context lacked. The Decisions made when a report is all that a call
    found are cached on it, so a remembered report also means a remembered Decision.
    """

    policy_id: str
    allows: tuple[MatchedStatement, ...]
    denies: tuple[MatchedStatement, ...]
    missing: tuple[tuple[str, str], ...]
    alone: dict[Result, Decision] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        policy_id: str,
        allows: tuple[Statement, ...],
        denies: tuple[Statement, ...],
        missing: tuple[tuple[str, str], ...],
    ) -> Report:
        """The matching statements as MatchedStatements of the policy named ``policy_id``."""
        return cls(
            policy_id,
            tuple(st.matched_as(policy_id) for st in allows),
            tuple(st.matched_as(policy_id) for st in denies),
            missing,
        )

    def decision(self, result: Result) -> Decision:
        """The Decision for ``result`` when this report is all a call found (built once)."""
        found = self.alone.get(result)
        if found is None:
            names = tuple(name for _, name in self.missing)
            found = self.alone[result] = decided(result, self.allows, self.denies, names)
        return found
