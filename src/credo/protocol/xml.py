"""Render results and errors as AWS's Query-protocol XML, shaped by the service model."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from credo.errors import AwsError


def render_result(
    operation: OperationModel, namespace: str, result: Mapping[str, Any], request_id: str
) -> bytes:
    """``<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…`` for one call."""
    head, write, tail, end = _envelope(operation, namespace)
    parts = [head]
    if write is not None:
        write(result, parts)
    parts.append(tail)
    parts.append(request_id)
    parts.append(end)
    return "".join(parts).encode()


@cache
def _envelope(operation: OperationModel, namespace: str) -> tuple[str, Writer | None, str, str]:
    """What surrounds an operation's result: the text before it, its writer, the text after it
    up to the request id, and the text after that. Built once per operation."""
    name = operation.name
    output = operation.output_shape
    end = f"</RequestId></ResponseMetadata></{name}Response>"
    if output is None:
        return f'<{name}Response xmlns="{namespace}">', None, "<ResponseMetadata><RequestId>", end
    # An empty output shape still gets its (empty) Result element: botocore expects it.
    return (
        f'<{name}Response xmlns="{namespace}"><{name}Result>',
        _writer(output),
        f"</{name}Result><ResponseMetadata><RequestId>",
        end,
    )


def render_error(error: AwsError, namespace: str, request_id: str) -> bytes:
    """``<ErrorResponse><Error><Type>Sender</Type><Code>…`` as AWS answers a failed call.

    AWS's ``Message`` is kept exact; credo's explanation, when it has one, follows as ``Detail``.
    """
    kind = "Sender" if error.sender_fault else "Receiver"
    encoded = getattr(error, "encoded_message", None)
    extra = f"<EncodedAuthorizationMessage>{escape(encoded)}</EncodedAuthorizationMessage>" if encoded else ""
    # botocore keeps every child of <Error>: the detail reaches clients as Error.Detail.
    detail = f"<Detail>{_error_text(error.detail)}</Detail>" if error.detail else ""
    return (
        f'<ErrorResponse xmlns="{namespace}"><Error><Type>{kind}</Type>'
        f"<Code>{escape(error.code)}</Code><Message>{_error_text(error.message)}</Message>{detail}{extra}</Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()


# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _error_text(text: str) -> str:
    """Error text (which may quote the request) escaped, with characters XML cannot carry as U+FFFD,
    so that an error about ``UserName="a\\x00b"`` is still a document botocore can parse."""
    return _NOT_XML.sub("\ufffd", escape(text))


Writer = Callable[[Any, list[str]], None]


@cache
def _writer(shape: Shape) -> Writer:
    """A function that renders a value of ``shape``: built once per shape, as it is the hot path.

    A scalar member is written as one string (tags and text together); only nested
    structures, lists and maps call another writer.
    """
    if isinstance(shape, StructureShape):
        fields = []
        for name, member in shape.members.items():
            tag = member.serialization.get("name", name)
            fields.append((name, f"<{tag}>", f"</{tag}>", _nested_writer(member)))

        def structure(values: Any, parts: list[str]) -> None:
            for name, open_tag, close_tag, write in fields:
                value = values.get(name)
                if value is None:
                    continue
                if write is None:
                    parts.append(f"{open_tag}{_text(value)}{close_tag}")
                else:
                    parts.append(open_tag)
                    write(value, parts)
                    parts.append(close_tag)

        return structure
    if isinstance(shape, ListShape):
        tag = shape.member.serialization.get("name", "member")
        open_tag, close_tag = f"<{tag}>", f"</{tag}>"
        write_item = _nested_writer(shape.member)

        def items(values: Any, parts: list[str]) -> None:
            for item in values:
                if write_item is None:
                    parts.append(f"{open_tag}{_text(item)}{close_tag}")
                else:
                    parts.append(open_tag)
                    write_item(item, parts)
                    parts.append(close_tag)

        return items
    if isinstance(shape, MapShape):
        write_key, write_value = _writer(shape.key), _writer(shape.value)

        def entries(values: Any, parts: list[str]) -> None:
            for key, item in values.items():
                parts.append("<entry><key>")
                write_key(key, parts)
                parts.append("</key><value>")
                write_value(item, parts)
                parts.append("</value></entry>")

        return entries
    return _scalar


def _nested_writer(shape: Shape) -> Writer | None:
    """The writer of a structure, list or map shape; ``None`` for a scalar, written as text."""
    return _writer(shape) if isinstance(shape, (StructureShape, ListShape, MapShape)) else None


def _scalar(value: Any, parts: list[str]) -> None:
    parts.append(_text(value))


def _text(value: Any) -> str:
    """A scalar as XML text: strings escaped, booleans and times as AWS writes them."""
    if isinstance(value, str):
        # Names, ids and ARNs rarely need escaping; looking is cheaper than escaping.
        return escape(value) if ("&" in value or "<" in value or ">" in value) else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return escape(str(value))


def format_timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as IAM and STS print times."""
    if value.tzinfo is not None:
        if value.utcoffset():
            value = value.astimezone(UTC)
        value = value.replace(tzinfo=None)
    # isoformat is C; a listing prints one or two of these per member.
    return value.isoformat(timespec="seconds") + "Z"
