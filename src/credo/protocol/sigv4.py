"""Verify AWS Signature Version 4: ``Authorization`` headers and presigned query strings.

The checks run in AWS's order: a request with no signature at all is
``MissingAuthenticationToken``; a malformed one ``IncompleteSignature`` (both found by
``read_signature``, ``credo.protocol.sigv4_signature``); one dated more than 15 minutes away
from the server's clock ``SignatureDoesNotMatch`` ("Signature expired"); then the caller looks
the key up (``InvalidClientTokenId``) and ``verify`` recomputes the signature and compares in
constant time (``SignatureDoesNotMatch``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol
from urllib.parse import quote, unquote

from credo.errors import SignatureDoesNotMatch
from credo.protocol.sigv4_signature import (
    ALGORITHM,
    AMZ_DATE_FORMAT,
    MAX_PRESIGNED_EXPIRES,
    Headers,
    Signature,
    read_signature,
)

__all__ = [
    "ALGORITHM",
    "MAX_PRESIGNED_EXPIRES",
    "MAX_SKEW_SECONDS",
    "Headers",
    "Signature",
    "canonical_request_for_hash",
    "check_canonical",
    "check_time",
    "parse_query_string",
    "read_headers",
    "read_signature",
    "signing_key",
    "verify",
]

MAX_SKEW_SECONDS = 15 * 60


class _Mac(Protocol):
    """What ``_scope_mac`` keeps: ``hmac.HMAC``, or OpenSSL's HMAC object it wraps."""

    def copy(self) -> _Mac: ...
    def update(self, msg: bytes) -> None: ...
    def hexdigest(self) -> str: ...


def parse_query_string(raw: str) -> list[tuple[str, str]]:
    """``a=1&b=&c`` as decoded pairs, keeping blank values (they are signed too)."""
    pairs = []
    for part in raw.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((unquote(key), unquote(value)))
    return pairs


def read_headers(raw: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
    """ASGI's header pairs as ``Headers``; repeated headers joined as SigV4 signs them.

    ASGI servers hand header names over lower-cased (uvicorn does), so they are not lowered again.
    """
    headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in raw}
    if len(headers) < len(raw):
        # Rare: a header sent twice. Joined here as the canonical request needs it.
        values: dict[str, list[str]] = {}
        for name, value in raw:
            values.setdefault(name.decode("latin-1"), []).append(value.decode("latin-1"))
        headers = {name: ",".join(map(_trimmed, vs)) for name, vs in values.items()}
    return headers


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime(AMZ_DATE_FORMAT)


# With no "//" and no "/." (so no empty, "." or ".." segment), a path SigV4 leaves as it is.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9._~/-]*")


def check_time(signature: Signature, now: float) -> None:
    """Refuse requests dated more than 15 minutes from ``now``, and expired presigned URLs."""
    signed_at = signature.signed_at
    if signature.presigned and signature.expires is not None:
        if now > signed_at + signature.expires:
            ends = _stamp(signed_at + signature.expires)
            raise SignatureDoesNotMatch(f"Signature expired: {ends} is now earlier than {_stamp(now)}.")
        if signed_at > now + MAX_SKEW_SECONDS:
            raise _not_yet_current(signature, now)
        return
    if signed_at < now - MAX_SKEW_SECONDS:
        earliest = _stamp(now - MAX_SKEW_SECONDS)
        raise SignatureDoesNotMatch(
            f"Signature expired: {signature.amz_date} is now earlier than {earliest} ({_stamp(now)} - 15 min.)"
        )
    if signed_at > now + MAX_SKEW_SECONDS:
        raise _not_yet_current(signature, now)


def _not_yet_current(signature: Signature, now: float) -> SignatureDoesNotMatch:
    latest = _stamp(now + MAX_SKEW_SECONDS)
    return SignatureDoesNotMatch(
        f"Signature not yet current: {signature.amz_date} is still later than {latest} ({_stamp(now)} + 15 min.)"
    )


