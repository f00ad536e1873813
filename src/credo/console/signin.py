"""Checking who signs in: account and user (or root email), password, MFA code; throttled, recorded.

Every attempt becomes a ``sign_in_attempts`` row (who, from where, outcome), and a ``ConsoleLogin``
event in the audit trail (``signin_events.py``) in the same transaction. Failures are
counted per account + user name as typed and per client address within ``FAILURE_WINDOW``;
past a limit every attempt is refused without looking at the password, as
``credo.iam.password_attempts`` does for ChangePassword. The count, the check and the record
share one transaction, after locking the user's row when there is one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, RowMapping, func, insert, or_, select, update

from credo import ids, metrics
from credo.call import Services
from credo.console import sessions, signin_events
from credo.console.signin_events import SignInClient
from credo.iam import totp
from credo.iam.password_policy import load_policy, password_expires_at
from credo.passwords import decoy_hash, verify_password
from credo.store import changes
from credo.store.schema import (
    account_aliases,
    accounts,
    login_profiles,
    mfa_devices,
    sign_in_attempts,
    users,
)

USER_FAILURE_LIMIT = 5
ADDRESS_FAILURE_LIMIT = 20
FAILURE_WINDOW = timedelta(minutes=5)
ROOT = "(root)"  # the user name recorded for root sign-ins


class Outcome(enum.Enum):
    SIGNED_IN = "success"
    FAILED = "failure"
    THROTTLED = "throttled"
    EXPIRED = "password-expired"


@dataclass(frozen=True)
class SignIn:
    """What a password check decided, and for a success, the session to start."""

    outcome: Outcome
    account_id: str | None = None
    user_id: str | None = None
    stage: sessions.Stage = "active"
    stamp: str = ""


def resolve_account(conn: Connection, text: str) -> str | None:
    """The account named by a 12-digit id or an alias."""
    text = text.strip()
    if ids.is_account_id(text):
        found = conn.execute(select(accounts.c.id).where(accounts.c.id == text)).scalar()
    else:
        found = conn.execute(
            select(account_aliases.c.account_id).where(account_aliases.c.alias == text.lower())
        ).scalar()
    return str(found) if found is not None else None


def is_throttled(conn: Connection, account: str, user_name: str, source_ip: str, now: datetime) -> bool:
    failed = (
        select(func.count())
        .select_from(sign_in_attempts)
        .where(
            sign_in_attempts.c.attempted_at > now - FAILURE_WINDOW,
            or_(
                sign_in_attempts.c.outcome == Outcome.FAILED.value,
                sign_in_attempts.c.outcome == "mfa-failure",
            ),
        )
    )
    by_user = failed.where(sign_in_attempts.c.account == account, sign_in_attempts.c.user_name == user_name)
    if conn.execute(by_user).scalar_one() >= USER_FAILURE_LIMIT:
        return True
    by_address = failed.where(sign_in_attempts.c.source_ip == source_ip)
    return bool(conn.execute(by_address).scalar_one() >= ADDRESS_FAILURE_LIMIT)


def record(
    conn: Connection,
    *,
    account: str,
    user_name: str,
    account_id: str | None,
    source_ip: str,
    outcome: str,
    now: datetime,
) -> None:
    metrics.SIGN_IN_ATTEMPTS.add(outcome)
    conn.execute(
        insert(sign_in_attempts).values(
            attempted_at=now,
            account=account[:256],
            user_name=user_name[:128],
            account_id=account_id,
            source_ip=source_ip[:64],
            outcome=outcome,
        )
    )


def _has_mfa(conn: Connection, account_id: str, user_id: str | None) -> bool:
    owner = mfa_devices.c.user_id.is_(None) if user_id is None else mfa_devices.c.user_id == user_id
    query = select(mfa_devices.c.id).where(
        mfa_devices.c.account_id == account_id, owner, mfa_devices.c.enabled_at.is_not(None)
    )
    return conn.execute(query.limit(1)).first() is not None


def _user_and_profile(conn: Connection, account_id: str | None, user_name: str) -> RowMapping | None:
    if account_id is None:
        return None
    query = (
        select(
            users.c.id,
            users.c.name,
            users.c.path,
            login_profiles.c.password_hash,
            login_profiles.c.password_reset_required,
            login_profiles.c.password_changed_at,
        )
        .select_from(users.join(login_profiles, login_profiles.c.user_id == users.c.id))
        .where(users.c.account_id == account_id, users.c.name_lower == user_name.lower())
    )
    return conn.execute(query).mappings().first()


def check_user(
    services: Services, account: str, user_name: str, password: str, client: SignInClient
) -> SignIn:
    """An IAM user's sign-in with account, user name and password."""
    source_ip = client.source_ip
    now = services.clock.now()
    account_key, name_key = account.strip().lower(), user_name.strip().lower()
    with services.store.write_quietly() as conn:
        account_id = resolve_account(conn, account)
        found = _user_and_profile(conn, account_id, user_name.strip())
        if found is not None:
            conn.execute(select(users.c.id).where(users.c.id == found["id"]).with_for_update())
        result = _decide_user(conn, account_id, found, password, account_key, name_key, source_ip, now)
        record(
            conn,
            account=account_key,
            user_name=name_key,
            account_id=account_id,
            source_ip=source_ip,
            outcome=result.outcome.value,
            now=now,
        )
        if result.outcome is not Outcome.SIGNED_IN or result.stage != "mfa":
            # With an MFA device, the sign-in is recorded once the code has been checked.
            signin_events.record_user(
                conn, services, client, account_id, found, result.outcome is Outcome.SIGNED_IN
            )
        if result.outcome is Outcome.SIGNED_IN and result.stage == "active":
            note_password_used(conn, account_id, result.user_id, now)
    return result


