"""Console passwords (login profiles): set by an administrator, changed by the user themself.

Passwords are hashed with argon2id before anything else touches them; the plain text is
never stored, returned, logged, or put in an error message.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, select, update

from credo.call import Call, Operation, Result
from credo.errors import (
    AccessDenied,
    AwsError,
    EntityAlreadyExists,
    InvalidUserType,
    LimitExceeded,
    NoSuchEntity,
    ValidationError,
)
from credo.iam import password_attempts
from credo.iam.password_policy import enforce_password_policy, remember_password
from credo.iam.users import DEPENDENTS, find_user
from credo.passwords import hash_password, verify_password
from credo.store.schema import login_profiles

# AWS documents no limit on wrong old passwords; credo has one (docs/api-coverage.md).
TOO_MANY_PASSWORDS = "Too many wrong passwords for this user; try again in a few minutes."

DEPENDENTS.append((login_profiles.c.user_id, "Cannot delete entity, must delete login profile first."))


def _missing(member: str) -> ValidationError:
    """The error AWS gives when a member it needs was left out."""
    return ValidationError(
        f"1 validation error detected: Value null at '{member}' failed to satisfy constraint: "
        "Member must not be null"
    )


def _target_user(call: Call, conn: Connection) -> RowMapping:
    """The user named by ``UserName``, or the calling IAM user when it is left out."""
    name = call.params.get("UserName")
    if name is None:
        if call.principal.kind != "user" or not call.principal.user_name:
            # Only an AssumeRoot session may omit the name as root; credo has none.
            raise _missing("userName")
        name = call.principal.user_name
    return find_user(conn, call.principal.account_id, name)


def find_login_profile(conn: Connection, user: RowMapping) -> RowMapping:
    row = (
        conn.execute(select(login_profiles).where(login_profiles.c.user_id == user["id"])).mappings().first()
    )
    if row is None:
        raise NoSuchEntity(f"Login Profile for User {user['name']} cannot be found.")
    return row


def _describe(user: RowMapping, profile: RowMapping) -> dict[str, Any]:
    return {
        "UserName": user["name"],
        "CreateDate": profile["created_at"],
        "PasswordResetRequired": profile["password_reset_required"],
    }


def _set_password(conn: Connection, call: Call, user: RowMapping, password: str) -> dict[str, Any]:
    """Check ``password`` against the policy and history; the column values that store it."""
    enforce_password_policy(conn, call.principal.account_id, user["id"], password)
    password_hash = hash_password(password)
    now = call.services.clock.now()
    remember_password(conn, user["id"], password_hash, now)
    return {"password_hash": password_hash, "password_changed_at": now}


def create_login_profile(call: Call) -> Result:
    password = call.params.get("Password")
    if password is None:
        raise _missing("password")
    with call.services.store.write() as conn:
        user = _target_user(call, conn)
        exists = conn.execute(select(login_profiles.c.user_id).where(login_profiles.c.user_id == user["id"]))
        if exists.first() is not None:
            raise EntityAlreadyExists(f"Login Profile for user {user['name']} already exists.")
        values = _set_password(conn, call, user, password)
        conn.execute(
            insert(login_profiles).values(
                user_id=user["id"],
                account_id=call.principal.account_id,
                password_reset_required=bool(call.params.get("PasswordResetRequired", False)),
                created_at=values["password_changed_at"],
                **values,
            )
        )
        profile = conn.execute(select(login_profiles).where(login_profiles.c.user_id == user["id"]))
        return {"LoginProfile": _describe(user, profile.mappings().one())}


def get_login_profile(call: Call) -> Result:
    with call.services.store.read() as conn:
        user = _target_user(call, conn)
        return {"LoginProfile": _describe(user, find_login_profile(conn, user))}


def update_login_profile(call: Call) -> Result:
    params = call.params
    with call.services.store.write() as conn:
        user = _target_user(call, conn)
        find_login_profile(conn, user)
        changes: dict[str, Any] = {}
        if params.get("Password") is not None:
            changes.update(_set_password(conn, call, user, params["Password"]))
        if params.get("PasswordResetRequired") is not None:
            changes["password_reset_required"] = params["PasswordResetRequired"]
        if changes:
            conn.execute(
                update(login_profiles).where(login_profiles.c.user_id == user["id"]).values(**changes)
            )
    return {}


def delete_login_profile(call: Call) -> Result:
    with call.services.store.write() as conn:
        user = _target_user(call, conn)
        find_login_profile(conn, user)
        conn.execute(delete(login_profiles).where(login_profiles.c.user_id == user["id"]))
    return {}


def change_password(call: Call) -> Result:
    principal = call.principal
    if principal.kind != "user" or not principal.user_name:
        raise InvalidUserType("Only IAM users can change their own password with ChangePassword.")
    now = call.services.clock.now()
    refusal: AwsError | None = None
    with call.services.store.write() as conn:
        user = find_user(conn, principal.account_id, principal.user_name)
        profile = find_login_profile(conn, user)
        if password_attempts.is_throttled(conn, user["id"], now):
            # Refused without looking at the password: guessing gets nowhere, and costs no hash.
            refusal = LimitExceeded(TOO_MANY_PASSWORDS)
        elif not verify_password(profile["password_hash"], call.params["OldPassword"]):
            password_attempts.record_failure(conn, user["id"], now)
            refusal = AccessDenied("The old password is incorrect.")
        else:
            password_attempts.clear(conn, user["id"])
            values = _set_password(conn, call, user, call.params["NewPassword"])
            # A user who had to pick a new password has now done so.
            conn.execute(
                update(login_profiles)
                .where(login_profiles.c.user_id == user["id"])
                .values(password_reset_required=False, **values)
            )
    if refusal is not None:
        raise refusal  # after the commit, so the failure stays counted
    return {}


OPERATIONS = {
    "CreateLoginProfile": Operation(create_login_profile, blocking=True),
    "GetLoginProfile": Operation(get_login_profile),
    "UpdateLoginProfile": Operation(update_login_profile, blocking=True),
    "DeleteLoginProfile": Operation(delete_login_profile),
    "ChangePassword": Operation(change_password, blocking=True),
}
