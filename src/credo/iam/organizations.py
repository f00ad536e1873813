"""Centralized root access (ListOrganizationsFeatures, Enable/Disable…RootCredentialsManagement,
Enable/Disable…RootSessions): answered as AWS answers an account outside any organization.

These operations act on an AWS Organizations organization; credo has no Organizations, so
every account is standalone and AWS's answer is ``OrganizationNotFoundException`` — the
first precondition (an organization at all) fails before the others (trusted access for
IAM, the management account, all features) can be checked.
"""

from __future__ import annotations

from credo.call import Call, Operation, Result
from credo.errors import OrganizationNotFound


def refuse_without_organization(call: Call) -> Result:
    """Every account in credo is standalone: no organization is associated with it."""
    raise OrganizationNotFound()


OPERATIONS = {
    name: Operation(refuse_without_organization)
    for name in (
        "ListOrganizationsFeatures",
        "EnableOrganizationsRootCredentialsManagement",
        "DisableOrganizationsRootCredentialsManagement",
        "EnableOrganizationsRootSessions",
        "DisableOrganizationsRootSessions",
    )
}
