"""Whether an IAM role's page shows a role Identity Center provisioned (``AWSReservedSSO_…``).

IAM refuses every change to such a role (``UnmodifiableEntity``), so its page offers none and
says where the role comes from. GetRole does not tell; the page asks the store, by the role id
GetRole returned to the signed-in principal, for the permission set the role was provisioned
from. Nothing is changed here, and nothing is shown the principal could not read with GetRole
and the name the role already carries.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from credo.call import Services
from credo.console.identity_center import path
from credo.iam.protected_roles import protected_role_error
from credo.store.schema import sso_permission_sets, sso_provisioned_roles


@dataclass(frozen=True)
class ProvisionedFrom:
    """The permission set a role was provisioned from, and IAM's answer to a change."""

    permission_set_id: str
    permission_set_name: str
    refusal: str

    @property
    def link(self) -> str:
        return path("permission-sets", self.permission_set_id)


def provisioned_from(services: Services, role_id: str, role_name: str) -> ProvisionedFrom | None:
    with services.store.read() as conn:
        row = conn.execute(
            select(sso_permission_sets.c.id, sso_permission_sets.c.name)
            .join(
                sso_provisioned_roles, sso_provisioned_roles.c.permission_set_id == sso_permission_sets.c.id
            )
            .where(sso_provisioned_roles.c.role_id == role_id)
        ).first()
    if row is None:
        return None
    return ProvisionedFrom(row.id, row.name, protected_role_error(role_name).message)
