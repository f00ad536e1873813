"""Virtual MFA devices: create (seed and QR code shown once), assign, resync, list, tag, delete.

A device belongs to its account from creation and to a user once enabled with two
consecutive codes. Its seed is sealed at rest with the serial number as associated data;
code checks (drift, replay, guessing limits) live in ``credo.iam.totp``.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

import segno
from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from credo import arn, ids
from credo.call import Call, Operation, Result
from credo.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    InvalidAuthenticationCode,
    LimitExceeded,
    NoSuchEntity,
    ValidationError,
)
from credo.iam import tags as entity_tags
from credo.iam import totp
from credo.iam.paging import decode_marker, limit_of, page
from credo.iam.users import DEPENDENTS, describe_user, find_user
from credo.store.schema import account_aliases, mfa_devices, tags, users

DEPENDENTS.append((mfa_devices.c.user_id, "Cannot delete entity, must delete MFA device first."))

# AWS lets a user hold up to eight MFA devices.
MAX_DEVICES_PER_USER = 8
DEVICE_QUOTA = f"Cannot exceed quota for MFADevicesPerUser: {MAX_DEVICES_PER_USER}"
# The serial number (the device's ARN) is at most 256 characters wherever AWS takes one.
MAX_SERIAL_NUMBER = 256
QR_ISSUER = "credo"
INVALID_CODES = "Authentication code for device is not valid."
# AWS documents no attempt limit, hence no wording for it: same code, a message that says why.
TOO_MANY_CODES = "Too many invalid authentication codes for device; try again in a few minutes."


def find_device(conn: Connection, account_id: str, serial: str) -> RowMapping:
    """The device ``serial`` names in the account, or ``NoSuchEntity``."""
    row = (
        conn.execute(
            select(mfa_devices).where(
                mfa_devices.c.account_id == account_id, mfa_devices.c.serial_lower == serial.lower()
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NoSuchEntity(f"VirtualMFADevice with serial number {serial} doesn't exist.")
    return row


def find_assigned_device(conn: Connection, account_id: str, serial: str, user_id: str) -> RowMapping:
    """The device, only if it is enabled for ``user_id``."""
    row = find_device(conn, account_id, serial)
    if row["user_id"] != user_id:
        raise NoSuchEntity(f"MFA Device with serial number {serial} does not exist.")
    return row


def _target_user(call: Call, conn: Connection) -> RowMapping | None:
    """``UserName`` if given, else the calling user; ``None`` for the root user, who has no IAM row."""
    name = call.params.get("UserName")
    if name is None:
        if call.principal.is_root or call.principal.user_name is None:
            return None
        name = call.principal.user_name
    return find_user(conn, call.principal.account_id, name)


def otpauth_uri(name: str, account_name: str, seed: str) -> str:
    """What the QR code holds: ``otpauth://totp/ISSUER:NAME@ACCOUNT?secret=SEED&issuer=ISSUER``.

    ``name`` is the device's name, ``account_name`` the account alias or else its id; the
    console's QR code (an SVG of the same URI) holds the same.
    """
    label = quote(f"{QR_ISSUER}:{name}@{account_name}")
    return f"otpauth://totp/{label}?secret={seed}&issuer={quote(QR_ISSUER)}"


def qr_code(uri: str) -> segno.QRCode:
    """The QR code of an ``otpauth://`` URI (slow enough to keep off an event loop)."""
    return segno.make(uri, error="m")


def _qr_png(uri: str) -> bytes:
    out = io.BytesIO()
    qr_code(uri).save(out, kind="png", scale=4)
    return out.getvalue()


