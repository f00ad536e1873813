"""docs/api-coverage.md stays what ``python -m credo.coverage`` generates from the code."""

from __future__ import annotations

from pathlib import Path

from credo import coverage
from credo.protocol import model

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "api-coverage.md"


def test_coverage_document_is_current() -> None:
    """The committed coverage document matches the operations credo serves now."""
    on_disk = DOCUMENT.read_text(encoding="utf-8") if DOCUMENT.exists() else ""
    assert on_disk == coverage.render(), (
        "docs/api-coverage.md is stale: run `python -m credo.coverage` to refresh it"
    )


def test_coverage_lists_every_operation_of_the_models() -> None:
    """Every IAM and STS operation of botocore's models has a row, implemented or not."""
    text = coverage.render()
    for service in ("iam", "sts"):
        for name in model.service(service).model.operation_names:
            assert f"| {name} | " in text
    assert "| CreateUser | yes |" in text
