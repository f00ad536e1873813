"""Session tokens (pure): sealed claims open only under the right key, and carry every fact."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

import pytest

from credo.errors import InvalidClientTokenId
from credo.sts.tokens import SessionClaims, SessionTokenKeys

OLD_MASTER = hashlib.sha256(b"old master").digest()
NEW_MASTER = hashlib.sha256(b"new master").digest()

CLAIMS = SessionClaims(
    access_key_id="ASIAEXAMPLEEXAMPLE12",
    secret_access_key="s" * 40,
    account_id="123456789012",
    kind="federated-user",
    arn="arn:aws:sts::123456789012:federated-user/bob",
    user_id="123456789012:bob",
    user_name="alice",
    identity_kind="user",
    identity_id="AIDAEXAMPLEEXAMPLE123",
    issued_at=1_700_000_000,
    expires_at=1_700_003_600,
    source_key_id="AKIAEXAMPLEEXAMPLE12",
    mfa_authenticated_at=1_699_999_990,
    session_policies=('{"Version":"2012-10-17","Statement":[]}',),
    session_tags=(("team", "blue"),),
)


def test_round_trip_keeps_every_claim() -> None:
    """What is sealed opens unchanged, and the principal carries the session facts."""
    keys = SessionTokenKeys(NEW_MASTER)
    opened = keys.open(keys.seal(CLAIMS))
    assert opened == CLAIMS
    principal = opened.principal()
    assert principal.is_session and principal.mfa_authenticated
    assert principal.mfa_authenticated_at is not None and principal.expires_at is not None
    assert principal.session_policies == CLAIMS.session_policies
    assert (principal.identity_kind, principal.identity_id) == ("user", "AIDAEXAMPLEEXAMPLE123")


def test_token_hides_the_secret() -> None:
    """The token is ciphertext: neither the secret nor the key id appears in it."""
    token = SessionTokenKeys(NEW_MASTER).seal(CLAIMS)
    raw = base64.b64decode(token)
    assert CLAIMS.secret_access_key.encode() not in raw and CLAIMS.access_key_id.encode() not in raw


def test_old_tokens_open_after_rotation() -> None:
    """A token sealed under the previous master key opens while that key is still configured."""
    token = SessionTokenKeys(OLD_MASTER).seal(CLAIMS)
    assert SessionTokenKeys(NEW_MASTER, (OLD_MASTER,)).open(token) == CLAIMS
    with pytest.raises(InvalidClientTokenId):
        SessionTokenKeys(NEW_MASTER).open(token)


def _flip(token: str, index: int) -> str:
    raw = bytearray(base64.b64decode(token))
    raw[index] ^= 1
    return base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: _flip(token, 0),  # format byte
        lambda token: _flip(token, 3),  # key version
        lambda token: _flip(token, 12),  # nonce
        lambda token: _flip(token, -1),  # tag
        lambda token: _flip(token, 40),  # ciphertext
        lambda token: token[:-8],
        lambda token: "not base64!",
        lambda token: "",
        lambda token: base64.b64encode(b"\x01" + b"\x00" * 40).decode(),
    ],
)
def test_tampered_tokens_are_invalid(tamper: Callable[[str], str]) -> None:
    """Any change to a token, or a made-up one, is InvalidClientTokenId."""
    keys = SessionTokenKeys(NEW_MASTER)
    token = keys.seal(CLAIMS)
    with pytest.raises(InvalidClientTokenId) as caught:
        keys.open(tamper(token))
    assert caught.value.message == "The security token included in the request is invalid."
