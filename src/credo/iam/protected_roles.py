"""Roles that belong to an AWS service: the role operations that would change one refuse, with
AWS's ``UnmodifiableEntity`` message.

Service-linked roles: AWS lets an account edit their description and nothing else — not the
trust policy, permissions policies, permissions boundary or session length — and deletes them
only through ``DeleteServiceLinkedRole``. Identity Center's ``AWSReservedSSO_…`` roles: IAM
callers may change nothing at all ("this role is only modifiable by AWS"); Identity Center
builds and removes them itself (``credo.sso.provisioning``). Kept apart from
``service_linked_roles`` so that the role, policy and boundary modules can ask without
importing the modules that import them.
"""

from __future__ import annotations

from sqlalchemy import Connection, RowMapping, exists, select

from credo.errors import UnmodifiableEntity
from credo.store.schema import service_linked_roles, sso_provisioned_roles


def linked_service(conn: Connection, role_id: str) -> str | None:
    """The service principal a role is linked to, or ``None`` for an ordinary role."""
    found = conn.execute(
        select(service_linked_roles.c.service_name).where(service_linked_roles.c.role_id == role_id)
    ).scalar_one_or_none()
    return None if found is None else str(found)


def provisioned_by_sso(conn: Connection, role_id: str) -> bool:
    """Whether the role is a permission set provisioned by Identity Center."""
    return bool(conn.execute(select(exists().where(sso_provisioned_roles.c.role_id == role_id))).scalar())


def is_protected(conn: Connection, role_id: str) -> bool:
    """Whether only the AWS service that owns the role may change its permissions."""
    return linked_service(conn, role_id) is not None or provisioned_by_sso(conn, role_id)


def protected_role_error(role_name: str) -> UnmodifiableEntity:
    return UnmodifiableEntity(
        f"Cannot perform the operation on the protected role '{role_name}' - "
        "this role is only modifiable by AWS"
    )


def require_modifiable(conn: Connection, role: RowMapping, *, description_only: bool = False) -> None:
    """Raise ``UnmodifiableEntity`` as AWS does when ``role`` belongs to a service.

    ``description_only``: the change touches the description alone, which an account may still
    edit on a service-linked role (not on an Identity Center role).
    """
    refused = provisioned_by_sso(conn, role["id"]) if description_only else is_protected(conn, role["id"])
    if refused:
        raise protected_role_error(role["name"])
