"""The account password policy: stored rules, AWS's default rules, and their enforcement.

Every password set (CreateLoginProfile, UpdateLoginProfile, ChangePassword) passes through
``enforce_password_policy``. Violations name the rule broken, never the password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from credo.call import Call, Operation, Result
from credo.errors import NoSuchEntity, PasswordPolicyViolation
from credo.passwords import verify_password
from credo.store.schema import accounts, password_history, password_policies

# The symbols AWS counts for RequireSymbols, as its documentation lists them.
SYMBOLS = frozenset("!@#$%^&*()_+-=[]{}|'")
# When an account has no policy, AWS applies its default one: at least 8 characters and
# at least three of the four character types.
DEFAULT_MINIMUM_LENGTH = 8
# UpdateAccountPasswordPolicy without MinimumPasswordLength sets 6, as AWS documents.
UPDATE_MINIMUM_LENGTH = 6
# The most PasswordReusePrevention allows; older history is of no use.
MAX_HISTORY = 24

_NO_POLICY = "The account policy with name PasswordPolicy cannot be found."


@dataclass(frozen=True)
class PasswordPolicy:
    """An account's custom password policy."""

    minimum_password_length: int
    require_symbols: bool
    require_numbers: bool
    require_uppercase: bool
    require_lowercase: bool
    allow_users_to_change_password: bool
    max_password_age: int | None
    password_reuse_prevention: int | None
    hard_expiry: bool | None

    def describe(self) -> dict[str, Any]:
        """The ``PasswordPolicy`` shape: optional members only when they were set."""
        shown: dict[str, Any] = {
            "MinimumPasswordLength": self.minimum_password_length,
            "RequireSymbols": self.require_symbols,
            "RequireNumbers": self.require_numbers,
            "RequireUppercaseCharacters": self.require_uppercase,
            "RequireLowercaseCharacters": self.require_lowercase,
            "AllowUsersToChangePassword": self.allow_users_to_change_password,
            "ExpirePasswords": bool(self.max_password_age),
        }
        if self.max_password_age:
            shown["MaxPasswordAge"] = self.max_password_age
        if self.password_reuse_prevention:
            shown["PasswordReusePrevention"] = self.password_reuse_prevention
        if self.hard_expiry is not None:
            shown["HardExpiry"] = self.hard_expiry
        return shown


def load_policy(conn: Connection, account_id: str) -> PasswordPolicy | None:
    row = (
        conn.execute(select(password_policies).where(password_policies.c.account_id == account_id))
        .mappings()
        .first()
    )
    if row is None:
        return None
    values = {key: value for key, value in row.items() if key != "account_id"}
    return PasswordPolicy(**values)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time credo stores is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def password_expires_at(policy: PasswordPolicy | None, changed_at: datetime) -> datetime | None:
    """When a password set at ``changed_at`` expires under ``policy`` (None: never)."""
    if policy is None or not policy.max_password_age:
        return None
    return as_utc(changed_at) + timedelta(days=policy.max_password_age)


def _character_types(password: str) -> dict[str, bool]:
    return {
        "lowercase": any("a" <= ch <= "z" for ch in password),
        "uppercase": any("A" <= ch <= "Z" for ch in password),
        "number": any("0" <= ch <= "9" for ch in password),
        "symbol": any(ch in SYMBOLS for ch in password),
    }


def check_password_rules(policy: PasswordPolicy | None, password: str) -> None:
    """Raise ``PasswordPolicyViolation`` naming the first rule ``password`` breaks.

    Pure: no history, no database; ``enforce_password_policy`` adds reuse prevention.
    """
    kinds = _character_types(password)
    if policy is None:
        if len(password) < DEFAULT_MINIMUM_LENGTH:
            raise PasswordPolicyViolation(
                f"Password should have a minimum length of {DEFAULT_MINIMUM_LENGTH}"
            )
        if sum(kinds.values()) < 3:
            raise PasswordPolicyViolation(
                "Password should have at least three of the following character types: "
                "uppercase letters, lowercase letters, numbers and symbols"
            )
        return
    if len(password) < policy.minimum_password_length:
        raise PasswordPolicyViolation(
            f"Password should have a minimum length of {policy.minimum_password_length}"
        )
    required = [
        (policy.require_lowercase, "lowercase", "at least one lowercase letter"),
        (policy.require_uppercase, "uppercase", "at least one uppercase letter"),
        (policy.require_numbers, "number", "at least one number"),
        (policy.require_symbols, "symbol", "at least one symbol"),
    ]
    for wanted, kind, wording in required:
        if wanted and not kinds[kind]:
            raise PasswordPolicyViolation(f"Password should have {wording}")


