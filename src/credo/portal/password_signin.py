"""Checking an identity store user's password at the access portal: throttled and recorded as
console sign-ins are (``console/signin.py``).

Attempts are ``sign_in_attempts`` rows whose ``account`` is the identity store id (``d-…``), so the
console's limits apply: 5 failures for one user name, or 20 from one address (console and portal
together), within 5 minutes, and every attempt is refused until they age out. An unknown user,
a user without a portal password and a disabled user cost the same argon2 check as a wrong
password and get the same answer.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select

from credo.call import Services
from credo.console import signin
from credo.passwords import decoy_hash, verify_password
from credo.sso import portal_mfa
from credo.sso.attribute_updates import name_key
from credo.sso.instances import Instance, load
from credo.store.schema import sso_users


class Outcome(enum.Enum):
    SIGNED_IN = "success"
    FAILED = "failure"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class PortalSignIn:
    outcome: Outcome
    instance: Instance | None = None
    user_id: str | None = None
    # A registered MFA device: the sign-in waits for its code (``mfa_signin``).
    needs_mfa: bool = False


def check(services: Services, user_name: str, password: str, source_ip: str) -> PortalSignIn:
    """A user name and password typed at /start (argon2: call it off the event loop)."""
    now = services.clock.now()
    typed = user_name.strip()
    with services.store.write_quietly() as conn:
        instance = load(conn)
        row = None
        if instance is not None and typed:
            row = (
                conn.execute(
                    select(sso_users.c.id, sso_users.c.password_hash, sso_users.c.status)
                    .where(sso_users.c.instance_id == instance.id, sso_users.c.name_key == name_key(typed))
                    .with_for_update()
                )
                .mappings()
                .first()
            )
        store_id = instance.identity_store_id if instance is not None else ""
        typed_key = typed.lower()
        if signin.is_throttled(conn, store_id, typed_key, source_ip, now):
            result = PortalSignIn(Outcome.THROTTLED)
        else:
            stored = row["password_hash"] if row is not None and row["password_hash"] else decoy_hash()
            good = verify_password(stored, password)
            usable = row is not None and row["password_hash"] is not None and row["status"] == "ENABLED"
            result = (
                PortalSignIn(Outcome.SIGNED_IN, instance, row["id"], portal_mfa.has_device(conn, row["id"]))
                if good and usable and row is not None
                else PortalSignIn(Outcome.FAILED)
            )
        signin.record(
            conn,
            account=store_id,
            user_name=typed_key,
            account_id=None,
            source_ip=source_ip,
            outcome=result.outcome.value,
            now=now,
        )
    return result
