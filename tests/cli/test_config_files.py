"""The line-preserving INI reader/editor behind every configure command."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import botocore.configloader
import botocore.exceptions
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credo.client.config_files import (
    ConfigFileError,
    Value,
    parse_ini,
    read_ini,
    remove_option,
    set_option,
    write_atomic,
)

VALID_FILES = [
    "",
    "[default]\nregion = us-east-1\n",
    "# comment\n; other comment\n[default]\nregion=us-east-1\noutput: json\n",
    "[default]\ns3 =\n    max_concurrent_requests = 10\n    multipart_threshold = 64MB\nregion = x\n",
    "[default]\ns3 =\n    max_concurrent_requests = 10\n\n    # inside\n    use_accelerate_endpoint = true\n",
    "[profile dev]\nKey = Value with = sign\nempty =\n",
    "[services my-svc]\niam =\n  endpoint_url = http://localhost:7300\nsts =\n  endpoint_url = http://x\n",
    "[default]\nregion = us-east-1\n   continued line\n",
    "[a]\nx = 1\n[b]\nx = 2\n",
    "[default]\nregion = us-east-1",
]


def _botocore_view(path: Path) -> dict[str, dict[str, Value]]:
    parsed: dict[str, dict[str, Value]] = botocore.configloader.raw_config_parse(str(path))
    return parsed


@pytest.mark.parametrize("text", VALID_FILES)
def test_parse_matches_botocore(tmp_path: Path, text: str) -> None:
    """Sections, keys and (nested) values are exactly what botocore's parser returns."""
    path = tmp_path / "config"
    path.write_text(text)
    document = parse_ini(text, str(path))
    assert {name: section.values() for name, section in document.sections.items()} == _botocore_view(path)


INVALID_FILES = [
    ("region = us-east-1\n", 1, "a line before the first [section] header"),
    ("# c\n\nnot an option\n[default]\n", 3, "a line before the first [section] header"),
    ("[default]\nregion\n", 2, "expected 'key = value', found 'region'"),
    ("[default]\n= value\n", 2, "no key before '='"),
    ("[default]\na = 1\n[default]\n", 3, "section [default] appears twice"),
    ("[default]\nregion = a\nREGION = b\n", 3, "key 'region' appears twice in [default]"),
    ("[default]\ns3 =\n    no equals here\n", 3, "nested value under 's3' lacks '='"),
]


@pytest.mark.parametrize(("text", "line", "reason"), INVALID_FILES)
def test_parse_errors_name_file_and_line(tmp_path: Path, text: str, line: int, reason: str) -> None:
    """Every file botocore rejects is rejected here too, with the offending line."""
    path = tmp_path / "config"
    path.write_text(text)
    with pytest.raises(ConfigFileError) as caught:
        parse_ini(text, str(path))
    assert (caught.value.line, caught.value.reason) == (line, reason)
    assert str(caught.value) == f"Unable to parse config file: {path}, line {line}: {reason}"
    with pytest.raises(botocore.exceptions.ConfigParseError):
        botocore.configloader.raw_config_parse(str(path))


def test_read_ini_rejects_binary_and_accepts_missing(tmp_path: Path) -> None:
    """A missing file is empty; a non-UTF-8 file is an error naming the file."""
    assert read_ini(str(tmp_path / "absent")).sections == {}
    binary = tmp_path / "binary"
    binary.write_bytes(b"[default]\nregion = \xff\n")
    with pytest.raises(ConfigFileError, match="not UTF-8"):
        read_ini(str(binary))


