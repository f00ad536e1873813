"""A real ``keyring`` backend for the tests and the exec benchmark: secrets in a JSON file, faults on demand.

credo's default keychain (``CREDO_KEYRING_BACKEND=os``) is whatever ``keyring`` loads; this
machine has no Secret Service, so the tests load this class the way a user names a backend —
``PYTHON_KEYRING_BACKEND=credo_test_keyring.FileKeyring``, with this directory on
``PYTHONPATH`` — and credo's ``OsKeychain`` runs exactly as it would on a laptop.

``CREDO_TEST_KEYRING_FILE`` names the file (``{service: {name: secret}}``, plain JSON: a
test double, never a place for real secrets). ``CREDO_TEST_KEYRING_FAULT`` makes one
operation fail as a real keychain can — ``OP SERVICE [after]``: ``delete credo:session``
refuses every delete under that service; ``set credo:access-key after`` writes the secret,
then reports an error (a keychain that stored the item but failed to say so).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

FILE_VARIABLE = "CREDO_TEST_KEYRING_FILE"
FAULT_VARIABLE = "CREDO_TEST_KEYRING_FAULT"
BACKEND_NAME = "credo_test_keyring.FileKeyring"
DIRECTORY = Path(__file__).resolve().parent

Secrets = dict[str, dict[str, str]]
T = TypeVar("T")


class FileKeyring(KeyringBackend):
    """Secrets in ``CREDO_TEST_KEYRING_FILE``, each change made under a lock and written atomically."""

    priority = 1  # chosen by name (PYTHON_KEYRING_BACKEND), never by priority

    @property
    def _path(self) -> Path:
        return Path(os.environ[FILE_VARIABLE])

    @contextmanager
    def _locked(self) -> Iterator[Secrets]:
        path = self._path
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(f"{path}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            secrets: Secrets = json.loads(path.read_text()) if path.exists() else {}
            before = json.dumps(secrets, sort_keys=True)
            yield secrets
            if json.dumps(secrets, sort_keys=True) != before:
                temporary = path.with_name(f".{path.name}.tmp")
                temporary.write_text(json.dumps(secrets, indent=1, sort_keys=True))
                os.replace(temporary, path)

    def _faulty(self, operation: str, service: str, run: Callable[[], T]) -> T:
        """Run ``run``, unless the fault names this operation: then refuse, before or after it."""
        words = os.environ.get(FAULT_VARIABLE, "").split()
        if words[:2] != [operation, service]:
            return run()
        after = words[2:] == ["after"]
        if after:
            run()
        raise KeyringError(
            f"test keychain fault: {operation} under {service} {'reported an error' if after else 'refused'}"
        )

    def get_password(self, service: str, username: str) -> str | None:
        def get() -> str | None:
            with self._locked() as secrets:
                return secrets.get(service, {}).get(username)

        return self._faulty("get", service, get)

    def set_password(self, service: str, username: str, password: str) -> None:
        def put() -> None:
            with self._locked() as secrets:
                secrets.setdefault(service, {})[username] = password

        self._faulty("set", service, put)

    def delete_password(self, service: str, username: str) -> None:
        def delete() -> None:
            with self._locked() as secrets:
                if username not in secrets.get(service, {}):
                    raise PasswordDeleteError(f"no secret {username} under {service}")
                del secrets[service][username]

        self._faulty("delete", service, delete)


def backend_environment(path: Path, fault: str | None = None) -> dict[str, str]:
    """What a credo process needs to use this backend as its OS keychain (file at ``path``)."""
    existing = os.environ.get("PYTHONPATH")
    env = {
        "CREDO_KEYRING_BACKEND": "os",
        "PYTHON_KEYRING_BACKEND": BACKEND_NAME,
        "PYTHONPATH": f"{DIRECTORY}{os.pathsep}{existing}" if existing else str(DIRECTORY),
        FILE_VARIABLE: str(path),
    }
    if fault is not None:
        env[FAULT_VARIABLE] = fault
    return env
