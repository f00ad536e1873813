"""``credo list``: every profile, where its credentials come from, and its cached session's expiry.

Sources are named as botocore's chain would pick them for the profile: ``keychain`` (credo),
``saml`` (credo's SAML login through ``credential_process``), ``role``, ``sso``,
``web-identity``, ``file`` (plaintext keys), ``process`` (another ``credential_process``),
``none``. The session column is for profiles credo resolves: the
expiry of the session it would re-use, ``expired``, or ``-``. The keychain is opened only
when some profile needs it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import click

from credo.cli.configure import load_and_warn
from credo.cli.keychain_failures import keychain_guarded
from credo.client.keychain import Keychain, open_keychain
from credo.client.profile_sources import source_of
from credo.client.resolver import ResolveError, Resolver
from credo.client.saml_sessions import SamlSessions, saml_profile
from credo.client.secret_store import KeychainError
from credo.client.shared_config import SharedConfig, mask


@dataclass(frozen=True)
class Row:
    profile: str
    source: str
    detail: str
    session_expiration: str | None
    session: str


def _remaining(expiration: datetime, now: datetime) -> str:
    seconds = int((expiration - now).total_seconds())
    if seconds <= 0:
        return "expired"
    hours, minutes = divmod(seconds // 60, 60)
    return f"expires {expiration.strftime('%Y-%m-%dT%H:%M:%SZ')} (in {hours}h{minutes:02d}m)"


def _keychain_row(resolver: Resolver, name: str, kind: str, detail: str, now: datetime) -> Row:
    try:
        chain = resolver.chain(name)
    except ResolveError as error:
        return Row(name, kind, f"{detail} ({error})", None, "-")
    if chain is None:
        return Row(name, kind, detail, None, "-")
    key = resolver.keychain.keys(chain.key_profile)
    if key is None:
        return Row(
            name, kind, f"{detail} (no key in the keychain: credo add {chain.key_profile})".strip(), None, "-"
        )
    if kind == "keychain":
        detail = mask(key.access_key_id)
    cached = resolver.cached(name)
    if cached is None:
        return Row(name, kind, detail, None, "-")
    expiration = cached.credentials.expiration
    return Row(name, kind, detail, expiration.isoformat(), _remaining(expiration, now))


def _saml_row(shared: SharedConfig, keychain: Keychain, name: str, detail: str, now: datetime) -> Row:
    try:
        profile = saml_profile(shared, name)
    except ResolveError as error:
        return Row(name, "saml", f"{detail} ({error})", None, "-")
    cached = SamlSessions(keychain).stored(profile) if profile is not None else None
    if cached is None:
        return Row(name, "saml", detail, None, "-")
    return Row(name, "saml", detail, cached.expiration.isoformat(), _remaining(cached.expiration, now))


def rows(shared: SharedConfig, keychain: Keychain | None) -> list[Row]:
    found: list[Row] = []
    now = datetime.now(UTC)
    resolver = Resolver(shared, keychain) if keychain is not None else None
    for name in shared.profile_names():
        source = source_of(shared.config_profiles().get(name, {}), shared.credential_profiles().get(name, {}))
        if resolver is not None and source.kind in ("keychain", "role"):
            found.append(_keychain_row(resolver, name, source.kind, source.detail, now))
        elif keychain is not None and source.kind == "saml":
            found.append(_saml_row(shared, keychain, name, source.detail, now))
        else:
            found.append(Row(name, source.kind, source.detail, None, "-"))
    return found


def _needs_keychain(shared: SharedConfig) -> bool:
    return any(
        source_of(shared.config_profiles().get(name, {}), shared.credential_profiles().get(name, {})).kind
        in ("keychain", "saml")
        for name in shared.profile_names()
    )


@click.command("list")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@keychain_guarded
def list_command(output: str) -> None:
    """List profiles, where each one's credentials come from, and cached session expiry."""
    shared = load_and_warn()
    keychain: Keychain | None = None
    if _needs_keychain(shared):
        try:
            keychain = open_keychain()
            keychain.keys("")  # opens a file keychain now, so a wrong passphrase is said once
        except KeychainError as error:
            click.echo(f"warning: {error}", err=True)
            keychain = None
    table = rows(shared, keychain)
    if output == "json":
        click.echo(json.dumps({"Profiles": [asdict(row) for row in table]}, indent=2))
        return
    header = ("PROFILE", "CREDENTIALS", "SESSION", "DETAIL")
    cells = [header, *((row.profile, row.source, row.session, row.detail) for row in table)]
    widths = [max(len(cell[column]) for cell in cells) for column in range(3)]
    for cell in cells:
        line = "  ".join(text.ljust(width) for text, width in zip(cell, widths, strict=False))
        click.echo(f"{line}  {cell[3]}".rstrip())
