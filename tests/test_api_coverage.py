"""docs/api-coverage.md stays what ``python -m credo.coverage`` generates from the code."""

from __future__ import annotations

from pathlib import Path

import botocore

from credo import coverage
from credo.protocol import model

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "api-coverage.md"


def test_coverage_document_is_current() -> None:
    """The committed coverage document matches the operations credo serves now: all of it under
    the botocore it names; under another (a release that added operations), credo's side."""
    on_disk = DOCUMENT.read_text(encoding="utf-8") if DOCUMENT.exists() else ""
    stale = "docs/api-coverage.md is stale: run `python -m credo.coverage` to refresh it"
    if coverage.generated_with(on_disk) == botocore.__version__:
        assert on_disk == coverage.render(), stale
    else:
        assert coverage.answered(on_disk) == coverage.answered(coverage.render()), stale


def test_answered_operations_are_read_per_section() -> None:
    document = "Models of botocore 1.2.3.\n\n## IAM\n\n| A | yes |\n| B | no |\n## STS\n\n| C | yes |\n"
    assert coverage.generated_with(document) == "1.2.3"
    assert coverage.answered(document) == [("IAM", "A"), ("STS", "C")]


def test_under_another_botocore_credos_side_still_counts() -> None:
    """A document from another botocore passes while credo answers what it says, not otherwise."""
    current = coverage.render()
    other = current.replace(f"Models of botocore {botocore.__version__}.", "Models of botocore 0.0.1.")
    assert coverage.generated_with(other) == "0.0.1"
    assert coverage.answered(other) == coverage.answered(current)
    assert coverage.answered(other.replace("| CreateUser | yes |", "| CreateUser | no |")) != (
        coverage.answered(current)
    )


def test_coverage_lists_every_operation_of_the_models() -> None:
    """Every IAM and STS operation of botocore's models has a row, implemented or not."""
    text = coverage.render()
    for service in ("iam", "sts"):
        for name in model.service(service).model.operation_names:
            assert f"| {name} | " in text
    assert "| CreateUser | yes |" in text
