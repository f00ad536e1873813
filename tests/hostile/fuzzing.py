"""How hard the fuzzers try: ``CREDO_FUZZ_SCALE=20 pytest tests/hostile`` runs 20 times the examples."""

from __future__ import annotations

import os


def examples(count: int) -> int:
    """``count`` Hypothesis examples, times ``CREDO_FUZZ_SCALE`` (default 1) for a deeper run."""
    return count * max(1, int(os.environ.get("CREDO_FUZZ_SCALE", "1")))
