"""Checks of the environment: ``AWS_*`` variables that override the profiles, or that nothing reads.

botocore takes keys from the environment before any profile named by ``AWS_PROFILE`` (only
``--profile`` or a profile given in code puts the profile first), and ``AWS_REGION``,
``AWS_DEFAULT_REGION`` and ``AWS_ENDPOINT_URL*`` before the profile's own settings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from credo.client.doctor.config_keys import known_variables, near_miss
from credo.client.doctor.file_checks import text
from credo.client.doctor.findings import Finding
from credo.client.shared_config import SharedConfig

EXEC_MARKER = "CREDO_EXEC_PROFILE"


def chosen_profile(environ: Mapping[str, str], option: str | None) -> tuple[str, str]:
    """The profile the checks are about, and why: doctor's --profile, botocore's variables, or default."""
    if option:
        return option, "checked with --profile"
    for variable in ("AWS_DEFAULT_PROFILE", "AWS_PROFILE"):  # botocore reads them in this order
        if environ.get(variable):
            return environ[variable], variable
    return "default", "the default profile"


def _profile_variables(shared: SharedConfig, environ: Mapping[str, str]) -> list[Finding]:
    found: list[Finding] = []
    default, profile = environ.get("AWS_DEFAULT_PROFILE"), environ.get("AWS_PROFILE")
    if default and profile and default != profile:
        found.append(
            Finding(
                "warning",
                "environment",
                f"AWS_DEFAULT_PROFILE={default} and AWS_PROFILE={profile} "
                f"disagree: botocore uses {default}, other tools may use {profile}",
                "unset one of them",
                default,
                "AWS_DEFAULT_PROFILE",
            )
        )
    names = set(shared.profile_names())
    for variable in ("AWS_DEFAULT_PROFILE", "AWS_PROFILE"):
        value = environ.get(variable)
        if value and value not in names:
            found.append(
                Finding(
                    "error",
                    "environment",
                    f"{variable}={value} names a profile that does not exist",
                    f"unset {variable}, or add the profile",
                    value,
                    variable,
                )
            )
    return found


def _key_variables(environ: Mapping[str, str], profile: str, why: str) -> list[Finding]:
    key, secret = environ.get("AWS_ACCESS_KEY_ID"), environ.get("AWS_SECRET_ACCESS_KEY")
    inside = environ.get(EXEC_MARKER)
    if (key and not secret) or (secret and not key):
        return [
            Finding(
                "error",
                "environment",
                "only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set: "
                "botocore stops with a partial-credentials error",
                "unset it, or set both",
                None,
                "AWS_ACCESS_KEY_ID" if key else "AWS_SECRET_ACCESS_KEY",
            )
        ]
    if key and inside:
        return [
            Finding(
                "note",
                "environment",
                f"inside credo exec: the keys in the environment are profile {inside}'s",
                "",
                inside,
                EXEC_MARKER,
            )
        ]
    if key:
        return [
            Finding(
                "warning",
                "environment",
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set: botocore, boto3 and the aws CLI use them "
                f"instead of profile {profile} ({why}); only a profile named explicitly (--profile) comes first",
                "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN",
                profile,
                "AWS_ACCESS_KEY_ID",
            )
        ]
    if environ.get("AWS_SESSION_TOKEN"):
        return [
            Finding(
                "warning",
                "environment",
                "AWS_SESSION_TOKEN is set without keys: it is ignored",
                "unset AWS_SESSION_TOKEN",
                None,
                "AWS_SESSION_TOKEN",
            )
        ]
    return []


def _setting_variables(shared: SharedConfig, environ: Mapping[str, str], profile: str) -> list[Finding]:
    found: list[Finding] = []
    values = shared.profile(profile) or {}
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    variable = "AWS_REGION" if environ.get("AWS_REGION") else "AWS_DEFAULT_REGION"
    configured = text(values.get("region"))
    if region and configured and region != configured:
        found.append(
            Finding(
                "warning",
                "environment",
                f"{variable}={region} overrides region {configured} of profile {profile}",
                f"unset {variable} to use the profile's region",
                profile,
                variable,
            )
        )
    endpoint_url = text(values.get("endpoint_url"))
    for variable in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_IAM"):
        value = environ.get(variable)
        if value and value != endpoint_url:
            configured_text = f"endpoint_url {endpoint_url}" if endpoint_url else "its default endpoint"
            found.append(
                Finding(
                    "warning",
                    "environment",
                    f"{variable}={value} overrides {configured_text} of profile {profile}",
                    f"unset {variable} to use the profile's",
                    profile,
                    variable,
                )
            )
    if environ.get("AWS_ROLE_ARN") and environ.get("AWS_WEB_IDENTITY_TOKEN_FILE"):
        found.append(
            Finding(
                "warning",
                "environment",
                "AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE are set: botocore "
                "assumes that role with web identity before using the profile's credentials",
                "unset them outside the job that needs them",
                profile,
                "AWS_ROLE_ARN",
            )
        )
    # (A missing credentials file is normal once every key is in the keychain.)
    for variable in ("AWS_CONFIG_FILE",):
        path = environ.get(variable)
        if path and not os.path.exists(os.path.expanduser(path)):
            found.append(
                Finding(
                    "warning",
                    "environment",
                    f"{variable}={path} does not exist",
                    f"unset {variable}, or create the file",
                    None,
                    variable,
                )
            )
    return found


def _unknown_variables(environ: Mapping[str, str]) -> list[Finding]:
    known = known_variables()
    lowered = frozenset(name.lower() for name in known)
    found: list[Finding] = []
    for variable in sorted(environ):
        if not variable.startswith("AWS_") or variable in known:
            continue
        meant = near_miss(variable.lower(), lowered, cutoff=0.85)
        if meant is not None:
            found.append(
                Finding(
                    "warning",
                    "environment",
                    f"{variable} is not a variable botocore reads: it is ignored",
                    f"rename it to {meant.upper()}",
                    None,
                    variable,
                )
            )
    return found


def environment(shared: SharedConfig, environ: Mapping[str, str], option: str | None) -> list[Finding]:
    profile, why = chosen_profile(environ, option)
    return [
        *_profile_variables(shared, environ),
        *_key_variables(environ, profile, why),
        *_setting_variables(shared, environ, profile),
        *_unknown_variables(environ),
    ]
