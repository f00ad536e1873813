"""The SSO token cache credo writes is the one botocore's own SSO token provider reads and refreshes."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import botocore.session
import botocore.tokens
import botocore.utils
import pytest

from credo.client import sso_cache, sso_login
from credo.client.sso_login import SsoSession

SESSION = SsoSession("credo-dev", "http://127.0.0.1:7300/start", "us-east-1")
REGISTRATION = {
    "clientId": "client-1",
    "clientSecret": "secret-1",
    "expiresAt": "2027-01-01T00:00:00Z",
    "scopes": ["sso:account:access"],
    "grantTypes": [],
}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    config = tmp_path / ".aws" / "config"
    config.parent.mkdir()
    config.write_text(
        "[profile dev]\nsso_session = credo-dev\nsso_account_id = 111111111111\nsso_role_name = Admin\n\n"
        "[sso-session credo-dev]\nsso_start_url = http://127.0.0.1:7300/start\nsso_region = us-east-1\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_botocore_reads_the_token_credo_caches(home: Path) -> None:
    now = datetime.now(UTC)
    answer = {"accessToken": "token-1", "expiresIn": 3600, "refreshToken": "refresh-1"}
    path = sso_login.cache_token(SESSION, REGISTRATION, answer, now)
    assert path.parent == home / ".aws" / "sso" / "cache"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700

    session = botocore.session.Session(profile="dev")
    # botocore fixes its cache directory from HOME at import: name the same directory.
    cache = botocore.utils.JSONFileCache(str(home / ".aws" / "sso" / "cache"))
    token = botocore.tokens.SSOTokenProvider(session, cache=cache, profile_name="dev").load_token()
    assert token is not None
    assert token.get_frozen_token().token == "token-1"
    cached = sso_cache.read(path)
    assert cached is not None
    assert cached["refreshToken"] == "refresh-1" and cached["clientSecret"] == "secret-1"
    assert sso_login.cached_access_token(SESSION, now) == "token-1"
    assert sso_login.cached_access_token(SESSION, now + timedelta(hours=2)) is None


def test_a_legacy_profile_keys_its_token_by_start_url(home: Path) -> None:
    legacy = SsoSession(SESSION.start_url, SESSION.start_url, "us-east-1", legacy=True)
    assert legacy.token_path == sso_cache.token_path(SESSION.start_url)
    assert legacy.token_path != SESSION.token_path
