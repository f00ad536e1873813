"""What the middleware learns from a decision, local or remote, and how a refusal is answered."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from credo.gateway.answers import header_value
from credo.gateway.caller import Caller
from credo.gateway.decision import Verdict


@dataclass(slots=True)  # built per request: frozen dataclasses cost µs to build
class Outcome:
    allowed: bool
    status: int  # 200, or 401 / 403 for a refusal
    caller: Caller | None = None
    action: str = ""
    resource: str = ""
    code: str = ""
    reason: str = ""
    detail: str = ""

    @classmethod
    def of(cls, verdict: Verdict) -> Outcome:
        caller = Caller.of(verdict.principal) if verdict.principal is not None else None
        return cls(
            verdict.allowed,
            verdict.status,
            caller,
            verdict.action,
            verdict.resource,
            verdict.code,
            verdict.reason,
            verdict.detail,
        )

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Outcome:
        """From the decision endpoint's answer (``answers.verdict_document``)."""
        reason = document.get("reason") or {}
        principal = document.get("principal")
        return cls(
            document.get("decision") == "allow",
            int(document.get("status", 403)),
            Caller.from_document(principal) if principal else None,
            str(document.get("action") or ""),
            str(document.get("resource") or ""),
            str(reason.get("code") or ""),
            str(reason.get("message") or ""),
            str(reason.get("detail") or ""),
        )

    def refusal(self) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """The response to a refused request: status, headers (as nginx mode's), JSON body."""
        body = json.dumps({"code": self.code, "message": self.reason, "detail": self.detail or None}).encode()
        reason = self.reason + (f" ({self.detail})" if self.detail else "")
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(body)),
            (b"x-credo-error", header_value(self.code)),
            (b"x-credo-reason", header_value(reason)),
        ]
        return self.status, headers, body
