"""How the CLI words a failed AWS call: aws CLI's line, then credo's Detail on the next line."""

from __future__ import annotations

from typing import Any

import pytest

from credo.cli.failures import aws_error_text

LINE = "An error occurred (MalformedPolicyDocument) when calling the CreatePolicy operation: Syntax errors in policy."


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        pytest.param(
            {"Code": "MalformedPolicyDocument", "Message": "Syntax errors in policy."}, LINE, id="no detail"
        ),
        pytest.param(
            {
                "Code": "MalformedPolicyDocument",
                "Message": "Syntax errors in policy.",
                "Detail": "Statement #1 has no Effect.",
            },
            f"{LINE}\nStatement #1 has no Effect.",
            id="detail on the next line",
        ),
        pytest.param(
            {}, "An error occurred (Unknown) when calling the CreatePolicy operation: ", id="no Error element"
        ),
    ],
)
def test_aws_error_text(error: dict[str, Any], expected: str) -> None:
    """The aws CLI's wording is kept intact; a Detail, when the server sent one, follows it."""
    assert aws_error_text({"Error": error} if error else {}, "CreatePolicy") == expected