def create_virtual_mfa_device(call: Call) -> Result:
    params = call.params
    account_id = call.principal.account_id
    name: str = params["VirtualMFADeviceName"]
    path: str = params.get("Path", "/")
    new_tags = params.get("Tags", [])
    entity_tags.validate_new_tags(new_tags)
    serial = arn.iam_arn(account_id, "mfa", path, name)
    if len(serial) > MAX_SERIAL_NUMBER:
        raise ValidationError(
            f"1 validation error detected: Value '{serial}' at 'serialNumber' failed to satisfy "
            f"constraint: Member must have length less than or equal to {MAX_SERIAL_NUMBER}"
        )
    seed = totp.new_seed()
    sealed = totp.seal_seed(call.services.keyring, seed, serial)
    with call.services.store.write() as conn:
        taken = select(mfa_devices.c.id).where(mfa_devices.c.serial_lower == serial.lower())
        if conn.execute(taken).first() is not None:
            raise EntityAlreadyExists("MFADevice entity at the same path and name already exists.")
        device_id = ids.entity_id(ids.MFA_DEVICE)
        conn.execute(
            insert(mfa_devices).values(
                id=device_id,
                account_id=account_id,
                serial=serial,
                serial_lower=serial.lower(),
                name=name,
                path=path,
                seed_key_id=sealed.key_id,
                seed_sealed=sealed.blob,
                created_at=call.services.clock.now(),
                drift=0,
            )
        )
        entity_tags.put_tags(conn, device_id, new_tags)
        alias = conn.execute(
            select(account_aliases.c.alias).where(account_aliases.c.account_id == account_id)
        ).scalar()
        tag_list = entity_tags.read_tags(conn, device_id)
    device: dict[str, Any] = {
        "SerialNumber": serial,
        # Blobs: the protocol layer base64-encodes them, so clients receive the base32 text.
        "Base32StringSeed": seed.encode(),
        "QRCodePNG": _qr_png(otpauth_uri(name, alias or account_id, seed)),
    }
    if tag_list:
        device["Tags"] = tag_list
    return {"VirtualMFADevice": device}


def _check_pair(call: Call, *, resync: bool) -> None:
    """Enable or resync: two consecutive codes from the device, then assign or re-anchor it."""
    params = call.params
    account_id = call.principal.account_id
    codes = (params["AuthenticationCode1"], params["AuthenticationCode2"])
    services = call.services
    with services.store.write() as conn:
        user = find_user(conn, account_id, params["UserName"])
        if resync:
            device = find_assigned_device(conn, account_id, params["SerialNumber"], user["id"])
        else:
            device = find_device(conn, account_id, params["SerialNumber"])
            if device["user_id"] is not None:
                raise EntityAlreadyExists("MFA Device is already in use.")
            held = conn.execute(
                select(func.count()).select_from(mfa_devices).where(mfa_devices.c.user_id == user["id"])
            ).scalar_one()
            if held >= MAX_DEVICES_PER_USER:
                raise LimitExceeded(DEVICE_QUOTA)
        verdict = totp.check_consecutive_codes(
            conn, services.keyring, device, user["id"], codes, services.clock.time(), resync=resync
        )
        if verdict is totp.Verdict.ACCEPTED and not resync:
            conn.execute(
                update(mfa_devices)
                .where(mfa_devices.c.id == device["id"])
                .values(user_id=user["id"], enabled_at=services.clock.now())
            )
    if verdict is totp.Verdict.LOCKED:
        raise InvalidAuthenticationCode(TOO_MANY_CODES)
    if verdict is totp.Verdict.INVALID:
        raise InvalidAuthenticationCode(INVALID_CODES)  # the failure was recorded with the check


def enable_mfa_device(call: Call) -> Result:
    _check_pair(call, resync=False)
    return {}


def resync_mfa_device(call: Call) -> Result:
    _check_pair(call, resync=True)
    return {}


def deactivate_mfa_device(call: Call) -> Result:
    serial: str = call.params["SerialNumber"]
    with call.services.store.write() as conn:
        user = _target_user(call, conn)
        if user is None:
            raise NoSuchEntity(f"MFA Device with serial number {serial} does not exist.")
        device = find_assigned_device(conn, call.principal.account_id, serial, user["id"])
        conn.execute(
            update(mfa_devices).where(mfa_devices.c.id == device["id"]).values(user_id=None, enabled_at=None)
        )
    return {}


def delete_virtual_mfa_device(call: Call) -> Result:
    with call.services.store.write() as conn:
        device = find_device(conn, call.principal.account_id, call.params["SerialNumber"])
        if device["user_id"] is not None:
            raise DeleteConflict("MFA Device is already in use.")
        entity_tags.drop_all_tags(conn, device["id"])
        conn.execute(delete(mfa_devices).where(mfa_devices.c.id == device["id"]))
    return {}


def list_mfa_devices(call: Call) -> Result:
    params = call.params
    after = decode_marker(params.get("Marker"))
    with call.services.store.read() as conn:
        user = _target_user(call, conn)
        if user is None:
            # The root user holds no devices credo can assign (EnableMFADevice needs a UserName).
            return {"MFADevices": [], "IsTruncated": False}
        query = select(mfa_devices).where(mfa_devices.c.user_id == user["id"])
        if after is not None:
            query = query.where(mfa_devices.c.serial_lower > after)
        query = query.order_by(mfa_devices.c.serial_lower).limit(limit_of(params.get("MaxItems")))
        rows = list(conn.execute(query).mappings())
    result = page(rows, params.get("MaxItems"), lambda row: row["serial_lower"], "MFADevices")
    result["MFADevices"] = [
        {"UserName": user["name"], "SerialNumber": row["serial"], "EnableDate": row["enabled_at"]}
        for row in result["MFADevices"]
    ]
    return result


