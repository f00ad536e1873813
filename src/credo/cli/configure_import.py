"""``credo configure import --csv``: access keys from the CSV files IAM hands out.

Two shapes are accepted. The aws CLI's: ``User Name,Access key ID,Secret access key`` (one
profile per row, named after the user). And the key-only file the IAM console downloads
(``Access key ID,Secret access key``), which aws CLI rejects (aws-cli#7753); its single row
goes to ``--profile``. Every row is checked before anything is written.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass

import click

from credo.cli.failures import exit_with, guarded
from credo.client.shared_config import SharedConfig

USER_NAME = "User Name"
ACCESS_KEY_ID = "Access key ID"
SECRET_ACCESS_KEY = "Secret access key"

_ACCESS_KEY_RE = re.compile(r"^[A-Z0-9]{16,128}$")
_PROFILE_FORBIDDEN = re.compile(r"[\s\[\]\"'#;]")


@dataclass(frozen=True)
class ImportedKey:
    """One row that passed validation."""

    profile: str
    access_key_id: str
    secret_access_key: str


def is_access_key_id(text: str) -> bool:
    """Whether ``text`` has the shape of an access key ID (16-128 capital letters and digits)."""
    return bool(_ACCESS_KEY_RE.match(text))


def is_profile_name(name: str) -> bool:
    """Whether ``name`` can be a profile: no spaces, brackets, quotes, ``#`` or ``;``."""
    return bool(name) and not _PROFILE_FORBIDDEN.search(name)


class CsvImportError(Exception):
    """A CSV that cannot be imported; the message names the row and column."""


def read_csv_argument(argument: str) -> str:
    """``file://PATH`` is read from disk; anything else is the CSV text itself."""
    if argument.startswith("file://"):
        path = os.path.expanduser(argument.removeprefix("file://"))
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                return handle.read()
        except UnicodeDecodeError as error:
            raise CsvImportError(f"{path} is not UTF-8 text") from error
        except OSError as error:
            raise CsvImportError(f"cannot read {path}: {error.strerror}") from error
    return argument.removeprefix("\ufeff")


def _columns(header: list[str]) -> dict[str, int]:
    wanted = {name.lower(): name for name in (USER_NAME, ACCESS_KEY_ID, SECRET_ACCESS_KEY)}
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        canonical = wanted.get(title.strip().lower())
        if canonical is not None and canonical not in found:
            found[canonical] = index
    for required in (ACCESS_KEY_ID, SECRET_ACCESS_KEY):
        if required not in found:
            raise CsvImportError(f'CSV header (row 1) lacks the column "{required}"')
    return found


def _check_row(row: list[str], columns: dict[str, int], prefix: str, profile: str) -> ImportedKey:
    values: dict[str, str] = {}
    for name, index in columns.items():
        if index >= len(row) or not row[index].strip():
            raise CsvImportError(f'column "{name}" is empty')
        values[name] = row[index].strip()
    key = values[ACCESS_KEY_ID]
    if not _ACCESS_KEY_RE.match(key):
        raise CsvImportError(f'column "{ACCESS_KEY_ID}" is not an access key ID: {key!r}')
    if any(char.isspace() for char in values[SECRET_ACCESS_KEY]):
        raise CsvImportError(f'column "{SECRET_ACCESS_KEY}" contains whitespace')
    name = prefix + values[USER_NAME] if USER_NAME in columns else profile
    if _PROFILE_FORBIDDEN.search(name):
        where = f'column "{USER_NAME}"' if USER_NAME in columns else "--profile"
        raise CsvImportError(f"{where} gives profile name {name!r}, which may not hold spaces, []\"'#;")
    return ImportedKey(name, key, values[SECRET_ACCESS_KEY])


def parse_credentials_csv(
    text: str, *, profile: str, prefix: str = "", skip_invalid: bool = False
) -> tuple[list[ImportedKey], list[str]]:
    """Validate every row; returns the keys to import and (with ``skip_invalid``) the skips."""
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline="")) if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise CsvImportError(f"CSV is malformed: {error}") from error
    if not rows:
        raise CsvImportError("CSV is empty")
    columns = _columns(rows[0])
    if len(rows) == 1:
        raise CsvImportError("CSV has a header but no rows of credentials")
    if USER_NAME not in columns and len(rows) > 2:
        raise CsvImportError(
            f'CSV without a "{USER_NAME}" column holds {len(rows) - 1} keys; one profile holds one key'
        )
    imported: list[ImportedKey] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for number, row in enumerate(rows[1:], start=2):
        try:
            key = _check_row(row, columns, prefix, profile)
            if key.profile in seen:
                raise CsvImportError(f'column "{USER_NAME}" repeats profile {key.profile!r}')
        except CsvImportError as error:
            if not skip_invalid:
                raise CsvImportError(f"CSV row {number}: {error}") from error
            skipped.append(f"Skipped CSV row {number}: {error}")
            continue
        seen.add(key.profile)
        imported.append(key)
    return imported, skipped


def store_keys(shared: SharedConfig, keys: list[ImportedKey]) -> None:
    """Each key into its profile of the credentials file (saved by the caller)."""
    for key in keys:
        shared.set_credential(key.profile, "aws_access_key_id", key.access_key_id)
        shared.set_credential(key.profile, "aws_secret_access_key", key.secret_access_key)
        # A token left from an earlier session would pair with the wrong key.
        shared.remove_credential(key.profile, "aws_session_token")


@click.command("import")
@click.option("--csv", "csv_argument", required=True, metavar="file://PATH|TEXT", help="The CSV to import.")
@click.option("--skip-invalid", is_flag=True, help="Skip invalid rows instead of failing.")
@click.option("--profile-prefix", default="", help="Prefix for the profile names made from user names.")
@click.option("--profile", default=None, metavar="NAME", help="Profile for a CSV without user names.")
@click.pass_context
@guarded
def import_command(
    ctx: click.Context, csv_argument: str, skip_invalid: bool, profile_prefix: str, profile: str | None
) -> None:
    """Import access keys from an IAM CSV into the credentials file."""
    from credo.cli.configure import chosen_profile, load_and_warn
    from credo.client.shared_config import effective_profile

    target = effective_profile(chosen_profile(ctx, profile))
    try:
        keys, skipped = parse_credentials_csv(
            read_csv_argument(csv_argument), profile=target, prefix=profile_prefix, skip_invalid=skip_invalid
        )
    except CsvImportError as error:
        exit_with(str(error))
    for message in skipped:
        click.echo(message, err=True)
    shared = load_and_warn()
    store_keys(shared, keys)
    shared.save()
    click.echo(f"Successfully imported {len(keys)} profile(s)")
