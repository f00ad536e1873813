"""botocore's SSO caches under ``~/.aws/sso/cache``: the access token and the client registration.

The token file is what botocore's SSO token provider reads (and refreshes) for an
``sso_session``: ``<sha1 of the session name>.json`` (for a legacy profile without
``sso_session``, the sha1 of the start URL) holding ``startUrl``, ``region``, ``accessToken``,
``expiresAt`` and, so botocore can refresh it, ``refreshToken``, ``clientId``, ``clientSecret`` and
``registrationExpiresAt``. The registration file is keyed as the aws CLI keys it (the sha1 of the
sorted JSON of tool, start URL, region, scopes and session name), so a registration is reused
until it expires. Files are written whole (a temporary file renamed over), 0600, in a 0700
directory: they hold bearer tokens.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def cache_dir() -> Path:
    return Path(os.path.expanduser(os.path.join("~", ".aws", "sso", "cache")))


def _sha1_name(key: str) -> Path:
    return cache_dir() / (hashlib.sha1(key.encode("utf-8")).hexdigest() + ".json")  # noqa: S324 (botocore's name)


def token_path(session_name: str) -> Path:
    """Where botocore looks for the token of ``[sso-session session_name]``."""
    return _sha1_name(session_name)


def registration_path(start_url: str, region: str, scopes: list[str], session_name: str) -> Path:
    """Where the aws CLI keeps the client registration for this session."""
    args = {
        "tool": "botocore",
        "startUrl": start_url,
        "region": region,
        "scopes": scopes,
        "session_name": session_name,
    }
    return _sha1_name(json.dumps(args, sort_keys=True, separators=(",", ":")))


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def parse_timestamp(text: str) -> datetime | None:
    """A cached time (botocore writes ``…Z`` or ``…+00:00``); None when it is not one."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def read(path: Path) -> dict[str, Any] | None:
    """A cache file's JSON object; None when it is missing or not one (it is then rewritten)."""
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return content if isinstance(content, dict) else None


def write(path: Path, content: Mapping[str, Any]) -> None:
    """Replace ``path`` with ``content`` at once, owner-only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".credo-", suffix=".json")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(dict(content), file, indent=2)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
