"""Deleting a user as AWS's IAM console does: its dependents first, then DeleteUser.

The API refuses DeleteUser while the user has a password, keys, certificates, MFA devices,
group memberships or policies (DeleteConflict), so the console removes each with its own
operation, as the signed-in principal. The first refusal stops that user's deletion (reported
by ``bulk_delete`` in AWS's words); what was removed before it stays removed, as in AWS's console.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from credo.console.mfa_devices import is_virtual
from credo.console.policy_forms import remove_all_policies
from credo.errors import NoSuchEntity

if TYPE_CHECKING:
    from credo.console.overview import Caller

# What the confirmation says happens first.
REMOVES = (
    "Its password, access keys, signing certificates, SSH public keys, service-specific credentials "
    "and MFA devices are deleted, it is removed from its groups, and its policies and permissions "
    "boundary are removed first."
)


def delete_user(caller: Caller, name: str) -> None:
    # GetUser first: an unknown user (or one the caller may not see) fails before anything changes.
    user = caller.call("GetUser", UserName=name)["User"]
    for step in _STEPS:
        step(caller, name)
    if user.get("PermissionsBoundary"):
        caller.call("DeleteUserPermissionsBoundary", UserName=name)
    caller.call("DeleteUser", UserName=name)


def _login_profile(caller: Caller, name: str) -> None:
    try:
        caller.call("GetLoginProfile", UserName=name)
    except NoSuchEntity:
        return
    caller.call("DeleteLoginProfile", UserName=name)


def _access_keys(caller: Caller, name: str) -> None:
    for key in caller.call_all("ListAccessKeys", "AccessKeyMetadata", UserName=name):
        caller.call("DeleteAccessKey", UserName=name, AccessKeyId=key["AccessKeyId"])


def _signing_certificates(caller: Caller, name: str) -> None:
    for cert in caller.call_all("ListSigningCertificates", "Certificates", UserName=name):
        caller.call("DeleteSigningCertificate", UserName=name, CertificateId=cert["CertificateId"])


def _ssh_public_keys(caller: Caller, name: str) -> None:
    for key in caller.call_all("ListSSHPublicKeys", "SSHPublicKeys", UserName=name):
        caller.call("DeleteSSHPublicKey", UserName=name, SSHPublicKeyId=key["SSHPublicKeyId"])


def _service_credentials(caller: Caller, name: str) -> None:
    found = caller.call("ListServiceSpecificCredentials", UserName=name)["ServiceSpecificCredentials"]
    for credential in found:
        caller.call(
            "DeleteServiceSpecificCredential",
            UserName=name,
            ServiceSpecificCredentialId=credential["ServiceSpecificCredentialId"],
        )


def _mfa_devices(caller: Caller, name: str) -> None:
    for device in caller.call_all("ListMFADevices", "MFADevices", UserName=name):
        serial = device["SerialNumber"]
        caller.call("DeactivateMFADevice", UserName=name, SerialNumber=serial)
        if is_virtual(serial):
            caller.call("DeleteVirtualMFADevice", SerialNumber=serial)


def _groups(caller: Caller, name: str) -> None:
    for group in caller.call_all("ListGroupsForUser", "Groups", UserName=name):
        caller.call("RemoveUserFromGroup", UserName=name, GroupName=group["GroupName"])


def _policies(caller: Caller, name: str) -> None:
    remove_all_policies(caller, "User", name)


# In the order AWS's console removes them.
_STEPS: tuple[Callable[[Caller, str], None], ...] = (
    _login_profile,
    _access_keys,
    _signing_certificates,
    _ssh_public_keys,
    _service_credentials,
    _mfa_devices,
    _groups,
    _policies,
)
