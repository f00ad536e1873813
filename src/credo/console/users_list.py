"""What the Users list shows, gathered through the operations AWS's IAM console calls.

ListUsers gives every row's name, path, creation time and the password's last use; the other
columns (groups, MFA, password age, access keys) cost a few calls per user, so they are
gathered only for the rows on the page shown. A refused call leaves its cells empty and its
message (AWS's words) is shown above the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from credo.console.mfa_devices import is_virtual
from credo.errors import AwsError, NoSuchEntity
from credo.iam.password_policy import as_utc

if TYPE_CHECKING:
    from credo.console.overview import Caller


@dataclass(frozen=True)
class UserRow:
    """A user and whether it has an MFA device: what the dashboard's recommendations need."""

    name: str
    path: str
    created: datetime
    has_mfa: bool


@dataclass
class ListedUser:
    """One row of the Users table; ``None`` cells were not gathered (off the page, or refused)."""

    name: str
    path: str
    created: datetime
    password_last_used: datetime | None
    groups: list[str] | None = None
    mfa: str | None = None
    password_created: datetime | None = None
    has_password: bool | None = None
    oldest_active_key: datetime | None = None
    keys_seen: bool = False
    key_last_used: datetime | None = None

    @property
    def last_activity(self) -> datetime | None:
        """The latest of the password's and the access keys' last use."""
        used = [when for when in (self.password_last_used, self.key_last_used) if when is not None]
        return max(used, default=None)


@dataclass
class UsersTable:
    rows: list[ListedUser]
    refusals: list[str] = field(default_factory=list)

    def refused(self, error: AwsError) -> None:
        if error.message not in self.refusals:
            self.refusals.append(error.message)


def all_users(caller: Caller) -> list[dict[str, Any]]:
    """Every user in the account (ListUsers, following Marker); raises AccessDenied."""
    users: list[dict[str, Any]] = caller.call_all("ListUsers", "Users")
    return users


def list_users(caller: Caller) -> list[UserRow]:
    """Every user with whether it has an MFA device (for the dashboard); raises AccessDenied."""
    rows = []
    for user in all_users(caller):
        devices = caller.call("ListMFADevices", UserName=user["UserName"])["MFADevices"]
        rows.append(UserRow(user["UserName"], user["Path"], as_utc(user["CreateDate"]), bool(devices)))
    return rows


def listed(user: dict[str, Any]) -> ListedUser:
    used = user.get("PasswordLastUsed")
    return ListedUser(
        user["UserName"],
        user["Path"],
        as_utc(user["CreateDate"]),
        as_utc(used) if used is not None else None,
    )


def fill_columns(caller: Caller, rows: list[ListedUser]) -> UsersTable:
    """The columns beyond ListUsers for ``rows`` (the page shown), each from its own operation."""
    table = UsersTable(rows)
    for row in rows:
        for gather in (_groups, _mfa, _password, _keys):
            try:
                gather(caller, row)
            except AwsError as error:
                table.refused(error)
    return table


def _groups(caller: Caller, row: ListedUser) -> None:
    groups = caller.call_all("ListGroupsForUser", "Groups", UserName=row.name)
    row.groups = [group["GroupName"] for group in groups]


def _mfa(caller: Caller, row: ListedUser) -> None:
    devices = caller.call_all("ListMFADevices", "MFADevices", UserName=row.name)
    kinds = {"Virtual" if is_virtual(device["SerialNumber"]) else "Hardware" for device in devices}
    row.mfa = ", ".join(sorted(kinds)) or "-"


def _password(caller: Caller, row: ListedUser) -> None:
    try:
        profile = caller.call("GetLoginProfile", UserName=row.name)["LoginProfile"]
    except NoSuchEntity:
        row.has_password = False
        return
    row.has_password = True
    row.password_created = as_utc(profile["CreateDate"])


def _keys(caller: Caller, row: ListedUser) -> None:
    keys = caller.call_all("ListAccessKeys", "AccessKeyMetadata", UserName=row.name)
    row.keys_seen = True
    active = [as_utc(key["CreateDate"]) for key in keys if key["Status"] == "Active"]
    row.oldest_active_key = min(active, default=None)
    for key in keys:
        used = caller.call("GetAccessKeyLastUsed", AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
        when = used.get("LastUsedDate")
        if when is not None and (row.key_last_used is None or as_utc(when) > row.key_last_used):
            row.key_last_used = as_utc(when)


def age(now: datetime, then: datetime | None, *, ago: bool = False) -> str:
    """A span as the IAM console's tables show it: ``Today``, ``1 day``, ``12 days`` (``… ago``)."""
    if then is None:
        return "-"
    days = max(0, (now - then) // timedelta(days=1))
    if days == 0:
        return "Today"
    text = "1 day" if days == 1 else f"{days} days"
    return f"{text} ago" if ago else text