EDITS: list[tuple[str, str, str, Value, str]] = [
    ("", "default", "region", "us-east-1", "[default]\nregion = us-east-1\n"),
    ("# top\n", "profile dev", "region", "eu-west-1", "# top\n[profile dev]\nregion = eu-west-1\n"),
    ("[default]\nregion = a", "default", "output", "json", "[default]\nregion = a\noutput = json\n"),
    (
        "[default]\nregion = a  # old\n\n# about dev\n[profile dev]\n",
        "default",
        "output",
        "json",
        "[default]\nregion = a  # old\noutput = json\n\n# about dev\n[profile dev]\n",
    ),
    ("[default]\n  region=a\n", "default", "region", "b", "[default]\n  region = b\n"),
    (
        "[default]\n",
        "default",
        "s3",
        {"max_concurrent_requests": "10"},
        "[default]\ns3 =\n    max_concurrent_requests = 10\n",
    ),
    (
        "[default]\ns3 =\n  a = 1\n  # note\n  b = 2\nregion = x\n",
        "default",
        "s3",
        {"b": "3", "c": "4"},
        "[default]\ns3 =\n  a = 1\n  # note\n  b = 3\n  c = 4\nregion = x\n",
    ),
    ("[default]\ns3 = flat\n", "default", "s3", {"a": "1"}, "[default]\ns3 =\n    a = 1\n"),
    ("[default]\ns3 =\n    a = 1\n", "default", "s3", "flat", "[default]\ns3 = flat\n"),
    ("[ profile  dev ]\n", "profile dev", "region", "x", "[ profile  dev ]\nregion = x\n"),
]


@pytest.mark.parametrize(("before", "section", "key", "value", "after"), EDITS)
def test_set_option_edits_in_place(before: str, section: str, key: str, value: Value, after: str) -> None:
    """Only the target line changes; comments, blank lines and order stay byte for byte."""
    assert set_option(parse_ini(before, "f"), section, key, value).text == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("[d]\naws_session_token = t\nx = 1\n", "[d]\nx = 1\n"),
        ("[d]\nx = 1\n", "[d]\nx = 1\n"),
        ("[e]\naws_session_token = t\n", "[e]\naws_session_token = t\n"),
    ],
)
def test_remove_option(before: str, after: str) -> None:
    """Removing a key drops just its lines, and is a no-op when absent."""
    assert remove_option(parse_ini(before, "f"), "d", "aws_session_token").text == after


_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=12)
_values = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=20).map(
    str.strip
)


@settings(max_examples=60, deadline=None)
@given(
    edits=st.lists(
        st.tuples(
            st.sampled_from(["default", "profile a", "b"]),
            _names,
            _values | st.dictionaries(_names, _values.filter(bool), min_size=1, max_size=3),
        ),
        max_size=8,
    )
)
def test_edits_read_back_through_botocore(
    tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[str, str, Value]]
) -> None:
    """Whatever sequence of edits is made, botocore reads back the last value of each key."""
    path = tmp_path_factory.mktemp("prop") / "config"
    document = parse_ini("# keep me\n", str(path))
    expected: dict[str, dict[str, Value]] = {}
    for section, key, value in edits:
        document = set_option(document, section, key, value)
        current = expected.setdefault(section, {})
        old = current.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            current[key] = {**old, **value}
        else:
            current[key] = value
    write_atomic(str(path), document.text)
    assert document.text.startswith("# keep me\n")
    assert _botocore_view(path) == expected


def test_write_atomic_modes_and_replacement(tmp_path: Path) -> None:
    """New files are 0600 in 0700 dirs; an existing file keeps its mode; no temp file is left."""
    target = tmp_path / "new" / "dir" / "credentials"
    write_atomic(str(target), "[a]\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    target.chmod(0o640)
    write_atomic(str(target), "[b]\n")
    assert target.read_text() == "[b]\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.listdir(target.parent) == ["credentials"]


def test_write_atomic_follows_symlinks(tmp_path: Path) -> None:
    """A symlinked config file is updated through the link, not replaced by a regular file."""
    real = tmp_path / "real-config"
    real.write_text("[a]\n")
    link = tmp_path / "config"
    link.symlink_to(real)
    write_atomic(str(link), "[b]\n")
    assert link.is_symlink()
    assert real.read_text() == "[b]\n"


def test_write_atomic_failure_keeps_old_file(tmp_path: Path) -> None:
    """A write that fails part-way leaves the previous file intact and no temp file behind."""
    target = tmp_path / "config"
    target.write_text("[old]\n")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(str(target), "[new]\nbad = \udcff\n")
    assert target.read_text() == "[old]\n"
    assert os.listdir(tmp_path) == ["config"]
