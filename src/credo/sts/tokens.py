"""Session tokens: everything a temporary credential means, sealed inside the token itself.

A token is ``base64(format ‖ key version ‖ nonce ‖ AES-256-GCM(claims))``. The AES key is
derived with HKDF-SHA256 from a master key; the key version is that master key's public id,
so tokens sealed before a master key rotation still open while the old key is configured.
The format byte and key version are bound as associated data. Claims are compact JSON: the
temporary key id and its secret, who the session acts as, when it was issued and expires, the
MFA facts, the session policies and tags, and the long-term key that created it. Opening a
token needs no database row; a token that does not open is simply invalid.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from credo.auth.principal import IdentityKind, Principal, PrincipalKind
from credo.errors import InvalidClientTokenId
from credo.keyring import key_id_of

FORMAT = 1
_HKDF_INFO = b"credo session token v1"
_VERSION_BYTES = 8
_NONCE_BYTES = 12
_HEADER_BYTES = 1 + _VERSION_BYTES


@dataclass(frozen=True)
class SessionClaims:
    """What a session token says. Times are whole seconds since the epoch."""

    access_key_id: str
    secret_access_key: str
    account_id: str
    kind: PrincipalKind
    arn: str
    user_id: str
    user_name: str | None
    identity_kind: IdentityKind
    identity_id: str
    issued_at: int
    expires_at: int
    source_key_id: str
    mfa_authenticated_at: int | None = None
    session_policies: tuple[str, ...] = ()
    session_tags: tuple[tuple[str, str], ...] = ()
    # Role sessions (credo.sts.assume_role): what role chaining passes on.
    source_identity: str | None = None
    transitive_tag_keys: tuple[str, ...] = ()

    def principal(self) -> Principal:
        mfa_at = self.mfa_authenticated_at
        return Principal(
            account_id=self.account_id,
            kind=self.kind,
            arn=self.arn,
            user_id=self.user_id,
            user_name=self.user_name,
            access_key_id=self.access_key_id,
            identity_kind=self.identity_kind,
            identity_id=self.identity_id,
            is_session=True,
            mfa_authenticated=mfa_at is not None,
            mfa_authenticated_at=None if mfa_at is None else _datetime(mfa_at),
            token_issued_at=_datetime(self.issued_at),
            expires_at=_datetime(self.expires_at),
            session_policies=self.session_policies,
            session_tags=self.session_tags,
            source_identity=self.source_identity,
            transitive_tag_keys=self.transitive_tag_keys,
        )


def _datetime(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _to_json(claims: SessionClaims) -> bytes:
    body: dict[str, Any] = {
        "k": claims.access_key_id,
        "s": claims.secret_access_key,
        "a": claims.account_id,
        "p": claims.kind,
        "n": claims.arn,
        "u": claims.user_id,
        "un": claims.user_name,
        "ik": claims.identity_kind,
        "ii": claims.identity_id,
        "iat": claims.issued_at,
        "exp": claims.expires_at,
        "src": claims.source_key_id,
        "mfa": claims.mfa_authenticated_at,
        # Session policies (managed ones can be 100 KB of JSON each) travel compressed, apart
        # from the secret: compressing attacker-chosen text beside a secret would let lengths leak it.
        "pz": base64.b64encode(zlib.compress(json.dumps(list(claims.session_policies)).encode(), 9)).decode(),
        "tag": [list(tag) for tag in claims.session_tags],
    }
    if claims.source_identity is not None:
        body["si"] = claims.source_identity
    if claims.transitive_tag_keys:
        body["tt"] = list(claims.transitive_tag_keys)
    return json.dumps(body, separators=(",", ":")).encode()


def _from_json(raw: bytes) -> SessionClaims:
    body = json.loads(raw)
    return SessionClaims(
        access_key_id=body["k"],
        secret_access_key=body["s"],
        account_id=body["a"],
        kind=body["p"],
        arn=body["n"],
        user_id=body["u"],
        user_name=body["un"],
        identity_kind=body["ik"],
        identity_id=body["ii"],
        issued_at=int(body["iat"]),
        expires_at=int(body["exp"]),
        source_key_id=body["src"],
        mfa_authenticated_at=body["mfa"],
        session_policies=_policies(body),
        session_tags=tuple((key, value) for key, value in body["tag"]),
        source_identity=body.get("si"),
        transitive_tag_keys=tuple(body.get("tt", ())),
    )


# A token's session policies never expand past this (10 of AWS's largest managed policies fit).
_MAX_POLICIES_BYTES = 4 * 1024 * 1024


def _policies(body: dict[str, Any]) -> tuple[str, ...]:
    """The session policies of a token: compressed (``pz``), or as sealed before (``pol``)."""
    if "pz" not in body:
        return tuple(body["pol"])
    inflate = zlib.decompressobj()
    raw = inflate.decompress(base64.b64decode(body["pz"], validate=True), _MAX_POLICIES_BYTES)
    if inflate.unconsumed_tail:
        raise ValueError("session policies too large")
    return tuple(str(document) for document in json.loads(raw))


def derive_token_key(master_key: bytes) -> bytes:
    """The AES-256 key for session tokens: HKDF-SHA256 of a master key, bound to this purpose."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(master_key)


