"""The sso portal API (REST-JSON, the bearer token in ``x-amz-sso_bearer_token``): GetRoleCredentials,
ListAccounts, ListAccountRoles, Logout — what botocore's SSO credential provider, ``credo sso``
and aws-sso-util call.

A token that is unknown, expired or revoked (or whose sign-in ended) is UnauthorizedException
(401), which botocore's credential provider reports as ``UnauthorizedSSOTokenError``.
"""

from __future__ import annotations

from typing import Any

from credo.call import Call, Operation, Result
from credo.errors import ValidationException
from credo.rest_json_errors import PortalInvalidRequestException, UnauthorizedException
from credo.sso import paging, portal_access, portal_tokens
from credo.sso.portal_sessions import PortalSession


def _signed_in(call: Call) -> PortalSession:
    now = call.services.clock.now()
    with call.services.store.write_quietly() as conn:
        return portal_tokens.resolve(conn, call.params["accessToken"], now)


def _page(items: list[Any], key: Any, name: str, shown: Any, call: Call) -> dict[str, Any]:
    """One page (``max_result``, ``next_token``) of a short sorted list, with write-stable tokens."""
    try:
        start = paging.after(call.params.get("nextToken"))
    except ValidationException as error:
        raise PortalInvalidRequestException(error.message) from None
    remaining = [item for item in items if start is None or key(item) > start]
    limit = call.params.get("maxResults")
    answer = paging.page(remaining[: paging.limit_of(limit)], limit, key, name, shown)
    if "NextToken" in answer:
        answer["nextToken"] = answer.pop("NextToken")
    return answer


def get_role_credentials(call: Call) -> Result:
    session = _signed_in(call)
    made = portal_access.role_credentials(call, session, call.params["accountId"], call.params["roleName"])
    credentials = made["Credentials"]
    return {
        "roleCredentials": {
            "accessKeyId": credentials["AccessKeyId"],
            "secretAccessKey": credentials["SecretAccessKey"],
            "sessionToken": credentials["SessionToken"],
            "expiration": int(credentials["Expiration"].timestamp() * 1000),
        }
    }


def list_accounts(call: Call) -> Result:
    session = _signed_in(call)
    with call.services.store.read() as conn:
        found = portal_access.reachable_accounts(conn, session.user_id)
    return _page(
        found,
        lambda account: f"{account.name} {account.account_id}",
        "accountList",
        lambda account: {
            "accountId": account.account_id,
            "accountName": account.name,
            "emailAddress": account.email,
        },
        call,
    )


def list_account_roles(call: Call) -> Result:
    session = _signed_in(call)
    account_id = call.params["accountId"]
    with call.services.store.read() as conn:
        names = portal_access.reachable_roles(conn, session.user_id, account_id)
    return _page(
        names, lambda name: name, "roleList", lambda name: {"roleName": name, "accountId": account_id}, call
    )


def logout(call: Call) -> Result:
    now = call.services.clock.now()
    with call.services.store.write_quietly() as conn:
        revoked = portal_tokens.revoke_sign_in(conn, call.params["accessToken"], now)
    if not revoked:
        raise UnauthorizedException()
    return {}


OPERATIONS = {
    "GetRoleCredentials": Operation(get_role_credentials),
    "ListAccounts": Operation(list_accounts),
    "ListAccountRoles": Operation(list_account_roles),
    "Logout": Operation(logout),
}