def signing_key(secret: str, scope_date: str, region: str, service: str) -> bytes:
    """The derived key ``HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request")``."""
    key = hmac.digest(("AWS4" + secret).encode(), scope_date.encode(), "sha256")
    key = hmac.digest(key, region.encode(), "sha256")
    key = hmac.digest(key, service.encode(), "sha256")
    return hmac.digest(key, b"aws4_request", "sha256")


def canonical_request_for_hash(
    signature: Signature,
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    headers: Headers,
    payload_hash: str,
) -> str:
    """The canonical request with the payload's hash as given (hex SHA-256 or
    ``UNSIGNED-PAYLOAD``): for a request whose body the verifier does not hold (credo.gateway)."""
    canonical_query = ""
    if query:
        pairs = sorted(
            (quote(key, safe="-_.~"), quote(value, safe="-_.~"))
            for key, value in query
            if not (signature.presigned and key == "X-Amz-Signature")
        )
        canonical_query = "&".join(f"{k}={v}" for k, v in pairs)
    if not (path[:1] == "/" and "//" not in path and "/." not in path and _PLAIN_PATH.fullmatch(path)):
        path = _canonical_path(path)  # else nothing to normalize or encode (nearly every path)
    get = headers.get
    lines = [f"{name}:{' '.join(get(name, '').split())}\n" for name in signature.signed_headers]
    return (
        f"{method}\n{path}\n{canonical_query}\n{''.join(lines)}\n"
        f"{';'.join(signature.signed_headers)}\n{payload_hash}"
    )


def _trimmed(value: str) -> str:
    """SigV4's header value form: outer whitespace trimmed, inner runs collapsed to one space,
    as botocore signs it. (Cheaper than any test for a value already in that form.)"""
    return " ".join(value.split())


def _canonical_path(path: str) -> str:
    """The path without empty, ``.`` and ``..`` segments, percent-encoded once more (SigV4 for
    services other than S3)."""
    segments: list[str] = []
    for segment in path.split("/"):
        if segment in {"", "."}:
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    normalized = "/" + "/".join(segments)
    if path.endswith("/") and normalized != "/":
        normalized += "/"
    return quote(normalized, safe="/~")


@lru_cache(maxsize=4096)
def _scope_mac(secret: str, scope: str) -> _Mac:
    """An HMAC keyed with the scope's signing key, copied per request (cheaper than keying anew)."""
    scope_date, region, service, _ = scope.split("/")
    return _keyed_mac(signing_key(secret, scope_date, region, service))


def _keyed_mac(key: bytes) -> _Mac:
    """OpenSSL's HMAC object itself where Python has it: ``hmac.HMAC`` wraps it in Python
    methods, four calls more per signature checked."""
    try:
        from _hashlib import hmac_new
    except ImportError:  # a Python built without OpenSSL's hashes
        return hmac.new(key, digestmod="sha256")
    return hmac_new(key, digestmod="sha256")


def verify(
    signature: Signature,
    secret: str,
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    headers: Headers,
    body: bytes,
) -> None:
    """Raise ``SignatureDoesNotMatch`` unless ``signature`` is right for this request and secret."""
    # The body carries the Query parameters, so it is always signed: UNSIGNED-PAYLOAD (S3's
    # presigned style) would let anyone rewrite the parameters of a captured request.
    payload_hash = hashlib.sha256(body).hexdigest()
    claimed = headers.get("x-amz-content-sha256")
    if claimed and claimed != payload_hash:
        raise SignatureDoesNotMatch(
            "The provided 'x-amz-content-sha256' header does not match what was computed."
        )
    check_canonical(
        signature, secret, canonical_request_for_hash(signature, method, path, query, headers, payload_hash)
    )


def check_canonical(signature: Signature, secret: str, canonical: str) -> None:
    """Raise ``SignatureDoesNotMatch`` unless ``signature`` signs ``canonical`` with ``secret``."""
    mac = _scope_mac(secret, signature.scope).copy()
    mac.update(
        f"{ALGORITHM}\n{signature.amz_date}\n{signature.scope}\n"
        f"{hashlib.sha256(canonical.encode()).hexdigest()}".encode()  # the string to sign
    )
    if not hmac.compare_digest(mac.hexdigest().encode(), signature.signature.encode()):
        raise SignatureDoesNotMatch()
