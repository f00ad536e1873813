"""TOTP code checks for virtual MFA devices: RFC 6238 with drift, replay and guessing limits.

- Codes are 6 digits over 30-second steps (``pyotp``); time comes from the server's clock.
- A single code is accepted for the device's expected step (our step plus its recorded drift)
  or one step either side; each acceptance re-anchors the drift.
- A code is good once: the newest accepted step is stored per device and claimed with a
  conditional ``UPDATE … WHERE last_step < :step``, so two processes (or two requests racing)
  cannot both accept it.
- Wrong codes are recorded; after ``DEVICE_FAILURE_LIMIT`` for a device, or
  ``USER_FAILURE_LIMIT`` for a user, within ``FAILURE_WINDOW``, every attempt is refused
  without looking at the code until old failures age out of the window. AWS documents no
  such limit or message, so callers word the refusal themselves.
- The count, the check and the recorded failure happen in the caller's one transaction, after
  locking the user's and the device's rows (``FOR UPDATE`` on PostgreSQL; SQLite writers take
  turns anyway), so concurrent guesses cannot all pass the count before any is recorded.
  Callers raise their refusal only after that transaction has committed.
- The same checks serve IAM users' devices and identity store users' portal devices: each
  kind names its device, failure and user tables (``Tables``).
"""

from __future__ import annotations

import base64
import enum
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import Connection, RowMapping, Table, delete, func, insert, or_, select, update

from credo.keyring import Keyring, Sealed
from credo.store.schema import mfa_devices, mfa_failures, sso_mfa_devices, sso_mfa_failures, sso_users, users

STEP_SECONDS = 30
DIGITS = 6
# One step either side of the expected one, as RFC 6238 section 6 recommends.
DRIFT_STEPS = 1
# Resync exists for devices whose clock wandered off; look this far either way for the pair.
RESYNC_STEPS = 10
DEVICE_FAILURE_LIMIT = 5
USER_FAILURE_LIMIT = 10
FAILURE_WINDOW = timedelta(minutes=5)
SEED_BYTES = 40


@dataclass(frozen=True)
class Tables:
    """Where one kind of device keeps its rows (``id``, ``last_step``, ``drift``), wrong codes and users."""

    devices: Table
    failures: Table
    users: Table


IAM = Tables(mfa_devices, mfa_failures, users)
PORTAL = Tables(sso_mfa_devices, sso_mfa_failures, sso_users)


class Verdict(enum.Enum):
    ACCEPTED = "accepted"
    INVALID = "invalid"
    LOCKED = "locked"


def new_seed() -> str:
    """A fresh base32 seed (64 characters, as AWS's are) from the OS's CSPRNG."""
    return base64.b32encode(secrets.token_bytes(SEED_BYTES)).decode()


def seal_seed(keyring: Keyring, seed: str, serial: str) -> Sealed:
    return keyring.seal(seed.encode(), context=serial.encode())


def open_seed(keyring: Keyring, device: RowMapping) -> str:
    sealed = Sealed(device["seed_key_id"], device["seed_sealed"])
    return keyring.open(sealed, context=device["serial"].encode()).decode()