def enforce_password_policy(conn: Connection, account_id: str, user_id: str, password: str) -> None:
    """Check a new password for ``user_id`` against the account's policy and the user's history."""
    policy = load_policy(conn, account_id)
    if policy is None:
        email = conn.execute(select(accounts.c.email).where(accounts.c.id == account_id)).scalar()
        if email and password.lower() == str(email).lower():
            raise PasswordPolicyViolation("Password should not be identical to the account email address")
    check_password_rules(policy, password)
    remembered = policy.password_reuse_prevention if policy else None
    if remembered:
        recent = conn.execute(
            select(password_history.c.password_hash)
            .where(password_history.c.user_id == user_id)
            .order_by(password_history.c.id.desc())
            .limit(remembered)
        ).scalars()
        if any(verify_password(stored, password) for stored in recent):
            raise PasswordPolicyViolation(
                f"Password should not be one of your previous {remembered} passwords"
            )


def remember_password(conn: Connection, user_id: str, password_hash: str, now: datetime) -> None:
    """Record a newly set password's hash, keeping only as many as reuse prevention can ask for."""
    conn.execute(insert(password_history).values(user_id=user_id, password_hash=password_hash, set_at=now))
    stale = (
        select(password_history.c.id)
        .where(password_history.c.user_id == user_id)
        .order_by(password_history.c.id.desc())
        .offset(MAX_HISTORY)
    )
    stale_ids = list(conn.execute(stale).scalars())
    if stale_ids:
        conn.execute(delete(password_history).where(password_history.c.id.in_(stale_ids)))


def update_account_password_policy(call: Call) -> Result:
    params = call.params
    account_id = call.principal.account_id
    values = {
        "minimum_password_length": params.get("MinimumPasswordLength", UPDATE_MINIMUM_LENGTH),
        "require_symbols": params.get("RequireSymbols", False),
        "require_numbers": params.get("RequireNumbers", False),
        "require_uppercase": params.get("RequireUppercaseCharacters", False),
        "require_lowercase": params.get("RequireLowercaseCharacters", False),
        "allow_users_to_change_password": params.get("AllowUsersToChangePassword", False),
        "max_password_age": params.get("MaxPasswordAge"),
        "password_reuse_prevention": params.get("PasswordReusePrevention"),
        "hard_expiry": params.get("HardExpiry"),
    }
    # The call replaces the whole policy: members left out go back to their defaults.
    with call.services.store.write() as conn:
        conn.execute(delete(password_policies).where(password_policies.c.account_id == account_id))
        conn.execute(insert(password_policies).values(account_id=account_id, **values))
    return {}


def get_account_password_policy(call: Call) -> Result:
    with call.services.store.read() as conn:
        policy = load_policy(conn, call.principal.account_id)
    if policy is None:
        raise NoSuchEntity(_NO_POLICY)
    return {"PasswordPolicy": policy.describe()}


def delete_account_password_policy(call: Call) -> Result:
    account_id = call.principal.account_id
    with call.services.store.write() as conn:
        removed = conn.execute(
            delete(password_policies).where(password_policies.c.account_id == account_id)
        ).rowcount
    if not removed:
        raise NoSuchEntity(_NO_POLICY)
    return {}


OPERATIONS = {
    "UpdateAccountPasswordPolicy": Operation(update_account_password_policy),
    "GetAccountPasswordPolicy": Operation(get_account_password_policy),
    "DeleteAccountPasswordPolicy": Operation(delete_account_password_policy),
}
