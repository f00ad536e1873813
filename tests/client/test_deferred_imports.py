"""Opening the OS keychain defers what keyring's import loads for unused helpers, and loses nothing.

Each case runs in a fresh interpreter: this test process has long imported the modules in question.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.keyring_backend.credo_test_keyring import backend_environment

DEFERRED = (
    *("urllib.request", "importlib_metadata", "http.client", "ssl", "email.parser"),
    *("tempfile", "subprocess", "more_itertools", "configparser"),
)


def run_fresh(code: str, tmp_path: Path) -> str:
    env = {**os.environ, **backend_environment(tmp_path / "keychain.json")}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_opening_the_keychain_does_not_load_the_deferred_modules(tmp_path: Path) -> None:
    out = run_fresh(
        f"""
        import sys
        from credo.client.secret_store import open_secret_store
        store = open_secret_store()
        store.set("credo-test", "dev", "a secret")
        assert store.get("credo-test", "dev") == "a secret"
        print(sorted(name for name in {DEFERRED!r} if name in sys.modules))
        """,
        tmp_path,
    )
    assert out.strip() == "[]"


def test_a_later_import_gets_the_real_module_and_keyring_sees_it(tmp_path: Path) -> None:
    out = run_fresh(
        """
        import types
        from credo.client.secret_store import open_secret_store
        open_secret_store()
        import urllib.request
        import jaraco.context
        assert type(urllib.request) is types.ModuleType, type(urllib.request)
        assert callable(urllib.request.urlopen)
        assert jaraco.context.urllib.request.urlopen is urllib.request.urlopen
        print("real")
        """,
        tmp_path,
    )
    assert out.strip() == "real"


def test_a_stand_in_used_before_any_import_works_as_the_module(tmp_path: Path) -> None:
    out = run_fresh(
        """
        import sys
        from credo.client.secret_store import open_secret_store
        open_secret_store()
        from keyring.compat.py312 import metadata  # keyring's handle: the stand-in
        assert "importlib_metadata" not in sys.modules
        print(metadata.version("keyring"), "importlib_metadata" in sys.modules)
        """,
        tmp_path,
    )
    version, loaded = out.split()
    assert version[0].isdigit() and loaded == "True"
