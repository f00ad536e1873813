"""A permission set's session duration: an ISO-8601 duration from ``PT1H`` to ``PT12H``.

The provisioned role's maximum session duration is the same length in seconds.
"""

from __future__ import annotations

import re

from credo.errors import ValidationException

DEFAULT = "PT1H"
MINIMUM_SECONDS = 3600
MAXIMUM_SECONDS = 43200
# The model's pattern, anchored; years and months have no fixed length and are refused.
_DURATION = re.compile(
    r"(-?)P(?=\d|T\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)([DW]))?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?"
)


def seconds(text: str) -> int:
    """The duration in whole seconds; ``ValidationException`` outside one to twelve hours."""
    match = _DURATION.fullmatch(text)
    total = -1.0
    if match is not None and not match.group(1) and not match.group(2) and not match.group(3):
        days = int(match.group(4) or 0) * (7 if match.group(5) == "W" else 1)
        hours, minutes = int(match.group(6) or 0), int(match.group(7) or 0)
        total = days * 86400 + hours * 3600 + minutes * 60 + float(match.group(8) or 0)
    if not MINIMUM_SECONDS <= total <= MAXIMUM_SECONDS:
        raise ValidationException(
            f"Invalid SessionDuration {text}: it must be between PT1H and PT12H.",
            detail="A session duration is an ISO-8601 duration such as PT1H, PT8H or PT12H.",
        )
    return int(total)
