"""Corpus: session tokens the server issued, then tampered with, truncated, mixed up or expired.

A token is ``base64(format ‖ key version (8) ‖ nonce (12) ‖ AES-GCM ciphertext and tag)``
(``credo.sts.tokens``): bytes are flipped in each part, and the text is cut and bent.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from tests.hostile.corpus import Case, SessionKeys, Sessions, case, iam
from tests.hostile.wire import Request, Signing

LIST_USERS = iam("ListUsers")
TokenEdit = Callable[[str], str]


def _flip(position: int) -> TokenEdit:
    """Flip the low bit of one byte of the decoded token (negative: from the end)."""

    def edit(token: str) -> str:
        raw = bytearray(base64.b64decode(token))
        raw[position] ^= 1
        return base64.b64encode(bytes(raw)).decode()

    return edit


def _cut(keep: Callable[[bytes], bytes]) -> TokenEdit:
    return lambda token: base64.b64encode(keep(base64.b64decode(token))).decode()


def _signed_with(edit: TokenEdit, *, presigned: bool = False) -> Callable[[Sessions], Request]:
    """A request signed with the first session's keys and its token changed by ``edit``."""

    def build(sessions: Sessions) -> Request:
        first = sessions.first
        signing = Signing(key=first.key, secret=first.secret, token=edit(first.token), presigned=presigned)
        if presigned:
            return Request(
                b"",
                method="GET",
                content_type=None,
                query="Action=ListUsers&Version=2010-05-08",
                signing=signing,
            )
        return Request(LIST_USERS, signing=signing)

    return build


def _mixed(choose: Callable[[SessionKeys, SessionKeys], Signing]) -> Callable[[Sessions], Request]:
    return lambda sessions: Request(LIST_USERS, signing=choose(sessions.first, sessions.second))


TAMPERED: dict[str, TokenEdit] = {
    "format byte flipped": _flip(0),
    "key version flipped": _flip(1),
    "key version last byte flipped": _flip(8),
    "nonce flipped": _flip(9),
    "nonce last byte flipped": _flip(20),
    "ciphertext first byte flipped": _flip(21),
    "ciphertext middle byte flipped": _flip(100),
    "tag last byte flipped": _flip(-1),
    "tag first byte flipped": _flip(-16),
    "format byte zero": lambda t: base64.b64encode(b"\x00" + base64.b64decode(t)[1:]).decode(),
}
TRUNCATED: dict[str, TokenEdit] = {
    "empty": lambda t: "",
    "one byte": _cut(lambda raw: raw[:1]),
    "header only": _cut(lambda raw: raw[:9]),
    "header and nonce": _cut(lambda raw: raw[:21]),
    "without its tag": _cut(lambda raw: raw[:-16]),
    "one byte short": _cut(lambda raw: raw[:-1]),
    "half": _cut(lambda raw: raw[: len(raw) // 2]),
    "text cut mid-quantum": lambda t: t[:-3],
    "padding removed": lambda t: t.rstrip("="),
}
BENT: dict[str, TokenEdit] = {
    "doubled": lambda t: t + t,
    "one byte longer": _cut(lambda raw: raw + b"\x00"),
    "URL-safe alphabet": lambda t: t.replace("+", "-").replace("/", "_") + "-_",
    "not base64": lambda t: "!" * len(t),
    "space inside": lambda t: t[:10] + " " + t[10:],
    "Latin-1 letters": lambda t: t[:10] + "\u00e9\u00ff" + t[10:],
    "64 KiB": lambda t: "A" * 65536,
    "a long-term key id": lambda t: "AKIAIOSFODNN7EXAMPLE",
}


def _cases() -> list[Case]:
    cases = []
    for group in (TAMPERED, TRUNCATED, BENT):
        for name, edit in group.items():
            cases.append(case(f"token {name}", _signed_with(edit), 403, "InvalidClientTokenId"))
    for name in ("format byte flipped", "tag last byte flipped", "without its tag"):
        edit = {**TAMPERED, **TRUNCATED}[name]
        cases.append(
            case(f"presigned token {name}", _signed_with(edit, presigned=True), 403, "InvalidClientTokenId")
        )
    cases += [
        case(
            "token of another session",
            _mixed(lambda first, second: Signing(key=first.key, secret=first.secret, token=second.token)),
            403,
            "InvalidClientTokenId",
        ),
        case(
            "token with a long-term key",
            _mixed(lambda first, second: Signing(key="test", secret="test", token=first.token)),
            403,
            "InvalidClientTokenId",
        ),
        case(
            "token with the wrong secret",
            _mixed(lambda first, second: Signing(key=first.key, secret=second.secret, token=first.token)),
            403,
            "SignatureDoesNotMatch",
        ),
        case(
            "session key without its token",
            _mixed(lambda first, second: Signing(key=first.key, secret=first.secret)),
            403,
            "InvalidClientTokenId",
        ),
        case(
            "token expired an hour ago",
            lambda sessions: Request(
                LIST_USERS,
                signing=Signing(
                    key=sessions.first.key,
                    secret=sessions.first.secret,
                    token=sessions.first.token,
                    skew_seconds=EXPIRED_BY,
                ),
            ),
            403,
            "ExpiredToken",
            advance_clock=EXPIRED_BY,
        ),
        case(
            "tampered token after expiry",
            lambda sessions: Request(
                LIST_USERS,
                signing=Signing(
                    key=sessions.first.key,
                    secret=sessions.first.secret,
                    token=_flip(-1)(sessions.first.token),
                    skew_seconds=EXPIRED_BY,
                ),
            ),
            403,
            "InvalidClientTokenId",
            advance_clock=EXPIRED_BY,
        ),
    ]
    return cases


SESSION_SECONDS = 900
EXPIRED_BY = SESSION_SECONDS + 3600.0
CASES = _cases()
