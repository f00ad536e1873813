"""``credo keys``: the master keys that seal the store's secrets — status, rotation, retirement.

``rotate-master`` writes a new key at the head of ``master.key`` (the old ones stay after it, so
everything sealed before still opens), waits for running servers to read the file (they look
again at most once a second: ``credo.keyring``), then re-seals every secret under the new key.
No server needs a restart. ``retire-old`` later drops the old keys from the file, once nothing
in the store is sealed under them. With ``CREDO_MASTER_KEY`` the keys live in the servers'
environment, which no command can rewrite: docs/deploy.md gives the procedure, with ``reseal``.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import click

from credo.cli.server_commands import _settings, store_options
from credo.keyring import RECHECK_SECONDS, Keyring, KeyringError, MasterKeyFile, key_id_of
from credo.settings import Settings
from credo.store.db import Store


@click.group()
def keys() -> None:
    """The master keys that seal secrets at rest: status, rotate-master, reseal, retire-old."""


def _open(data_dir: Path | None, database_url: str | None) -> tuple[Settings, Store, Keyring]:
    from credo.iam.accounts import BootstrapError, check_master_key
    from credo.server.bootstrap import configured_keyring
    from credo.store.migrate import upgrade

    settings = _settings(data_dir=data_dir, database_url=database_url)
    if settings.dev:
        raise click.ClickException("a dev store's master key is fixed and public: there is nothing to rotate")
    try:
        keyring = configured_keyring(settings, create=False)
    except KeyringError as error:
        raise click.ClickException(str(error)) from None
    store = Store(settings.effective_database_url)
    try:
        upgrade(store)
        with store.read() as conn:
            check_master_key(conn, keyring)
    except BootstrapError as error:
        store.dispose()
        raise click.ClickException(str(error)) from None
    return settings, store, keyring


def _key_file(settings: Settings) -> MasterKeyFile:
    if settings.master_key:
        raise click.ClickException(
            "the master keys come from CREDO_MASTER_KEY, which this command cannot rewrite: "
            "follow docs/deploy.md (master key rotation with CREDO_MASTER_KEY)"
        )
    return MasterKeyFile(settings.effective_data_dir / "master.key")


def _print_status(store: Store, keyring: Keyring) -> None:
    from credo.server.rekey import count_by_key

    counts = count_by_key(store)
    for index, key_id in enumerate(keyring.key_ids):
        role = "current" if index == 0 else "older"
        click.echo(f"{key_id}  {role:7}  {counts.pop(key_id, 0)} secrets")
    for key_id, count in sorted(counts.items()):
        click.echo(f"{key_id}  MISSING  {count} secrets sealed under a key that is not configured")


@keys.command()
@store_options
def status(data_dir: Path | None, database_url: str | None) -> None:
    """The master keys configured (current first) and how many secrets each seals."""
    _, store, keyring = _open(data_dir, database_url)
    try:
        _print_status(store, keyring)
    finally:
        store.dispose()


@keys.command("rotate-master")
@store_options
def rotate_master(data_dir: Path | None, database_url: str | None) -> None:
    """Make a new master key current and re-seal every secret under it, without downtime.

    The old keys stay in master.key, so running servers and anything sealed meanwhile keep
    working; drop them later with `credo keys retire-old`.
    """
    settings, store, keyring = _open(data_dir, database_url)
    try:
        key_file = _key_file(settings)
        with key_file.locked():
            old = key_file.read()  # as it is now, should another rotation have just ended
            new = secrets.token_bytes(32)
            key_file.write([new, *old])
            click.echo(
                f"master.key: new current key {key_id_of(new)}; kept: {', '.join(map(key_id_of, old))}"
            )
            # Servers look at the file again before they seal, and when they meet an unknown
            # key id, at most once per RECHECK_SECONDS: past that, none can miss the new key.
            time.sleep(2 * RECHECK_SECONDS)
            keyring.refresh(now=True)
            _reseal(store, keyring)
    finally:
        store.dispose()


@keys.command()
@store_options
def reseal(data_dir: Path | None, database_url: str | None) -> None:
    """Re-seal every secret sealed under an older key with the current one."""
    _, store, keyring = _open(data_dir, database_url)
    try:
        _reseal(store, keyring)
    finally:
        store.dispose()


@keys.command("retire-old")
@store_options
def retire_old(data_dir: Path | None, database_url: str | None) -> None:
    """Re-seal what is left under older keys, then remove them from master.key.

    Temporary credentials (session tokens) and console cookies made under an older key stop
    working: wait for them to expire (36 hours at most) unless the old key leaked.
    """
    settings, store, keyring = _open(data_dir, database_url)
    try:
        key_file = _key_file(settings)
        with key_file.locked():
            keyring.refresh(now=True)
            _retire(store, keyring, key_file)
    finally:
        store.dispose()


def _retire(store: Store, keyring: Keyring, key_file: MasterKeyFile) -> None:
    if len(keyring.masters) == 1:
        click.echo(f"only the current key {keyring.current_id} is configured: nothing to retire")
        return
    if not _reseal(store, keyring):
        raise click.ClickException("some secrets did not open: no key was retired")
    from credo.server.rekey import count_by_key

    left = {key_id: count for key_id, count in count_by_key(store).items() if key_id != keyring.current_id}
    if left:
        raise click.ClickException(
            f"secrets are still sealed under {', '.join(sorted(left))} (a server still sealing "
            "under an old key?): no key was retired; run it again"
        )
    retired = keyring.key_ids[1:]
    key_file.write([keyring.masters[0]])
    click.echo(f"retired {', '.join(retired)}; master.key holds only {keyring.current_id}")


def _reseal(store: Store, keyring: Keyring) -> bool:
    """Re-seal and report; whether every secret opened."""
    from credo.server.rekey import reseal as reseal_all

    report = reseal_all(store, keyring, progress=click.echo)
    click.echo(f"re-sealed {report.total} secrets under {keyring.current_id}")
    if report.unopened:
        names = sorted({name for name, _ in report.unopened})
        click.echo(
            f"warning: {len(report.unopened)} secrets ({', '.join(names)}) are sealed under a key "
            "that is not configured and were left as they are",
            err=True,
        )
    _print_status(store, keyring)
    return not report.unopened
