"""A role as its page shows it (GetRole), and the account name its switch-role link uses."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from credo.console.overview import Caller
from credo.console.policy_forms import policy_link, pretty
from credo.errors import AwsError
from credo.iam.password_policy import as_utc


@dataclass(frozen=True)
class Role:
    role_id: str
    name: str
    path: str
    arn: str
    created: datetime
    description: str
    max_session: int
    trust: str
    tags: list[dict[str, str]]
    boundary: str | None
    last_used: datetime | None
    last_region: str | None

    @property
    def max_session_text(self) -> str:
        """As the console words it: "1 hour", "12 hours" (seconds when not whole hours)."""
        hours, rest = divmod(self.max_session, 3600)
        if rest:
            return f"{self.max_session} seconds"
        return "1 hour" if hours == 1 else f"{hours} hours"

    @property
    def boundary_link(self) -> str | None:
        return policy_link(self.boundary) if self.boundary else None


def read_role(caller: Caller, name: str) -> Role:
    """The role as GetRole describes it; raises NoSuchEntity (or the refusal)."""
    role: dict[str, Any] = caller.call("GetRole", RoleName=name)["Role"]
    used = role.get("RoleLastUsed") or {}
    return Role(
        role["RoleId"],
        role["RoleName"],
        role["Path"],
        role["Arn"],
        as_utc(role["CreateDate"]),
        role.get("Description", ""),
        role["MaxSessionDuration"],
        pretty(unquote(role["AssumeRolePolicyDocument"])),
        role.get("Tags", []),
        (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
        as_utc(used["LastUsedDate"]) if used.get("LastUsedDate") else None,
        used.get("Region"),
    )


def account_name(caller: Caller) -> str:
    """The account as the switch-role link names it: its alias, else its id."""
    with contextlib.suppress(AwsError):
        aliases = caller.call("ListAccountAliases")["AccountAliases"]
        if aliases:
            return str(aliases[0])
    return caller.session.account_id
