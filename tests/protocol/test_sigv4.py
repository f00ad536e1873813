"""SigV4 verification against requests botocore itself signs."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import quote, urlencode, urlsplit

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st

from credo.errors import IncompleteSignature, MissingAuthenticationToken, SignatureDoesNotMatch
from credo.protocol import sigv4

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
CREDS = Credentials("AKIAIOSFODNN7EXAMPLE", SECRET)

text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=30)
name = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_.~", min_size=1, max_size=12)


def sign(method: str, url: str, body: bytes, headers: dict[str, str], *, presign: bool = False) -> AWSRequest:
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    if presign:
        SigV4QueryAuth(CREDS, "iam", "us-east-1", expires=300).add_auth(request)
    else:
        SigV4Auth(CREDS, "iam", "us-east-1").add_auth(request)
    return request


def check(request: AWSRequest, *, secret: str = SECRET, now: float | None = None) -> None:
    """Run the server's verification over what botocore would put on the wire."""
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    headers = {key.lower(): value for key, value in prepared.headers.items()}
    headers.setdefault("host", parts.netloc)
    query = sigv4.parse_query_string(parts.query)
    signature = sigv4.read_signature(headers, query)
    sigv4.check_time(signature, time.time() if now is None else now)
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode()
    sigv4.verify(signature, secret, prepared.method, parts.path or "/", query, headers, body)


@settings(max_examples=150, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST"]),
    path=st.lists(name, max_size=3).map(lambda segments: "/" + "/".join(segments)),
    query=st.dictionaries(name, text, max_size=4),
    body=st.binary(max_size=200),
    extra=st.dictionaries(st.sampled_from(["x-amz-meta-a", "x-custom", "content-type"]), name, max_size=2),
)
def test_any_botocore_signed_request_verifies(
    method: str, path: str, query: dict[str, str], body: bytes, extra: dict[str, str]
) -> None:
    """Whatever botocore signs, with any path, query, headers or body, verifies."""
    url = "http://127.0.0.1:7300" + path + ("?" + urlencode(query, quote_via=quote) if query else "")
    check(sign(method, url, body, extra))


def tamper_cases() -> list[tuple[str, object]]:
    return [
        ("method", "PUT"),
        ("path", "/other"),
        ("query", "extra=1"),
        ("header", "tampered"),
        ("body", b"x=2"),
    ]


@pytest.mark.parametrize(("part", "change"), tamper_cases())
def test_changing_any_signed_part_fails(part: str, change: object) -> None:
    """Changing the method, path, query, a signed header or the body breaks the signature."""
    request = sign("POST", "http://127.0.0.1:7300/?a=1", b"x=1", {"x-custom": "value"})
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    headers = {k.lower(): v for k, v in prepared.headers.items()}
    method, path, query_text, body = prepared.method, parts.path, parts.query, b"x=1"
    if part == "method":
        method = str(change)
    elif part == "path":
        path = str(change)
    elif part == "query":
        query_text += "&" + str(change)
    elif part == "header":
        headers["x-custom"] = str(change)
    else:
        body = change  # type: ignore[assignment]
    query = sigv4.parse_query_string(query_text)
    signature = sigv4.read_signature(headers, query)
    with pytest.raises(SignatureDoesNotMatch):
        sigv4.verify(signature, SECRET, method, path, query, headers, body)


@settings(max_examples=60, deadline=None)
@given(
    query=st.dictionaries(name, text, min_size=1, max_size=3),
    body=st.binary(min_size=1, max_size=100),
    data=st.data(),
)
def test_any_single_change_is_detected(query: dict[str, str], body: bytes, data: st.DataObject) -> None:
    """Property: flipping any byte of the body or any query value makes verification fail."""
    request = sign("POST", "http://127.0.0.1:7300/?" + urlencode(query, quote_via=quote), body, {})
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    headers = {k.lower(): v for k, v in prepared.headers.items()}
    pairs = sigv4.parse_query_string(parts.query)
    if data.draw(st.booleans()):
        index = data.draw(st.integers(0, len(body) - 1))
        body = body[:index] + bytes([body[index] ^ 1]) + body[index + 1 :]
    else:
        index = data.draw(st.integers(0, len(pairs) - 1))
        key, value = pairs[index]
        pairs[index] = (key, value + "!")
    signature = sigv4.read_signature(headers, sigv4.parse_query_string(parts.query))
    with pytest.raises(SignatureDoesNotMatch):
        sigv4.verify(signature, SECRET, "POST", parts.path, pairs, headers, body)


def test_presigned_url_verifies_and_expires() -> None:
    """A presigned URL verifies until X-Amz-Expires passes, then is refused."""
    request = sign("GET", "http://127.0.0.1:7300/?Action=ListUsers&Version=2010-05-08", b"", {}, presign=True)
    check(request)
    with pytest.raises(SignatureDoesNotMatch, match="Signature expired"):
        check(request, now=time.time() + 301)


def test_wrong_secret_fails() -> None:
    """The signature only verifies under the secret it was made with."""
    with pytest.raises(SignatureDoesNotMatch):
        check(sign("POST", "http://127.0.0.1:7300/", b"Action=ListUsers", {}), secret=SECRET + "x")


@pytest.mark.parametrize(
    ("offset", "message"),
    [(-16 * 60, "Signature expired"), (16 * 60, "Signature not yet current")],
)
def test_clock_skew_beyond_15_minutes_is_refused(offset: int, message: str) -> None:
    """A request dated more than 15 minutes from the server's clock is refused."""
    request = sign("POST", "http://127.0.0.1:7300/", b"", {})
    with pytest.raises(SignatureDoesNotMatch, match=message):
        check(request, now=time.time() - offset)


