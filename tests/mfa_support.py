"""Virtual MFA in tests: codes from pyotp, and a server clock moved instead of sleeping."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyotp

from tests.conftest import Server

STEP = 30


class DeviceClock:
    """The server's clock, moved forward with botocore's signing time so requests stay current."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.offset = timedelta()

    def move(self, seconds: float) -> None:
        self.server.advance_clock(seconds)
        self.offset += timedelta(seconds=seconds)

    def step(self) -> int:
        return int(self.server.post("/_credo/clock", {"seconds": 0})["time"] // STEP)


def code(seed: str, step: int) -> str:
    return pyotp.TOTP(seed).at(step * STEP)


def wrong_code(seed: str, step: int) -> str:
    """A code that is valid for no step near ``step``."""
    near = {code(seed, s) for s in range(step - 3, step + 4)}
    candidate = 0
    while f"{candidate:06d}" in near:
        candidate += 1
    return f"{candidate:06d}"


def create_device(iam: Any, name: str = "phone", **kwargs: Any) -> tuple[str, str]:
    """(serial, base32 seed) of a new virtual device."""
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name, **kwargs)["VirtualMFADevice"]
    return device["SerialNumber"], device["Base32StringSeed"].decode()


def enable(iam: Any, clock: DeviceClock, user: str, serial: str, seed: str) -> None:
    step = clock.step()
    iam.enable_mfa_device(
        UserName=user,
        SerialNumber=serial,
        AuthenticationCode1=code(seed, step - 1),
        AuthenticationCode2=code(seed, step),
    )
