"""GetAccountSummary: real counts of the account's entities beside IAM's quotas.

GlobalEndpointTokenVersion is the account's own choice (SetSecurityTokenServicePreferences).

Other areas add their tables over time; each count looks its table up in the schema's
metadata when called, so an area that is not there yet counts as zero.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, func, select

from credo.call import Call, Operation, Result
from credo.iam.sts_preferences import token_version
from credo.store.schema import (
    access_keys,
    accounts,
    metadata,
    server_certificates,
    signing_certificates,
    users,
)

# IAM's default quotas, as GetAccountSummary reports them.
QUOTAS = {
    "UsersQuota": 5000,
    "GroupsQuota": 300,
    "RolesQuota": 1000,
    "PoliciesQuota": 1500,
    "InstanceProfilesQuota": 1000,
    "ServerCertificatesQuota": 20,
    "AccessKeysPerUserQuota": 2,
    "SigningCertificatesPerUserQuota": 2,
    "GroupsPerUserQuota": 10,
    "AttachedPoliciesPerUserQuota": 10,
    "AttachedPoliciesPerGroupQuota": 10,
    "AttachedPoliciesPerRoleQuota": 10,
    "UserPolicySizeQuota": 2048,
    "GroupPolicySizeQuota": 5120,
    "RolePolicySizeQuota": 10240,
    "PolicySizeQuota": 6144,
    "AssumeRolePolicySizeQuota": 2048,
    "VersionsPerPolicyQuota": 5,
    "PolicyVersionsInUseQuota": 10000,
}

# Where each SummaryMap count comes from: (table name, extra condition on the row).
_COUNTED_TABLES = {
    "Groups": "groups",
    "Roles": "roles",
    "Policies": "managed_policies",
    "InstanceProfiles": "instance_profiles",
    # Each attachment of a managed policy uses one of its versions.
    "PolicyVersionsInUse": "policy_attachments",
}
_PROVIDER_TABLES = ("saml_providers", "oidc_providers", "open_id_connect_providers")
MFA_TABLES = ("mfa_devices", "virtual_mfa_devices")


def table_named(name: str) -> Table | None:
    """The table if its area has landed in the schema, else ``None``."""
    return metadata.tables.get(name)


def count_rows(conn: Connection, table: Table | None, account_id: str, *conditions: Any) -> int:
    """Rows of ``table`` in the account (0 when the table does not exist)."""
    if table is None or "account_id" not in table.c:
        return 0
    query = select(func.count()).select_from(table).where(table.c.account_id == account_id, *conditions)
    return int(conn.execute(query).scalar_one())


def _mfa_counts(conn: Connection, account_id: str) -> dict[str, int]:
    """MFADevices, MFADevicesInUse and AccountMFAEnabled, once the MFA area's table exists.

    A device is in use once enabled (``enabled_at`` set); an enabled device with no user
    belongs to the root user.
    """
    table = next((t for t in map(table_named, MFA_TABLES) if t is not None), None)
    if table is None or "enabled_at" not in table.c or "user_id" not in table.c:
        return {"MFADevices": 0, "MFADevicesInUse": 0, "AccountMFAEnabled": 0}
    enabled = table.c.enabled_at.is_not(None)
    root_devices = count_rows(conn, table, account_id, enabled, table.c.user_id.is_(None))
    return {
        "MFADevices": count_rows(conn, table, account_id),
        "MFADevicesInUse": count_rows(conn, table, account_id, enabled),
        "AccountMFAEnabled": int(root_devices > 0),
    }


def account_summary(conn: Connection, account_id: str) -> dict[str, int]:
    """The SummaryMap of one account."""
    summary: dict[str, int] = dict(QUOTAS)
    summary["Users"] = count_rows(conn, users, account_id)
    for key, table_name in _COUNTED_TABLES.items():
        summary[key] = count_rows(conn, table_named(table_name), account_id)
    summary["Providers"] = sum(count_rows(conn, table_named(name), account_id) for name in _PROVIDER_TABLES)
    summary["ServerCertificates"] = count_rows(conn, server_certificates, account_id)
    summary["AccountSigningCertificatesPresent"] = int(
        count_rows(conn, signing_certificates, account_id, signing_certificates.c.user_id.is_(None)) > 0
    )
    summary["AccountAccessKeysPresent"] = int(
        count_rows(conn, access_keys, account_id, access_keys.c.user_id.is_(None)) > 0
    )
    root_password = conn.execute(select(accounts.c.root_password_hash).where(accounts.c.id == account_id))
    summary["AccountPasswordPresent"] = int(root_password.scalar() is not None)
    summary.update(_mfa_counts(conn, account_id))
    summary["GlobalEndpointTokenVersion"] = token_version(conn, account_id)
    return summary


def get_account_summary(call: Call) -> Result:
    with call.services.store.read() as conn:
        return {"SummaryMap": account_summary(conn, call.principal.account_id)}


OPERATIONS = {
    "GetAccountSummary": Operation(get_account_summary),
}
