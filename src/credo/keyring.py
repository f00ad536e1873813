"""Encryption of secrets at rest: AES-256-GCM under a master key named by its id.

Every ciphertext is stored beside the id of the key that sealed it, so a new master key
can be introduced while old rows still open. The master key comes from
``CREDO_MASTER_KEY`` (base64 of 32 bytes) or from ``master.key`` (mode 0600) in the data dir.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MASTER_KEY_FILE = "master.key"
_NONCE_BYTES = 12


class KeyringError(Exception):
    """A master key is missing, malformed, or cannot open a stored ciphertext."""


@dataclass(frozen=True)
class Sealed:
    """A ciphertext (nonce + GCM output) and the id of the master key that sealed it."""

    key_id: str
    blob: bytes


def key_id_of(key: bytes) -> str:
    """A short public name for a key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(b"credo-master-key-id:" + key).hexdigest()[:16]


class Keyring:
    """Seals with the current master key; opens with any key it holds."""

    def __init__(self, current: bytes, older: tuple[bytes, ...] = ()) -> None:
        if len(current) != 32:
            raise KeyringError("a master key must be 32 bytes")
        self.current_id = key_id_of(current)
        self._current = current
        self._keys = {key_id_of(k): AESGCM(k) for k in (current, *older)}

    def seal(self, plaintext: bytes, context: bytes = b"") -> Sealed:
        """Encrypt ``plaintext``; ``context`` (e.g. the row's id) is bound as associated data."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        blob = nonce + self._keys[self.current_id].encrypt(nonce, plaintext, context)
        return Sealed(self.current_id, blob)

    def open(self, sealed: Sealed, context: bytes = b"") -> bytes:
        aead = self._keys.get(sealed.key_id)
        if aead is None:
            raise KeyringError(f"no master key with id {sealed.key_id} is configured")
        nonce, body = sealed.blob[:_NONCE_BYTES], sealed.blob[_NONCE_BYTES:]
        try:
            return aead.decrypt(nonce, body, context)
        except Exception as exc:  # cryptography raises InvalidTag
            raise KeyringError(f"ciphertext does not open under master key {sealed.key_id}") from exc

    def derive_key(self, purpose: bytes) -> bytes:
        """A 32-byte key for one ``purpose`` (e.g. signing console cookies), by HKDF from the
        current master key: a new master key gives new keys, and no purpose learns another's."""
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"credo:" + purpose)
        return hkdf.derive(self._current)


def decode_master_key(text: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError as exc:
        raise KeyringError("CREDO_MASTER_KEY must be base64 of 32 bytes") from exc
    if len(key) != 32:
        raise KeyringError("CREDO_MASTER_KEY must be base64 of 32 bytes")
    return key


def load_or_create_master_key(data_dir: Path, from_env: str | None) -> bytes:
    """The configured master key, creating ``master.key`` (mode 0600) on first start."""
    if from_env:
        return decode_master_key(from_env)
    path = data_dir / MASTER_KEY_FILE
    if path.exists():
        return decode_master_key(path.read_text())
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(base64.b64encode(key).decode() + "\n")
    return key


def restrict_to_owner(path: Path) -> str | None:
    """Take group and other access away from ``path``; a one-line warning when it had any.

    A data dir or master key readable by others (a directory made 0755 by hand or by a
    package, a copied ``master.key``) exposes every sealed secret. credo fixes what it owns and
    says so; what it cannot change is reported and start-up goes on.
    """
    try:
        status = path.stat()
    except OSError:
        return None
    mode = stat.S_IMODE(status.st_mode)
    if mode & 0o077 == 0:
        return None
    wanted = mode & 0o700
    if status.st_uid != os.geteuid():
        return (
            f"warning: {path} is open to group or others (mode {mode:04o}) and owned by another "
            f"user: left as is; its owner should run: chmod {wanted:o} {path}"
        )
    try:
        os.chmod(path, wanted)
    except OSError as error:
        return (
            f"warning: {path} is open to group or others (mode {mode:04o}) and could not be "
            f"changed ({error.strerror}); run: chmod {wanted:o} {path}"
        )
    return f"warning: {path} was open to group or others (mode {mode:04o}); changed to {wanted:04o}"
