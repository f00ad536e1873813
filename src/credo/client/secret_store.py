"""Where credo keeps secrets on the laptop: the OS keychain through ``keyring``, or an encrypted file.

``CREDO_KEYRING_BACKEND`` chooses: ``os`` (the default) is the keychain ``keyring`` reaches —
macOS Keychain, Windows Credential Manager, the Secret Service (GNOME Keyring, KWallet) — and
honours keyring's own settings (``PYTHON_KEYRING_BACKEND``, ``keyringrc.cfg``); ``file`` is
credo's passphrase-sealed file (``credo.client.encrypted_file``) for headless machines. When
no OS keychain is there, credo says so and names the file backend instead of silently
falling back to something weaker.

Without keyring's settings, credo names this platform's keychain backends itself rather than
letting keyring find one: keyring's search imports and probes every backend it ships and
every installed plugin, on every run — a cost each ``credo credential-process`` would pay.
Only when none of them answers does keyring search (a plugin may be the keychain there).
"""

from __future__ import annotations

import os
import sys
from typing import Any, Protocol

from credo.client.deferred_imports import deferring

BACKEND_VARIABLE = "CREDO_KEYRING_BACKEND"
BACKENDS = ("os", "file")
# What keyring's import loads only for code credo does not reach when it names the backend (see
# credo.client.deferred_imports): jaraco.context's download and temporary-directory helpers,
# jaraco.functools' iteration helpers, keyring's plugin search and its keyringrc.cfg reader
# (read only when no backend is named in the environment).
KEYRING_UNUSED_IMPORTS = (
    *("urllib.request", "tempfile", "subprocess", "more_itertools"),
    *("importlib_metadata", "configparser"),
)
# Each platform's keychains as keyring names them; the viable one keyring ranks highest is used.
PLATFORM_KEYCHAINS = {
    "darwin": ("keyring.backends.macOS.Keyring",),
    "win32": ("keyring.backends.Windows.WinVaultKeyring",),
}
FREEDESKTOP_KEYCHAINS = (
    "keyring.backends.SecretService.Keyring",
    "keyring.backends.kwallet.DBusKeyring",
    "keyring.backends.libsecret.Keyring",
)


class KeychainError(Exception):
    """The keychain cannot be used: none available, locked, refused, or holding something foreign."""


class SecretStore(Protocol):
    """Named secrets, grouped by service, as ``keyring`` models them."""

    @property
    def description(self) -> str:
        """Where the secrets live, for messages and ``credo list``."""
        ...

    def get(self, service: str, name: str) -> str | None: ...

    def set(self, service: str, name: str, value: str) -> None: ...

    def delete(self, service: str, name: str) -> bool:
        """Remove the secret; False when there was none."""
        ...


NO_OS_KEYCHAIN = (
    "No OS keychain is available here (no macOS Keychain, Windows Credential Manager or Secret "
    "Service was found). On a headless machine, use credo's encrypted file instead: "
    f"export {BACKEND_VARIABLE}=file (its passphrase comes from CREDO_KEYRING_PASSPHRASE, or is "
    "asked on the terminal)."
)


class OsKeychain:
    """The keychain ``keyring`` chose; its errors become ``KeychainError``."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend

    @classmethod
    def detect(cls) -> OsKeychain:
        """keyring's settings' backend, else this platform's keychain by name, else what keyring's search finds."""
        with deferring(*KEYRING_UNUSED_IMPORTS):
            import keyring.backends.fail
            import keyring.backends.null
            import keyring.core

        backend = keyring.core.load_env() or keyring.core.load_config() or _platform_keychain()
        if backend is None:
            backend = keyring.core.get_keyring()
        if isinstance(backend, keyring.backends.fail.Keyring | keyring.backends.null.Keyring):
            raise KeychainError(NO_OS_KEYCHAIN)
        return cls(backend)

    @property
    def description(self) -> str:
        backend = type(self._backend)
        return f"OS keychain ({backend.__module__}.{backend.__name__})"

    def _guard(self, action: str, run: Any) -> Any:
        import keyring.errors

        try:
            return run()
        except keyring.errors.KeyringError as error:
            raise KeychainError(f"The OS keychain refused to {action}: {error}") from None

    def get(self, service: str, name: str) -> str | None:
        value: str | None = self._guard("read a secret", lambda: self._backend.get_password(service, name))
        return value

    def set(self, service: str, name: str, value: str) -> None:
        self._guard("store a secret", lambda: self._backend.set_password(service, name, value))

    def delete(self, service: str, name: str) -> bool:
        import keyring.errors

        if self.get(service, name) is None:
            return False
        try:
            self._backend.delete_password(service, name)
        except keyring.errors.PasswordDeleteError:
            return False
        except keyring.errors.KeyringError as error:
            raise KeychainError(f"The OS keychain refused to delete a secret: {error}") from None
        return True


def _platform_keychain() -> Any | None:
    """The viable backend among this platform's keychains that keyring ranks highest; None when none is."""
    import keyring.core

    viable = []
    for name in PLATFORM_KEYCHAINS.get(sys.platform, FREEDESKTOP_KEYCHAINS):
        try:
            viable.append(keyring.core.load_keyring(name))  # raises when the keychain is not there
        except Exception:  # noqa: S112 — a backend missing here is the next one's turn, as in keyring
            continue
    return max(viable, key=lambda backend: backend.priority, default=None)


def open_secret_store() -> SecretStore:
    """The store ``CREDO_KEYRING_BACKEND`` names (``os`` when unset)."""
    choice = (os.environ.get(BACKEND_VARIABLE) or "os").strip().lower()
    if choice == "file":
        from credo.client.encrypted_file import EncryptedFileStore

        return EncryptedFileStore.from_environment()
    if choice == "os":
        return OsKeychain.detect()
    raise KeychainError(
        f"{BACKEND_VARIABLE}={choice!r} is not a backend credo knows: use one of {', '.join(BACKENDS)}"
    )
