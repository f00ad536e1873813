"""Property: the CLI's readers of hand-edited files fail only with their documented errors.

``config_files.parse_ini`` / ``read_ini`` (the shared ``config`` and ``credentials`` files)
raise ``ConfigFileError`` (and ``set_option`` ``ConfigValueError`` for a value that would span
lines); ``configure_import`` (IAM's CSV of access keys) raises
``CsvImportError``. Inputs are drawn from the files' own syntax (sections, keys, nested
values, comments, continuation lines, quotes) bent at random, from arbitrary text, and as
arbitrary bytes on disk (invalid UTF-8, a BOM).
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credo.cli.configure_import import CsvImportError, parse_credentials_csv, read_csv_argument
from credo.client.config_files import (
    ConfigFileError,
    ConfigValueError,
    parse_ini,
    read_ini,
    remove_option,
    set_option,
)
from credo.client.shared_config import SharedConfig
from tests.hostile.fuzzing import examples

INI_LINES = st.one_of(
    st.sampled_from(
        [
            "[default]",
            "[profile dev]",
            "[ profile  dev ]",
            "[profile 'a b']",
            '[profile "x]',
            "[services s3]",
            "[sso-session corp]",
            "[]",
            "[",
            "]",
            "region = us-east-1",
            "aws_access_key_id=AKIA",
            "s3 =",
            "    max_concurrent_requests = 10",
            "    no equals here",
            "\tindented = tab",
            "= value",
            ":",
            "key: value",
            "# comment",
            "; comment",
            "",
            "   ",
            "\x00",
            "\ufeff[default]",
            "key = value ; not a comment",
        ]
    ),
    st.text(st.characters(blacklist_categories=["Cs"]), max_size=20),
)
LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r", "\x0b", "\x1c", "\u2028"])
INI_TEXTS = st.one_of(
    st.lists(st.tuples(INI_LINES, LINE_ENDS), max_size=12).map(
        lambda lines: "".join(a + b for a, b in lines)
    ),
    st.text(max_size=80),
)
NAMES = st.sampled_from(["default", "dev", "profile dev", "services s3", "x y", "", " "])
KEYS = st.sampled_from(["region", "s3", "aws_access_key_id", "Region", "", " ", "a=b", "[x]"])
VALUES = st.one_of(
    st.text(max_size=12),
    st.dictionaries(
        st.sampled_from(["a", "b", "max_concurrent_requests", ""]), st.text(max_size=6), max_size=2
    ),
)


@settings(max_examples=examples(400), deadline=None)
@given(config=INI_TEXTS, credentials=INI_TEXTS, name=NAMES, key=KEYS, value=VALUES)
def test_ini_files_parse_or_raise_config_file_error(
    config: str, credentials: str, name: str, key: str, value: str | dict[str, str]
) -> None:
    """Any text is a document or ConfigFileError; editing raises only ConfigValueError besides."""
    try:
        shared = SharedConfig(parse_ini(config, "config"), parse_ini(credentials, "credentials"))
        for profile in shared.profile_names():
            shared.profile(profile)
        shared.services()
        shared.sso_sessions()
        edited = set_option(shared.config, name, key, value)
        remove_option(edited, name, key)
    except (ConfigFileError, ConfigValueError):
        pass


@settings(
    max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    content=st.one_of(
        st.binary(max_size=80), INI_TEXTS.map(lambda text: text.encode("utf-8", "surrogatepass"))
    )
)
def test_ini_files_on_disk_read_or_raise_config_file_error(content: bytes) -> None:
    """Any bytes in the file (invalid UTF-8, a BOM, NULs) are a document or ConfigFileError."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "config"
        path.write_bytes(content)
        with contextlib.suppress(ConfigFileError):
            read_ini(str(path))


CSV_CELLS = st.one_of(
    st.sampled_from(
        [
            "User Name",
            "Access key ID",
            "Secret access key",
            "access KEY id",
            "alice",
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "",
            " ",
            '"',
            '"quoted, cell"',
            "a\nb",
            "[x]",
            "\x00",
        ]
    ),
    st.text(max_size=10),
)
CSV_TEXTS = st.one_of(
    st.lists(st.lists(CSV_CELLS, max_size=4), max_size=5).map(
        lambda rows: "\n".join(",".join(row) for row in rows)
    ),
    st.text(max_size=80),
)


@settings(max_examples=examples(400), deadline=None)
@given(text=CSV_TEXTS, profile=st.text(max_size=6), prefix=st.text(max_size=4), skip_invalid=st.booleans())
def test_csv_imports_parse_or_raise_csv_import_error(
    text: str, profile: str, prefix: str, skip_invalid: bool
) -> None:
    """Any CSV text gives keys to import or CsvImportError."""
    with contextlib.suppress(CsvImportError):
        parse_credentials_csv(text, profile=profile or "default", prefix=prefix, skip_invalid=skip_invalid)


@settings(max_examples=examples(100), deadline=None)
@given(content=st.binary(max_size=80))
def test_csv_files_on_disk_read_or_raise_csv_import_error(content: bytes) -> None:
    """``file://PATH`` with any bytes (invalid UTF-8, a BOM, NULs) is read or CsvImportError."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "keys.csv"
        path.write_bytes(content)
        with contextlib.suppress(CsvImportError):
            parse_credentials_csv(read_csv_argument(f"file://{path}"), profile="default")