class SessionTokenKeys:
    """Seals tokens under the current master key's derived key; opens them under any configured one."""

    def __init__(
        self,
        current_master: bytes,
        older_masters: tuple[bytes, ...] = (),
        refresh: Callable[[bool], bool] | None = None,
    ) -> None:
        # ``refresh(now)``: look for changed master keys (``now``: a token names a key not
        # held); true when the keys changed, and ``use`` was called with them.
        self._refresh = refresh
        self.use(current_master, older_masters)

    def use(self, current_master: bytes, older_masters: tuple[bytes, ...] = ()) -> None:
        """Seal under ``current_master`` from now on; open under it and ``older_masters``."""
        keys = {
            bytes.fromhex(key_id_of(master))[:_VERSION_BYTES]: AESGCM(derive_token_key(master))
            for master in (current_master, *older_masters)
        }
        # One assignment, so a concurrent seal never pairs one key set's id with another's keys.
        self._state = (bytes.fromhex(key_id_of(current_master))[:_VERSION_BYTES], keys)

    def seal(self, claims: SessionClaims) -> str:
        if self._refresh is not None:
            self._refresh(False)  # a rotated master key seals from now on
        current, keys = self._state
        header = bytes([FORMAT]) + current
        nonce = secrets.token_bytes(_NONCE_BYTES)
        body = keys[current].encrypt(nonce, _to_json(claims), header)
        return base64.b64encode(header + nonce + body).decode()

    def open(self, token: str) -> SessionClaims:
        """The claims of a token this server sealed; ``InvalidClientTokenId`` for anything else."""
        try:
            raw = base64.b64decode(token, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidClientTokenId() from None
        header, nonce, body = (
            raw[:_HEADER_BYTES],
            raw[_HEADER_BYTES : _HEADER_BYTES + _NONCE_BYTES],
            raw[_HEADER_BYTES + _NONCE_BYTES :],
        )
        if self._refresh is not None:
            self._refresh(False)  # a retired master key stops opening tokens
        aead = self._state[1].get(header[1:]) if header[:1] == bytes([FORMAT]) else None
        if (
            aead is None
            and header[:1] == bytes([FORMAT])
            and self._refresh is not None
            and self._refresh(True)
        ):
            aead = self._state[1].get(header[1:])  # sealed by a process that rotated first
        if aead is None or len(nonce) != _NONCE_BYTES:
            raise InvalidClientTokenId()
        try:
            return _from_json(aead.decrypt(nonce, body, header))
        except (InvalidTag, ValueError, KeyError, TypeError, binascii.Error, zlib.error):
            raise InvalidClientTokenId() from None
