"""All of ``credo doctor``'s checks, over the profiles asked about (one profile and its sources, or all)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from credo.client.aws_calls import CallerKeys
from credo.client.doctor import environment_checks, file_checks, profile_checks, server_checks
from credo.client.doctor.findings import ORDER, Finding
from credo.client.doctor.keychain_checks import keychain_findings
from credo.client.keychain import Keychain
from credo.client.profile_sources import source_of
from credo.client.resolver import ResolveError, chain_of
from credo.client.secret_store import BACKEND_VARIABLE, KeychainError
from credo.client.shared_config import SharedConfig, region_of
from credo.client.terminal import NoTerminal


def scope_of(shared: SharedConfig, profile: str | None) -> set[str]:
    """Every profile, or ``profile`` and the profiles its ``source_profile`` chain goes through."""
    if profile is None:
        return set(shared.profile_names())
    scope = {profile}
    name = profile
    while True:
        source = file_checks.text((shared.profile(name) or {}).get("source_profile"))
        if source is None or source in scope:
            return scope
        scope.add(source)
        name = source


def available_keychain(environ: Mapping[str, str]) -> str | None:
    """The keychain that could hold long-term keys here, described; None when there is none."""
    if (environ.get(BACKEND_VARIABLE) or "os").strip().lower() == "file":
        return f"credo's encrypted keychain file ({BACKEND_VARIABLE}=file)"
    from credo.client.secret_store import OsKeychain

    try:
        return f"the {OsKeychain.detect().description}"
    except KeychainError:
        return None


def _keys_of(
    shared: SharedConfig, name: str, keychain: Keychain | None
) -> tuple[CallerKeys, str | None] | None:
    """The credentials ``name`` holds itself (in a file or the keychain), and where; None for roles and others."""
    config, credentials = shared.config_profiles().get(name, {}), shared.credential_profiles().get(name, {})
    source = source_of(config, credentials)
    if source.kind == "keychain" and keychain is not None:
        key = keychain.keys(source.detail)
        return (key.as_caller(), keychain.store.description) if key is not None else None
    if source.kind != "file":
        return None
    holder = credentials if source.detail.startswith("credentials") else config
    key_id, secret = (
        file_checks.text(holder.get("aws_access_key_id")),
        file_checks.text(holder.get("aws_secret_access_key")),
    )
    if key_id is None or secret is None:
        return None
    token = file_checks.text(holder.get("aws_session_token")) or file_checks.text(
        holder.get("aws_security_token")
    )
    return CallerKeys(key_id, secret, token), file_checks.where(shared, name, "aws_access_key_id")


def _keychain_part(
    shared: SharedConfig, scope: set[str], open_keychain: Callable[[], Keychain], now: datetime
) -> tuple[Keychain | None, list[Finding]]:
    key_profiles, session_profiles = [], []
    for name in sorted(scope):
        source = source_of(shared.config_profiles().get(name, {}), shared.credential_profiles().get(name, {}))
        if source.kind == "keychain":
            key_profiles.append(source.detail)
        try:
            if chain_of(shared, name) is not None:
                session_profiles.append(name)
        except ResolveError:
            continue  # a broken chain: the profile checks name it
    if not key_profiles:
        return None, []
    try:
        keychain = open_keychain()
        return keychain, keychain_findings(keychain, sorted(set(key_profiles)), session_profiles, now)
    except (KeychainError, NoTerminal) as error:
        note = Finding(
            "note",
            "keychain",
            f"the keychain was not opened, so its keys and sessions were not checked: {error}",
            f"run credo doctor on a terminal, or set {BACKEND_VARIABLE} and CREDO_KEYRING_PASSPHRASE",
        )
        return None, [note]


def _server_part(shared: SharedConfig, scope: set[str], keychain: Keychain | None) -> list[Finding]:
    from credo.client.sts_calls import sts_endpoint

    by_endpoint: dict[str, list[str]] = {}
    for name in sorted(scope):
        try:
            endpoint = sts_endpoint(name, region_of(shared.profile(name) or {}))
        except Exception:  # noqa: S112 - botocore refusing the profile is what the file checks report
            continue
        if not server_checks.is_aws(endpoint):
            by_endpoint.setdefault(endpoint, []).append(name)
    found: list[Finding] = []
    for endpoint, names in sorted(by_endpoint.items()):
        probed = server_checks.probe(endpoint)
        found.extend(server_checks.endpoint_findings(probed, names))
        if not probed.answered or abs(probed.skew_seconds or 0) > server_checks.SKEW_SIGV4:
            continue
        for name in names:
            held = _keys_of(shared, name, keychain)
            if held is not None:
                refused = server_checks.keys_finding(
                    name, held[0], region_of(shared.profile(name) or {}), held[1]
                )
                found.extend([refused] if refused is not None else [])
    return found


def diagnose(
    shared: SharedConfig,
    environ: Mapping[str, str],
    profile: str | None,
    now: datetime,
    open_keychain: Callable[[], Keychain],
) -> list[Finding]:
    """Every finding, errors first."""
    scope = scope_of(shared, profile)
    found = [
        *file_checks.unknown_keys(shared, scope),
        *profile_checks.role_settings(shared, scope),
        *profile_checks.mfa_serials(shared, scope),
        *file_checks.plaintext_keys(shared, scope, available_keychain(environ)),
        *file_checks.expired_file_sessions(shared, scope, now),
        *file_checks.file_modes(shared),
        *environment_checks.environment(shared, environ, profile),
    ]
    keychain, from_keychain = _keychain_part(shared, scope, open_keychain, now)
    found += from_keychain
    found += _server_part(shared, scope, keychain)
    return sorted(found, key=lambda finding: (ORDER[finding.severity], finding.profile or "", finding.check))
