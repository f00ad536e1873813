"""Console sign-ins in the audit trail: CloudTrail's ``ConsoleLogin`` event (``signin.amazonaws.com``),
success or failure, written in the transaction that records the attempt.

Who is named as CloudTrail names them: an IAM user or the root user on success; on failure the
user if it exists, else ``HIDDEN_DUE_TO_SECURITY_REASONS`` (a mistyped name may be a password).
A sign-in that needs an MFA code is recorded once, after the code (``MFAUsed: Yes``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping

from credo import arn
from credo.audit import identity
from credo.audit.events import console_login_event
from credo.auth.principal import Principal
from credo.call import Services


@dataclass(frozen=True)
class SignInClient:
    """The browser signing in: its address, its User-Agent, and the console page it goes to."""

    source_ip: str
    user_agent: str = ""
    login_to: str = ""


def record(
    conn: Connection,
    services: Services,
    client: SignInClient,
    *,
    who: dict[str, Any],
    user_name: str | None,
    account_id: str | None,
    succeeded: bool,
    mfa_used: bool,
) -> None:
    """Write one ``ConsoleLogin`` event in ``conn``'s transaction."""
    row = console_login_event(
        event_id=str(uuid.uuid4()),
        # To the microsecond (``Clock.now`` keeps whole seconds): events are ordered by it.
        when=datetime.fromtimestamp(services.clock.time(), UTC),
        who=who,
        user_name=user_name,
        account_id=account_id,
        succeeded=succeeded,
        mfa_used=mfa_used,
        source_ip=client.source_ip,
        user_agent=client.user_agent,
        login_to=client.login_to,
    )
    services.audit.insert(conn, row)


def record_user(
    conn: Connection,
    services: Services,
    client: SignInClient,
    account_id: str | None,
    found: RowMapping | None,
    succeeded: bool,
) -> None:
    """An IAM user's password sign-in (``found``: the user's row, if the name named one)."""
    if succeeded:
        assert found is not None and account_id is not None
        who, shown = signed_in(user_principal(account_id, found["id"], found["name"], found["path"]))
    else:
        who, shown = failed_user(account_id, found["id"] if found else None, found["name"] if found else None)
    record(
        conn,
        services,
        client,
        who=who,
        user_name=shown,
        account_id=account_id,
        succeeded=succeeded,
        mfa_used=False,
    )


def record_root(
    conn: Connection,
    services: Services,
    client: SignInClient,
    account_id: str | None,
    succeeded: bool,
) -> None:
    """The root user's password sign-in (``account_id``: the account its email named, if any)."""
    if succeeded:
        assert account_id is not None
        who, shown = signed_in(root_principal(account_id))
    else:
        who, shown = failed_root(account_id)
    record(
        conn,
        services,
        client,
        who=who,
        user_name=shown,
        account_id=account_id,
        succeeded=succeeded,
        mfa_used=False,
    )


def signed_in(principal: Principal) -> tuple[dict[str, Any], str | None]:
    """``userIdentity`` and ``Username`` of a successful sign-in by root or an IAM user."""
    if principal.kind == "root":
        root: dict[str, Any] = {
            "type": "Root",
            "principalId": principal.account_id,
            "arn": principal.arn,
            "accountId": principal.account_id,
        }
        return root, "root"
    who: dict[str, Any] = {
        "type": "IAMUser",
        "principalId": principal.user_id,
        "arn": principal.arn,
        "accountId": principal.account_id,
        "userName": principal.user_name,
    }
    return who, principal.user_name


def failed_user(
    account_id: str | None, user_id: str | None, user_name: str | None
) -> tuple[dict[str, Any], str]:
    """A failed IAM user sign-in: the user when it exists, else a hidden name."""
    who: dict[str, Any] = {"type": "IAMUser"}
    if user_id is not None:
        who["principalId"] = user_id
    if account_id is not None:
        who["accountId"] = account_id
    shown = user_name if user_id is not None and user_name else identity.HIDDEN_USER
    who["accessKeyId"] = ""
    who["userName"] = shown
    return who, shown


def failed_root(account_id: str | None) -> tuple[dict[str, Any], str]:
    """A failed root sign-in: the account when the email named one."""
    who: dict[str, Any] = {"type": "Root"}
    if account_id is not None:
        who.update({"principalId": account_id, "arn": arn.root_arn(account_id), "accountId": account_id})
    who["accessKeyId"] = ""
    return who, "root"


def user_principal(account_id: str, user_id: str, name: str, path: str) -> Principal:
    """The IAM user who signed in, as the console acts for them."""
    return Principal(
        account_id=account_id,
        kind="user",
        arn=arn.iam_arn(account_id, "user", path, name),
        user_id=user_id,
        user_name=name,
        access_key_id="",
        identity_kind="user",
        identity_id=user_id,
    )


def root_principal(account_id: str) -> Principal:
    return Principal(
        account_id=account_id,
        kind="root",
        arn=arn.root_arn(account_id),
        user_id=account_id,
        user_name=None,
        access_key_id="",
        identity_kind="root",
        identity_id=account_id,
    )
