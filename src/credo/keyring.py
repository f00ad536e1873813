"""Encryption of secrets at rest: AES-256-GCM under a master key named by its id.

Every ciphertext is stored beside the id of the key that sealed it, so a new master key
can be introduced while old rows still open. The master keys come from ``CREDO_MASTER_KEY``
or from ``master.key`` (mode 0600) in the data dir: base64 of 32 bytes each, the first the
*current* key (it seals), any others *older* keys (they only open). In the file that is one key
per line (blank lines and ``#`` comments ignored); in the variable, keys separated by commas.
A file of one line, as every credo before key rotation wrote it, is a keyring of one key.

A server reading ``master.key`` notices when the file changes (``credo keys rotate-master``
rewrites it): before sealing, and when a ciphertext names a key it does not hold, it looks at
the file again (at most once per ``RECHECK_SECONDS``) and takes its keys, the new current one
included. So a rotation needs no restart of the servers sharing the file.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
import secrets
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MASTER_KEY_FILE = "master.key"
RECHECK_SECONDS = 1.0
_NONCE_BYTES = 12


class KeyringError(Exception):
    """A master key is missing, malformed, or cannot open a stored ciphertext."""


@dataclass(frozen=True)
class Sealed:
    """A ciphertext (nonce + GCM output) and the id of the master key that sealed it."""

    key_id: str
    blob: bytes


@dataclass(frozen=True)
class _KeySet:
    masters: tuple[bytes, ...]  # the current key first
    current_id: str
    keys: dict[str, AESGCM]


def key_id_of(key: bytes) -> str:
    """A short public name for a key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(b"credo-master-key-id:" + key).hexdigest()[:16]


class Keyring:
    """Seals with the current master key; opens with any key it holds."""

    def __init__(
        self, current: bytes, older: tuple[bytes, ...] = (), source: MasterKeyFile | None = None
    ) -> None:
        self._listeners: list[Callable[[Keyring], None]] = []
        self._source = source
        self._stamp = source.stamp() if source is not None else None
        self._next_check = time.monotonic() + RECHECK_SECONDS
        self._reload_lock = threading.Lock()
        self._use(current, older)

    def _use(self, current: bytes, older: tuple[bytes, ...]) -> None:
        if len(current) != 32 or any(len(key) != 32 for key in older):
            raise KeyringError("a master key must be 32 bytes")
        masters = (current, *(key for key in older if key != current))
        # One assignment, so a concurrent seal never pairs one key set's id with another's keys.
        self._state = _KeySet(masters, key_id_of(current), {key_id_of(k): AESGCM(k) for k in masters})

    @property
    def masters(self) -> tuple[bytes, ...]:
        """The master keys held, the current one first."""
        return self._state.masters

    @property
    def current_id(self) -> str:
        return self._state.current_id

    @property
    def key_ids(self) -> tuple[str, ...]:
        """The ids of the keys held, the current one first."""
        return tuple(key_id_of(key) for key in self.masters)

    def on_change(self, listener: Callable[[Keyring], None]) -> None:
        """Call ``listener`` whenever the keys change (a reloaded ``master.key``)."""
        self._listeners.append(listener)

    def refresh(self, now: bool = False) -> bool:
        """Take the key file's keys if it changed since last read (checked at most once per
        ``RECHECK_SECONDS``, or ``now``: a ciphertext names a key not held, which another
        process may have just made); whether the keys changed. A file that cannot be read now
        (being replaced, or broken by hand) leaves the keys as they were."""
        if self._source is None or (not now and time.monotonic() < self._next_check):
            return False
        with self._reload_lock:
            if not now and time.monotonic() < self._next_check:
                return False
            self._next_check = time.monotonic() + RECHECK_SECONDS
            try:
                stamp = self._source.stamp()
                if stamp == self._stamp:
                    return False
                keys = self._source.read()
            except (OSError, KeyringError):
                return False
            self._stamp = stamp
            if keys == list(self.masters):
                return False
            self._use(keys[0], tuple(keys[1:]))
        for listener in self._listeners:
            listener(self)
        return True

    def seal(self, plaintext: bytes, context: bytes = b"") -> Sealed:
        """Encrypt ``plaintext``; ``context`` (e.g. the row's id) is bound as associated data."""
        self.refresh()
        state = self._state
        nonce = secrets.token_bytes(_NONCE_BYTES)
        blob = nonce + state.keys[state.current_id].encrypt(nonce, plaintext, context)
        return Sealed(state.current_id, blob)

    def open(self, sealed: Sealed, context: bytes = b"") -> bytes:
        self.refresh()  # a retired key stops opening within RECHECK_SECONDS
        aead = self._state.keys.get(sealed.key_id)
        if aead is None and self.refresh(now=True):
            aead = self._state.keys.get(sealed.key_id)
        if aead is None:
            raise KeyringError(f"no master key with id {sealed.key_id} is configured")
        nonce, body = sealed.blob[:_NONCE_BYTES], sealed.blob[_NONCE_BYTES:]
        try:
            return aead.decrypt(nonce, body, context)
        except Exception as exc:  # cryptography raises InvalidTag
            raise KeyringError(f"ciphertext does not open under master key {sealed.key_id}") from exc

    def derived_keys(self, purpose: bytes) -> list[bytes]:
        """A 32-byte key for one ``purpose`` (e.g. signing console cookies) from each master key,
        by HKDF, the current one's first (the others check what was made before a rotation): no
        purpose learns another's key."""
        return [derive(master, purpose) for master in self.masters]


