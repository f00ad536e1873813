"""Service-linked roles belong to their AWS service: the role operations that would change
one refuse, with AWS's ``UnmodifiableEntity`` message.

AWS lets an account edit a service-linked role's description and nothing else: not its trust
policy, permissions policies, permissions boundary or session length, and it is deleted only
through ``DeleteServiceLinkedRole``. Kept apart from ``service_linked_roles`` so that the role,
policy and boundary modules can ask without importing the module that imports them.
"""

from __future__ import annotations

from sqlalchemy import Connection, RowMapping, select

from credo.errors import UnmodifiableEntity
from credo.store.schema import service_linked_roles


def linked_service(conn: Connection, role_id: str) -> str | None:
    """The service principal a role is linked to, or ``None`` for an ordinary role."""
    found = conn.execute(
        select(service_linked_roles.c.service_name).where(service_linked_roles.c.role_id == role_id)
    ).scalar_one_or_none()
    return None if found is None else str(found)


def protected_role_error(role_name: str) -> UnmodifiableEntity:
    return UnmodifiableEntity(
        f"Cannot perform the operation on the protected role '{role_name}' - "
        "this role is only modifiable by AWS"
    )


def require_modifiable(conn: Connection, role: RowMapping) -> None:
    """Raise ``UnmodifiableEntity`` as AWS does when ``role`` is a service-linked role."""
    if linked_service(conn, role["id"]) is not None:
        raise protected_role_error(role["name"])
