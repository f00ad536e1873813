"""AWS's JSON 1.1 protocol (sso-admin, identitystore): a JSON body in, validated by the model;
results and errors out as JSON, shaped by the model.

Pure: no I/O. A body that is not a JSON object, or a member of the wrong JSON type, is a
``SerializationException``; a value that breaks the model's constraints is a
``ValidationException`` worded as the Query side words it (``constraints.py``). Errors carry
``__type`` (the code) and ``Message`` — botocore reads both — and credo's explanation, when it
has one, as ``Detail``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from credo.errors import AwsError, SerializationException, ValidationException
from credo.protocol.constraints import Problems, camel, check_length, check_range, check_string

CONTENT_TYPE = "application/x-amz-json-1.1"

# Query-protocol codes raised by shared code (signatures, the authorizer, IAM helpers) as JSON
# services spell them, with their HTTP status.
_JSON_CODES: dict[str, tuple[str, int]] = {
    "AccessDenied": ("AccessDeniedException", 400),
    "ValidationError": ("ValidationException", 400),
    "InvalidInput": ("ValidationException", 400),
    "MalformedPolicyDocument": ("ValidationException", 400),
    "NoSuchEntity": ("ResourceNotFoundException", 400),
    "LimitExceeded": ("ServiceQuotaExceededException", 400),
    "ServiceFailure": ("InternalServerException", 500),
    "MissingAuthenticationToken": ("MissingAuthenticationTokenException", 403),
    "IncompleteSignature": ("IncompleteSignatureException", 403),
    "InvalidClientTokenId": ("UnrecognizedClientException", 403),
    "SignatureDoesNotMatch": ("InvalidSignatureException", 403),
    "ExpiredToken": ("ExpiredTokenException", 403),
}


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def decode(shape: StructureShape | None, body: bytes) -> dict[str, Any]:
    """The request's members as Python values; raises on any problem, reporting all constraint
    problems at once."""
    try:
        document = json.loads(body or b"{}", parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise SerializationException("The request body is not a valid JSON document.") from None
    if not isinstance(document, dict):
        raise SerializationException("The request body must be a JSON object.")
    if shape is None or not shape.members:
        return {}
    problems = Problems()
    result = _structure(shape, document, "", problems)
    problems.raise_if_any(ValidationException)
    return result


def decode_value(shape: Shape, raw: Any, path: str) -> Any:
    """One member's value, validated as ``decode`` validates it (for values a request carries
    as a document, such as UpdateUser's attribute values, checked against the member's shape)."""
    problems = Problems()
    value = _value(shape, raw, path, problems)
    problems.raise_if_any(ValidationException)
    return value


def _type_error(path: str, expected: str) -> SerializationException:
    return SerializationException(f"Expected {expected} at '{path or 'the top level'}'.")


def _structure(shape: StructureShape, value: Any, path: str, problems: Problems) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _type_error(path, "a JSON object")
    out: dict[str, Any] = {}
    for name, message_name, member in _fields(shape):
        raw = value.get(name)
        if raw is not None:
            out[name] = _value(member, raw, f"{path}.{message_name}" if path else message_name, problems)
    for name in shape.required_members:
        if name not in out:
            problems.add(None, f"{path}.{camel(name)}" if path else camel(name), "Member must not be null")
    if shape.metadata.get("union") and len(out) != 1:
        problems.add(None, path, "Member must have exactly one of its members set")
    return out


@cache
def _fields(shape: StructureShape) -> tuple[tuple[str, str, Shape], ...]:
    return tuple((name, camel(name), member) for name, member in shape.members.items())


def _value(shape: Shape, raw: Any, path: str, problems: Problems) -> Any:
    if isinstance(shape, StructureShape):
        if shape.is_document_type:
            return raw
        return _structure(shape, raw, path, problems)
    if isinstance(shape, ListShape):
        if not isinstance(raw, list):
            raise _type_error(path, "a JSON array")
        items = []
        for index, item in enumerate(raw, start=1):
            if item is None:
                problems.add(None, f"{path}.{index}.member", "Member must not be null")
                continue
            items.append(_value(shape.member, item, f"{path}.{index}.member", problems))
        check_length(shape, items, len(items), path, problems)
        return items
    if isinstance(shape, MapShape):
        if not isinstance(raw, dict):
            raise _type_error(path, "a JSON object")
        out = {}
        for key, item in raw.items():
            check_string(shape.key, key, f"{path}.key", problems, unicode_classes=True)
            if item is not None:
                out[key] = _value(shape.value, item, f"{path}.{key}", problems)
        check_length(shape, out, len(out), path, problems)
        return out
    return _scalar(shape, raw, path, problems)


def _scalar(shape: Shape, raw: Any, path: str, problems: Problems) -> Any:
    if shape.metadata.get("sensitive"):
        problems = problems.redacted()
    kind = shape.type_name
    if kind == "string":
        if not isinstance(raw, str):
            raise _type_error(path, "a string")
        check_string(shape, raw, path, problems, unicode_classes=True)
        return raw
    if kind in {"integer", "long"}:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise _type_error(path, "an integer")
        check_range(shape, raw, path, problems)
        return raw
    if kind in {"float", "double"}:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise _type_error(path, "a number")
        return float(raw)
    if kind == "boolean":
        if not isinstance(raw, bool):
            raise _type_error(path, "a boolean")
        return raw
    if kind == "timestamp":
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise _type_error(path, "a timestamp in seconds since the epoch")
        try:
            return datetime.fromtimestamp(raw, UTC)
        except (OverflowError, OSError, ValueError):
            problems.add(str(raw), path, "Member must be a timestamp")
            return None
    if kind == "blob":
        if not isinstance(raw, str):
            raise _type_error(path, "a base64-encoded string")
        try:
            return base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            problems.add(raw, path, "Member must be base64-encoded binary data")
            return None
    return raw


def render_result(shape: StructureShape | None, result: Mapping[str, Any]) -> bytes:
    """The operation's output as JSON: only the shape's members, times in epoch seconds."""
    if shape is None:
        return b"{}"
    return json.dumps(_serialize(shape, result), separators=(",", ":")).encode()


def _serialize(shape: Shape, value: Any) -> Any:
    if isinstance(shape, StructureShape):
        if shape.is_document_type:
            return value
        return {
            name: _serialize(member, value[name])
            for name, member in shape.members.items()
            if value.get(name) is not None
        }
    if isinstance(shape, ListShape):
        return [_serialize(shape.member, item) for item in value]
    if isinstance(shape, MapShape):
        return {key: _serialize(shape.value, item) for key, item in value.items()}
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def error_code(error: AwsError) -> str:
    """The code a JSON service answers ``error`` with (``AccessDenied`` is ``AccessDeniedException``)."""
    return _JSON_CODES.get(error.code, (error.code, error.status))[0]


def render_error(error: AwsError, request_id: str) -> tuple[int, bytes]:
    """The HTTP status and JSON body of an error, in the JSON services' codes."""
    code, status = _JSON_CODES.get(error.code, (error.code, error.status))
    body: dict[str, Any] = {"__type": code, "Message": error.message}
    body.update(getattr(error, "fields", {}))
    if error.detail:
        body["Detail"] = error.detail
    body["RequestId"] = request_id
    return status, json.dumps(body, separators=(",", ":")).encode()