def note_password_used(conn: Connection, account_id: str | None, user_id: str | None, now: datetime) -> None:
    """GetUser's ``PasswordLastUsed``, set as AWS sets it: when a password sign-in is complete
    (after the MFA code or the forced new password, when asked for); the root user's when
    ``user_id`` is ``None``.

    Called inside a ``write_quietly`` transaction: the time grants and revokes nothing, so only
    the account's cached ListUsers pages, which show it, are dropped.
    """
    if user_id is not None:
        conn.execute(update(users).where(users.c.id == user_id).values(password_last_used=now))
        if account_id is not None:
            changes.note(conn, changes.user_listing(account_id))  # ListUsers shows the time
    elif account_id is not None:
        conn.execute(update(accounts).where(accounts.c.id == account_id).values(root_password_last_used=now))


def _decide_user(
    conn: Connection,
    account_id: str | None,
    found: RowMapping | None,
    password: str,
    account_key: str,
    name_key: str,
    source_ip: str,
    now: datetime,
) -> SignIn:
    if is_throttled(conn, account_key, name_key, source_ip, now):
        return SignIn(Outcome.THROTTLED)  # without looking at the password
    stored = found["password_hash"] if found is not None else decoy_hash()
    if not verify_password(stored, password) or found is None or account_id is None:
        return SignIn(Outcome.FAILED)
    policy = load_policy(conn, account_id)
    expires = password_expires_at(policy, found["password_changed_at"])
    expired = expires is not None and now >= expires
    if expired and policy is not None and policy.hard_expiry:
        return SignIn(Outcome.EXPIRED)
    stage: sessions.Stage = "active"
    if _has_mfa(conn, account_id, found["id"]):
        stage = "mfa"
    elif found["password_reset_required"] or expired:
        stage = "password"
    return SignIn(Outcome.SIGNED_IN, account_id, found["id"], stage, sessions.credential_stamp(stored))


def needs_new_password(conn: Connection, account_id: str, user_id: str, now: datetime) -> bool:
    """After the MFA step: must this user pick a new password before going on?"""
    row = conn.execute(
        select(login_profiles.c.password_reset_required, login_profiles.c.password_changed_at).where(
            login_profiles.c.user_id == user_id
        )
    ).first()
    if row is None:
        return False
    expires = password_expires_at(load_policy(conn, account_id), row.password_changed_at)
    return bool(row.password_reset_required) or (expires is not None and now >= expires)


def check_root(services: Services, email: str, password: str, client: SignInClient) -> SignIn:
    """The root user's sign-in with the account's email address and root password."""
    source_ip = client.source_ip
    now = services.clock.now()
    email_key = email.strip().lower()
    with services.store.write_quietly() as conn:
        found = (
            conn.execute(
                select(accounts.c.id, accounts.c.root_password_hash).where(
                    func.lower(accounts.c.email) == email_key
                )
            ).first()
            if email_key
            else None
        )
        account_id = found.id if found is not None else None
        stored = found.root_password_hash if found is not None else None
        if is_throttled(conn, email_key, ROOT, source_ip, now):
            result = SignIn(Outcome.THROTTLED)
        elif not verify_password(stored or decoy_hash(), password) or stored is None or account_id is None:
            result = SignIn(Outcome.FAILED)
        else:
            stage: sessions.Stage = "mfa" if _has_mfa(conn, account_id, None) else "active"
            result = SignIn(Outcome.SIGNED_IN, account_id, None, stage, sessions.credential_stamp(stored))
        record(
            conn,
            account=email_key,
            user_name=ROOT,
            account_id=account_id,
            source_ip=source_ip,
            outcome=result.outcome.value,
            now=now,
        )
        if result.outcome is not Outcome.SIGNED_IN or result.stage != "mfa":
            signin_events.record_root(conn, services, client, account_id, result.outcome is Outcome.SIGNED_IN)
        if result.outcome is Outcome.SIGNED_IN and result.stage == "active":
            note_password_used(conn, account_id, None, now)
    return result


def check_mfa(
    conn: Connection, services: Services, session: sessions.ConsoleSession, code: str
) -> totp.Verdict:
    """A code from one of the signed-in identity's MFA devices, consumed if right (replay-safe)."""
    owner = (
        mfa_devices.c.user_id.is_(None)
        if session.user_id is None
        else mfa_devices.c.user_id == session.user_id
    )
    devices = (
        conn.execute(
            select(mfa_devices)
            .where(
                mfa_devices.c.account_id == session.account_id, owner, mfa_devices.c.enabled_at.is_not(None)
            )
            .order_by(mfa_devices.c.enabled_at)
        )
        .mappings()
        .all()
    )
    if not devices or not code.isdigit() or len(code) != totp.DIGITS:
        return totp.Verdict.INVALID
    # One device is asked; with several, AWS lets the user pick — the first one enabled here.
    return totp.check_code(conn, services.keyring, devices[0], session.user_id, code, services.clock.time())
