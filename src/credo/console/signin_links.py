"""The account's name as AWS's console shows it in sign-in URLs and MFA labels: its alias, else its id."""

from __future__ import annotations

from credo.console.overview import Caller
from credo.errors import AwsError


def account_name(caller: Caller) -> str:
    """The account alias (ListAccountAliases as the caller), or the account id without one or when refused."""
    try:
        aliases = caller.call("ListAccountAliases")["AccountAliases"]
    except AwsError:
        aliases = []
    return str(aliases[0]) if aliases else caller.session.account_id