def derive(master: bytes, purpose: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"credo:" + purpose)
    return hkdf.derive(master)


class MasterKeyFile:
    """``master.key``: base64 keys, one per line, the current one first."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def stamp(self) -> tuple[int, int, int]:
        """Changes whenever the file is rewritten (replaced by rename, or edited in place)."""
        status = self.path.stat()
        return (status.st_ino, status.st_mtime_ns, status.st_size)

    def read(self) -> list[bytes]:
        return parse_master_keys(self.path.read_text(), str(self.path))

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold ``.master.key.lock`` beside the file exclusively: one rotation at a time, so no
        command writes the file from keys another has just replaced."""
        fd = os.open(self.path.with_name(f".{self.path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def write(self, keys: list[bytes]) -> None:
        """Replace the file atomically (a temporary file, fsync, rename), mode 0600."""
        text = (
            "# credo master keys, base64: the first seals new secrets, the others only open older ones.\n"
            + "".join(base64.b64encode(key).decode() + "\n" for key in keys)
        )
        temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def parse_master_keys(text: str, origin: str = "CREDO_MASTER_KEY") -> list[bytes]:
    """The keys of a key file's text (lines) or of ``CREDO_MASTER_KEY`` (commas); current first."""
    parts = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        parts += [part.strip() for part in line.split(",") if part.strip()]
    if not parts:
        raise KeyringError(f"{origin} holds no master key")
    keys = [decode_master_key(part, origin) for part in parts]
    if len(set(keys)) != len(keys):
        raise KeyringError(f"{origin} holds the same master key twice")
    return keys


def load_keyring(data_dir: Path, from_env: str | None, *, create: bool) -> Keyring:
    """The configured keys: ``CREDO_MASTER_KEY``, else ``master.key`` in ``data_dir`` (made,
    mode 0600, with one new key when ``create`` and missing)."""
    if from_env:
        keys = parse_master_keys(from_env)
        return Keyring(keys[0], tuple(keys[1:]))
    path = data_dir / MASTER_KEY_FILE
    if not path.exists():
        if not create:
            raise KeyringError(
                f"no master key: {path} does not exist; set CREDO_MASTER_KEY, or pass --dev for a "
                "dev server's store"
            )
        _create_key_file(data_dir)
    source = MasterKeyFile(path)
    keys = source.read()
    return Keyring(keys[0], tuple(keys[1:]), source=source)


def decode_master_key(text: str, origin: str = "CREDO_MASTER_KEY") -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError as exc:
        raise KeyringError(f"{origin}: a master key must be base64 of 32 bytes") from exc
    if len(key) != 32:
        raise KeyringError(f"{origin}: a master key must be base64 of 32 bytes")
    return key


def _create_key_file(data_dir: Path) -> None:
    """A new ``master.key`` holding one random key (mode 0600; never overwrites)."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(32)
    fd = os.open(data_dir / MASTER_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(base64.b64encode(key).decode() + "\n")


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
