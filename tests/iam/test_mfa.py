"""Virtual MFA devices against a real server: create, enable, resync, deactivate, list, tag, delete."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import botocore.auth
import botocore.exceptions
import pytest
from sqlalchemy import select

from credo.store.db import Store
from credo.store.schema import mfa_devices
from tests.conftest import DEV_ACCOUNT, Server
from tests.mfa_support import STEP, DeviceClock, code, create_device, enable, wrong_code


def error_of(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def test_create_returns_serial_seed_and_qr_code(iam: Any) -> None:
    """CreateVirtualMFADevice answers the serial ARN, a base32 seed and a PNG QR code."""
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="phone", Path="/team/")["VirtualMFADevice"]
    assert device["SerialNumber"] == f"arn:aws:iam::{DEV_ACCOUNT}:mfa/team/phone"
    seed = device["Base32StringSeed"].decode()
    assert len(seed) == 64 and base64.b32decode(seed)
    assert device["QRCodePNG"].startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(
    ("kwargs", "code_", "message"),
    [
        ({}, "EntityAlreadyExists", "MFADevice entity at the same path and name already exists."),
        ({"Tags": [{"Key": "aws:x", "Value": "1"}]}, "InvalidInput", "prefix is reserved for AWS use."),
    ],
)
def test_create_refusals(iam: Any, kwargs: dict[str, Any], code_: str, message: str) -> None:
    """A second device at the same path and name (any case), or a reserved tag, is refused."""
    iam.create_virtual_mfa_device(VirtualMFADeviceName="Phone")
    error_code, error_message = error_of(
        lambda: iam.create_virtual_mfa_device(VirtualMFADeviceName="phone", **kwargs)
    )
    assert error_code == code_ and message in error_message


def test_enable_assigns_device(iam: Any, clock: DeviceClock) -> None:
    """Two consecutive codes assign the device; it is listed for the user with its enable date."""
    iam.create_user(UserName="alice")
    serial, seed = create_device(iam)
    enable(iam, clock, "alice", serial, seed)
    devices = iam.list_mfa_devices(UserName="alice")["MFADevices"]
    assert [(d["UserName"], d["SerialNumber"]) for d in devices] == [("alice", serial)]
    assert iam.get_mfa_device(SerialNumber=serial, UserName="alice")["SerialNumber"] == serial
    listed = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert listed[0]["User"]["UserName"] == "alice" and "EnableDate" in listed[0]
    assert "Base32StringSeed" not in listed[0] and "QRCodePNG" not in listed[0]


@pytest.mark.parametrize("which", ["not consecutive", "wrong first", "wrong second", "reversed"])
def test_enable_refuses_bad_codes(iam: Any, clock: DeviceClock, which: str) -> None:
    """Codes that are not two consecutive valid ones are InvalidAuthenticationCode; nothing is assigned."""
    iam.create_user(UserName="alice")
    serial, seed = create_device(iam)
    step = clock.step()
    first, second = {
        "not consecutive": (code(seed, step - 2), code(seed, step)),
        "wrong first": (wrong_code(seed, step), code(seed, step)),
        "wrong second": (code(seed, step - 1), wrong_code(seed, step)),
        "reversed": (code(seed, step), code(seed, step - 1)),
    }[which]
    if first == second:
        pytest.skip("codes collided")
    error = error_of(
        lambda: iam.enable_mfa_device(
            UserName="alice", SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second
        )
    )
    assert error == ("InvalidAuthenticationCode", "Authentication code for device is not valid.")
    assert iam.list_mfa_devices(UserName="alice")["MFADevices"] == []


def test_enable_refuses_device_in_use(iam: Any, clock: DeviceClock) -> None:
    """A device assigned to one user cannot be enabled for another."""
    iam.create_user(UserName="alice")
    iam.create_user(UserName="bob")
    serial, seed = create_device(iam)
    enable(iam, clock, "alice", serial, seed)
    clock.move(STEP)
    error = error_of(lambda: enable(iam, clock, "bob", serial, seed))
    assert error == ("EntityAlreadyExists", "MFA Device is already in use.")


def test_at_most_eight_devices_per_user(iam: Any, clock: DeviceClock) -> None:
    """A ninth device for one user is LimitExceeded."""
    iam.create_user(UserName="alice")
    for number in range(8):
        enable(iam, clock, "alice", *create_device(iam, f"d{number}"))
    error = error_of(lambda: enable(iam, clock, "alice", *create_device(iam, "d8")))
    assert error == ("LimitExceeded", "Cannot exceed quota for MFADevicesPerUser: 8")


def test_wrong_codes_lock_the_device_for_a_while(iam: Any, clock: DeviceClock) -> None:
    """After 5 wrong attempts within 5 minutes even right codes are refused until the window passes."""
    iam.create_user(UserName="alice")
    serial, seed = create_device(iam)
    for _ in range(5):
        bad = wrong_code(seed, clock.step())
        error = error_of(
            lambda bad=bad: iam.enable_mfa_device(  # type: ignore[misc]
                UserName="alice", SerialNumber=serial, AuthenticationCode1=bad, AuthenticationCode2=bad
            )
        )
        assert error[1] == "Authentication code for device is not valid."
    code_, message = error_of(lambda: enable(iam, clock, "alice", serial, seed))
    assert code_ == "InvalidAuthenticationCode" and "Too many invalid authentication codes" in message
    clock.move(5 * 60 + 1)
    enable(iam, clock, "alice", serial, seed)
    assert len(iam.list_mfa_devices(UserName="alice")["MFADevices"]) == 1


def test_resync_accepts_a_drifted_device(iam: Any, clock: DeviceClock) -> None:
    """ResyncMFADevice finds a pair minutes off and re-anchors; later single codes then pass."""
    iam.create_user(UserName="alice")
    serial, seed = create_device(iam)
    enable(iam, clock, "alice", serial, seed)
    clock.move(STEP * 2)
    # The device's clock now runs four steps (two minutes) ahead.
    step = clock.step() + 4
    iam.resync_mfa_device(
        UserName="alice",
        SerialNumber=serial,
        AuthenticationCode1=code(seed, step - 1),
        AuthenticationCode2=code(seed, step),
    )
    error = error_of(
        lambda: iam.resync_mfa_device(
            UserName="alice",
            SerialNumber=serial,
            AuthenticationCode1=code(seed, step - 1),
            AuthenticationCode2=code(seed, step),
        )
    )
    assert error[0] == "InvalidAuthenticationCode"


def test_deactivate_then_delete(iam: Any, clock: DeviceClock) -> None:
    """An assigned device cannot be deleted (nor its user); deactivated, it can."""
    iam.create_user(UserName="alice")
    serial, seed = create_device(iam)
    enable(iam, clock, "alice", serial, seed)
    assert error_of(lambda: iam.delete_virtual_mfa_device(SerialNumber=serial)) == (
        "DeleteConflict",
        "MFA Device is already in use.",
    )
    assert error_of(lambda: iam.delete_user(UserName="alice")) == (
        "DeleteConflict",
        "Cannot delete entity, must delete MFA device first.",
    )
    iam.deactivate_mfa_device(UserName="alice", SerialNumber=serial)
    assert iam.list_mfa_devices(UserName="alice")["MFADevices"] == []
    assert iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"] == [
        {"SerialNumber": serial}
    ]
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    iam.delete_user(UserName="alice")
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []


@pytest.mark.parametrize(
    "call",
    [
        lambda iam, serial: iam.delete_virtual_mfa_device(SerialNumber=serial),
        lambda iam, serial: iam.deactivate_mfa_device(UserName="alice", SerialNumber=serial),
        lambda iam, serial: iam.get_mfa_device(UserName="alice", SerialNumber=serial),
        lambda iam, serial: iam.list_mfa_device_tags(SerialNumber=serial),
    ],
)
def test_unknown_device_is_no_such_entity(iam: Any, call: Callable[[Any, str], Any]) -> None:
    """Operations on a serial the account does not hold are NoSuchEntity."""
    iam.create_user(UserName="alice")
    code_, _message = error_of(lambda: call(iam, f"arn:aws:iam::{DEV_ACCOUNT}:mfa/nothing"))
    assert code_ == "NoSuchEntity"


@pytest.mark.parametrize(
    ("status", "expected"),
    [(None, {"a", "b"}), ("Any", {"a", "b"}), ("Assigned", {"a"}), ("Unassigned", {"b"})],
)
def test_list_virtual_devices_by_assignment(
    iam: Any, clock: DeviceClock, status: str | None, expected: set[str]
) -> None:
    """ListVirtualMFADevices filters by AssignmentStatus, defaulting to Any."""
    iam.create_user(UserName="alice")
    serial, seed = create_device(iam, "a")
    create_device(iam, "b")
    enable(iam, clock, "alice", serial, seed)
    kwargs = {} if status is None else {"AssignmentStatus": status}
    listed = iam.list_virtual_mfa_devices(**kwargs)["VirtualMFADevices"]
    assert {d["SerialNumber"].rsplit("/", 1)[1] for d in listed} == expected


def test_list_pages(iam: Any) -> None:
    """ListVirtualMFADevices pages with Marker/MaxItems in serial order."""
    for name in ("c", "a", "b"):
        create_device(iam, name)
    first = iam.list_virtual_mfa_devices(MaxItems=2)
    assert first["IsTruncated"] and len(first["VirtualMFADevices"]) == 2
    rest = iam.list_virtual_mfa_devices(MaxItems=2, Marker=first["Marker"])
    names = [d["SerialNumber"][-1] for d in first["VirtualMFADevices"] + rest["VirtualMFADevices"]]
    assert names == ["a", "b", "c"] and not rest["IsTruncated"]


def test_tags(iam: Any) -> None:
    """Tags given at creation, added and removed later, are listed in order."""
    serial, _seed = create_device(iam, Tags=[{"Key": "team", "Value": "x"}])
    iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "env", "Value": "prod"}])
    assert iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == [
        {"Key": "team", "Value": "x"},
        {"Key": "env", "Value": "prod"},
    ]
    iam.untag_mfa_device(SerialNumber=serial, TagKeys=["TEAM"])
    assert iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == [{"Key": "env", "Value": "prod"}]


def test_seed_is_not_stored_in_plain_text(server: Server, iam: Any) -> None:
    """The seed appears in no row and, on SQLite, nowhere in the database files."""
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="phone")["VirtualMFADevice"]
    seed = device["Base32StringSeed"]
    raw_seed = base64.b32decode(seed)
    store = Store(server.extra["database_url"])
    try:
        with store.read() as conn:
            rows = conn.execute(select(mfa_devices)).all()
    finally:
        store.dispose()
    assert len(rows) == 1
    for value in rows[0]:
        text = value if isinstance(value, bytes) else str(value).encode()
        assert seed not in text and raw_seed not in text
    url: str = server.extra["database_url"]
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        for suffix in ("", "-wal"):
            try:
                with open(path + suffix, "rb") as handle:
                    content = handle.read()
            except FileNotFoundError:
                continue
            assert seed not in content and raw_seed not in content
