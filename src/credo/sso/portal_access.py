"""What a signed-in person may reach through the portal, and the credentials it hands out.

A user reaches a permission set in an account when it is assigned to them, or to a group they
belong to; the portal lists it as a role named after the permission set (as AWS's does). Every
answer is read from the assignments as they are now, so removing an assignment refuses the very
next request. Credentials are a session of the ``AWSReservedSSO_…`` role provisioned for the
permission set in that account, named after the user, lasting the permission set's session
duration, issued as every AssumeRole* session is (``sts/role_sessions.py``): the SSO service
acts, as AWS's does, so the role's trust policy (which names AWS's SAML provider) is not asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, RowMapping, or_, select

from credo.call import Call
from credo.rest_json_errors import ForbiddenException
from credo.sso import durations
from credo.sso.portal_sessions import PortalSession
from credo.sso.provisioning import provisioned_role
from credo.store.schema import (
    account_aliases,
    accounts,
    roles,
    sso_account_assignments,
    sso_group_memberships,
    sso_permission_sets,
)
from credo.sts.role_sessions import RoleSession, issue_role_session

_SESSION_NAME_CHARACTERS = re.compile(r"[^\w+=,.@-]")


@dataclass(frozen=True)
class Account:
    """An account the person reaches, as ListAccounts shows it."""

    account_id: str
    name: str
    email: str


def _assigned(conn: Connection, user_id: str) -> Any:
    """The assignments of the user and of the user's groups (a select of assignment + permission set)."""
    groups = select(sso_group_memberships.c.group_id).where(sso_group_memberships.c.user_id == user_id)
    return (
        select(sso_account_assignments.c.account_id, sso_permission_sets)
        .join(sso_permission_sets, sso_permission_sets.c.id == sso_account_assignments.c.permission_set_id)
        .where(
            or_(
                (sso_account_assignments.c.principal_type == "USER")
                & (sso_account_assignments.c.principal_id == user_id),
                (sso_account_assignments.c.principal_type == "GROUP")
                & sso_account_assignments.c.principal_id.in_(groups),
            )
        )
    )


def _accounts(conn: Connection, *where: Any) -> list[Account]:
    """Accounts by name (the alias, else the id), as ListAccounts names them."""
    rows = conn.execute(
        select(accounts.c.id, accounts.c.email, account_aliases.c.alias)
        .select_from(accounts.outerjoin(account_aliases, account_aliases.c.account_id == accounts.c.id))
        .where(*where)
    ).all()
    found = [Account(row.id, row.alias or row.id, row.email or "") for row in rows]
    return sorted(found, key=lambda account: (account.name, account.account_id))


def reachable_accounts(conn: Connection, user_id: str) -> list[Account]:
    """Every account the user has an assignment in, by name."""
    assigned = _assigned(conn, user_id).subquery()
    return _accounts(conn, accounts.c.id.in_(select(assigned.c.account_id)))


def installation_accounts(conn: Connection) -> list[Account]:
    """Every account of the installation, by name: what Identity Center may assign access to."""
    return _accounts(conn)


def reachable_roles(conn: Connection, user_id: str, account_id: str) -> list[str]:
    """The permission set names the user may use in ``account_id`` (the portal's role names)."""
    rows = conn.execute(_assigned(conn, user_id).where(sso_account_assignments.c.account_id == account_id))
    return sorted({row.name for row in rows.mappings()})


def _permission_set(conn: Connection, user_id: str, account_id: str, role_name: str) -> RowMapping | None:
    query = _assigned(conn, user_id).where(
        sso_account_assignments.c.account_id == account_id, sso_permission_sets.c.name == role_name
    )
    return conn.execute(query.limit(1)).mappings().first()


def session_name(user_name: str) -> str:
    """The role session's name: the user name, in the characters and length STS allows."""
    cleaned = _SESSION_NAME_CHARACTERS.sub("_", user_name)[:64]
    return cleaned if len(cleaned) >= 2 else (cleaned + "__")[:2]


def role_credentials(call: Call, session: PortalSession, account_id: str, role_name: str) -> dict[str, Any]:
    """A session of the role provisioned for ``role_name`` in ``account_id`` (STS's Credentials
    shape, with the AssumedRoleUser), or ForbiddenException when the user is not assigned it."""
    services = call.services
    with services.store.read() as conn:
        permission_set = _permission_set(conn, session.user_id, account_id, role_name)
        record = (
            provisioned_role(conn, permission_set["id"], account_id) if permission_set is not None else None
        )
        role = (
            conn.execute(select(roles).where(roles.c.id == record["role_id"])).mappings().first()
            if record is not None
            else None
        )
    if permission_set is None or role is None:
        raise ForbiddenException(
            detail=f"No permission set named {role_name[:64]!r} is assigned to you in account {account_id[:12]}."
        )
    mfa_at = session.mfa_authenticated_at
    role_session = RoleSession(
        duration=durations.seconds(permission_set["session_duration"]),
        mfa_authenticated_at=int(mfa_at.timestamp()) if mfa_at is not None else None,
    )
    now = services.clock.now()
    return issue_role_session(call, role, session_name(session.user_name), now, role_session)
