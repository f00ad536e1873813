"""Where a user's pages live: ``/console/users/<name>``, the name URL-encoded.

User names hold ``[\\w+=,.@-]`` and never ``/``, so a user's own pages hang below its name
without clashing with another user's.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

LIST = "/console/users"


def user_path(name: str, rest: str = "") -> str:
    """The path of a user's page (or of ``rest`` below it)."""
    return f"{LIST}/{quote(name, safe='')}{rest}"


def tab_path(name: str, tab: str) -> str:
    return f"{user_path(name)}?{urlencode({'tab': tab})}"
