"""Outbound web identity federation: the account's switch and its issuer URL.

EnableOutboundWebIdentityFederation turns the feature on and gives the account an issuer
URL of its own, made once and kept when the feature is turned off and on again;
DisableOutboundWebIdentityFederation turns it off; GetOutboundWebIdentityFederationInfo
reports both. Enabling twice or disabling twice is AWS's ``FeatureEnabled`` /
``FeatureDisabled``. The issuer lives under this server's endpoint.
"""

from __future__ import annotations

import uuid
from typing import Any

from credo.call import Call, Operation, Result
from credo.errors import FeatureDisabled, FeatureEnabled
from credo.iam.account_settings import read_setting, write_setting

SETTING = "OutboundWebIdentityFederation"
ISSUER_PATH = "/outbound-identity/"
_ALREADY_ENABLED = "Outbound identity federation is already enabled for this account."
_ALREADY_DISABLED = "Outbound identity federation is already disabled for this account."
_NEVER_ENABLED = "Outbound identity federation is not enabled for this account."


def enable_outbound_web_identity_federation(call: Call) -> Result:
    account_id = call.principal.account_id
    with call.services.store.write() as conn:
        state: dict[str, Any] = read_setting(conn, account_id, SETTING) or {}
        if state.get("enabled"):
            raise FeatureEnabled(_ALREADY_ENABLED)
        issuer = state.get("issuer") or (
            call.services.settings.endpoint_url + ISSUER_PATH + str(uuid.uuid4())
        )
        write_setting(conn, account_id, SETTING, {"enabled": True, "issuer": issuer})
    return {"IssuerIdentifier": issuer}


def disable_outbound_web_identity_federation(call: Call) -> Result:
    account_id = call.principal.account_id
    with call.services.store.write() as conn:
        state: dict[str, Any] = read_setting(conn, account_id, SETTING) or {}
        if not state.get("enabled"):
            raise FeatureDisabled(_ALREADY_DISABLED)
        write_setting(conn, account_id, SETTING, {**state, "enabled": False})
    return {}


def get_outbound_web_identity_federation_info(call: Call) -> Result:
    with call.services.store.read() as conn:
        state: dict[str, Any] | None = read_setting(conn, call.principal.account_id, SETTING)
    if not state:
        raise FeatureDisabled(_NEVER_ENABLED)
    return {"IssuerIdentifier": state["issuer"], "JwtVendingEnabled": bool(state["enabled"])}


OPERATIONS = {
    "EnableOutboundWebIdentityFederation": Operation(enable_outbound_web_identity_federation),
    "DisableOutboundWebIdentityFederation": Operation(disable_outbound_web_identity_federation),
    "GetOutboundWebIdentityFederationInfo": Operation(get_outbound_web_identity_federation_info),
}
