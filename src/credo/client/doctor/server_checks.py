"""Checks against the server each profile talks to: does its endpoint answer, is the clock in step
with the server's (its ``Date`` header), and does it take the profile's keys (``GetCallerIdentity``,
which any valid credentials may call, with the server's reason when it refuses)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from credo.client.aws_calls import AwsCallFailed, CallerKeys
from credo.client.doctor.findings import Finding
from credo.client.sts_calls import caller_arn

TIMEOUT_SECONDS = 5
SKEW_WARNING = 60  # seconds: sessions and MFA codes are judged by the server's clock
# Signed requests further off than this are refused. It is also how far a cached session may be
# misjudged: credo re-uses one only while 15 minutes are left by this machine's clock.
SKEW_SIGV4 = 15 * 60
AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")


@dataclass(frozen=True)
class Probe:
    endpoint: str
    answered: bool
    reason: str = ""
    skew_seconds: float | None = None  # the server's clock minus ours


def is_aws(endpoint: str) -> bool:
    host = endpoint.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1].split(":", 1)[0]
    return host.endswith(AWS_HOST_SUFFIXES)


def probe(endpoint: str) -> Probe:
    """GET the endpoint: any HTTP answer means it answers; its ``Date`` gives the clock difference."""
    request = urllib.request.Request(endpoint, method="GET")  # noqa: S310 - the profile's http(s) endpoint
    started = time.time()
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as reply:  # noqa: S310 - as above
            date = reply.headers.get("Date")
    except urllib.error.HTTPError as error:
        date = error.headers.get("Date")
    except (urllib.error.URLError, OSError, ValueError) as error:
        return Probe(endpoint, False, str(getattr(error, "reason", error)))
    finished = time.time()
    if not date:
        return Probe(endpoint, True)
    try:
        server_time = parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        return Probe(endpoint, True)
    return Probe(endpoint, True, skew_seconds=server_time - (started + finished) / 2)


def endpoint_findings(found: Probe, profiles: list[str]) -> list[Finding]:
    names = ", ".join(profiles)
    if not found.answered:
        return [
            Finding(
                "error",
                "endpoint",
                f"{found.endpoint} (the endpoint of {names}) does not answer: {found.reason}",
                "start the server, or correct endpoint_url",
                profiles[0],
                found.endpoint,
            )
        ]
    skew = found.skew_seconds
    if skew is None or abs(skew) <= SKEW_WARNING:
        return []
    direction = "ahead of" if skew > 0 else "behind"
    message = f"the server's clock is {abs(skew):.0f} seconds {direction} this machine's ({found.endpoint})"
    fix = "set this machine's clock by NTP (timedatectl set-ntp true), or the server's"
    if abs(skew) > SKEW_SIGV4:
        return [
            Finding(
                "error",
                "clock-skew",
                f"{message}: signed requests are refused past 15 minutes",
                fix,
                profiles[0],
                found.endpoint,
            )
        ]
    return [
        Finding(
            "warning",
            "clock-skew",
            f"{message}: session expiry is misjudged by that much",
            fix,
            profiles[0],
            found.endpoint,
        )
    ]


FIXES = {
    "InvalidClientTokenId": "the key does not exist on this server (deleted, or from another server): add a current key",
    "SignatureDoesNotMatch": "the secret does not belong to the key id: add the key again with its secret",
    "ExpiredToken": "the session expired: sign in again",
    "AccessDenied": "the key is inactive or refused: ask an administrator, or add a current key",
}


def keys_finding(profile: str, keys: CallerKeys, region: str, where: str | None) -> Finding | None:
    """``GetCallerIdentity`` with the profile's keys: None when the server takes them."""
    try:
        caller_arn(profile, keys, region, attempts=1)
    except AwsCallFailed as error:
        fix = FIXES.get(error.code or "", "check the key, or add a current one")
        return Finding(
            "error", "keys-refused", f"the server refuses the profile's keys: {error}", fix, profile, where
        )
    return None
