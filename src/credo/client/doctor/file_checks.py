"""Checks of the shared files themselves: unknown keys and sections, plaintext keys, expired
sessions and file modes. Pure reading: no network, no keychain."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime

from credo.client.config_files import IniDocument, Value
from credo.client.doctor.config_keys import SSO_SESSION_KEYS, known_keys, near_miss
from credo.client.doctor.findings import Finding, Severity, at_line
from credo.client.shared_config import SharedConfig, config_section_for

CONSEQUENCES = {
    "mfa_serial": "so no MFA code is ever asked, and calls that need MFA are refused",
    "role_arn": "so no role is assumed",
    "source_profile": "so the role has no credentials to be assumed with",
    "region": "so the region comes from elsewhere",
    "endpoint_url": "so requests go to AWS, not to your server",
}


def text(value: Value | None) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _profile_sections(shared: SharedConfig) -> Iterator[tuple[IniDocument, str, str]]:
    """(document, section name, profile) for every profile section of both files."""
    for name in shared.config.sections:
        if name == "default":
            yield shared.config, name, "default"
        elif name.startswith("profile "):
            yield shared.config, name, name.split(None, 1)[1].strip()
    for name in shared.credentials.sections:
        yield shared.credentials, name, name


def where(shared: SharedConfig, profile: str, key: str) -> str | None:
    """``PATH:LINE`` of ``key`` in the profile (the credentials file's value wins, as in botocore)."""
    for document, section_name in (
        (shared.credentials, profile),
        (shared.config, config_section_for(profile)),
    ):
        section = document.section(section_name)
        if section is not None and key in section.options:
            return at_line(document.path, section.options[key].first)
    return None


def unknown_keys(shared: SharedConfig, scope: set[str]) -> list[Finding]:
    known = known_keys()
    found: list[Finding] = []
    for document, section_name, profile in _profile_sections(shared):
        if profile not in scope:
            continue
        section = document.sections[section_name]
        for key, option in section.options.items():
            if key in known or isinstance(option.value, dict):  # nested: per-service settings
                continue
            location = at_line(document.path, option.first)
            meant = near_miss(key, known)
            if meant is None:
                found.append(
                    Finding(
                        "warning",
                        "unknown-key",
                        f"{key} is not a setting botocore or credo reads: it is ignored",
                        f"remove {key}, or check its spelling",
                        profile,
                        location,
                    )
                )
                continue
            if meant in section.options:
                message = f"{key} is not a setting botocore reads: it is ignored ({meant} is set too)"
                fix = f"remove {key}"
            else:
                consequence = CONSEQUENCES.get(meant, "so it has no effect")
                message = f"{key} is not a setting botocore reads: it is ignored, {consequence}"
                fix = f"rename {key} to {meant}"
            found.append(
                Finding(
                    "error",
                    "unknown-key",
                    message,
                    fix,
                    profile,
                    location,
                )
            )
    for name, section in shared.config.sections.items():
        if name.startswith("sso-session "):
            for key, option in section.options.items():
                if key not in SSO_SESSION_KEYS:
                    meant = near_miss(key, SSO_SESSION_KEYS)
                    found.append(
                        Finding(
                            "warning",
                            "unknown-key",
                            f"{key} is not a setting of an [sso-session] section",
                            f"rename {key} to {meant}" if meant else f"remove {key}",
                            None,
                            at_line(shared.config.path, option.first),
                        )
                    )
        elif name not in ("default", "plugins", "preview") and not name.startswith(("profile ", "services ")):
            found.append(
                Finding(
                    "warning",
                    "not-a-profile",
                    f"[{name}] in the config file is not a profile: botocore reads profiles from [profile NAME]",
                    f"rename the section to [profile {name}]",
                    name,
                    at_line(shared.config.path, section.header_line),
                )
            )
    for name, section in shared.credentials.sections.items():
        if name.startswith("profile ") and name.split(None, 1)[1] in shared.config_profiles():
            found.append(
                Finding(
                    "warning",
                    "not-a-profile",
                    f"[{name}] in the credentials file is the profile named {name!r}: the credentials file's "
                    "sections carry no 'profile ' prefix",
                    f"rename the section to [{name.split(None, 1)[1]}]",
                    name,
                    at_line(shared.credentials.path, section.header_line),
                )
            )
    return found


def plaintext_keys(shared: SharedConfig, scope: set[str], keychain: str | None) -> list[Finding]:
    """Long-term keys in the files; ``keychain`` describes the keychain that could hold them, if any."""
    found: list[Finding] = []
    for document, section_name, profile in _profile_sections(shared):
        values = document.sections[section_name].values()
        if profile not in scope or not (
            text(values.get("aws_access_key_id")) and text(values.get("aws_secret_access_key"))
        ):
            continue
        if text(values.get("aws_session_token")) or text(values.get("aws_security_token")):
            continue
        location = at_line(
            document.path, document.sections[section_name].options["aws_secret_access_key"].first
        )
        in_credentials = document is shared.credentials
        fix = (
            f"credo migrate --profile {profile}"
            if in_credentials
            else f"credo add {profile} (then delete the keys from the file)"
        )
        if keychain is None:
            found.append(
                Finding(
                    "note",
                    "plaintext-keys",
                    "a long-term secret key is kept in plain text, and no keychain is available here",
                    "on a headless machine: export CREDO_KEYRING_BACKEND=file, then " + fix,
                    profile,
                    location,
                )
            )
        else:
            found.append(
                Finding(
                    "warning",
                    "plaintext-keys",
                    f"a long-term secret key is kept in plain text while {keychain} could hold it",
                    fix,
                    profile,
                    location,
                )
            )
    return found


def expired_file_sessions(shared: SharedConfig, scope: set[str], now: datetime) -> list[Finding]:
    found: list[Finding] = []
    for profile, values in shared.credential_profiles().items():
        expires = text(values.get("x_security_token_expires"))
        if profile not in scope or expires is None or not text(values.get("aws_session_token")):
            continue
        try:
            moment = datetime.fromisoformat(expires.replace("Z", "+00:00"))
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        if moment <= now:
            found.append(
                Finding(
                    "error",
                    "expired-session",
                    f"the session in the credentials file expired at {expires}",
                    f"sign in again (credo login oidc|saml --profile {profile}, or credo configure mfa-login)",
                    profile,
                    where(shared, profile, "x_security_token_expires"),
                )
            )
    return found


def file_modes(shared: SharedConfig) -> list[Finding]:
    found: list[Finding] = []
    for document, holds_secrets in ((shared.credentials, True), (shared.config, _has_keys(shared.config))):
        try:
            mode = stat.S_IMODE(os.stat(document.path).st_mode)
        except OSError:
            continue
        fix = f"chmod 600 {document.path}"
        if mode & 0o022:
            found.append(
                Finding(
                    "error",
                    "file-mode",
                    f"{document.path} is writable by group or others (mode {mode:04o}): "
                    "anyone who can write it can make your tools run their credential_process",
                    fix,
                    None,
                    document.path,
                )
            )
        elif mode & 0o044:
            severity: Severity = "error" if holds_secrets else "warning"
            found.append(
                Finding(
                    severity,
                    "file-mode",
                    f"{document.path} is readable by group or others (mode {mode:04o})",
                    fix,
                    None,
                    document.path,
                )
            )
    return found


def _has_keys(document: IniDocument) -> bool:
    return any("aws_secret_access_key" in section.options for section in document.sections.values())
