"""What a permission set grants, changed by its name: managed policies, the inline policy, the
permissions boundary; reading it back (list, describe) and deleting it.

Each function is one or a few of AWS's ``sso-admin`` operations through ``SsoAdmin``, on a
``Target`` (the name resolved to the ARN once, by ``target``). As in AWS, a change reaches the
permission set only: its roles in the accounts keep the old policies until
``ProvisionPermissionSet``, and ``stale_accounts`` says which accounts still have an earlier version.
"""

from __future__ import annotations

from typing import Any

from credo.client.sso_admin import SsoAdmin, SsoAdminError

# The InstanceArn and PermissionSetArn parameters every operation here takes.
Target = dict[str, str]


def target(admin: SsoAdmin, name: str) -> Target:
    return {"InstanceArn": admin.instance.arn, "PermissionSetArn": admin.permission_set_arn(name)}


def attach_managed_policy(admin: SsoAdmin, to: Target, policy_arn: str) -> None:
    admin.call(admin.sso, "AttachManagedPolicyToPermissionSet", **to, ManagedPolicyArn=policy_arn)


def detach_managed_policy(admin: SsoAdmin, of: Target, policy_arn: str) -> None:
    admin.call(admin.sso, "DetachManagedPolicyFromPermissionSet", **of, ManagedPolicyArn=policy_arn)


def put_inline_policy(admin: SsoAdmin, to: Target, document: str) -> None:
    admin.call(admin.sso, "PutInlinePolicyToPermissionSet", **to, InlinePolicy=document)


def get_inline_policy(admin: SsoAdmin, of: Target) -> str:
    """The inline policy document, or ``""`` when the permission set has none (as AWS answers)."""
    answer = admin.call(admin.sso, "GetInlinePolicyForPermissionSet", **of)
    return str(answer.get("InlinePolicy") or "")


def delete_inline_policy(admin: SsoAdmin, of: Target) -> None:
    admin.call(admin.sso, "DeleteInlinePolicyFromPermissionSet", **of)


def boundary(policy_arn: str | None, customer_policy: str | None, path: str) -> dict[str, Any]:
    """PutPermissionsBoundary's ``PermissionsBoundary``: an AWS managed policy's ARN, or a customer
    managed policy's name and path (found in each account the set is provisioned to)."""
    if policy_arn is not None:
        return {"ManagedPolicyArn": policy_arn}
    return {"CustomerManagedPolicyReference": {"Name": customer_policy, "Path": path}}


def put_permissions_boundary(admin: SsoAdmin, to: Target, permissions_boundary: dict[str, Any]) -> None:
    admin.call(
        admin.sso, "PutPermissionsBoundaryToPermissionSet", **to, PermissionsBoundary=permissions_boundary
    )


def delete_permissions_boundary(admin: SsoAdmin, of: Target) -> None:
    admin.call(admin.sso, "DeletePermissionsBoundaryFromPermissionSet", **of)


def delete_permission_set(admin: SsoAdmin, which: Target) -> None:
    """DeletePermissionSet (refused, as AWS refuses it, while the set has assignments)."""
    admin.call(admin.sso, "DeletePermissionSet", **which)


def listing(admin: SsoAdmin) -> list[tuple[str, str]]:
    """(name, ARN) of every permission set, by name."""
    return sorted((str(entry["Name"]), str(entry["PermissionSetArn"])) for entry in admin.permission_sets())


def describe(admin: SsoAdmin, which: Target) -> dict[str, Any]:
    """DescribePermissionSet's answer with what the set grants beside it: ``ManagedPolicies``,
    ``CustomerManagedPolicyReferences``, and ``InlinePolicy`` and ``PermissionsBoundary`` when set."""
    described = dict(admin.call(admin.sso, "DescribePermissionSet", **which)["PermissionSet"])
    described["ManagedPolicies"] = admin.pages(
        admin.sso, "ListManagedPoliciesInPermissionSet", "AttachedManagedPolicies", **which
    )
    described["CustomerManagedPolicyReferences"] = admin.pages(
        admin.sso,
        "ListCustomerManagedPolicyReferencesInPermissionSet",
        "CustomerManagedPolicyReferences",
        **which,
    )
    inline = get_inline_policy(admin, which)
    if inline:
        described["InlinePolicy"] = inline
    try:
        found = admin.call(admin.sso, "GetPermissionsBoundaryForPermissionSet", **which)
        described["PermissionsBoundary"] = found["PermissionsBoundary"]
    except SsoAdminError as error:
        # AWS's answer for a permission set without a boundary.
        if error.code != "ResourceNotFoundException":
            raise
    return described


def stale_accounts(admin: SsoAdmin, of: Target) -> list[str]:
    """Accounts whose role still has an earlier version of the permission set."""
    found = admin.pages(
        admin.sso,
        "ListAccountsForProvisionedPermissionSet",
        "AccountIds",
        **of,
        ProvisioningStatus="LATEST_PERMISSION_SET_NOT_PROVISIONED",
    )
    return [str(account) for account in found]
