"""CloudTrail's ``LookupEvents`` over JSON 1.1: the caller's account's events, newest first, paged.

As AWS: one lookup attribute is used (the first; AWS ignores the others), matched exactly;
``StartTime``/``EndTime`` bound the range; ``MaxResults`` is 1 to 50 (default 50);
``NextToken`` continues a lookup made with the same parameters. Each event carries its
CloudTrail record as a JSON string (``CloudTrailEvent``) and its ``Resources``. Authorized as
``cloudtrail:LookupEvents`` on ``*`` (CloudTrail has no resource-level permissions for it).

AWS's own exceptions (InvalidMaxResultsException…) are raised by ``precheck`` before the model's
generic validation would answer ``ValidationException``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from credo.audit import lookup
from credo.call import Call, Operation, Result
from credo.errors import (
    InvalidEventCategoryException,
    InvalidLookupAttributesException,
    InvalidMaxResultsException,
    InvalidNextTokenException,
    InvalidTimeRangeException,
)

MAX_RESULTS = 50
_MAX_VALUE = 2000


def precheck(operation: str, body: bytes | None) -> None:
    """CloudTrail's exceptions for out-of-range values, before the model's ``ValidationException``
    (a body that is not JSON, or values of the wrong type, are left to the decoder)."""
    if operation != "LookupEvents" or not body:
        return
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return
    if not isinstance(document, dict):
        return
    size = document.get("MaxResults")
    if isinstance(size, int) and not isinstance(size, bool) and not 1 <= size <= MAX_RESULTS:
        raise InvalidMaxResultsException(f"MaxResults must be between 1 and {MAX_RESULTS}; {size} is not.")
    category = document.get("EventCategory")
    if isinstance(category, str) and category != "insight":
        raise InvalidEventCategoryException(
            f"EventCategory {category!r} is not valid; it may only be 'insight'."
        )
    attributes = document.get("LookupAttributes")
    if isinstance(attributes, list):
        for attribute in attributes:
            if isinstance(attribute, dict):
                _check_attribute(attribute)


def _check_attribute(attribute: Mapping[str, Any]) -> None:
    key, value = attribute.get("AttributeKey"), attribute.get("AttributeValue")
    if not isinstance(key, str) or key not in lookup.ATTRIBUTES:
        raise InvalidLookupAttributesException(
            f"{key!r} is not a lookup attribute; use one of {', '.join(lookup.ATTRIBUTES)}."
        )
    if not isinstance(value, str) or not 1 <= len(value) <= _MAX_VALUE:
        raise InvalidLookupAttributesException(
            f"The value of lookup attribute {key} must be 1 to {_MAX_VALUE} characters long."
        )


def lookup_events(call: Call) -> Result:
    params = call.params
    attributes = params.get("LookupAttributes") or []
    filters = ((attributes[0]["AttributeKey"], attributes[0]["AttributeValue"]),) if attributes else ()
    start: datetime | None = params.get("StartTime")
    end: datetime | None = params.get("EndTime")
    if start is not None and end is not None and start > end:
        raise InvalidTimeRangeException("The start time must not be after the end time.")
    if params.get("EventCategory") == "insight":
        return {"Events": []}  # credo has no Insights events
    query = lookup.Query(call.principal.account_id, filters, start, end)
    fingerprint = _fingerprint(query)
    token = params.get("NextToken")
    after = _read_token(token, fingerprint) if token is not None else None
    # This process's events of the last second are found too.
    call.services.audit.flush()
    with call.services.store.read() as conn:
        found, cursor = lookup.page(conn, query, int(params.get("MaxResults") or MAX_RESULTS), after)
    result: dict[str, Any] = {"Events": [_event(item) for item in found]}
    if cursor is not None:
        result["NextToken"] = _token(cursor, fingerprint)
    return result


def _event(found: lookup.Found) -> dict[str, Any]:
    event: dict[str, Any] = {
        "EventId": found.id,
        "EventName": found.event_name,
        "ReadOnly": "true" if found.read_only else "false",
        "EventTime": found.event_time,
        "EventSource": found.event_source,
        "Resources": found.resources,
        "CloudTrailEvent": found.event,
    }
    if found.access_key_id:
        event["AccessKeyId"] = found.access_key_id
    if found.user_name:
        event["Username"] = found.user_name
    return event


def _fingerprint(query: lookup.Query) -> str:
    """What a token is bound to: the lookup's parameters (a token is for that lookup only)."""
    shown = [query.account_id, list(query.filters), _iso(query.start), _iso(query.end)]
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()[:16]


def _token(cursor: lookup.Cursor, fingerprint: str) -> str:
    raw = json.dumps({"t": cursor.event_time.isoformat(), "i": cursor.event_id, "q": fingerprint})
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _read_token(token: str, fingerprint: str) -> lookup.Cursor:
    refused = InvalidNextTokenException(
        "The NextToken is not valid: it is malformed, or was returned for a lookup with other parameters."
    )
    try:
        raw = json.loads(base64.urlsafe_b64decode(token.encode()))
        moment = lookup.as_utc(datetime.fromisoformat(raw["t"]))
        event_id, bound = str(raw["i"]), raw["q"]
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeError, RecursionError):
        raise refused from None
    if bound != fingerprint:
        raise refused
    return lookup.Cursor(moment, event_id)


def _iso(moment: datetime | None) -> str | None:
    return lookup.as_utc(moment).isoformat() if moment is not None else None


OPERATIONS = {"LookupEvents": Operation(lookup_events)}
