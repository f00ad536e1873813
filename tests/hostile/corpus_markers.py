"""Corpus: paging markers credo never issued, on the everyday listings.

``tests/iam/test_markers.py`` sends forged markers through boto3 to every listing; these go on
the wire with what boto3 would not send (raw control characters, lengths over the model's
limit, bytes that are not UTF-8) and check the whole answer.
"""

from __future__ import annotations

import base64

from tests.hostile.corpus import Case, case, iam
from tests.hostile.wire import Request

LISTINGS = [
    "ListUsers",
    "ListRoles",
    "ListGroups",
    "ListPolicies",
    "GetAccountAuthorizationDetails",
    "ListInstanceProfiles",
]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


# Markers the decoder lets through (they fit the model) that no listing issued: InvalidInput.
# (Listings by name take any other decodable marker as "after this name", as AWS's opaque
# markers cannot be told apart; those by position refuse what is not a small number.)
FORGED = {
    "three NULs": "AAAA",
    "control characters": _b64(b"a\x01\x1fb"),
    "not base64": "@@@",
    "padding only": "====",
    "a 320-character marker": "A" * 320,
    "NULs after a name": _b64(b"alice\x00\x00"),
}
FORGED_POSITIONS = {
    "a 200-digit position": _b64(b"9" * 200),
    "a 230-digit negative position": _b64(b"-" + b"9" * 230),
    "a 4,301-digit position": _b64(b"9" * 4301)[:320],
    "JSON of another service": _b64(b'{"ExclusiveStartKey":{"id":{"S":"x"}}}'),
    "base64 without padding": "QUJD",
}
POSITIONAL = "GetAccountAuthorizationDetails"
# Markers the model refuses: ValidationError before any listing runs.
REFUSED = {
    "empty": "",
    "a raw NUL": "\x00",
    "a raw control character": "a\x01",
    "321 characters": "A" * 321,
    "beyond Latin-1": "\u0100",
}


def _cases() -> list[Case]:
    cases = []
    for operation in LISTINGS:
        forged = {**FORGED, **FORGED_POSITIONS} if operation == POSITIONAL else FORGED
        for name, marker in forged.items():
            cases.append(
                case(
                    f"{operation} marker {name}", Request(iam(operation, Marker=marker)), 400, "InvalidInput"
                )
            )
        for name, marker in REFUSED.items():
            cases.append(
                case(
                    f"{operation} marker {name}",
                    Request(iam(operation, Marker=marker)),
                    400,
                    "ValidationError",
                )
            )
        cases.append(
            case(
                f"{operation} marker of invalid UTF-8",
                Request(f"Action={operation}&Version=2010-05-08&Marker=%FF%FE%00".encode()),
                400,
                "ValidationError",
            )
        )
    return cases


CASES = _cases()
