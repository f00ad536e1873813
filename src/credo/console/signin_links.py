"""The account's name as AWS's console shows it (alias, else id) and its console sign-in URL."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request

from credo.console.overview import Caller
from credo.errors import AwsError


def account_name(caller: Caller) -> str:
    """The account alias (ListAccountAliases as the caller), or the account id without one or when refused."""
    try:
        aliases = caller.call("ListAccountAliases")["AccountAliases"]
    except AwsError:
        aliases = []
    return str(aliases[0]) if aliases else caller.session.account_id


def signin_url(request: Request, account: str) -> str:
    """``…/signin?account=<alias or id>``: the counterpart of ``https://<alias or id>.signin.aws.amazon.com/console``."""
    return f"{request.url.scheme}://{request.url.netloc}/signin?account={quote(account)}"
