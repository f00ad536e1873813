"""Render results and errors as AWS's Query-protocol XML, shaped by the service model."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from botocore.model import OperationModel, Shape

from credo.errors import AwsError
from credo.protocol import xml_writers
from credo.shared_result import SharedResult


def render_result(
    operation: OperationModel, namespace: str, result: Mapping[str, Any], request_id: str
) -> bytes:
    """``<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…`` for one call."""
    head, output, tail, end = _envelope(operation, namespace)
    parts = [head]
    if output is not None:
        if isinstance(result, SharedResult):
            parts.append(_shared_rendering(output, result))
        else:
            xml_writers.write(output, result, parts)
    parts.append(tail)
    parts.append(request_id)
    parts.append(end)
    return "".join(parts).encode()


def _shared_rendering(output: Shape, result: SharedResult) -> str:
    """The XML of a result served to many calls, written on its first call only."""
    found = result.renderings.get(output)
    if found is None:
        written: list[str] = []
        xml_writers.write(output, result, written)
        found = result.renderings[output] = "".join(written)
    return found


@cache
def _envelope(operation: OperationModel, namespace: str) -> tuple[str, Shape | None, str, str]:
    """What surrounds an operation's result: the text before it, its shape, the text after it
    up to the request id, and the text after that. Built once per operation."""
    name = operation.name
    output = operation.output_shape
    end = f"</RequestId></ResponseMetadata></{name}Response>"
    if output is None:
        return f'<{name}Response xmlns="{namespace}">', None, "<ResponseMetadata><RequestId>", end
    # An empty output shape still gets its (empty) Result element: botocore expects it.
    return (
        f'<{name}Response xmlns="{namespace}"><{name}Result>',
        output,
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
