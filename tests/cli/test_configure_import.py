"""``credo configure import --csv``: aws CLI's CSV and the IAM console's key-only CSV."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.cli.conftest import AwsFiles, Result

Run = Callable[..., Result]
KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

GOOD = [
    (
        f"User Name,Access key ID,Secret access key\nalice,{KEY},{SECRET}\n",
        [],
        f"[alice]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n",
        1,
    ),
    (
        f"\ufeffuser name,ACCESS KEY ID,secret access key,Console login link\n"
        f'alice,{KEY},"{SECRET}",https://x\nbob,AKIABOBBOBBOBBOB0001,bobsecret,\n',
        ["--profile-prefix", "team-"],
        f"[team-alice]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n"
        "[team-bob]\naws_access_key_id = AKIABOBBOBBOBBOB0001\naws_secret_access_key = bobsecret\n",
        2,
    ),
    (
        f"Access key ID,Secret access key\r\n{KEY},{SECRET}\r\n",
        [],
        f"[default]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n",
        1,
    ),
    (
        f"Access key ID,Secret access key\n{KEY},{SECRET}\n",
        ["--profile", "console"],
        f"[console]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n",
        1,
    ),
]


@pytest.mark.parametrize(("csv_text", "args", "credentials", "count"), GOOD)
@pytest.mark.parametrize("source", ["file", "literal"])
def test_import_writes_profiles(
    aws_files: AwsFiles,
    credo: Run,
    tmp_path: Path,
    csv_text: str,
    args: list[str],
    credentials: str,
    count: int,
    source: str,
) -> None:
    """Rows become credentials-file profiles; headers are case-insensitive, the BOM is dropped."""
    if source == "file":
        path = tmp_path / "keys.csv"
        path.write_bytes(csv_text.encode())
        argument = f"file://{path}"
    else:
        argument = csv_text
    result = credo("configure", "import", "--csv", argument, *args)
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"Successfully imported {count} profile(s)\n",
        "",
    )
    assert aws_files.read() == (None, credentials)


def test_import_updates_existing_profile(aws_files: AwsFiles, credo: Run, tmp_path: Path) -> None:
    """Importing into an existing profile replaces its keys, drops a stale token, keeps the rest."""
    path = tmp_path / "keys.csv"
    path.write_text(f"User Name,Access key ID,Secret access key\nalice,{KEY},{SECRET}\n")
    aws_files.write(None, "# mine\n[alice]\nregion = x\naws_session_token = stale\n\n[bob]\n")
    assert credo("configure", "import", "--csv", f"file://{path}").returncode == 0
    assert aws_files.read()[1] == (
        f"# mine\n[alice]\nregion = x\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n\n[bob]\n"
    )


BAD = [
    ("", "CSV is empty"),
    ("User Name,Access key ID\nalice,AKIA\n", 'CSV header (row 1) lacks the column "Secret access key"'),
    ("Access key ID,Secret access key\n", "CSV has a header but no rows of credentials"),
    (
        f"User Name,Access key ID,Secret access key\nalice,{KEY},{SECRET}\nbob,,secret\n",
        'CSV row 3: column "Access key ID" is empty',
    ),
    (
        f"User Name,Access key ID,Secret access key\nalice,{KEY}\n",
        'CSV row 2: column "Secret access key" is empty',
    ),
    (
        "User Name,Access key ID,Secret access key\nalice,not-a-key,s\n",
        "CSV row 2: column \"Access key ID\" is not an access key ID: 'not-a-key'",
    ),
    (
        f'User Name,Access key ID,Secret access key\nalice,{KEY},"a b"\n',
        'CSV row 2: column "Secret access key" contains whitespace',
    ),
    (
        f"User Name,Access key ID,Secret access key\nal ice,{KEY},s\n",
        "CSV row 2: column \"User Name\" gives profile name 'al ice', which may not hold spaces, []\"'#;",
    ),
    (
        f"User Name,Access key ID,Secret access key\nalice,{KEY},s\nalice,{KEY},t\n",
        "CSV row 3: column \"User Name\" repeats profile 'alice'",
    ),
    (
        f"Access key ID,Secret access key\n{KEY},s\n{KEY},t\n",
        'CSV without a "User Name" column holds 2 keys; one profile holds one key',
    ),
    (f'User Name,Access key ID,Secret access key\n"alice,{KEY},s\n', None),
]


@pytest.mark.parametrize(("csv_text", "message"), BAD)
def test_import_rejects_bad_csv_before_writing(
    aws_files: AwsFiles, credo: Run, csv_text: str, message: str | None
) -> None:
    """Any invalid row fails the whole import (exit 255), naming row and column; nothing is written."""
    aws_files.write(None, "[keep]\naws_access_key_id = AKIAKEEPKEEPKEEP0000\n")
    result = credo("configure", "import", "--csv", csv_text)
    assert result.returncode == 255
    if message is not None:
        assert result.stderr == message + "\n"
    assert result.stdout == ""
    assert aws_files.read() == (None, "[keep]\naws_access_key_id = AKIAKEEPKEEPKEEP0000\n")


def test_import_skip_invalid(aws_files: AwsFiles, credo: Run) -> None:
    """--skip-invalid imports the good rows and reports each skipped one on stderr."""
    csv_text = f"User Name,Access key ID,Secret access key\nalice,{KEY},s\nbob,,t\n"
    result = credo("configure", "import", "--csv", csv_text, "--skip-invalid")
    assert result.returncode == 0
    assert result.stdout == "Successfully imported 1 profile(s)\n"
    assert result.stderr == 'Skipped CSV row 3: column "Access key ID" is empty\n'
    assert aws_files.read()[1] == f"[alice]\naws_access_key_id = {KEY}\naws_secret_access_key = s\n"


def test_import_missing_file(credo: Run, tmp_path: Path) -> None:
    """An unreadable file:// path is one error line and exit 255."""
    result = credo("configure", "import", "--csv", f"file://{tmp_path}/nope.csv")
    assert (result.returncode, result.stderr) == (
        255,
        f"cannot read {tmp_path}/nope.csv: No such file or directory\n",
    )
