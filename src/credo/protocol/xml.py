"""Render results and errors as AWS's Query-protocol XML, shaped by the service model."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from credo.errors import AwsError


def render_result(
    operation: OperationModel, namespace: str, result: Mapping[str, Any], request_id: str
) -> bytes:
    """``<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…`` for one call."""
    name = operation.name
    parts = [f'<{name}Response xmlns="{namespace}">']
    output = operation.output_shape
    # An empty output shape still gets its (empty) Result element: botocore expects it.
    if output is not None:
        parts.append(f"<{name}Result>")
        _members(output, result, parts)
        parts.append(f"</{name}Result>")
    parts.append(f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>")
    parts.append(f"</{name}Response>")
    return "".join(parts).encode()


def render_error(error: AwsError, namespace: str, request_id: str) -> bytes:
    """``<ErrorResponse><Error><Type>Sender</Type><Code>…`` as AWS answers a failed call."""
    kind = "Sender" if error.sender_fault else "Receiver"
    encoded = getattr(error, "encoded_message", None)
    extra = f"<EncodedAuthorizationMessage>{escape(encoded)}</EncodedAuthorizationMessage>" if encoded else ""
    return (
        f'<ErrorResponse xmlns="{namespace}"><Error><Type>{kind}</Type>'
        f"<Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>{extra}</Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()


def _members(shape: StructureShape, values: Mapping[str, Any], parts: list[str]) -> None:
    for name, member in shape.members.items():
        value = values.get(name)
        if value is None:
            continue
        tag = member.serialization.get("name", name)
        parts.append(f"<{tag}>")
        _value(member, value, parts)
        parts.append(f"</{tag}>")


def _value(shape: Shape, value: Any, parts: list[str]) -> None:
    if isinstance(shape, StructureShape):
        _members(shape, value, parts)
    elif isinstance(shape, ListShape):
        tag = shape.member.serialization.get("name", "member")
        for item in value:
            parts.append(f"<{tag}>")
            _value(shape.member, item, parts)
            parts.append(f"</{tag}>")
    elif isinstance(shape, MapShape):
        for key, item in value.items():
            parts.append("<entry><key>")
            _value(shape.key, key, parts)
            parts.append("</key><value>")
            _value(shape.value, item, parts)
            parts.append("</value></entry>")
    else:
        parts.append(escape(_scalar(shape, value)))


def _scalar(shape: Shape, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return str(value)


def format_timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as IAM and STS print times."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")
