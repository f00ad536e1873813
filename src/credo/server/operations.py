"""The one table from (service, action) to the domain operation that answers it.

Each domain module exports ``OPERATIONS``; list the module here, one per line.
"""

from __future__ import annotations

from importlib import import_module

from credo.call import Operation

MODULES: dict[str, list[str]] = {
    "iam": [
        "credo.iam.users",
        "credo.iam.access_keys",
        "credo.iam.groups",
        "credo.iam.policies",
        "credo.iam.policy_versions",
        "credo.iam.inline_policies",
        "credo.iam.attachments",
        "credo.iam.roles",
        "credo.iam.boundaries",
        "credo.iam.instance_profiles",
        "credo.iam.entity_tags",
        "credo.iam.login_profiles",
        "credo.iam.password_policy",
        "credo.iam.account_aliases",
        "credo.iam.account_summary",
        "credo.iam.credential_report",
        "credo.iam.mfa",
        "credo.iam.authorization_details",
        "credo.iam.simulation",
        "credo.iam.ssh_public_keys",
        "credo.iam.signing_certificates",
        "credo.iam.service_credentials",
        "credo.iam.server_certificates",
        "credo.iam.service_linked_roles",
        "credo.iam.service_access",
        "credo.iam.service_last_accessed",
        "credo.iam.sts_preferences",
        "credo.iam.account_properties",
        "credo.iam.outbound_federation",
        "credo.iam.organizations",
        "credo.iam.organizations_access_report",
        "credo.iam.role_templates",
        "credo.iam.delegation_requests",
        "credo.iam.saml_providers",
        "credo.iam.oidc_providers",
    ],
    "sts": [
        "credo.sts.identity",
        "credo.sts.authorization_messages",
        "credo.sts.sessions",
        "credo.sts.access_key_info",
        "credo.sts.assume_role",
        "credo.sts.root_sessions",
    ],
}


def _collect() -> dict[str, dict[str, Operation]]:
    table: dict[str, dict[str, Operation]] = {}
    for service, modules in MODULES.items():
        table[service] = {}
        for name in modules:
            table[service].update(import_module(name).OPERATIONS)
    return table


OPERATIONS = _collect()
