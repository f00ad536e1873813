"""The decision endpoint's JSON body, read into an ``OriginalRequest`` with AWS-style refusals.

    {"method": "GET", "url": "/widgets/w-1?color=red", "headers": {"Host": "…", "Authorization": "…"},
     "payload_hash": "<hex sha256>" | "UNSIGNED-PAYLOAD", "source_ip": "203.0.113.7",
     "secure_transport": true, "service": "widgets", "action": "GetWidget", "resource": "arn:…",
     "resource_policy": {…} | "<JSON text>", "context": {"widgets:Color": "red"}}

Only method, url and headers are required. ``headers`` is an object (a list value for a header
sent several times) or a list of ``[name, value]`` pairs. ``context`` takes the service's own
condition keys (``widgets:…``): global ``aws:`` keys come from the request itself, never from
the caller.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from credo.errors import SerializationException, ValidationException
from credo.gateway.decision import OriginalRequest
from credo.gateway.payload import UNSIGNED_PAYLOAD
from credo.policy import Policy, compile_policy

_FIELDS = frozenset(
    {
        "method",
        "url",
        "headers",
        "payload_hash",
        "source_ip",
        "secure_transport",
        "service",
        "action",
        "resource",
        "resource_policy",
        "context",
    }
)
_HASH = re.compile(r"[0-9a-f]{64}\Z")
_METHOD = re.compile(r"[A-Z]{1,16}\Z")
_USUAL_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_TEXT_OR_ABSENT = frozenset({str, type(None)})


def read_request(body: bytes) -> OriginalRequest:
    try:
        # An object whose second byte is not NUL is UTF-8 (RFC 8259's rule, as json.loads
        # detects it): orjson reads it in a fifth of json.loads's time, on every decision.
        # Anything else (UTF-16 or -32, or not an object): json.loads decides.
        data = orjson.loads(body) if body[:1] == b"{" and body[1:2] != b"\0" else json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        raise SerializationException("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise SerializationException("The request body must be a JSON object.")
    if not _FIELDS.issuperset(data):
        unknown = sorted(set(data) - _FIELDS)
        raise ValidationException(f"Unknown field {unknown[0]!r}; fields are {', '.join(sorted(_FIELDS))}.")
    return _usual(data) or _checked(data)


def _usual(data: dict[str, Any]) -> OriginalRequest | None:
    """The request, when every field is of the plain form nearly every call sends; else ``None``
    (then ``_checked`` reads it, and says what is wrong). A third of ``_checked``'s time: this
    runs on every decision."""
    get = data.get
    texts = (
        method := get("method"),
        url := get("url"),
        payload_hash := get("payload_hash"),
        source_ip := get("source_ip"),
        service := get("service"),
        action := get("action"),
        resource := get("resource"),
    )
    secure = get("secure_transport", False)
    if (
        not _TEXT_OR_ABSENT.issuperset(map(type, texts))
        or method not in _USUAL_METHODS
        or url.__class__ is not str
        or url[:1] != "/"
        or not (payload_hash is None or payload_hash == UNSIGNED_PAYLOAD or _HASH.match(payload_hash))
        or secure.__class__ is not bool
    ):
        return None
    resource_policy = get("resource_policy")
    context = get("context")
    return OriginalRequest(
        method,
        url,
        _headers(get("headers")),
        payload_hash or UNSIGNED_PAYLOAD,
        source_ip or "",
        secure,
        service or None,
        action or None,
        resource or None,
        None if resource_policy is None else _resource_policy(resource_policy),
        {} if context is None else _context(context),
    )


def _checked(data: dict[str, Any]) -> OriginalRequest:
    """The request, each field checked in turn: the first that is wrong is refused."""
    method = _string(data, "method", required=True).upper()
    if not _METHOD.match(method):
        raise ValidationException(f"method {method!r} is not an HTTP method.")
    url = _string(data, "url", required=True)
    if not url.startswith("/") and not url.startswith(("http://", "https://")):
        raise ValidationException("url is the request's path and query (/widgets/w-1?x=1) or a whole URL.")
    payload_hash = _string(data, "payload_hash") or UNSIGNED_PAYLOAD
    if payload_hash != UNSIGNED_PAYLOAD and not _HASH.match(payload_hash):
        raise ValidationException(
            "payload_hash is the body's SHA-256 in lower-case hex, or UNSIGNED-PAYLOAD."
        )
    secure = data.get("secure_transport", False)
    if not isinstance(secure, bool):
        raise ValidationException("secure_transport is true or false.")
    return OriginalRequest(
        method=method,
        url=url,
        headers=_headers(data.get("headers")),
        payload_hash=payload_hash,
        source_ip=_string(data, "source_ip"),
        secure_transport=secure,
        service=_string(data, "service") or None,
        action=_string(data, "action") or None,
        resource=_string(data, "resource") or None,
        resource_policy=_resource_policy(data.get("resource_policy")),
        context=_context(data.get("context")),
    )


def _string(data: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise ValidationException(f"{name} must be a{' non-empty' if required else ''} string.")
    return value


def _headers(value: object) -> list[tuple[str, str]] | dict[str, str]:
    """The pairs as sent; or, for an object of single values with names distinct in any case
    (nearly every call), the names lower-cased at once, as SigV4 reads them (``header_map``)."""
    if isinstance(value, dict):
        found: dict[str, str] = {}
        for name, item in value.items():
            if item.__class__ is not str:
                break  # a list of values, or not a string: the pairs below
            if not (name.isascii() and item.isascii()) and not (_latin1(name) and _latin1(item)):
                raise ValidationException(f"header {name!r} is not Latin-1 text, as HTTP sends it.")
            found[name.lower()] = item
        else:
            if len(found) == len(value):
                return found
    given: list[tuple[object, object]] = []  # not yet checked: what the JSON holds
    if isinstance(value, dict):
        for name, item in value.items():
            if isinstance(item, list):
                given.extend((name, one) for one in item)
            else:
                given.append((name, item))
    elif isinstance(value, list) and all(isinstance(p, list) and len(p) == 2 for p in value):
        given = [(p[0], p[1]) for p in value]
    else:
        raise ValidationException(
            "headers must be an object of names and values, or a list of [name, value]."
        )
    pairs: list[tuple[str, str]] = []
    for name, item in given:
        if not isinstance(name, str) or not isinstance(item, str):
            raise ValidationException("header names and values must be strings.")
        if not (name.isascii() and item.isascii()) and not (_latin1(name) and _latin1(item)):
            raise ValidationException(f"header {name!r} is not Latin-1 text, as HTTP sends it.")
        pairs.append((name, item))
    return pairs


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _resource_policy(value: object) -> Policy | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value)
    # MalformedPolicyDocument, with AWS's message and credo's detail, as IAM answers it.
    return compile_policy(text, "resource")


def _context(value: object) -> dict[str, str | list[str]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationException("context must be an object of condition keys and values.")
    found: dict[str, str | list[str]] = {}
    for key, item in value.items():
        if ":" not in key or key.lower().startswith("aws:"):
            raise ValidationException(
                f"context key {key!r}: pass the service's own keys (service:Name); aws: keys come from the request."
            )
        if isinstance(item, str):
            found[key] = item
        elif isinstance(item, list) and all(isinstance(v, str) for v in item):
            found[key] = list(item)
        else:
            raise ValidationException(f"context key {key!r} takes a string or a list of strings.")
    return found
