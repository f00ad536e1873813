"""STS AssumeRoot: privileged root sessions on an organization's member accounts — refused.

AssumeRoot is for an AWS Organizations management account (or IAM's delegated
administrator) with centralized root access enabled; it may not be called with root user
credentials. credo has no Organizations, so no account is a management account: after the
usual authorization (``sts:AssumeRoot`` on the target account's root ARN) the call is denied.
"""

from __future__ import annotations

from credo.auth.resources import root_target
from credo.call import Call, Operation, Result
from credo.errors import AccessDenied

ROOT_CREDENTIALS_REFUSED = "Cannot call AssumeRoot with root user credentials"


def assume_root(call: Call) -> Result:
    principal = call.principal
    if principal.is_root:
        raise AccessDenied(ROOT_CREDENTIALS_REFUSED)
    target = root_target(str(call.params["TargetPrincipal"]))
    raise AccessDenied(
        f"User: {principal.arn} is not authorized to perform: sts:AssumeRoot on resource: {target} "
        f"because account {principal.account_id} is not the management account or a delegated "
        "administrator of an organization with centralized root access"
    )


OPERATIONS = {
    "AssumeRoot": Operation(assume_root),
}
