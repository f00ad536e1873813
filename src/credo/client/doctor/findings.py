"""A finding: what is wrong, where, how bad, and the fix.

Errors break something (credentials that will not work, a setting botocore ignores so MFA or
a role never happens, secrets others can read); warnings are risks or surprises; notes are
for information. Only errors make ``credo doctor`` exit non-zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "note"]
ORDER: dict[Severity, int] = {"error": 0, "warning": 1, "note": 2}


@dataclass(frozen=True)
class Finding:
    severity: Severity
    check: str  # a stable name for scripts: unknown-key, role-source-missing, clock-skew…
    message: str
    fix: str = ""
    profile: str | None = None
    location: str | None = None  # PATH:LINE, PATH, or an environment variable


def at_line(path: str, index: int | None) -> str:
    """``PATH:LINE`` for a 0-based line index, or the path alone."""
    return path if index is None else f"{path}:{index + 1}"
