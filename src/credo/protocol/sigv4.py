"""Verify AWS Signature Version 4: ``Authorization`` headers and presigned query strings.

The checks run in AWS's order: a request with no signature at all is
``MissingAuthenticationToken``; a malformed one ``IncompleteSignature``; one dated more than
15 minutes away from the server's clock ``SignatureDoesNotMatch`` ("Signature expired");
then the caller looks the key up (``InvalidClientTokenId``) and ``verify`` recomputes the
signature and compares in constant time (``SignatureDoesNotMatch``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from urllib.parse import quote, unquote

from credo.errors import IncompleteSignature, MissingAuthenticationToken, SignatureDoesNotMatch

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW_SECONDS = 15 * 60
MAX_PRESIGNED_EXPIRES = 7 * 24 * 3600
_AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"

# Lower-case name -> value. A header sent more than once holds its values as SigV4 signs
# them: each trimmed, joined with "," in arrival order (see ``read_headers``).
Headers = Mapping[str, str]

# How botocore, the aws CLI and every AWS SDK write the header: read with one regex match.
# Anything else (other spacing, other order, a missing part) goes through the general parser.
_USUAL_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=([^\s,=]+), ?SignedHeaders=([^\s,=]+), ?Signature=([^\s,=]+)"
)


@dataclass(slots=True)  # not frozen: a frozen dataclass costs µs to build, on every request
class Signature:
    """What a request claims about its signature, before any key is looked up."""

    access_key_id: str
    scope: str  # "20240101/us-east-1/iam/aws4_request": the credential without the key id
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    signed_at: float  # seconds since the epoch
    amz_date: str
    session_token: str | None
    presigned: bool
    expires: int | None


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


def read_signature(headers: Headers, query: Sequence[tuple[str, str]]) -> Signature:
    """The signature a request carries, in its header or its query string."""
    authorization = headers.get("authorization")
    if authorization is not None:
        return _from_header(authorization, headers)
    if any(key == "X-Amz-Algorithm" for key, _ in query):
        return _from_query(query)
    raise MissingAuthenticationToken()


def _from_header(authorization: str, headers: Headers) -> Signature:
    usual = _USUAL_AUTHORIZATION.fullmatch(authorization)
    amz_date = headers.get("x-amz-date")
    if usual is not None and amz_date is not None:
        credential, signed_headers, signature = usual.groups()
        timestamp, amz_text = _timestamp(amz_date, None)
    else:
        credential, signed_headers, signature, timestamp, amz_text = _parse_authorization(
            authorization, amz_date, headers.get("date")
        )
    return _signature(
        credential,
        signed_headers,
        signature,
        timestamp,
        amz_text,
        # awscurl sends an empty token with long-term keys; AWS takes that as no token.
        headers.get("x-amz-security-token") or None,
        presigned=False,
        expires=None,
    )


def _parse_authorization(
    authorization: str, amz_date: str | None, date_header: str | None
) -> tuple[str, str, str, float, str]:
    """Credential, SignedHeaders, Signature and the date of a header in any accepted form."""
    algorithm, _, rest = authorization.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise IncompleteSignature(f"Unsupported AWS 'algorithm': '{algorithm}'.")
    fields: dict[str, str] = {}
    for item in rest.split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            fields[key] = value
    if not (fields.get("Credential") and fields.get("Signature") and fields.get("SignedHeaders")) or (
        amz_date is None and date_header is None
    ):
        raise IncompleteSignature(
            _missing_parts(fields, amz_date, date_header) + f" Authorization={algorithm}"
        )
    timestamp, amz_text = _timestamp(amz_date, date_header)
    return fields["Credential"], fields["SignedHeaders"], fields["Signature"], timestamp, amz_text


def _missing_parts(fields: Mapping[str, str], amz_date: str | None, date_header: str | None) -> str:
    problems = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if not fields.get(name)
    ]
    if amz_date is None and date_header is None:
        problems.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    return " ".join(problems)


_EXPIRES = re.compile(r"[0-9]{1,10}")


def _from_query(query: Sequence[tuple[str, str]]) -> Signature:
    params = dict(query)
    if params.get("X-Amz-Algorithm") != ALGORITHM:
        raise IncompleteSignature(f"Unsupported AWS 'algorithm': '{params.get('X-Amz-Algorithm')}'.")
    missing = [
        name
        for name in ("X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date")
        if not params.get(name)
    ]
    if missing:
        raise IncompleteSignature(
            " ".join(f"AWS query-string parameters must include '{name}'." for name in missing)
            + " Re-examine the query-string parameters."
        )
    expires_text = params.get("X-Amz-Expires", "")
    expires: int | None = None
    if expires_text:
        # ASCII digits only, and few of them: ``isdigit`` alone lets "²" and 5,000 digits through
        # to ``int``, which then raises.
        if not _EXPIRES.fullmatch(expires_text) or not 0 < int(expires_text) <= MAX_PRESIGNED_EXPIRES:
            raise IncompleteSignature(
                f"X-Amz-Expires must be a positive integer no greater than {MAX_PRESIGNED_EXPIRES}."
            )
        expires = int(expires_text)
    timestamp, amz_text = _timestamp(params["X-Amz-Date"], None)
    return _signature(
        params["X-Amz-Credential"],
        params["X-Amz-SignedHeaders"],
        params["X-Amz-Signature"],
        timestamp,
        amz_text,
        params.get("X-Amz-Security-Token") or None,
        presigned=True,
        expires=expires,
    )


def _timestamp(amz_date: str | None, date_header: str | None) -> tuple[float, str]:
    if amz_date is not None:
        try:
            signed_at = _parse_amz_date(amz_date)
        except ValueError:
            raise IncompleteSignature(
                f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See http://en.wikipedia.org/wiki/ISO_8601"
            ) from None
        return signed_at, amz_date
    assert date_header is not None
    try:
        parsed = parsedate_to_datetime(date_header).astimezone(UTC)
    except (TypeError, ValueError, OverflowError):  # Overflow: "31 Dec 9999 23:59:59 -0100" in UTC
        raise IncompleteSignature(f"Date header '{date_header}' is not an RFC 1123 date.") from None
    return parsed.timestamp(), parsed.strftime(_AMZ_DATE_FORMAT)


@lru_cache(maxsize=256)
def _parse_amz_date(text: str) -> float:
    """``20240101T000000Z`` by hand: strptime costs more than the rest of a signature check.

    Cached: a busy client sends many requests within one second, all with the same date.
    """
    if len(text) != 16 or text[8] != "T" or text[15] != "Z" or not (text[:8] + text[9:15]).isdigit():
        raise ValueError(text)
    return datetime(
        int(text[0:4]),
        int(text[4:6]),
        int(text[6:8]),
        int(text[9:11]),
        int(text[11:13]),
        int(text[13:15]),
        tzinfo=UTC,
    ).timestamp()


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime(_AMZ_DATE_FORMAT)


def _signature(
    credential: str,
    signed_headers: str,
    signature: str,
    timestamp: float,
    amz_date: str,
    session_token: str | None,
    *,
    presigned: bool,
    expires: int | None,
) -> Signature:
    key_id, _, scope = credential.partition("/")
    parts = _scope_parts(scope) if key_id else None
    if parts is None:
        raise IncompleteSignature(
            f"Credential should be scoped to a valid region. Credential={credential} is malformed: "
            "expected ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request."
        )
    scope_date, region, service = parts
    if scope_date != amz_date[:8]:
        raise SignatureDoesNotMatch(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{scope_date}' != '{amz_date[:8]}', from '{amz_date}'."
        )
    names = _header_names(signed_headers)
    if "host" not in names:
        raise SignatureDoesNotMatch("'Host' must be a 'SignedHeader' in the AWS Authorization.")
    return Signature(
        key_id,
        scope,
        region,
        service,
        names,
        signature.lower(),
        timestamp,
        amz_date,
        session_token,
        presigned,
        expires,
    )


@lru_cache(maxsize=1024)
def _scope_parts(scope: str) -> tuple[str, str, str] | None:
    """``(date, region, service)`` of ``date/region/service/aws4_request``; ``None`` if malformed.

    The region must be a host name label, as botocore checks it: the region is recorded with
    each key's last use, so it must be short and plain text (no NUL, nothing of 64 characters).
    Cached: a client signs with the same scope all day.
    """
    parts = scope.split("/")
    if len(parts) != 4 or parts[3] != "aws4_request" or not all(parts) or not _REGION.match(parts[1]):
        return None
    return parts[0], parts[1], parts[2]


_REGION = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\Z")
# A path SigV4 leaves as it is: "/" or segments of unreserved characters, none empty, "." or "..".
_PLAIN_PATH = re.compile(r"/\Z|(?:/(?!\.\.?(?:/|\Z))[A-Za-z0-9._~-]+)+/?\Z")


@lru_cache(maxsize=1024)
def _header_names(signed_headers: str) -> tuple[str, ...]:
    """``content-type;host;x-amz-date`` as a tuple (cached: clients sign the same set each time)."""
    return tuple(signed_headers.split(";"))


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


def canonical_request(
    signature: Signature,
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    headers: Headers,
    body: bytes,
) -> str:
    """The canonical request exactly as the client built it before signing."""
    # The body carries the Query parameters, so it is always signed: UNSIGNED-PAYLOAD (S3's
    # presigned style) would let anyone rewrite the parameters of a captured request.
    payload_hash = hashlib.sha256(body).hexdigest()
    claimed = headers.get("x-amz-content-sha256")
    if claimed and claimed != payload_hash:
        raise SignatureDoesNotMatch(
            "The provided 'x-amz-content-sha256' header does not match what was computed."
        )
    return canonical_request_for_hash(signature, method, path, query, headers, payload_hash)


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
    lines = [f"{name}:{_trimmed(headers.get(name, ''))}\n" for name in signature.signed_headers]
    return (
        f"{method}\n{_canonical_path(path)}\n{canonical_query}\n{''.join(lines)}\n"
        f"{';'.join(signature.signed_headers)}\n{payload_hash}"
    )


def _trimmed(value: str) -> str:
    """SigV4's header value form: outer whitespace trimmed, inner runs collapsed to one space.

    Printable ASCII without double spaces or outer spaces (nearly every value) is already in
    that form; anything else goes through the same split-and-join botocore signs with.
    """
    if (
        value.isascii()
        and value.isprintable()
        and "  " not in value
        and value[:1] != " "
        and value[-1:] != " "
    ):
        return value
    return " ".join(value.split())


def _canonical_path(path: str) -> str:
    if _PLAIN_PATH.match(path):
        return path  # nothing to normalize or encode: unreserved characters, no empty or dot segments
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


def expected_signature(signature: Signature, secret: str, canonical: str) -> str:
    string_to_sign = (
        f"{ALGORITHM}\n{signature.amz_date}\n{signature.scope}\n"
        f"{hashlib.sha256(canonical.encode()).hexdigest()}"
    )
    mac = _scope_mac(secret, signature.scope).copy()
    mac.update(string_to_sign.encode())
    return mac.hexdigest()


@lru_cache(maxsize=4096)
def _scope_mac(secret: str, scope: str) -> hmac.HMAC:
    """An HMAC keyed with the scope's signing key, copied per request (cheaper than keying anew)."""
    scope_date, region, service, _ = scope.split("/")
    return hmac.new(signing_key(secret, scope_date, region, service), digestmod="sha256")


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
    check_canonical(signature, secret, canonical_request(signature, method, path, query, headers, body))


def check_canonical(signature: Signature, secret: str, canonical: str) -> None:
    """Raise ``SignatureDoesNotMatch`` unless ``signature`` signs ``canonical`` with ``secret``."""
    expected = expected_signature(signature, secret, canonical)
    if not hmac.compare_digest(expected.encode(), signature.signature.encode()):
        raise SignatureDoesNotMatch()
