"""What the request path captures of one API call: raw facts, cheap to collect.

Turning them into a CloudTrail event (redacting parameters, naming the caller, finding the
resources) happens later: inside the call's own transaction when it writes, otherwise in the
background flush, never on the request path of a call that changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from credo.auth.principal import Principal


@dataclass(slots=True)
class ApiCall:
    """One authenticated (or unsigned federation) call: who, what, from where, and how it ended."""

    service: str  # botocore's model name: iam, sts, sso-admin, identitystore, cloudtrail, sso-oidc, sso
    action: str
    when: float  # seconds since the epoch, on the server's clock
    principal: Principal
    region: str
    source_ip: str
    user_agent: str
    request_id: str
    params: Mapping[str, Any] | None = None  # decoded by the model; None if decoding failed
    result: Mapping[str, Any] | None = None
    error_code: str | None = None
    error_message: str | None = None
    # Made by the console for a signed-in person (CloudTrail's sessionCredentialFromConsole).
    from_console: bool = False
    # Set once the event is in the store (written in the call's transaction).
    event_id: str | None = None
    # IAM's name of the service (SigV4's signing name: ``sso`` for sso-admin), when it differs
    # from ``service``: what service last accessed data is kept under.
    namespace: str | None = None

    def fail(self, code: str, message: str) -> None:
        self.error_code = code
        self.error_message = message