@pytest.mark.parametrize("offset", [-14 * 60, 14 * 60])
def test_clock_skew_within_15_minutes_is_accepted(offset: int) -> None:
    """Up to 15 minutes of skew either way is accepted."""
    check(sign("POST", "http://127.0.0.1:7300/", b"", {}), now=time.time() - offset)


@pytest.mark.parametrize(
    ("authorization", "error"),
    [
        ("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00", IncompleteSignature),
        (
            "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/iam/aws4_request, Signature=00",
            IncompleteSignature,
        ),
        (
            "AWS4-HMAC-SHA1 Credential=a/b/c/d/aws4_request, SignedHeaders=host, Signature=00",
            IncompleteSignature,
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AKID/2024/aws4_request, SignedHeaders=host, Signature=00",
            IncompleteSignature,
        ),
    ],
)
def test_malformed_authorization_header(authorization: str, error: type[Exception]) -> None:
    """A malformed Authorization header is IncompleteSignature, naming what is missing."""
    headers = {"authorization": authorization, "x-amz-date": "20240101T000000Z", "host": "h"}
    with pytest.raises(error):
        sigv4.read_signature(headers, [])


def test_no_signature_at_all_is_missing_authentication_token() -> None:
    """A request with no Authorization header and no presigned query is MissingAuthenticationToken."""
    with pytest.raises(MissingAuthenticationToken):
        sigv4.read_signature({"host": "h"}, [("Action", "ListUsers")])


def test_scope_date_must_match_request_date() -> None:
    """The credential scope's date must be the request's date."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    headers = {
        "authorization": (
            "AWS4-HMAC-SHA256 Credential=AKID/19990101/us-east-1/iam/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=00"
        ),
        "x-amz-date": stamp,
        "host": "h",
    }
    with pytest.raises(SignatureDoesNotMatch, match="Date in Credential scope"):
        sigv4.read_signature(headers, [])


def test_signing_key_matches_aws_documented_example() -> None:
    """The derived key equals the one in AWS's SigV4 documentation example."""
    key = sigv4.signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")
    assert key.hex() == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"


@given(st.text(alphabet=st.characters(max_codepoint=0x2030), max_size=40))
def test_header_values_are_trimmed_as_botocore_signs_them(value: str) -> None:
    """The fast path for already-canonical values agrees with split-and-join on any text."""
    assert sigv4._trimmed(value) == " ".join(value.split())


@pytest.mark.parametrize("value", ["a  b", " a", "a ", "a\tb", "a\nb", "a\xa0b", "a\x1fb", ""])
def test_header_values_with_odd_whitespace_are_collapsed(value: str) -> None:
    assert sigv4._trimmed(value) == " ".join(value.split())


def test_a_repeated_header_is_joined_as_sigv4_signs_it() -> None:
    """Values of a header sent twice are trimmed and joined with "," (botocore's canonical form)."""
    raw = [(b"host", b"h"), (b"x-custom", b" a  b "), (b"x-custom", b"c")]
    assert sigv4.read_headers(raw) == {"host": "h", "x-custom": "a b,c"}


token = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-/;", min_size=1, max_size=30)


@given(
    key=name,
    scope_date=st.just("20240101"),
    signed=token,
    signature=token,
    spaces=st.sampled_from(["", " ", "  "]),
)
def test_the_usual_authorization_form_reads_as_any_other_form(
    key: str, scope_date: str, signed: str, signature: str, spaces: str
) -> None:
    """The one-regex reading of botocore's header form agrees with the general parser."""
    credential = f"{key}/{scope_date}/us-east-1/iam/aws4_request"
    usual = f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host;{signed}, Signature={signature}"
    spaced = (
        f" AWS4-HMAC-SHA256 Credential={credential},{spaces} SignedHeaders=host;{signed} ,"
        f"Signature={signature}{spaces}"
    )
    headers = {"x-amz-date": "20240101T000000Z", "host": "h"}
    read = sigv4.read_signature({**headers, "authorization": usual}, [])
    assert read == sigv4.read_signature({**headers, "authorization": spaced}, [])
    assert (read.access_key_id, read.signed_headers[0], read.signature) == (key, "host", signature.lower())


@pytest.mark.parametrize(
    "expires",
    [
        pytest.param("²", id="unicode superscript digit"),
        pytest.param("٣٠٠", id="arabic-indic digits"),
        pytest.param("9" * 5000, id="5000 digits"),
        pytest.param("0", id="zero"),
        pytest.param("-5", id="negative"),
        pytest.param("604801", id="over a week"),
    ],
)
def test_bad_presigned_expiry_is_incomplete_signature(expires: str) -> None:
    """X-Amz-Expires must be 1-604800 in ASCII digits; anything else is IncompleteSignature, never a crash."""
    query = [
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
        ("X-Amz-Credential", "AKIDEXAMPLE/20240101/us-east-1/iam/aws4_request"),
        ("X-Amz-Date", "20240101T000000Z"),
        ("X-Amz-Expires", expires),
        ("X-Amz-SignedHeaders", "host"),
        ("X-Amz-Signature", "0" * 64),
    ]
    with pytest.raises(IncompleteSignature, match="X-Amz-Expires must be a positive integer"):
        sigv4.read_signature({}, query)
