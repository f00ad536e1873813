"""Every sealed secret in the store, and moving them all under the current master key.

Each sealed column sits beside the id of the key that sealed it (``credo.keyring``) and is
bound to its row by associated data; ``SEALED_COLUMNS`` names each one with that binding.
``reseal`` opens every secret sealed under another key and seals it again under the current
one, in small transactions that change nothing else and do not mark the store changed
(caches hold plaintexts, which do not change). A row changed meanwhile is left for the next
pass, as is a row a process still sealed under the old key: passes repeat until none is left.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Column, RowMapping, Table, and_, func, select, update

from credo.console.sessions import sealing_context as session_context
from credo.console.shown_once import sealing_context as shown_once_context
from credo.console.signin_tokens import sealing_context as signin_token_context
from credo.keyring import Keyring, KeyringError, Sealed
from credo.store.db import Store
from credo.store.schema import (
    access_keys,
    console_sessions,
    console_shown_once,
    console_signin_tokens,
    mfa_devices,
    saml_provider_keys,
    server_certificates,
    service_specific_credentials,
    sso_mfa_devices,
)

BATCH = 200
MAX_PASSES = 10


@dataclass(frozen=True)
class SealedColumn:
    """A column of sealed secrets: its key id column and what its rows bind as associated data."""

    name: str
    table: Table
    key_id: Column[str]
    sealed: Column[bytes]
    context: Callable[[RowMapping], str]


SEALED_COLUMNS = (
    SealedColumn(
        "access key secrets",
        access_keys,
        access_keys.c.secret_key_id,
        access_keys.c.secret_sealed,
        lambda row: str(row["id"]),
    ),
    SealedColumn(
        "MFA seeds",
        mfa_devices,
        mfa_devices.c.seed_key_id,
        mfa_devices.c.seed_sealed,
        lambda row: str(row["serial"]),
    ),
    SealedColumn(
        "service-specific credentials",
        service_specific_credentials,
        service_specific_credentials.c.secret_key_id,
        service_specific_credentials.c.secret_sealed,
        lambda row: str(row["id"]),
    ),
    SealedColumn(
        "server certificate private keys",
        server_certificates,
        server_certificates.c.private_key_key_id,
        server_certificates.c.private_key_sealed,
        lambda row: str(row["id"]),
    ),
    SealedColumn(
        "SAML provider private keys",
        saml_provider_keys,
        saml_provider_keys.c.key_key_id,
        saml_provider_keys.c.key_sealed,
        lambda row: str(row["id"]),
    ),
    SealedColumn(
        "console session tokens",
        console_sessions,
        console_sessions.c.base_key_id,
        console_sessions.c.base_sealed,
        lambda row: session_context(str(row["id"]), "base"),
    ),
    SealedColumn(
        "console switched-role tokens",
        console_sessions,
        console_sessions.c.role_key_id,
        console_sessions.c.role_sealed,
        lambda row: session_context(str(row["id"]), "role"),
    ),
    SealedColumn(
        "console sign-in tokens",
        console_signin_tokens,
        console_signin_tokens.c.token_key_id,
        console_signin_tokens.c.token_sealed,
        lambda row: signin_token_context(str(row["id"])),
    ),
    SealedColumn(
        "console shown-once secrets",
        console_shown_once,
        console_shown_once.c.value_key_id,
        console_shown_once.c.value_sealed,
        lambda row: shown_once_context(str(row["id"])),
    ),
    SealedColumn(
        "access portal MFA seeds",
        sso_mfa_devices,
        sso_mfa_devices.c.seed_key_id,
        sso_mfa_devices.c.seed_sealed,
        lambda row: str(row["serial"]),
    ),
)


@dataclass
class ResealReport:
    """What ``reseal`` did: secrets moved per column, and those it could not open."""

    moved: Counter[str] = field(default_factory=Counter)
    unopened: set[tuple[str, str]] = field(default_factory=set)  # (column name, row id)

    @property
    def total(self) -> int:
        return sum(self.moved.values())


def count_by_key(store: Store) -> Counter[str]:
    """How many secrets each master key id seals, over every sealed column."""
    counts: Counter[str] = Counter()
    with store.read() as conn:
        for column in SEALED_COLUMNS:
            query = (
                select(column.key_id, func.count()).where(column.key_id.is_not(None)).group_by(column.key_id)
            )
            for key_id, count in conn.execute(query):
                counts[str(key_id)] += int(count)
    return counts


def reseal(store: Store, keyring: Keyring, progress: Callable[[str], None] | None = None) -> ResealReport:
    """Seal every secret under the keyring's current key; passes repeat while rows remain."""
    report = ResealReport()
    for _ in range(MAX_PASSES):
        keyring.refresh()
        moved_this_pass = 0
        for column in SEALED_COLUMNS:
            moved = _reseal_column(store, keyring, column, report)
            moved_this_pass += moved
            if moved and progress is not None:
                progress(f"{column.name}: {moved} re-sealed under {keyring.current_id}")
        if moved_this_pass == 0:
            break
    return report


def _reseal_column(store: Store, keyring: Keyring, column: SealedColumn, report: ResealReport) -> int:
    table = column.table
    primary = table.c.id
    moved = 0
    after = ""  # rows are walked by id, so a row that cannot be opened is not read again
    while True:
        current = keyring.current_id
        query = (
            select(table)
            .where(column.key_id.is_not(None), column.key_id != current, primary > after)
            .order_by(primary)
            .limit(BATCH)
        )
        with store.write_quietly() as conn:
            rows = conn.execute(query).mappings().all()
            for row in rows:
                context = column.context(row).encode()
                old = Sealed(row[column.key_id.name], row[column.sealed.name])
                try:
                    plaintext = keyring.open(old, context)
                except KeyringError:
                    report.unopened.add((column.name, str(row["id"])))
                    continue
                new = keyring.seal(plaintext, context)
                changed = conn.execute(
                    update(table)
                    .where(
                        and_(
                            primary == row["id"],
                            column.key_id == old.key_id,
                            column.sealed == old.blob,
                        )
                    )
                    .values({column.key_id.name: new.key_id, column.sealed.name: new.blob})
                )
                if changed.rowcount == 1:
                    moved += 1
                    report.moved[column.name] += 1
        if len(rows) < BATCH:
            return moved
        after = str(rows[-1]["id"])
