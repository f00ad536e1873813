"""Checks of each profile's settings: role chains (source_profile missing or circular), role ARNs,
durations and MFA serials. Pure reading: no network, no keychain."""

from __future__ import annotations

import re

from credo.client.doctor.file_checks import text, where
from credo.client.doctor.findings import Finding
from credo.client.shared_config import SharedConfig

MFA_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:mfa/[\w+=,.@/-]{1,512}$")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")


def role_settings(shared: SharedConfig, scope: set[str]) -> list[Finding]:
    found: list[Finding] = []
    profiles = set(shared.profile_names())
    in_loops: set[str] = set()  # a loop is told once, for its first profile
    for profile in sorted(scope & profiles):
        values = shared.profile(profile) or {}
        role_arn, source = text(values.get("role_arn")), text(values.get("source_profile"))
        credential_source = text(values.get("credential_source"))
        if source and not role_arn:
            found.append(
                Finding(
                    "warning",
                    "source-without-role",
                    "source_profile is set but role_arn is not: it is ignored",
                    "add role_arn, or remove source_profile",
                    profile,
                    where(shared, profile, "source_profile"),
                )
            )
        if not role_arn:
            continue
        if not ROLE_ARN.match(role_arn):
            found.append(
                Finding(
                    "error",
                    "role-arn",
                    f"role_arn {role_arn!r} is not a role ARN",
                    "use arn:aws:iam::ACCOUNT:role/NAME",
                    profile,
                    where(shared, profile, "role_arn"),
                )
            )
        if source and credential_source:
            found.append(
                Finding(
                    "error",
                    "role-source-conflict",
                    "both source_profile and credential_source are set; botocore refuses the profile",
                    "keep one of them",
                    profile,
                    where(shared, profile, "credential_source"),
                )
            )
        elif not source and not credential_source and not text(values.get("web_identity_token_file")):
            found.append(
                Finding(
                    "error",
                    "role-without-source",
                    "role_arn has no source_profile (or credential_source): "
                    "there are no credentials to assume it with",
                    "add source_profile = PROFILE_WITH_KEYS",
                    profile,
                    where(shared, profile, "role_arn"),
                )
            )
        if source:
            found.extend(_source_chain(shared, profile, profiles, in_loops))
        duration = text(values.get("duration_seconds"))
        if duration is not None and not duration.isdigit():
            found.append(
                Finding(
                    "error",
                    "duration-seconds",
                    f"duration_seconds {duration!r} is not a number of seconds",
                    "use a number from 900 to 43200",
                    profile,
                    where(shared, profile, "duration_seconds"),
                )
            )
    return found


def _source_chain(
    shared: SharedConfig, profile: str, profiles: set[str], in_loops: set[str]
) -> list[Finding]:
    visited = [profile]
    name = profile
    while True:
        values = shared.profile(name) or {}
        source = text(values.get("source_profile"))
        if not source or not text(values.get("role_arn")):
            return []
        if source not in profiles:
            return [
                Finding(
                    "error",
                    "role-source-missing",
                    f"source_profile {source} of profile {name} does not exist",
                    f"add a profile named {source}, or correct source_profile",
                    profile,
                    where(shared, name, "source_profile"),
                )
            ]
        if source == name:
            return []  # botocore allows a role profile to be its own source (its own keys)
        if source in visited:
            if profile in in_loops:
                return []
            in_loops.update(visited)
            loop = " -> ".join([*visited, source])
            return [
                Finding(
                    "error",
                    "role-source-loop",
                    f"source_profile goes round in a circle: {loop}",
                    "make the last profile of the chain one holding keys (or credential_source)",
                    profile,
                    where(shared, name, "source_profile"),
                )
            ]
        visited.append(source)
        name = source


def mfa_serials(shared: SharedConfig, scope: set[str]) -> list[Finding]:
    found: list[Finding] = []
    for profile in sorted(scope):
        serial = text((shared.profile(profile) or {}).get("mfa_serial"))
        if serial is None or MFA_ARN.match(serial):
            continue
        location = where(shared, profile, "mfa_serial")
        if serial.startswith("arn:"):
            found.append(
                Finding(
                    "error",
                    "mfa-serial",
                    f"mfa_serial {serial!r} is not an MFA device's ARN",
                    "use the device's ARN, arn:aws:iam::ACCOUNT:mfa/NAME (aws iam list-mfa-devices)",
                    profile,
                    location,
                )
            )
        else:
            found.append(
                Finding(
                    "warning",
                    "mfa-serial",
                    f"mfa_serial {serial!r} is not an ARN: AWS takes it only "
                    "as a hardware device's serial number, and credo's devices are all virtual",
                    "use the device's ARN, arn:aws:iam::ACCOUNT:mfa/NAME",
                    profile,
                    location,
                )
            )
    return found
