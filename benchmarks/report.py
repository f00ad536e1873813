"""``docs/benchmarks.md`` is shared by every benchmark: each replaces only its own section."""

from __future__ import annotations

import contextlib
import datetime
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name as Linux reports it, for the machine line of a report."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


def measured_heading(title: str, command: str) -> list[str]:
    """A section's opening lines: its title, when it was measured, and the command that did it."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return [title, "", f"Measured {now} with:", "", "```sh", command, "```", ""]


def replace_section(document: str, title: str, section: str) -> str:
    """Put ``section`` in place of the one headed ``title`` (up to the next heading), or append it.

    Headings inside fenced code blocks do not count.
    """
    lines = document.splitlines(keepends=True)
    start: int | None = None
    end = len(lines)
    in_fence = False
    for index, line in enumerate(lines):
        if line.startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if start is None:
            if line.rstrip() == title:
                start = index
        elif line.startswith(("# ", "## ")):
            end = index
            break
    section = section.rstrip("\n") + "\n"
    if start is None:
        prefix = document.rstrip("\n")
        return (prefix + "\n\n" if prefix else "# Benchmarks\n\n") + section
    following = "".join(lines[end:])
    return "".join(lines[:start]) + section + ("\n" + following if following else "")


def write_section(path: Path, title: str, section: str) -> None:
    document = path.read_text() if path.exists() else "# Benchmarks\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(replace_section(document, title, section))
