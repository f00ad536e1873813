"""Build hook: with ``CREDO_COMPILE=1``, the modules every decision runs through are compiled.

Everything else about the package is in ``pyproject.toml``. A plain build (``pip install .``,
the editable install of ``make serve`` and ``make test``) is pure Python. With
``CREDO_COMPILE=1`` the modules that ``[tool.credo] compiled-modules`` names are compiled to C
extensions with mypyc (part of mypy, which checks their types anyway): SigV4 verification, the
JSON protocol, and the decision endpoint's and middleware's own code (docs/benchmarks.md has
what it saves). mypyc needs mypy and the dev extra's type stubs where it builds, so such a
build runs without build isolation: ``make wheel`` (docs/deploy.md).

A module joins that list only if mypyc compiles it, no interpreted class subclasses its classes,
and the compiled test run (``make pytest-compiled``) passes with it.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from setuptools import setup


def compiled_module_paths() -> list[str]:
    """The source files of ``[tool.credo] compiled-modules`` in pyproject.toml."""
    with open(Path(__file__).parent / "pyproject.toml", "rb") as file:
        names = tomllib.load(file)["tool"]["credo"]["compiled-modules"]
    return [str(Path("src", *name.split("."))) + ".py" for name in names]


def _extensions() -> list[object]:
    if os.environ.get("CREDO_COMPILE") != "1":
        return []
    from mypyc.build import mypycify

    return list(mypycify(compiled_module_paths(), opt_level="3"))


setup(ext_modules=_extensions())
