"""A ``Verdict`` as the decision endpoint's JSON answer and as nginx mode's response headers."""

from __future__ import annotations

import json
import re
from json.encoder import encode_basestring_ascii
from typing import Any

from credo.auth.principal import Principal
from credo.gateway.caller import Caller
from credo.gateway.decision import Verdict
from credo.policy import MatchedStatement

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


def verdict_json(verdict: Verdict) -> bytes:
    """``verdict_document`` as compact JSON; an allowed one put together from pieces (the
    principal's is made once per signer), as ``json.dumps`` would write it."""
    signer = verdict.signer
    if not verdict.allowed or signer is None:
        return json.dumps(verdict_document(verdict), separators=(",", ":")).encode()
    return (
        f'{{"decision":"allow","status":200,"principal":{signer.principal_json},'
        f'"action":{_text(verdict.action or None)},"resource":{_text(verdict.resource or None)},'
        f'"matchedStatements":{_statements_json(verdict.matched)}}}'
    ).encode()


# id(matched) -> (matched, its JSON). The entry holds the tuple, so its id cannot be reused while
# the entry lives; the identity check makes a hit exact. Keyed by id, not by the tuple: hashing
# a tuple of MatchedStatement runs a dataclass __hash__ per statement, on every decision.
_STATEMENTS_JSON: dict[int, tuple[tuple[MatchedStatement, ...], str]] = {}
_STATEMENTS_JSON_LIMIT = 1024


def _statements_json(matched: tuple[MatchedStatement, ...]) -> str:
    """Made once per remembered judgement: a key's repeated requests are allowed by the same one."""
    found = _STATEMENTS_JSON.get(id(matched))
    if found is not None and found[0] is matched:
        return found[1]
    text = json.dumps(
        [{"policyId": m.policy_id, "sid": m.sid, "effect": m.effect, "line": m.start_line} for m in matched],
        separators=(",", ":"),
    )
    if len(_STATEMENTS_JSON) >= _STATEMENTS_JSON_LIMIT:
        _STATEMENTS_JSON.clear()
    _STATEMENTS_JSON[id(matched)] = (matched, text)
    return text


def _text(value: str | None) -> str:
    return "null" if value is None else encode_basestring_ascii(value)


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
