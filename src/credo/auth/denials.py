"""Encoded authorization failure messages, and their decoding for ``sts:DecodeAuthorizationMessage``.

AWS hides why a request was denied behind an encoded message that only callers allowed
``sts:DecodeAuthorizationMessage`` can read. credo seals the same JSON document AWS decodes
to (allowed, explicitDeny, matched statements, the principal, action, resource and context)
under the master key, and answers it beside the AccessDenied message: as an extra
``<EncodedAuthorizationMessage>`` element of ``<Error>``, which botocore hands to clients as
``response["Error"]["EncodedAuthorizationMessage"]`` — the ``Message`` itself stays exactly
AWS's text.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from typing import Any

from credo.auth.principal import Principal
from credo.errors import InvalidAuthorizationMessage
from credo.keyring import Keyring, KeyringError, Sealed
from credo.policy import MatchedStatement

_CONTEXT = b"credo authorization failure message v1"


def describe_denial(
    principal: Principal,
    action: str,
    resource: str,
    context: Mapping[str, str | Sequence[str]],
    explicit_deny: bool,
    matched: Sequence[MatchedStatement],
) -> dict[str, Any]:
    """The decoded document, in the shape AWS's DecodeAuthorizationMessage returns."""
    conditions = [
        {
            "key": key,
            "values": {"items": [{"value": v} for v in ([value] if isinstance(value, str) else value)]},
        }
        for key, value in sorted(context.items())
    ]
    return {
        "allowed": False,
        "explicitDeny": explicit_deny,
        "matchedStatements": {
            "items": [
                {"statementId": m.sid or "", "effect": m.effect, "sourcePolicyId": m.policy_id}
                for m in matched
            ]
        },
        "failures": {"items": []},
        "context": {
            "principal": {"id": principal.user_id, "arn": principal.arn},
            "action": action,
            "resource": resource,
            "conditions": {"items": conditions},
        },
    }


def encode(keyring: Keyring, document: Mapping[str, Any]) -> str:
    sealed = keyring.seal(json.dumps(document, separators=(",", ":")).encode(), _CONTEXT)
    return base64.urlsafe_b64encode(sealed.key_id.encode() + b"." + sealed.blob).decode().rstrip("=")


def decode(keyring: Keyring, message: str) -> str:
    """The JSON text; ``InvalidAuthorizationMessageException`` for anything we did not issue."""
    try:
        raw = base64.urlsafe_b64decode(message.encode() + b"=" * (-len(message) % 4))
        key_id, _, blob = raw.partition(b".")
        return keyring.open(Sealed(key_id.decode(), blob), _CONTEXT).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError, KeyringError):
        raise InvalidAuthorizationMessage("The encoded authorization message is invalid.") from None
