"""Read and edit the shared ``config`` / ``credentials`` INI files without losing a byte.

Parsing follows what botocore accepts (``configparser.RawConfigParser`` in strict mode plus
botocore's one level of nested values), so a file credo calls valid is one botocore reads
the same way; errors name the file and line. Edits work on the original lines, so comments,
blank lines, order and unrelated sections survive. Writes are atomic: a temporary file in
the same directory, fsync, then ``os.replace``.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field

Value = str | dict[str, str]

_SECTION_RE = re.compile(r"\[(?P<header>.+)\]")
_OPTION_RE = re.compile(r"(?P<option>.*?)\s*(?P<vi>[=:])\s*(?P<value>.*)$")
_COMMENT_PREFIXES = ("#", ";")
NESTED_INDENT = "    "


class ConfigFileError(Exception):
    """A config or credentials file that botocore would refuse to read."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        where = f"{path}, line {line}" if line is not None else path
        super().__init__(f"Unable to parse config file: {where}: {reason}")


class ConfigValueError(ValueError):
    """A key or value that cannot be written to a config file as one option (e.g. a line break,
    which would start a new line, and so could forge a section or option)."""


def _check_writable(key: str, value: Value) -> None:
    texts = [key]
    if isinstance(value, dict):
        for sub_key, sub_value in value.items():
            texts += [sub_key, sub_value]
    else:
        texts.append(value)
    for text in texts:
        if any(c in text for c in "\r\n\x00"):
            raise ConfigValueError(f"{key}: a value in a config file cannot contain a line break or NUL")


@dataclass
class Option:
    """One ``key = value`` entry and the line span it occupies (continuations included)."""

    key: str
    raw_lines: list[str]
    first: int
    end: int  # exclusive; trailing blank lines are not part of the option

    @property
    def value(self) -> Value:
        first = _OPTION_RE.match(self.raw_lines[0].strip())
        head = first.group("value").strip() if first else ""
        parts = [head] + [
            line.strip() for line in self.raw_lines[1:] if not line.strip().startswith(_COMMENT_PREFIXES)
        ]
        joined = "\n".join(parts).rstrip()
        if not joined.startswith("\n"):
            return joined
        nested: dict[str, str] = {}
        for line in joined.splitlines():
            if line.strip():
                sub_key, _, sub_value = line.partition("=")
                nested[sub_key.strip()] = sub_value.strip()
        return nested


@dataclass
class Section:
    """A ``[header]`` and its options, with the line span of its body."""

    name: str
    header_line: int
    end: int = 0  # exclusive: index of the next header or len(lines)
    options: dict[str, Option] = field(default_factory=dict)

    def values(self) -> dict[str, Value]:
        return {key: option.value for key, option in self.options.items()}


@dataclass
class IniDocument:
    """The lines of one INI file and the sections found in them."""

    path: str
    lines: list[str]
    sections: dict[str, Section]

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def section(self, name: str) -> Section | None:
        return self.sections.get(normalize_section_name(name))


def normalize_section_name(name: str) -> str:
    """``[ profile  dev ]`` and ``[profile dev]`` name the same section."""
    return " ".join(name.split())


def _strip_comment(line: str) -> str:
    return "" if line.strip().startswith(_COMMENT_PREFIXES) else line.strip()


def parse_ini(text: str, path: str) -> IniDocument:
    """Parse ``text`` as botocore would, raising ``ConfigFileError`` with a line number."""
    lines = text.splitlines(keepends=True)
    sections: dict[str, Section] = {}
    current: Section | None = None
    option: Option | None = None
    indent_level = 0
    for index, line in enumerate(lines):
        lineno = index + 1
        value = _strip_comment(line)
        if not value:
            continue
        indent = len(line) - len(line.lstrip())
        if current is not None and option is not None and indent > indent_level:
            option.raw_lines.extend(lines[option.end : index + 1])
            option.end = index + 1
            continue
        indent_level = indent
        header = _SECTION_RE.match(value)
        if header:
            name = normalize_section_name(header.group("header"))
            if name in sections:
                raise ConfigFileError(path, lineno, f"section [{name}] appears twice")
            if current is not None:
                current.end = index
            current = Section(name=name, header_line=index)
            sections[name] = current
            option = None
            continue
        if current is None:
            raise ConfigFileError(path, lineno, "a line before the first [section] header")
        match = _OPTION_RE.match(value)
        if not match:
            raise ConfigFileError(path, lineno, f"expected 'key = value', found {value!r}")
        key = match.group("option").rstrip().lower()
        if not key:
            raise ConfigFileError(path, lineno, f"no key before '{match.group('vi')}'")
        if key in current.options:
            raise ConfigFileError(path, lineno, f"key {key!r} appears twice in [{current.name}]")
        option = Option(key=key, raw_lines=[line], first=index, end=index + 1)
        current.options[key] = option
    if current is not None:
        current.end = len(lines)
    for section in sections.values():
        for opt in section.options.values():
            _check_nested(path, opt)
    return IniDocument(path=path, lines=lines, sections=sections)


def _check_nested(path: str, option: Option) -> None:
    if len(option.raw_lines) < 2 or not isinstance(option.value, dict):
        return
    for offset, raw in enumerate(option.raw_lines[1:], start=1):
        if raw.strip() and "=" not in raw and not raw.strip().startswith(_COMMENT_PREFIXES):
            raise ConfigFileError(
                path, option.first + offset + 1, f"nested value under {option.key!r} lacks '='"
            )