def time_step(now: float) -> int:
    return int(now // STEP_SECONDS)


def code_at(seed: str, step: int) -> str:
    return pyotp.TOTP(seed, digits=DIGITS, interval=STEP_SECONDS).at(step * STEP_SECONDS)


def _matching_step(seed: str, code: str, steps: Iterable[int]) -> int | None:
    """The newest step in ``steps`` whose code is ``code``; every candidate is compared in constant time."""
    found = None
    for step in steps:
        if hmac.compare_digest(code_at(seed, step), code):
            found = step
    return found


def is_locked(
    conn: Connection, device_id: str, user_id: str | None, now: datetime, tables: Tables = IAM
) -> bool:
    """Whether recent wrong codes for the device or the user reached their limit."""
    mfa_failures = tables.failures
    since = now - FAILURE_WINDOW
    recent = select(func.count()).select_from(mfa_failures).where(mfa_failures.c.failed_at > since)
    if conn.execute(recent.where(mfa_failures.c.device_id == device_id)).scalar_one() >= DEVICE_FAILURE_LIMIT:
        return True
    if user_id is None:
        return False
    return bool(
        conn.execute(recent.where(mfa_failures.c.user_id == user_id)).scalar_one() >= USER_FAILURE_LIMIT
    )


def _record_failure(
    conn: Connection, device_id: str, user_id: str | None, now: datetime, tables: Tables
) -> None:
    """Count a wrong code in the checking transaction (committed: the caller raises afterwards)."""
    mfa_failures = tables.failures
    # Failures older than the window can never matter again.
    conn.execute(delete(mfa_failures).where(mfa_failures.c.failed_at <= now - FAILURE_WINDOW))
    conn.execute(insert(mfa_failures).values(device_id=device_id, user_id=user_id, failed_at=now))


def _lock(conn: Connection, device_id: str, user_id: str | None, tables: Tables) -> None:
    """Hold the user's and the device's rows (in that order, everywhere) until the check commits."""
    users, mfa_devices = tables.users, tables.devices
    if user_id is not None:
        conn.execute(select(users.c.id).where(users.c.id == user_id).with_for_update())
    conn.execute(select(mfa_devices.c.id).where(mfa_devices.c.id == device_id).with_for_update())


def _claim(conn: Connection, device_id: str, step: int, drift: int, tables: Tables) -> bool:
    """Mark ``step`` used; false when it (or a later one) was used already, here or elsewhere."""
    mfa_devices = tables.devices
    claimed = conn.execute(
        update(mfa_devices)
        .where(
            mfa_devices.c.id == device_id,
            or_(mfa_devices.c.last_step.is_(None), mfa_devices.c.last_step < step),
        )
        .values(last_step=step, drift=drift)
    ).rowcount
    return bool(claimed == 1)


def _clear_failures(conn: Connection, device_id: str, user_id: str | None, tables: Tables) -> None:
    mfa_failures = tables.failures
    conn.execute(delete(mfa_failures).where(mfa_failures.c.device_id == device_id))
    if user_id is not None:
        conn.execute(delete(mfa_failures).where(mfa_failures.c.user_id == user_id))


def check_code(
    conn: Connection,
    keyring: Keyring,
    device: RowMapping,
    user_id: str | None,
    code: str,
    now: float,
    tables: Tables = IAM,
) -> Verdict:
    """Accept one code (and consume it) or say why not; a wrong code is recorded here."""
    moment = moment_of(now)
    _lock(conn, device["id"], user_id, tables)
    if is_locked(conn, device["id"], user_id, moment, tables):
        return Verdict.LOCKED
    expected = time_step(now) + device["drift"]
    seed = open_seed(keyring, device)
    step = _matching_step(seed, code, range(expected - DRIFT_STEPS, expected + DRIFT_STEPS + 1))
    if step is None or not _claim(conn, device["id"], step, step - time_step(now), tables):
        _record_failure(conn, device["id"], user_id, moment, tables)
        return Verdict.INVALID
    _clear_failures(conn, device["id"], user_id, tables)
    return Verdict.ACCEPTED


def check_consecutive_codes(
    conn: Connection,
    keyring: Keyring,
    device: RowMapping,
    user_id: str | None,
    codes: tuple[str, str],
    now: float,
    *,
    resync: bool,
    tables: Tables = IAM,
) -> Verdict:
    """Accept two codes of consecutive steps (EnableMFADevice, ResyncMFADevice) and re-anchor drift.

    Enabling looks one step either side of now, like a single code; resyncing looks
    ``RESYNC_STEPS`` either way, since a device that needs it is off by more.
    """
    moment = moment_of(now)
    _lock(conn, device["id"], user_id, tables)
    if is_locked(conn, device["id"], user_id, moment, tables):
        return Verdict.LOCKED
    current = time_step(now)
    reach = RESYNC_STEPS if resync else DRIFT_STEPS
    seed = open_seed(keyring, device)
    second = None
    for step in range(current - reach, current + reach + 1):
        first_ok = hmac.compare_digest(code_at(seed, step - 1), codes[0])
        second_ok = hmac.compare_digest(code_at(seed, step), codes[1])
        if first_ok and second_ok:
            second = step
    # Even a resync pair must be newer than every code used before, or it would be a replay.
    if second is None or not _claim(conn, device["id"], second, second - current, tables):
        _record_failure(conn, device["id"], user_id, moment, tables)
        return Verdict.INVALID
    _clear_failures(conn, device["id"], user_id, tables)
    return Verdict.ACCEPTED


def moment_of(now: float) -> datetime:
    """Seconds since the epoch as an aware UTC datetime."""
    return datetime.fromtimestamp(now, UTC)
