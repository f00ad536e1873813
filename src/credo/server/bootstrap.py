"""Start-up: open the store, migrate it, load the master key, create the first account and the
Identity Center instance it owns."""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from credo import keyring as keyrings
from credo.audit.trail import AuditTrail
from credo.auth.authorizer import Authorizer
from credo.auth.credentials import CredentialResolver
from credo.auth.key_usage import KeyUsage
from credo.call import Services
from credo.clock import Clock
from credo.iam import accounts
from credo.settings import DEV_ACCOUNT_ID, DEV_ROOT_ACCESS_KEY_ID, DEV_ROOT_SECRET_ACCESS_KEY, Settings
from credo.sso.instances import ensure_instance
from credo.store.db import Store
from credo.store.migrate import upgrade
from credo.store.page_cache import PageCache
from credo.sts.tokens import SessionTokenKeys

# Dev mode is throwaway and its root keys are public; a fixed master key lets several dev
# processes share one store.
_DEV_MASTER_KEY = hashlib.sha256(b"credo dev-mode master key: not a secret").digest()


def effective_settings(settings: Settings) -> Settings:
    """Dev mode's defaults: account 123456789012, keys test/test.

    Dev mode needs its data dir given (``throwaway_data_dir`` makes one): falling back to the
    real default one would let ``POST /_credo/reset`` wipe a real store.
    """
    if not settings.dev:
        return settings
    if settings.data_dir is None:
        raise ValueError("dev mode needs a data dir: give one, or use throwaway_data_dir()")
    return settings.with_overrides(
        account_id=settings.account_id or DEV_ACCOUNT_ID,
        root_access_key_id=settings.root_access_key_id or DEV_ROOT_ACCESS_KEY_ID,
        root_secret_access_key=settings.root_secret_access_key or DEV_ROOT_SECRET_ACCESS_KEY,
    )


@contextlib.contextmanager
def throwaway_data_dir(settings: Settings) -> Iterator[Settings]:
    """Dev mode without a data dir: a temporary one for the block, removed when the block ends.

    Removal runs however the block ends, normally or by an exception; the caller turns the
    signals that stop a server into exceptions (see ``credo.cli.server_commands``). A data dir
    that was given is the caller's, and stays.
    """
    if not settings.dev or settings.data_dir is not None:
        yield settings
        return
    path = Path(tempfile.mkdtemp(prefix="credo-dev-"))
    try:
        yield settings.with_overrides(data_dir=path)
    finally:
        shutil.rmtree(path, ignore_errors=True)


def open_services(
    settings: Settings,
    *,
    warn: Callable[[str], None] | None = None,
    deliver: Callable[[accounts.RootCredentials], None] | None = None,
    migrate: bool = True,
) -> tuple[Services, accounts.RootCredentials | None]:
    """Everything a server process needs; the root credentials if this start created the account.

    ``warn`` receives one line per permission fixed (see ``secure_data_dir``); ``deliver``
    receives the new account's root credentials before the account is committed, so a failure
    to hand them over (an existing ``--credentials-file``) leaves no account whose key nobody has.
    ``migrate``: bring the schema up to date first (false for a worker of ``--workers N``:
    its keeper did at start, and the schema is the operator's business after that).
    """
    accounts.check_root_key_pair(settings.root_access_key_id, settings.root_secret_access_key)
    for line in secure_data_dir(settings):
        if warn is not None:
            warn(line)
    store = Store(settings.effective_database_url)
    if migrate:
        try:
            upgrade(store)
        except BaseException:
            store.dispose()
            raise
    keyring = configured_keyring(settings)
    with store.read() as conn:
        accounts.check_master_key(conn, keyring)
    clock = Clock()
    usage = KeyUsage(store)
    services = Services(
        settings=settings,
        store=store,
        keyring=keyring,
        clock=clock,
        credentials=CredentialResolver(store, keyring, clock, session_token_keys(keyring)),
        usage=usage,
        authorizer=Authorizer(store),
        audit=AuditTrail(store, clock, usage, settings.audit_retention_days, settings.audit_backlog),
        pages=PageCache(store),
    )
    try:
        created = ensure_first_account(services, deliver)
        ensure_instance(store, clock)
        return services, created
    except BaseException:
        store.dispose()
        raise


def configured_keyring(settings: Settings, *, create: bool = True) -> keyrings.Keyring:
    """The master keys: dev mode's fixed one, else ``CREDO_MASTER_KEY`` or ``master.key``."""
    if settings.dev and not settings.master_key:
        return keyrings.Keyring(_DEV_MASTER_KEY)
    return keyrings.load_keyring(settings.effective_data_dir, settings.master_key, create=create)


def session_token_keys(keyring: keyrings.Keyring) -> SessionTokenKeys:
    """Session token keys that follow the keyring: new keys when ``master.key`` changes, and a
    look at the file when a token names a key not held yet (another process rotated first)."""
    tokens = SessionTokenKeys(keyring.masters[0], tuple(keyring.masters[1:]), refresh=keyring.refresh)
    keyring.on_change(lambda changed: tokens.use(changed.masters[0], tuple(changed.masters[1:])))
    return tokens


def secure_data_dir(settings: Settings) -> list[str]:
    """Owner-only modes on the data dir (0700) and ``master.key`` (0600) when credo keeps them.

    New ones are created so; an existing data dir made 0755 (by hand, by a package) would
    otherwise stay open. The data dir is only touched when credo keeps its SQLite store or
    master key there. One warning line per change, or per mode that could not be changed.
    """
    key_in_file = not settings.master_key and not settings.dev
    if not key_in_file and settings.database_url is not None:
        return []
    data_dir = settings.effective_data_dir
    found = [keyrings.restrict_to_owner(data_dir)]
    if key_in_file:
        found.append(keyrings.restrict_to_owner(data_dir / keyrings.MASTER_KEY_FILE))
    return [line for line in found if line is not None]


def ensure_first_account(
    services: Services, deliver: Callable[[accounts.RootCredentials], None] | None = None
) -> accounts.RootCredentials | None:
    """Create the first account on an empty store; ``None`` when one exists already.

    ``deliver`` runs inside the transaction that creates the account: if it raises, nothing
    is created.
    """
    settings = services.settings
    with services.store.write() as conn:
        if accounts.has_accounts(conn):
            return None
        created = accounts.create_account(
            conn,
            services.keyring,
            services.clock.now(),
            account_id=settings.account_id,
            root_access_key_id=settings.root_access_key_id,
            root_secret_access_key=settings.root_secret_access_key,
        )
        if deliver is not None:
            deliver(created)
        return created


def reset(services: Services) -> None:
    """Dev mode: every row gone, the clock back to real time, the dev account as on first start."""
    with services.store.write() as conn:
        accounts.wipe(conn)
    services.audit.discard_pending()
    services.clock.reset()
    ensure_first_account(services)
    ensure_instance(services.store, services.clock)