def read_ini(path: str) -> IniDocument:
    """Parse the file at ``path``; a missing file is an empty document."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        text = ""
    except UnicodeDecodeError as error:
        raise ConfigFileError(path, None, f"not UTF-8 text ({error.reason})") from error
    except IsADirectoryError as error:
        raise ConfigFileError(path, None, "is a directory") from error
    return parse_ini(text, path)


def _render_option(key: str, value: Value, indent: str = "") -> list[str]:
    if isinstance(value, str):
        return [f"{indent}{key} = {value}\n"]
    lines = [f"{indent}{key} =\n"]
    lines += [f"{indent}{NESTED_INDENT}{sub} = {sub_value}\n" for sub, sub_value in value.items()]
    return lines


def _ensure_newline(lines: list[str], index: int) -> None:
    if 0 <= index < len(lines) and not lines[index].endswith("\n"):
        lines[index] += "\n"


def set_option(document: IniDocument, section_name: str, key: str, value: Value) -> IniDocument:
    """Set ``key`` in ``[section_name]`` (a dict value sets nested keys), keeping everything else."""
    _check_writable(key, value)
    lines = list(document.lines)
    section = document.section(section_name)
    if section is None:
        _ensure_newline(lines, len(lines) - 1)
        lines.append(f"[{normalize_section_name(section_name)}]\n")
        lines += _render_option(key, value)
        return parse_ini("".join(lines), document.path)
    existing = section.options.get(key.lower())
    if existing is None:
        content_ends = [opt.end for opt in section.options.values()]
        at = max(content_ends) if content_ends else section.header_line + 1
        _ensure_newline(lines, at - 1)
        lines[at:at] = _render_option(key, value)
        return parse_ini("".join(lines), document.path)
    first_line = lines[existing.first]
    indent = first_line[: len(first_line) - len(first_line.lstrip())]
    current = existing.value
    if isinstance(value, dict) and isinstance(current, dict):
        replacement = _merge_nested(existing, value)
    else:
        replacement = _render_option(key, value, indent)
    lines[existing.first : existing.end] = replacement
    return parse_ini("".join(lines), document.path)


def remove_option(document: IniDocument, section_name: str, key: str) -> IniDocument:
    """Drop ``key`` (and its continuation lines) from ``[section_name]`` if present."""
    section = document.section(section_name)
    existing = section.options.get(key.lower()) if section else None
    if existing is None:
        return document
    lines = list(document.lines)
    del lines[existing.first : existing.end]
    return parse_ini("".join(lines), document.path)


def remove_section(document: IniDocument, section_name: str) -> IniDocument:
    """Drop ``[section_name]`` and its options; its comments and blank lines stay where they were."""
    section = document.section(section_name)
    if section is None:
        return document
    lines = list(document.lines)
    kept = [
        line
        for line in lines[section.header_line + 1 : section.end]
        if not line.strip() or line.strip().startswith(_COMMENT_PREFIXES)
    ]
    lines[section.header_line : section.end] = kept
    return parse_ini("".join(lines), document.path)


def _merge_nested(option: Option, updates: dict[str, str]) -> list[str]:
    """Update sub-keys of a nested value in place; new sub-keys go after the last one."""
    raw = list(option.raw_lines)
    _ensure_newline(raw, len(raw) - 1)
    pending = dict(updates)
    last_content = 0
    sub_indent = NESTED_INDENT
    for index, line in enumerate(raw[1:], start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(_COMMENT_PREFIXES):
            continue
        last_content = index
        sub_indent = line[: len(line) - len(line.lstrip())]
        sub_key = stripped.partition("=")[0].strip()
        if sub_key in pending:
            raw[index] = f"{sub_indent}{sub_key} = {pending.pop(sub_key)}\n"
    added = [f"{sub_indent}{sub} = {sub_value}\n" for sub, sub_value in pending.items()]
    raw[last_content + 1 : last_content + 1] = added
    return raw


# --- files on disk -----------------------------------------------------------------------------


def config_file_path() -> str:
    """The config file botocore reads: ``AWS_CONFIG_FILE`` or ``~/.aws/config``."""
    raw = os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"
    return os.path.expandvars(os.path.expanduser(raw))


def credentials_file_path() -> str:
    """The credentials file: ``AWS_SHARED_CREDENTIALS_FILE`` or ``~/.aws/credentials``."""
    raw = os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    return os.path.expandvars(os.path.expanduser(raw))


def write_atomic(path: str, text: str) -> None:
    """Replace ``path`` with ``text`` atomically; new files get 0600 and new dirs 0700."""
    import tempfile  # only writers pay for it

    target = os.path.realpath(path)
    directory = os.path.dirname(target) or "."
    os.makedirs(directory, mode=0o700, exist_ok=True)
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(target)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600 if mode is None else mode)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def exposure_warning(path: str) -> str | None:
    """A warning when a credentials file is readable by group or others, else None."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None
    if mode & 0o044 == 0:
        return None
    return f"warning: {path} is readable by group or others (mode {mode:04o}); run: chmod 600 {path}"
