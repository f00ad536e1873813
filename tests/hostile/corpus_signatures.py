"""Corpus: SigV4 signatures forged, malformed, stale, future-dated, truncated or wrongly scoped."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.conftest import last_changed
from tests.hostile.corpus import Case, case, iam
from tests.hostile.wire import Request, Signing

LIST_USERS = iam("ListUsers")
PRESIGNED_QUERY = "Action=ListUsers&Version=2010-05-08"
MINUTE = 60.0
DAY = 24 * 3600.0
YEAR = 365 * DAY


def _authorization(edit: Callable[[str], str]) -> Callable[[dict[str, str]], dict[str, str]]:
    """A forge step: rewrite the Authorization header botocore wrote."""

    def forge(headers: dict[str, str]) -> dict[str, str]:
        return {**headers, "Authorization": edit(headers["Authorization"])}

    return forge


def _field(name: str, value: Callable[[str], str]) -> Callable[[str], str]:
    """Rewrite one ``Name=value`` field of an Authorization header."""
    return lambda header: re.sub(rf"{name}=([^,]*)", lambda m: f"{name}={value(m.group(1))}", header)


def _header_forged(id: str, edit: Callable[[str], str], status: int, code: str) -> Case:
    return case(id, Request(LIST_USERS, forge=_authorization(edit)), status, code)


def _authorization_headers() -> list[Case]:
    incomplete = [
        ("empty Authorization", lambda h: ""),
        ("algorithm only", lambda h: "AWS4-HMAC-SHA256"),
        ("SHA-512 algorithm", lambda h: h.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512")),
        ("lower-case algorithm", lambda h: h.replace("AWS4-HMAC-SHA256", "aws4-hmac-sha256")),
        ("SigV4a algorithm", lambda h: h.replace("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256")),
        ("SigV2 style", lambda h: "AWS test:c2lnbmF0dXJl"),
        ("bearer token", lambda h: "Bearer abc.def.ghi"),
        ("no Credential", lambda h: re.sub(r"Credential=[^,]*, ?", "", h)),
        ("no SignedHeaders", lambda h: re.sub(r"SignedHeaders=[^,]*, ?", "", h)),
        ("no Signature", lambda h: re.sub(r", ?Signature=\S*", "", h)),
        ("empty Signature", _field("Signature", lambda v: "")),
        ("empty Credential", _field("Credential", lambda v: "")),
        ("Credential without scope", _field("Credential", lambda v: v.split("/")[0])),
        ("Credential of three parts", _field("Credential", lambda v: "/".join(v.split("/")[:3]))),
        ("Credential of six parts", _field("Credential", lambda v: v + "/extra")),
        ("wrong terminator", _field("Credential", lambda v: v.replace("aws4_request", "aws4_requests"))),
        ("empty region", _field("Credential", lambda v: re.sub(r"/us-east-1/", "//", v))),
        ("empty service", _field("Credential", lambda v: v.replace("/iam/", "//"))),
        ("empty key id", _field("Credential", lambda v: "/" + v.split("/", 1)[1])),
        ("region of 64 characters", _field("Credential", lambda v: v.replace("us-east-1", "r" * 64))),
        (
            "region starting with a hyphen",
            _field("Credential", lambda v: v.replace("us-east-1", "-us-east-1")),
        ),
        ("region with a dot", _field("Credential", lambda v: v.replace("us-east-1", "us.east.1"))),
        ("fields without separators", lambda h: h.replace(", ", " ")),
    ]
    mismatched = [
        ("signature all zeros", _field("Signature", lambda v: "0" * 64)),
        ("signature last digit changed", _field("Signature", last_changed)),
        ("signature truncated to 63", _field("Signature", lambda v: v[:63])),
        ("signature truncated to 32", _field("Signature", lambda v: v[:32])),
        ("signature 65 digits", _field("Signature", lambda v: v + "0")),
        ("signature not hex", _field("Signature", lambda v: "z" * 64)),
        ("signature unicode", _field("Signature", lambda v: "\u00e9" * 64)),
        ("scope date a day off", _field("Credential", lambda v: re.sub(r"/(\d{8})/", "/20000101/", v))),
        ("scope service s3", _field("Credential", lambda v: v.replace("/iam/", "/s3/"))),
        ("scope service IAM in capitals", _field("Credential", lambda v: v.replace("/iam/", "/IAM/"))),
        ("scope region changed", _field("Credential", lambda v: v.replace("us-east-1", "eu-west-1"))),
        ("host not signed", _field("SignedHeaders", lambda v: "x-amz-date")),
        ("signed header not sent", _field("SignedHeaders", lambda v: v + ";x-not-sent")),
        ("signed headers reordered", _field("SignedHeaders", lambda v: ";".join(reversed(v.split(";"))))),
        ("signed headers doubled", _field("SignedHeaders", lambda v: v + ";" + v)),
    ]
    cases = [_header_forged(f"auth: {name}", edit, 403, "IncompleteSignature") for name, edit in incomplete]
    cases += [
        _header_forged(f"auth: {name}", edit, 403, "SignatureDoesNotMatch") for name, edit in mismatched
    ]
    cases.append(
        case(
            "auth: Authorization sent twice",
            Request(
                LIST_USERS,
                forge=lambda h: {
                    **h,
                    "authorization": _field("Signature", lambda v: "0" * 64)(h["Authorization"]),
                },
            ),
            403,
            "SignatureDoesNotMatch",
        )
    )
    return cases


def _dates() -> list[Case]:
    def amz_date(value: str) -> Callable[[dict[str, str]], dict[str, str]]:
        return lambda headers: {**headers, "X-Amz-Date": value}

    def date_only(value: str) -> Callable[[dict[str, str]], dict[str, str]]:
        return lambda headers: {**{k: v for k, v in headers.items() if k != "X-Amz-Date"}, "Date": value}

    def no_date(headers: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in headers.items() if k != "X-Amz-Date"}

    incomplete = [
        ("X-Amz-Date extended format", amz_date("2024-01-01T00:00:00Z")),
        ("X-Amz-Date empty", amz_date("")),
        ("X-Amz-Date month 13", amz_date("20241301T000000Z")),
        ("X-Amz-Date hour 25", amz_date("20240101T250000Z")),
        ("X-Amz-Date year 0", amz_date("00000101T000000Z")),
        ("X-Amz-Date 30 digits", amz_date("2" * 30)),
        ("X-Amz-Date Latin-1 superscripts", amz_date("\u00b2\u00b3240101T000000Z")),
        ("no date at all", no_date),
        ("Date not a date", date_only("yesterday")),
        ("Date year 9999 west of UTC", date_only("Fri, 31 Dec 9999 23:59:59 -0100")),
        ("Date day 32", date_only("Tue, 32 Nov 1994 08:12:31 GMT")),
    ]
    cases = [
        case(f"date: {name}", Request(LIST_USERS, forge=forge), 403, "IncompleteSignature")
        for name, forge in incomplete
    ]
    cases.append(
        case(
            "date: Date of year 1 read as 2001",
            Request(LIST_USERS, forge=date_only("Mon, 01 Jan 0001 00:00:00 +0100")),
            403,
            "SignatureDoesNotMatch",
        )
    )
    cases.append(
        case(
            "date: Date in 1994",
            Request(LIST_USERS, forge=date_only("Tue, 15 Nov 1994 08:12:31 GMT")),
            403,
            "SignatureDoesNotMatch",
        )
    )
    for name, skew in [
        ("16 minutes ago", -16 * MINUTE),
        ("an hour ago", -60 * MINUTE),
        ("a day ago", -DAY),
        ("ten years ago", -10 * YEAR),
        ("16 minutes ahead", 16 * MINUTE),
        ("a day ahead", DAY),
        ("ten years ahead", 10 * YEAR),
        ("in year 9999", 7970 * YEAR),
    ]:
        cases.append(
            case(
                f"stale or future: signed {name}",
                Request(LIST_USERS, signing=Signing(skew_seconds=skew)),
                403,
                "SignatureDoesNotMatch",
            )
        )
    return cases


def _keys() -> list[Case]:
    return [
        case(
            "key: unknown",
            Request(LIST_USERS, signing=Signing(key="AKIANOSUCHKEY0000000")),
            403,
            "InvalidClientTokenId",
        ),
        case(
            "key: 10 KiB id",
            Request(LIST_USERS, signing=Signing(key="AKIA" + "A" * 10240)),
            403,
            "InvalidClientTokenId",
        ),
        case(
            "key: Latin-1 id",
            Request(LIST_USERS, signing=Signing(key="AKIA\u00e9\u00ff")),
            403,
            "InvalidClientTokenId",
        ),
        case(
            "key: wrong secret",
            Request(LIST_USERS, signing=Signing(secret="not-the-secret")),
            403,
            "SignatureDoesNotMatch",
        ),
        case(
            "key: empty secret", Request(LIST_USERS, signing=Signing(secret="")), 403, "SignatureDoesNotMatch"
        ),
        case(
            "key: body changed after signing",
            Request(LIST_USERS, sent_body=iam("ListUsers", MaxItems="1")),
            403,
            "SignatureDoesNotMatch",
        ),
        case(
            "key: x-amz-content-sha256 of another body",
            Request(LIST_USERS, headers=(("X-Amz-Content-Sha256", "0" * 64),)),
            403,
            "SignatureDoesNotMatch",
        ),
        case(
            "key: UNSIGNED-PAYLOAD",
            Request(LIST_USERS, headers=(("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"),)),
            403,
            "SignatureDoesNotMatch",
        ),
    ]


def _presigned(
    id: str,
    status: int,
    code: str,
    *,
    query: str = PRESIGNED_QUERY,
    signing: Signing | None = None,
    edit: Callable[[str], str] | None = None,
) -> Case:
    return case(
        f"presigned: {id}",
        Request(
            b"",
            method="GET",
            content_type=None,
            query=query,
            signing=signing or Signing(presigned=True),
            forge_url=edit,
        ),
        status,
        code,
    )


def _query_param(name: str, value: str | None) -> Callable[[str], str]:
    """Set (or with ``None`` remove) one X-Amz-* parameter of a presigned URL."""

    def edit(url: str) -> str:
        base, _, query = url.partition("?")
        pairs = [p for p in query.split("&") if not p.startswith(name + "=")]
        if value is not None:
            pairs.append(f"{name}={value}")
        return base + "?" + "&".join(pairs)

    return edit


def _presigned_urls() -> list[Case]:
    cases = [
        _presigned(f"no {name}", 403, "IncompleteSignature", edit=_query_param(name, None))
        for name in ("X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date")
    ]
    for name, value in [
        ("zero", "0"),
        ("negative", "-1"),
        ("over a week", "604801"),
        ("superscript two", "%C2%B2"),
        ("Arabic-Indic digits", "%D9%A3%D9%A0%D9%A0"),
        ("5,000 digits", "9" * 5000),
        ("exponent", "1e3"),
        ("padded", "%20300"),
    ]:
        cases.append(
            _presigned(
                f"X-Amz-Expires {name}", 403, "IncompleteSignature", edit=_query_param("X-Amz-Expires", value)
            )
        )
    cases += [
        _presigned(
            "algorithm SHA-1",
            403,
            "IncompleteSignature",
            edit=_query_param("X-Amz-Algorithm", "AWS4-HMAC-SHA1"),
        ),
        _presigned("algorithm empty", 403, "IncompleteSignature", edit=_query_param("X-Amz-Algorithm", "")),
        _presigned(
            "expired",
            403,
            "SignatureDoesNotMatch",
            signing=Signing(presigned=True, expires=300, skew_seconds=-20 * MINUTE),
        ),
        _presigned(
            "signed a day ahead",
            403,
            "SignatureDoesNotMatch",
            signing=Signing(presigned=True, skew_seconds=DAY),
        ),
        _presigned("signature changed", 403, "SignatureDoesNotMatch", edit=last_changed),
        _presigned(
            "parameter added after signing",
            403,
            "SignatureDoesNotMatch",
            edit=lambda url: url + "&MaxItems=1",
        ),
        _presigned(
            "key id with a NUL", 403, "InvalidClientTokenId", signing=Signing(key="AK\x00IA", presigned=True)
        ),
        _presigned(
            "key id of control characters",
            403,
            "InvalidClientTokenId",
            signing=Signing(key="\x01\x02\x7f", presigned=True),
        ),
        _presigned(
            "key id with a surrogate escape",
            403,
            "InvalidClientTokenId",
            edit=lambda url: url.replace("X-Amz-Credential=test", "X-Amz-Credential=%ED%A0%80test"),
        ),
        _presigned(
            "region with a NUL",
            403,
            "IncompleteSignature",
            signing=Signing(region="us\x00east", presigned=True),
        ),
        _presigned(
            "region of 70 accented letters",
            403,
            "IncompleteSignature",
            signing=Signing(region="é" * 70, presigned=True),
        ),
        _presigned(
            "scope service s3", 403, "SignatureDoesNotMatch", signing=Signing(service="s3", presigned=True)
        ),
        _presigned(
            "X-Amz-Date of Arabic-Indic digits",
            403,
            "SignatureDoesNotMatch",
            edit=_query_param("X-Amz-Date", "%D9%A2%D9%A0%D9%A2%D9%A4%D9%A0%D9%A1%D9%A0%D9%A1T000000Z"),
        ),
    ]
    return cases


CASES = _authorization_headers() + _dates() + _keys() + _presigned_urls()
