"""credo's keychain file for machines without an OS keychain: one JSON file sealed with a passphrase.

The whole set of secrets is one AES-256-GCM ciphertext (``cryptography``'s AEAD, never a
hand-made cipher) under a key derived from the passphrase with scrypt; a fresh 96-bit nonce
is drawn for every write. The header (format, version, KDF name, salt and cost) is bound as
associated data, so a tampered header fails like a wrong passphrase. The file is written
atomically with mode 0600, and writers take an exclusive lock on a sibling ``.lock`` file so
two credo processes cannot lose each other's change.

The passphrase comes from ``CREDO_KEYRING_PASSPHRASE`` or is asked on the terminal (twice when
the file is created). The file lives at ``CREDO_KEYRING_FILE``, else
``$XDG_DATA_HOME/credo/keychain.json`` (``~/.local/share/credo/keychain.json``).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
from collections.abc import Callable, Iterator
from typing import Any

from credo.client.secret_store import KeychainError

FILE_VARIABLE = "CREDO_KEYRING_FILE"
PASSPHRASE_VARIABLE = "CREDO_KEYRING_PASSPHRASE"
FORMAT = "credo-keychain"
VERSION = 1
# scrypt's cost: 2**15 x 8 x 1 takes 32 MiB and a fraction of a second, paid once per process.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SALT_BYTES, NONCE_BYTES = 16, 12

Entries = dict[str, dict[str, str]]


def default_path() -> str:
    explicit = os.environ.get(FILE_VARIABLE)
    if explicit:
        return os.path.expanduser(explicit)
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.join("~", ".local", "share")
    return os.path.join(os.path.expanduser(data_home), "credo", "keychain.json")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, what: str, path: str) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except ValueError:
        raise KeychainError(f"{path} is not a credo keychain file ({what} is not base64)") from None


def _ask_passphrase(path: str, *, new: bool) -> str:
    from credo.client.terminal import NoTerminal, ask

    why = f"set {PASSPHRASE_VARIABLE}, or run credo on a terminal"
    try:
        if not new:
            return ask(f"Passphrase for the credo keychain file {path}: ", secret=True, why=why)
        first = ask(f"New passphrase for the credo keychain file {path}: ", secret=True, why=why)
        second = ask("Repeat the passphrase: ", secret=True, why=why)
    except NoTerminal as error:
        raise KeychainError(str(error)) from None
    if first != second:
        raise KeychainError("The passphrases differ; nothing was stored")
    return first


class EncryptedFileStore:
    """A ``SecretStore`` in one passphrase-sealed file."""

    def __init__(self, path: str, passphrase: Callable[[bool], str]) -> None:
        self.path = path
        self._passphrase = passphrase
        self._key: tuple[bytes, bytes] | None = None  # (salt, derived key), derived once

    @classmethod
    def from_environment(cls) -> EncryptedFileStore:
        path = default_path()

        def passphrase(new: bool) -> str:
            given = os.environ.get(PASSPHRASE_VARIABLE)
            return given if given else _ask_passphrase(path, new=new)

        return cls(path, passphrase)

    @property
    def description(self) -> str:
        return f"encrypted file {self.path}"

    # --- the sealed document ------------------------------------------------------------------

    def _derive(self, salt: bytes, n: int, r: int, p: int, *, new: bool) -> bytes:
        if self._key is not None and self._key[0] == salt:
            return self._key[1]
        from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

        passphrase = self._passphrase(new)
        if not passphrase:
            raise KeychainError("The keychain file's passphrase may not be empty")
        key = Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))
        self._key = (salt, key)
        return key

    @staticmethod
    def _header(salt: bytes, n: int, r: int, p: int) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "kdf": {"name": "scrypt", "salt": _b64(salt), "n": n, "r": r, "p": p},
        }

    @staticmethod
    def _associated_data(header: dict[str, Any]) -> bytes:
        return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def _read(self) -> tuple[Entries, bytes | None]:
        """The entries and the file's salt; ``({}, None)`` when there is no file yet."""
        try:
            with open(self.path, encoding="utf-8") as handle:
                document = json.load(handle)
        except FileNotFoundError:
            return {}, None
        except (ValueError, UnicodeDecodeError):
            raise KeychainError(f"{self.path} is not a credo keychain file (not JSON)") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise KeychainError(f"{self.path} is not a credo keychain file")
        if document.get("version") != VERSION:
            raise KeychainError(
                f"{self.path} has version {document.get('version')!r}; this credo reads {VERSION}"
            )
        kdf = document.get("kdf")
        if not isinstance(kdf, dict) or kdf.get("name") != "scrypt":
            raise KeychainError(f"{self.path} names a key derivation credo does not know")
        try:
            n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        except (KeyError, TypeError, ValueError):
            raise KeychainError(f"{self.path} has a malformed key derivation") from None
        salt = _unb64(kdf.get("salt"), "salt", self.path)
        nonce = _unb64(document.get("nonce"), "nonce", self.path)
        ciphertext = _unb64(document.get("ciphertext"), "ciphertext", self.path)
        header = self._header(salt, n, r, p)
        plaintext = self._open(self._derive(salt, n, r, p, new=False), nonce, ciphertext, header)
        entries = json.loads(plaintext)
        if not isinstance(entries, dict) or not all(
            isinstance(names, dict) and all(isinstance(value, str) for value in names.values())
            for names in entries.values()
        ):
            raise KeychainError(f"{self.path} holds entries credo did not write")
        return entries, salt

    def _open(self, key: bytes, nonce: bytes, ciphertext: bytes, header: dict[str, Any]) -> bytes:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            return AESGCM(key).decrypt(nonce, ciphertext, self._associated_data(header))
        except (InvalidTag, ValueError):
            self._key = None
            raise KeychainError(
                f"Cannot open {self.path}: wrong passphrase (or the file was altered)"
            ) from None

    def _write(self, entries: Entries, salt: bytes | None) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        from credo.client.config_files import write_atomic

        if salt is None:
            salt = secrets.token_bytes(SALT_BYTES)
        key = self._derive(salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, new=True)
        header = self._header(salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        nonce = secrets.token_bytes(NONCE_BYTES)
        plaintext = json.dumps(entries, sort_keys=True).encode("utf-8")
        ciphertext = AESGCM(key).encrypt(nonce, plaintext, self._associated_data(header))
        document = {**header, "nonce": _b64(nonce), "ciphertext": _b64(ciphertext)}
        write_atomic(self.path, json.dumps(document, indent=2) + "\n")

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        directory = os.path.dirname(self.path) or "."
        os.makedirs(directory, mode=0o700, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; writes stay atomic
            yield
            return
        fd = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    # --- SecretStore ----------------------------------------------------------------------------

    def get(self, service: str, name: str) -> str | None:
        entries, _ = self._read()
        return entries.get(service, {}).get(name)

    def set(self, service: str, name: str, value: str) -> None:
        with self._locked():
            entries, salt = self._read()
            entries.setdefault(service, {})[name] = value
            self._write(entries, salt)

    def delete(self, service: str, name: str) -> bool:
        with self._locked():
            entries, salt = self._read()
            if name not in entries.get(service, {}):
                return False
            del entries[service][name]
            if not entries[service]:
                del entries[service]
            self._write(entries, salt)
        return True