def list_virtual_mfa_devices(call: Call) -> Result:
    params = call.params
    after = decode_marker(params.get("Marker"))
    # AWS's default is Any: assigned and unassigned devices alike.
    status = params.get("AssignmentStatus", "Any")
    query = select(mfa_devices).where(mfa_devices.c.account_id == call.principal.account_id)
    if status == "Assigned":
        query = query.where(mfa_devices.c.user_id.is_not(None))
    elif status == "Unassigned":
        query = query.where(mfa_devices.c.user_id.is_(None))
    if after is not None:
        query = query.where(mfa_devices.c.serial_lower > after)
    query = query.order_by(mfa_devices.c.serial_lower).limit(limit_of(params.get("MaxItems")))
    with call.services.store.read() as conn:
        rows = list(conn.execute(query).mappings())
        result = page(rows, params.get("MaxItems"), lambda row: row["serial_lower"], "VirtualMFADevices")
        user_ids = {row["user_id"] for row in result["VirtualMFADevices"] if row["user_id"]}
        owners = {
            row["id"]: row for row in conn.execute(select(users).where(users.c.id.in_(user_ids))).mappings()
        }
    devices = []
    for row in result["VirtualMFADevices"]:
        device: dict[str, Any] = {"SerialNumber": row["serial"]}
        if row["user_id"] is not None:
            device["User"] = describe_user(owners[row["user_id"]])
            device["EnableDate"] = row["enabled_at"]
        devices.append(device)
    result["VirtualMFADevices"] = devices
    return result


def get_mfa_device(call: Call) -> Result:
    serial: str = call.params["SerialNumber"]
    with call.services.store.read() as conn:
        user = _target_user(call, conn)
        if user is None:
            raise NoSuchEntity(f"MFA Device with serial number {serial} does not exist.")
        device = find_assigned_device(conn, call.principal.account_id, serial, user["id"])
    return {"UserName": user["name"], "SerialNumber": device["serial"], "EnableDate": device["enabled_at"]}


def tag_mfa_device(call: Call) -> Result:
    with call.services.store.write() as conn:
        device = find_device(conn, call.principal.account_id, call.params["SerialNumber"])
        entity_tags.put_tags(conn, device["id"], call.params["Tags"])
    return {}


def untag_mfa_device(call: Call) -> Result:
    entity_tags.validate_tag_keys(call.params["TagKeys"])
    with call.services.store.write() as conn:
        device = find_device(conn, call.principal.account_id, call.params["SerialNumber"])
        entity_tags.remove_tags(conn, device["id"], call.params["TagKeys"])
    return {}


def list_mfa_device_tags(call: Call) -> Result:
    params = call.params
    with call.services.store.read() as conn:
        device = find_device(conn, call.principal.account_id, params["SerialNumber"])
        rows = conn.execute(
            select(tags.c.key, tags.c.value, tags.c.key_lower, tags.c.position)
            .where(tags.c.entity_id == device["id"])
            .order_by(tags.c.position, tags.c.key_lower)
        ).all()
    # At most 50 tags: page in memory; the marker is the (position, key) of the last one shown.
    after = decode_marker(params.get("Marker"))
    listed = [row for row in rows if after is None or _tag_sort_key(row) > after]
    result = page(listed, params.get("MaxItems"), _tag_sort_key, "Tags")
    result["Tags"] = [{"Key": row.key, "Value": row.value} for row in result["Tags"]]
    return result


def _tag_sort_key(row: Any) -> str:
    # Zero-padded so that string order is position order.
    return f"{row.position:06d}/{row.key_lower}"


OPERATIONS = {
    "CreateVirtualMFADevice": Operation(create_virtual_mfa_device, blocking=True),
    "EnableMFADevice": Operation(enable_mfa_device),
    "ResyncMFADevice": Operation(resync_mfa_device),
    "DeactivateMFADevice": Operation(deactivate_mfa_device),
    "DeleteVirtualMFADevice": Operation(delete_virtual_mfa_device),
    "ListMFADevices": Operation(list_mfa_devices),
    "ListVirtualMFADevices": Operation(list_virtual_mfa_devices),
    "GetMFADevice": Operation(get_mfa_device),
    "TagMFADevice": Operation(tag_mfa_device),
    "UntagMFADevice": Operation(untag_mfa_device),
    "ListMFADeviceTags": Operation(list_mfa_device_tags),
}
