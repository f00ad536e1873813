"""Users, groups and roles as holders of policies: how each is looked up, and its quotas.

Inline policies and attachments are stored per ``(entity_kind, entity_id)``; this table is
the one place that knows the three kinds apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, RowMapping

from credo.iam.groups import find_group
from credo.iam.roles import find_role
from credo.iam.users import find_user

MAX_ATTACHED_POLICIES = 10


@dataclass(frozen=True)
class Holder:
    """One kind of policy holder."""

    kind: str  # "user", "group" or "role", as stored
    label: str  # "User", "Group" or "Role", as the API's parameter names and quotas spell it
    find: Callable[[Connection, str, str], RowMapping]
    # Total non-whitespace characters of all inline policies of one entity.
    inline_quota: int

    @property
    def name_param(self) -> str:
        return f"{self.label}Name"


USER = Holder("user", "User", find_user, 2048)
GROUP = Holder("group", "Group", find_group, 5120)
ROLE = Holder("role", "Role", find_role, 10240)
