"""The request context of a simulation: ContextEntries, checked and converted, plus the
identity keys the authorizer would put there for a simulated IAM user or role.

Each ``ContextEntry`` names a key, a type and its values. Scalar types (``string``,
``numeric``, ``boolean``, ``ip``, ``binary``, ``date``) take exactly one value and become one
string; ``...List`` types take any number and become a list, which is what ``ForAnyValue`` /
``ForAllValues`` conditions read. Values are checked the way the condition operators will read
them, so a value no operator could compare is ``InvalidInput`` rather than a silent mismatch.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import ipaddress
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from credo.auth.principal import Principal
from credo.auth.request_context import ContextValue, request_context
from credo.errors import InvalidInput


def _is_string(value: str) -> bool:
    return True


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _is_boolean(value: str) -> bool:
    return value.lower() in {"true", "false"}


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return False
    return True


def _is_binary(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _is_date(value: str) -> bool:
    # The Date operators accept an ISO 8601 moment or seconds since the epoch.
    if _is_number(value):
        return True
    try:
        datetime.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


_CHECKS: dict[str, Callable[[str], bool]] = {
    "string": _is_string,
    "numeric": _is_number,
    "boolean": _is_boolean,
    "ip": _is_ip,
    "binary": _is_binary,
    "date": _is_date,
}


def _normalized(kind: str, value: str) -> str:
    if kind == "boolean":
        return value.lower()
    if kind == "ip":
        return value.strip()
    return value


def context_from_entries(entries: Sequence[Mapping[str, Any]]) -> dict[str, ContextValue]:
    """The context the ``ContextEntries`` describe (lowercased keys); ``InvalidInput`` if malformed."""
    context: dict[str, ContextValue] = {}
    for entry in entries:
        name = entry.get("ContextKeyName")
        kind = entry.get("ContextKeyType")
        values = entry.get("ContextKeyValues")
        if not name or not kind or values is None:
            raise InvalidInput(
                "Each context entry must specify ContextKeyName, ContextKeyType and ContextKeyValues."
            )
        is_list = kind.endswith("List")
        scalar = kind[: -len("List")] if is_list else kind
        check = _CHECKS[scalar]  # the model has already limited ContextKeyType to these
        if not is_list and len(values) != 1:
            raise InvalidInput(
                f"Context key {name} of type {kind} must have exactly one value, got {len(values)}."
            )
        for value in values:
            if not check(value):
                raise InvalidInput(f"Invalid value {value!r} for context key {name} of type {kind}.")
        converted = [_normalized(scalar, str(v)) for v in values]
        context[str(name).lower()] = converted if is_list else converted[0]
    return context


# The keys that describe who is calling (rather than how or when): what a simulation of a
# principal's policies can know without a real request.
_IDENTITY_KEYS = (
    "aws:userid",
    "aws:username",
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
)


def identity_context(
    principal: Principal, principal_arn: str, tags: Sequence[Mapping[str, str]]
) -> dict[str, ContextValue]:
    """The identity keys of ``principal`` exactly as the authorizer builds them for a real call."""
    full = request_context(
        principal,
        principal_arn=principal_arn,
        principal_tags=tags,
        params={},
        now=datetime.datetime.now(datetime.UTC),
        source_ip="",
        secure_transport=True,
        region="",
    )
    # A role's sessions have no fixed aws:userid (it ends in the session name): left out.
    return {k: v for k, v in full.items() if v and (k in _IDENTITY_KEYS or k.startswith("aws:principaltag/"))}
