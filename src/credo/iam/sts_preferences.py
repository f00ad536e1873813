"""SetSecurityTokenServicePreferences: which session tokens STS's global endpoint issues.

The choice is stored per account and reported by GetAccountSummary's
``GlobalEndpointTokenVersion`` (1 or 2). credo's session tokens are valid everywhere, so the
setting changes nothing else; it is kept so that tools reading it back see what they set.
"""

from __future__ import annotations

from sqlalchemy import Connection

from credo.call import Call, Operation, Result
from credo.iam.account_settings import read_setting, write_setting

SETTING = "GlobalEndpointTokenVersion"
# AWS's default for the global endpoint: version 1 tokens.
DEFAULT_VERSION = "v1Token"
_SUMMARY_VALUES = {"v1Token": 1, "v2Token": 2}


def token_version(conn: Connection, account_id: str) -> int:
    """The account's version as GetAccountSummary reports it: 1 or 2."""
    chosen = read_setting(conn, account_id, SETTING) or DEFAULT_VERSION
    return _SUMMARY_VALUES.get(str(chosen), 1)


def set_security_token_service_preferences(call: Call) -> Result:
    # The model's enum already refused anything but v1Token and v2Token.
    version = str(call.params["GlobalEndpointTokenVersion"])
    with call.services.store.write() as conn:
        write_setting(conn, call.principal.account_id, SETTING, version)
    return {}


OPERATIONS = {
    "SetSecurityTokenServicePreferences": Operation(set_security_token_service_preferences),
}
