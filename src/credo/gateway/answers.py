"""A ``Verdict`` as the decision endpoint's JSON answer and as nginx mode's response headers."""

from __future__ import annotations

import re
from typing import Any

from credo.auth.principal import Principal
from credo.gateway.caller import Caller
from credo.gateway.decision import Verdict

# Header values must stay one line of visible Latin-1 text.
_UNSAFE = re.compile(r"[^\x20-\x7e]")


def principal_document(principal: Principal) -> dict[str, Any]:
    return Caller.of(principal).document()


def verdict_document(verdict: Verdict) -> dict[str, Any]:
    """``{"decision": "allow"|"deny", "status", "principal", "action", "resource", "reason"?}``."""
    found: dict[str, Any] = {
        "decision": "allow" if verdict.allowed else "deny",
        "status": verdict.status,
        "principal": principal_document(verdict.principal) if verdict.principal is not None else None,
        "action": verdict.action or None,
        "resource": verdict.resource or None,
    }
    if verdict.allowed:
        found["matchedStatements"] = _statements(verdict)
        return found
    found["reason"] = {
        "code": verdict.code,
        "message": verdict.reason,
        "detail": verdict.detail or None,
        "matchedStatements": _statements(verdict),
        "encodedMessage": verdict.encoded_message or None,
    }
    return found


def _statements(verdict: Verdict) -> list[dict[str, Any]]:
    return [
        {"policyId": m.policy_id, "sid": m.sid, "effect": m.effect, "line": m.start_line}
        for m in verdict.matched
    ]


def verdict_headers(verdict: Verdict) -> list[tuple[bytes, bytes]]:
    """X-Credo-Principal-Arn, -Account, -User-Id (when known) and, on refusal, -Error and -Reason."""
    headers: list[tuple[bytes, bytes]] = []
    principal = verdict.principal
    if principal is not None:
        headers += [
            (b"x-credo-principal-arn", header_value(principal.arn)),
            (b"x-credo-account", header_value(principal.account_id)),
            (b"x-credo-user-id", header_value(principal.user_id)),
        ]
    if verdict.action:
        headers.append((b"x-credo-action", header_value(verdict.action)))
    if not verdict.allowed:
        reason = verdict.reason + (f" ({verdict.detail})" if verdict.detail else "")
        headers += [
            (b"x-credo-error", header_value(verdict.code)),
            (b"x-credo-reason", header_value(reason)),
        ]
    return headers


def header_value(text: str) -> bytes:
    return _UNSAFE.sub("?", text)[:2048].encode("ascii")
