"""AWS's REST-JSON protocol as sso-oidc and the sso portal speak it: members read from the JSON
body, the query string and headers where the model locates them, validated by the model (with
the JSON 1.1 decoder's checks and messages); errors named in ``x-amzn-ErrorType``.

Pure: no I/O. sso-oidc's errors carry OAuth's ``error`` and ``error_description``; the portal's a
``message``. A problem with the request itself is that service's ``InvalidRequestException``.
"""

from __future__ import annotations

import json as stdjson
from collections.abc import Mapping
from typing import Any, Literal

from botocore.model import StructureShape

from credo.errors import AwsError, SerializationException, ServiceFailure, ValidationException
from credo.protocol import json
from credo.rest_json_errors import (
    InvalidRequestException,
    OidcError,
    OidcInternalServerException,
    PortalError,
    PortalInternalServerException,
    PortalInvalidRequestException,
)

CONTENT_TYPE = "application/json"
Family = Literal["oidc", "portal"]


def _invalid(family: Family, message: str) -> AwsError:
    if family == "oidc":
        return InvalidRequestException(message)
    return PortalInvalidRequestException(message)


def decode(
    shape: StructureShape | None,
    body: bytes,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    family: Family,
) -> dict[str, Any]:
    """The request's members, from wherever the model puts each; any problem is the service's
    ``InvalidRequestException`` with the JSON decoder's message."""
    if shape is None:
        return {}
    raw: dict[str, Any] = {}
    try:
        document = stdjson.loads(body or b"{}", parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise _invalid(family, "The request body is not a valid JSON document.") from None
    if not isinstance(document, dict):
        raise _invalid(family, "The request body must be a JSON object.")
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location == "querystring":
            value: Any = query.get(wire_name)
            if value is not None and member.type_name == "integer":
                value = _integer(value, wire_name, family)
        elif location == "header":
            value = headers.get(wire_name.lower())
        else:
            value = document.get(name)
        if value is not None:
            raw[name] = value
    try:
        return json.decode(shape, stdjson.dumps(raw).encode())
    except (ValidationException, SerializationException) as problem:
        raise _invalid(family, problem.message) from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _integer(text: str, name: str, family: Family) -> int:
    if not text.isascii() or not text.lstrip("-").isdigit() or len(text) > 12:
        raise _invalid(family, f"Expected an integer for the query parameter {name}.")
    return int(text)


def render_result(shape: StructureShape | None, result: Mapping[str, Any]) -> bytes:
    """The operation's output members as the JSON body."""
    return json.render_result(shape, result)


def as_family(error: AwsError, family: Family) -> AwsError:
    """An error raised by shared code (the STS session helpers, paging) in this service's terms."""
    if isinstance(error, OidcError if family == "oidc" else PortalError):
        return error
    if isinstance(error, ServiceFailure):
        return (
            OidcInternalServerException(error.message)
            if family == "oidc"
            else PortalInternalServerException()
        )
    return _invalid(family, error.message)


def render_error(error: AwsError, family: Family) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of an error; botocore takes the code from ``x-amzn-ErrorType``."""
    error = as_family(error, family)
    body: dict[str, Any]
    if isinstance(error, OidcError):
        body = {"error": error.error, "error_description": error.message}
    else:
        body = {"message": error.message}
    if error.detail:
        body["Detail"] = error.detail
    headers = {"x-amzn-ErrorType": error.code}
    return error.status, headers, stdjson.dumps(body, separators=(",", ":")).encode()
