"""A failed AWS call worded as the aws CLI words it, for every command that reports one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def aws_error_text(response: Mapping[str, Any], operation: str) -> str:
    """A failed call as the aws CLI words it, then credo's ``Detail`` (if sent) on the next line.

    ``response`` is botocore's parsed error (``ClientError.response``); the Detail element is
    credo's explanation beside AWS's exact message, so scripts matching aws's line still match.
    """
    error = response.get("Error", {})
    line = (
        f"An error occurred ({error.get('Code', 'Unknown')}) when calling the {operation} "
        f"operation: {error.get('Message', '')}"
    )
    detail = error.get("Detail")
    return f"{line}\n{detail}" if detail else line
