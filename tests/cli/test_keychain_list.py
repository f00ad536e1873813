"""``credo list``: a role profile's cached session and its expiry, and ``expired`` once it has ended."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.cli.conftest import AwsFiles, Result
from tests.cli.keychain_support import (
    new_user_key,
    os_keychain_entries,
    os_keychain_env,
    put_os_keychain_entry,
)
from tests.cli.test_keychain_sessions import ALICE, add, allow, append_config, trust
from tests.conftest import Server

Run = Callable[..., Result]


def listed(credo: Run, env: dict[str, str]) -> dict[str, dict[str, Any]]:
    result = credo("list", "--output", "json", env=env)
    assert result.returncode == 0, result.stderr
    return {row["profile"]: row for row in json.loads(result.stdout)["Profiles"]}


def test_role_session_expiry_then_expired(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, tmp_path: Path
) -> None:
    """A role profile built on a keychain profile shows its cached AssumeRole session's expiry; once that has
    passed, ``expired`` (and the session is not re-used)."""
    env = os_keychain_env(aws_files)
    key = new_user_key(iam, "alice", allow("sts:AssumeRole"))
    role_arn = iam.create_role(RoleName="admin", AssumeRolePolicyDocument=trust(ALICE))["Role"]["Arn"]
    add(credo, env, tmp_path, server, key)
    append_config(
        aws_files,
        f"[profile admin]\nrole_arn = {role_arn}\nsource_profile = dev\nduration_seconds = 1800\n"
        f"endpoint_url = {server.endpoint}\nregion = us-east-1\n",
    )
    assert listed(credo, env)["admin"]["session"] == "-"  # nothing cached yet
    assert credo("credential-process", "admin", env=env).returncode == 0
    cached = os_keychain_entries(aws_files)["credo:role-session"]["admin"]
    expiration = datetime.fromisoformat(cached["Expiration"])
    rows = listed(credo, env)
    assert rows["admin"]["source"] == "role"
    assert rows["admin"]["detail"] == f"{role_arn} from dev"
    assert rows["admin"]["session_expiration"] == expiration.isoformat()
    assert re.fullmatch(
        rf"expires {expiration:%Y-%m-%dT%H:%M:%SZ} \(in 0h(29|30)m\)", rows["admin"]["session"]
    ), rows["admin"]
    assert rows["dev"]["session"].startswith("expires ")  # the base session it was assumed from

    cached["Expiration"] = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    put_os_keychain_entry(aws_files, "credo:role-session", "admin", cached)
    assert listed(credo, env)["admin"]["session"] == "expired"
    text = credo("list", env=env).stdout
    [line] = [line for line in text.splitlines() if line.startswith("admin ")]
    assert line.split()[:3] == ["admin", "role", "expired"]
    renewed = json.loads(credo("credential-process", "admin", env=env).stdout)
    assert renewed["AccessKeyId"] != cached["AccessKeyId"]
    assert listed(credo, env)["admin"]["session"].startswith("expires ")
