"""What the MFA pages work with: whose devices, a setup in progress, and a principal's device list.

A setup (the device just made by CreateVirtualMFADevice, its seed and its QR code) waits in
``shown_once``, per console session and user, sealed in the store, until EnableMFADevice accepts
two codes or the wizard is cancelled (or ten minutes pass): the seed is never in a URL, a form
field or the store's plain text, and once the device is enabled no page can show it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

from markupsafe import Markup

from credo.errors import AwsError
from credo.iam import mfa
from credo.iam.password_policy import as_utc

if TYPE_CHECKING:
    # Only for annotations: overview imports the users list, which imports this module.
    from credo.console.overview import Caller

# My security credentials (``credentials.PATH``, which imports this module).
SELF_PATH = "/console/security-credentials"


@dataclass(frozen=True)
class Target:
    """Whose MFA devices a page manages: another user, or the signed-in principal (root: no name)."""

    user_name: str | None
    is_self: bool

    @property
    def base(self) -> str:
        """The path the target's MFA routes hang from."""
        return SELF_PATH if self.is_self else f"/console/users/{quote(self.user_name or '', safe='')}"

    @property
    def back(self) -> str:
        """Where an action returns to: My security credentials, or the user's Security credentials tab."""
        return SELF_PATH if self.is_self else f"{self.base}?tab=security_credentials"

    @property
    def shown_name(self) -> str:
        return self.user_name or "root user"


@dataclass(frozen=True)
class Setup:
    """A virtual device created for the target and not yet enabled."""

    serial: str
    seed: str
    device_name: str
    qr_svg: Markup

    def as_json(self) -> list[str]:
        """What ``shown_once`` seals while the setup is in progress."""
        return [self.serial, self.seed, self.device_name, str(self.qr_svg)]

    @classmethod
    def from_json(cls, data: list[str]) -> Setup:
        serial, seed, device_name, svg = data
        # ``qr_svg``'s own output, back from a row sealed (AES-GCM, bound to the row) by this
        # store's keyring: nothing else could have put it there.
        return cls(serial, seed, device_name, Markup(svg))  # noqa: S704


@dataclass(frozen=True)
class DeviceRow:
    serial: str
    enabled: datetime

    @property
    def is_virtual(self) -> bool:
        return is_virtual(self.serial)


def is_virtual(serial: str) -> bool:
    """Virtual devices' serial numbers are their ARNs (``arn:aws:iam::…:mfa/name``)."""
    return ":mfa/" in serial


def qr_svg(device_name: str, account_name: str, seed: str) -> Markup:
    """The QR code of the same ``otpauth://`` URI as CreateVirtualMFADevice's QRCodePNG, as inline SVG.

    Blocking (segno builds the matrix in Python): call it from a worker thread.
    """
    code = mfa.qr_code(mfa.otpauth_uri(device_name, account_name, seed))
    # segno's SVG is built from numbers and fixed names only, nothing the user typed.
    return Markup(code.svg_inline(scale=5, dark="#000", light="#fff", title="QR code"))  # noqa: S704


def list_devices(caller: Caller, user_name: str | None) -> list[DeviceRow]:
    """ListMFADevices as the caller (without ``UserName`` for its own); raises AccessDenied."""
    params = {"UserName": user_name} if user_name is not None else {}
    found = caller.call("ListMFADevices", **params)["MFADevices"]
    return [DeviceRow(device["SerialNumber"], as_utc(device["EnableDate"])) for device in found]


def at_quota(devices: list[DeviceRow]) -> bool:
    return len(devices) >= mfa.MAX_DEVICES_PER_USER


@dataclass(frozen=True)
class OwnDevices:
    """My security credentials' MFA section: the caller's devices, or why they cannot be listed."""

    rows: list[DeviceRow]
    error: str | None
    is_root: bool


def own_devices(caller: Caller) -> OwnDevices:
    """ListMFADevices without ``UserName``: the caller's own (none for root, which credo cannot assign)."""
    try:
        rows = list_devices(caller, None)
    except AwsError as refused:
        return OwnDevices([], refused.message, caller.session.is_root)
    return OwnDevices(rows, None, caller.session.is_root)
