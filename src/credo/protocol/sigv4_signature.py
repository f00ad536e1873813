"""What a request claims about its SigV4 signature, read before any key is looked up.

``read_signature`` finds it in the ``Authorization`` header or in a presigned query string and
refuses, in AWS's words, a request without one (``MissingAuthenticationToken``) or with a
malformed one (``IncompleteSignature``; a scope whose date is not the request's,
``SignatureDoesNotMatch``). Checking it is ``credo.protocol.sigv4``'s.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache

from credo.errors import IncompleteSignature, MissingAuthenticationToken, SignatureDoesNotMatch

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_PRESIGNED_EXPIRES = 7 * 24 * 3600
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"

# Lower-case name -> value. A header sent more than once holds its values as SigV4 signs
# them: each trimmed, joined with "," in arrival order (see ``sigv4.read_headers``).
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


def read_signature(headers: Headers, query: Sequence[tuple[str, str]]) -> Signature:
    """The signature a request carries, in its header or its query string."""
    authorization = headers.get("authorization")
    if authorization is not None:
        return _from_header(authorization, headers)
    if any(key == "X-Amz-Algorithm" for key, _ in query):
        return _from_query(query)
    raise MissingAuthenticationToken()


def _from_header(authorization: str, headers: Headers) -> Signature:
    amz_date = headers.get("x-amz-date")
    # awscurl sends an empty token with long-term keys; AWS takes that as no token.
    session_token = headers.get("x-amz-security-token") or None
    signature = authorization[-64:]
    # A client's header is the same but for its signature (64 hex digits) from one request to the
    # next: what comes before is read once (``_usual_claim``), the signature checked on its own.
    if (
        amz_date is not None
        and authorization[-74:-64] == "Signature="
        and signature.isascii()
        and signature.encode().isalnum()  # bytes: str.isalnum reads the Unicode tables
    ):
        claim = _usual_claim(authorization[:-64])
        if claim is not None and claim.scope_date == amz_date[:8]:
            try:
                signed_at = _parse_amz_date(amz_date)
            except ValueError:
                pass  # refused below, in AWS's words
            else:
                return Signature(
                    claim.access_key_id,
                    claim.scope,
                    claim.region,
                    claim.service,
                    claim.signed_headers,
                    signature.lower(),
                    signed_at,
                    amz_date,
                    session_token,
                    False,
                    None,
                )
    match = _USUAL_AUTHORIZATION.fullmatch(authorization)
    if match is not None and amz_date is not None:
        credential, signed_headers, signature = match[1], match[2], match[3]
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
        session_token,
        presigned=False,
        expires=None,
    )


@dataclass(frozen=True, slots=True)
class _Claim:
    """What a usual header says before its signature, once read and found well formed."""

    access_key_id: str
    scope: str
    scope_date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]


@lru_cache(maxsize=1024)
def _usual_claim(head: str) -> _Claim | None:
    """The claim of a usual header's part before its signature's digits; ``None`` when it is not
    usual or not well formed (the general path then refuses it, in AWS's words).

    The last group cannot reach back before ``Signature=`` (it excludes ``=``), so the whole
    header matches exactly when this part followed by any digit does, with the same groups."""
    match = _USUAL_AUTHORIZATION.fullmatch(head + "0")
    if match is None:
        return None
    key_id, _, scope = match[1].partition("/")
    parts = _scope_parts(scope) if key_id else None
    names = _header_names(match[2])
    if parts is None or "host" not in names:
        return None
    return _Claim(key_id, scope, parts[0], parts[1], parts[2], names)


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
    return parsed.timestamp(), parsed.strftime(AMZ_DATE_FORMAT)


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


@lru_cache(maxsize=1024)
def _header_names(signed_headers: str) -> tuple[str, ...]:
    """``content-type;host;x-amz-date`` as a tuple (cached: clients sign the same set each time)."""
    return tuple(signed_headers.split(";"))
