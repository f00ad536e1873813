"""The compiled build's module list, and (under ``make pytest-compiled``) that the build is real.

``make pytest-compiled`` runs this file and the tests of the compiled code against a copy of the
tree whose listed modules mypyc compiled; ``CREDO_EXPECT_COMPILED=1`` says so, and then every
listed module must import as an extension, in this process and in a child (as ``credo serve``
is started), or the compiled run would quietly have tested the pure Python again.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXPECT_COMPILED = os.environ.get("CREDO_EXPECT_COMPILED") == "1"


def compiled_modules() -> list[str]:
    with open(REPO / "pyproject.toml", "rb") as file:
        names: list[str] = tomllib.load(file)["tool"]["credo"]["compiled-modules"]
    return names


def is_extension(path: str | None) -> bool:
    return path is not None and path.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


def test_every_listed_module_is_a_source_file_of_credo() -> None:
    """The list names each module once, and each is one of credo's source files."""
    names = compiled_modules()
    assert names and len(set(names)) == len(names)
    for name in names:
        assert (REPO / "src" / Path(*name.split("."))).with_suffix(".py").is_file(), name


@pytest.mark.skipif(not EXPECT_COMPILED, reason="the compiled build is tested by make pytest-compiled")
def test_the_compiled_run_imports_every_listed_module_as_an_extension() -> None:
    """Under make pytest-compiled, every listed module is an extension, here and in a child."""
    for name in compiled_modules():
        assert is_extension(importlib.import_module(name).__file__), name
    script = (
        "import importlib, sys; print('\\n'.join(importlib.import_module(n).__file__ for n in sys.argv[1:]))"
    )
    found = subprocess.run(
        [sys.executable, "-c", script, *compiled_modules()], capture_output=True, text=True, check=True
    ).stdout.split()
    assert len(found) == len(compiled_modules()) and all(is_extension(path) for path in found), found


@pytest.mark.skipif(EXPECT_COMPILED, reason="this run is the compiled build's")
def test_the_plain_run_imports_the_pure_python() -> None:
    """The plain run tests the Python sources, not a stray extension beside them."""
    for name in compiled_modules():
        assert not is_extension(importlib.import_module(name).__file__), name
