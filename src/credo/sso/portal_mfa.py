"""Identity store users' virtual MFA devices for the access portal: register, check, remove.

A device is registered in two steps, as AWS's portal does: a name makes a row with a fresh seed
(sealed with the keyring, the serial as associated data, like IAM devices' seeds) and no
``enabled_at``; two consecutive codes enable it. Until then the registering user may see its QR
code again; a new registration replaces an unfinished one. Codes are checked by
``credo.iam.totp`` against the portal's tables: single use, drift, and the same lockout after
wrong codes as IAM users' devices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from credo import ids
from credo.iam import totp
from credo.iam.mfa import MAX_DEVICES_PER_USER
from credo.keyring import Keyring
from credo.store.schema import sso_mfa_devices

DEVICE_QUOTA = f"You can register up to {MAX_DEVICES_PER_USER} MFA devices."


@dataclass(frozen=True)
class Pending:
    """A device being registered: its id, name and seed (shown only to the user registering it)."""

    device_id: str
    name: str
    seed: str


def enabled_devices(conn: Connection, user_id: str) -> list[RowMapping]:
    """The user's registered devices, oldest first."""
    query = (
        select(sso_mfa_devices)
        .where(sso_mfa_devices.c.user_id == user_id, sso_mfa_devices.c.enabled_at.is_not(None))
        .order_by(sso_mfa_devices.c.enabled_at, sso_mfa_devices.c.id)
    )
    return list(conn.execute(query).mappings())


def has_device(conn: Connection, user_id: str) -> bool:
    return bool(enabled_devices(conn, user_id))


def start_registration(conn: Connection, keyring: Keyring, user_id: str, name: str, now: datetime) -> Pending:
    """A new unfinished device (replacing any earlier unfinished one); ``ValueError`` past the quota."""
    _drop_pending(conn, user_id)
    held = conn.execute(
        select(func.count()).select_from(sso_mfa_devices).where(sso_mfa_devices.c.user_id == user_id)
    ).scalar_one()
    if held >= MAX_DEVICES_PER_USER:
        raise ValueError(DEVICE_QUOTA)
    device_id = ids.entity_id(ids.MFA_DEVICE)
    serial = f"portal-mfa/{device_id}"
    seed = totp.new_seed()
    sealed = totp.seal_seed(keyring, seed, serial)
    conn.execute(
        insert(sso_mfa_devices).values(
            id=device_id,
            user_id=user_id,
            serial=serial,
            name=name,
            seed_key_id=sealed.key_id,
            seed_sealed=sealed.blob,
            enabled_at=None,
            created_at=now,
            last_step=None,
            drift=0,
        )
    )
    return Pending(device_id, name, seed)


def pending(conn: Connection, keyring: Keyring, user_id: str) -> Pending | None:
    """The user's unfinished registration, if any."""
    row = _pending_row(conn, user_id)
    if row is None:
        return None
    return Pending(row["id"], row["name"], totp.open_seed(keyring, row))


def finish_registration(
    conn: Connection, keyring: Keyring, user_id: str, codes: tuple[str, str], now: float
) -> totp.Verdict | None:
    """Two consecutive codes enable the unfinished device; ``None`` when there is none."""
    row = _pending_row(conn, user_id)
    if row is None:
        return None
    verdict = totp.check_consecutive_codes(
        conn, keyring, row, user_id, codes, now, resync=False, tables=totp.PORTAL
    )
    if verdict is totp.Verdict.ACCEPTED:
        conn.execute(
            update(sso_mfa_devices)
            .where(sso_mfa_devices.c.id == row["id"])
            .values(enabled_at=totp.moment_of(now))
        )
    return verdict


def cancel_registration(conn: Connection, user_id: str) -> None:
    _drop_pending(conn, user_id)


def check_sign_in(conn: Connection, keyring: Keyring, user_id: str, code: str, now: float) -> totp.Verdict:
    """A sign-in's MFA code, consumed if right. With several devices the first registered is asked,
    as the console does for IAM users."""
    devices = enabled_devices(conn, user_id)
    if not devices or not code.isdigit() or len(code) != totp.DIGITS:
        return totp.Verdict.INVALID
    return totp.check_code(conn, keyring, devices[0], user_id, code, now, tables=totp.PORTAL)


def remove(conn: Connection, user_id: str, device_id: str) -> bool:
    """Remove one of the user's devices; whether there was such a device."""
    removed = conn.execute(
        delete(sso_mfa_devices).where(sso_mfa_devices.c.user_id == user_id, sso_mfa_devices.c.id == device_id)
    ).rowcount
    return bool(removed)


def remove_all(conn: Connection, user_id: str) -> int:
    """Remove every device of the user (``credo sso admin reset-mfa``); how many were registered."""
    registered = len(enabled_devices(conn, user_id))
    conn.execute(delete(sso_mfa_devices).where(sso_mfa_devices.c.user_id == user_id))
    return registered


def _pending_row(conn: Connection, user_id: str) -> RowMapping | None:
    query = select(sso_mfa_devices).where(
        sso_mfa_devices.c.user_id == user_id, sso_mfa_devices.c.enabled_at.is_(None)
    )
    return conn.execute(query.order_by(sso_mfa_devices.c.created_at.desc())).mappings().first()


def _drop_pending(conn: Connection, user_id: str) -> None:
    conn.execute(
        delete(sso_mfa_devices).where(
            sso_mfa_devices.c.user_id == user_id, sso_mfa_devices.c.enabled_at.is_(None)
        )
    )
