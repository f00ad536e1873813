"""GetAccountProperties / PutAccountProperties: account-wide IAM feature switches.

AWS's properties are ``Namespace/PropertyName`` keys with typed string values; one request
sets properties of one namespace only. The one property AWS documents today is role
manager's switch, ``RoleManager/Enabled`` (a boolean, off until turned on); credo keeps it
per account and refuses keys it does not know, as it cannot check their type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import Connection

from credo.call import Call, Operation, Result
from credo.errors import InvalidInput
from credo.iam.account_settings import read_settings, write_setting

_PREFIX = "property:"


def _is_boolean(value: str) -> bool:
    return value in {"true", "false"}


# Known properties: the check of a value, what the check asks for, and the default.
PROPERTIES: dict[str, tuple[Callable[[str], bool], str, str]] = {
    "RoleManager/Enabled": (_is_boolean, "true or false", "false"),
}


def account_properties(conn: Connection, account_id: str) -> dict[str, str]:
    """Every known property: the account's value, else its default."""
    stored = read_settings(conn, account_id, _PREFIX)
    return {
        key: str(stored.get(_PREFIX + key, default)) for key, (_check, _wanted, default) in PROPERTIES.items()
    }


def _namespace(key: str) -> str:
    """The key's namespace; ``InvalidInput`` unless it is ``Namespace/PropertyName``."""
    namespace, slash, name = key.partition("/")
    if not slash or not namespace or not name or "/" in name:
        raise InvalidInput(
            f"Invalid account property key {key}: a key must be Namespace/PropertyName, "
            "with exactly one '/' that neither starts nor ends it."
        )
    return namespace


def check_properties(properties: Mapping[str, str]) -> None:
    """Raise ``InvalidInput`` for the first rule the request breaks, in AWS's documented order."""
    namespaces = {_namespace(key) for key in sorted(properties)}
    if len(namespaces) > 1:
        raise InvalidInput("All properties in a single request must belong to the same namespace.")
    for key in sorted(properties):
        known = PROPERTIES.get(key)
        if known is None:
            raise InvalidInput(f"Unknown account property {key}.")
        check, wanted, _default = known
        if not check(properties[key]):
            raise InvalidInput(f"Invalid value for account property {key}: expected {wanted}.")


def get_account_properties(call: Call) -> Result:
    with call.services.store.read() as conn:
        return {"Properties": account_properties(conn, call.principal.account_id)}


def put_account_properties(call: Call) -> Result:
    properties: Mapping[str, str] = call.params["Properties"]
    check_properties(properties)
    with call.services.store.write() as conn:
        for key, value in properties.items():
            write_setting(conn, call.principal.account_id, _PREFIX + key, value)
    return {}


OPERATIONS = {
    "GetAccountProperties": Operation(get_account_properties),
    "PutAccountProperties": Operation(put_account_properties),
}
