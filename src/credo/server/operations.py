"""The tables from (service, action) to the domain operation that answers it.

Each domain module exports ``OPERATIONS``; list the module here, one per line. ``MODULES`` are
the Query services (by SigV4 scope), ``JSON_MODULES`` the JSON 1.1 ones (by botocore model name).
"""

from __future__ import annotations

from importlib import import_module

from credo.call import Call, Handler, Operation, Result
from credo.store.db import WRITE_SCOPE

# Services whose every write stays inside the caller's account (IAM's names, limits and
# entities are per account), so concurrent writers in other accounts need not wait for them.
ACCOUNT_SCOPED_SERVICES = frozenset({"iam"})

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
        "credo.sts.saml",
        "credo.sts.web_identity",
    ],
}


JSON_MODULES: dict[str, list[str]] = {
    "sso-admin": [
        "credo.sso.instances",
        "credo.sso.permission_sets",
        "credo.sso.permission_set_policies",
        "credo.sso.assignments",
        "credo.sso.provisioning_operations",
        "credo.sso.requests",
        "credo.sso.tags",
    ],
    "identitystore": [
        "credo.sso.users",
        "credo.sso.groups",
        "credo.sso.memberships",
    ],
    "cloudtrail": ["credo.audit.lookup_events"],
}

# REST-JSON services, unsigned: the access portal's token service and portal API
# (``server/rest_json_api.py`` routes each operation by its model's method and path).
REST_JSON_MODULES: dict[str, list[str]] = {
    "sso-oidc": [
        "credo.sso.oidc_clients",
        "credo.sso.oidc_device",
        "credo.sso.oidc_tokens",
    ],
    "sso": ["credo.sso.portal_api"],
}


def _collect(modules_by_service: dict[str, list[str]]) -> dict[str, dict[str, Operation]]:
    table: dict[str, dict[str, Operation]] = {}
    for service, modules in modules_by_service.items():
        table[service] = {}
        for name in modules:
            table[service].update(import_module(name).OPERATIONS)
    return table


OPERATIONS = _collect(MODULES)
JSON_OPERATIONS = _collect(JSON_MODULES)
REST_JSON_OPERATIONS = _collect(REST_JSON_MODULES)


def run_handler(handler: Handler, call: Call, service: str) -> Result:
    """Run ``handler``; its writes take turns per account where the service allows (``WRITE_SCOPE``)."""
    if service not in ACCOUNT_SCOPED_SERVICES:
        return handler(call)
    token = WRITE_SCOPE.set(call.principal.account_id)
    try:
        return handler(call)
    finally:
        WRITE_SCOPE.reset(token)
