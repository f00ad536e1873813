"""MFA proof for STS: the ``SerialNumber``/``TokenCode`` pair of GetSessionToken and AssumeRole.

The device must be the calling IAM user's (role sessions and root users have none to offer
here); a code is good once (``credo.iam.totp`` claims its step), and wrong codes count
towards one lockout. Both operations answer refusals with AWS's same wording.
"""

from __future__ import annotations

from sqlalchemy import select

from credo.call import Call
from credo.errors import AccessDenied
from credo.iam import totp
from credo.store.schema import mfa_devices

MFA_INVALID_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
MFA_UNKNOWN_DEVICE = (
    "MultiFactorAuthentication failed, unable to validate MFA code.  "
    "Please verify your MFA serial number is valid and associated with this user."
)
MFA_TOO_MANY = (
    "MultiFactorAuthentication failed: too many invalid MFA one time pass codes; try again in a few minutes."
)


def prove_mfa(call: Call) -> int | None:
    """Seconds since the epoch when MFA was proven by this call, ``None`` if no code was given."""
    serial = call.params.get("SerialNumber") or None
    token_code = call.params.get("TokenCode") or None
    if serial is None and token_code is None:
        return None
    caller = call.principal
    if serial is None or caller.identity_kind != "user":
        raise AccessDenied(MFA_UNKNOWN_DEVICE)
    if token_code is None:
        raise AccessDenied(MFA_INVALID_CODE)
    services = call.services
    now = services.clock.time()
    with services.store.write_quietly() as conn:
        device = (
            conn.execute(
                select(mfa_devices).where(
                    mfa_devices.c.account_id == caller.account_id,
                    mfa_devices.c.serial_lower == serial.lower(),
                    mfa_devices.c.user_id == caller.identity_id,
                )
            )
            .mappings()
            .first()
        )
        if device is None:
            raise AccessDenied(MFA_UNKNOWN_DEVICE)
        verdict = totp.check_code(conn, services.keyring, device, caller.identity_id, token_code, now)
    if verdict is totp.Verdict.LOCKED:
        raise AccessDenied(MFA_TOO_MANY)
    if verdict is totp.Verdict.INVALID:
        raise AccessDenied(MFA_INVALID_CODE)  # the failure was recorded with the check
    return int(now)
