"""Property: the SigV4 parser refuses any malformed signature with an AwsError, never a crash.

Headers and query pairs are drawn near the real forms (an ``Authorization`` header and a
presigned query string assembled from good and bad parts) and at random; the request then
goes through every step the endpoint takes before the key's owner is known: read, check the
time, build the canonical request and compare.
"""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from credo.errors import AwsError
from credo.protocol import sigv4
from tests.hostile.fuzzing import examples

# Header values arrive as latin-1 text; query values as any Unicode (percent-decoded UTF-8).
LATIN1 = st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=30)
DATES = st.one_of(
    st.sampled_from(
        [
            time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
            "20240101T000000Z",
            "00000101T000000Z",
            "99991231T235959Z",
            "20241301T000000Z",
            "20240230T250000Z",
            "2024-01-01T00:00:00Z",
            "²0240101T000000Z",
            "٢٠٢٤٠١٠١T000000Z",
            "",
        ]
    ),
    LATIN1,
)
HTTP_DATES = st.one_of(
    st.sampled_from(
        [
            "Mon, 01 Jan 0001 00:00:00 +0100",
            "Fri, 31 Dec 9999 23:59:59 -0100",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "Tue, 15 Nov 1994 08:12:31 GMT",
            "Tue, 15 Nov 99999 08:12:31 GMT",
            "Tue, 32 Nov 1994 08:12:31 GMT",
            " ",
            ",",
            "Tue,",
        ]
    ),
    LATIN1,
)
PART = st.one_of(st.sampled_from(["", "iam", "sts", "us-east-1", "aws4_request", "20240101", "s3"]), LATIN1)
CREDENTIALS = st.one_of(
    st.builds(lambda parts: "/".join(parts), st.lists(PART, max_size=6)),
    st.builds(lambda key, date, region: f"{key}/{date[:8]}/{region}/iam/aws4_request", PART, DATES, PART),
    st.builds(lambda date: f"AKIDEXAMPLE/{date[:8]}/us-east-1/iam/aws4_request", DATES),
    LATIN1,
)
SIGNED_HEADERS = st.one_of(st.sampled_from(["host", "host;x-amz-date", "", ";", "x-amz-date"]), LATIN1)
SIGNATURES = st.one_of(st.sampled_from(["0" * 64, "", "zz", "A" * 64]), LATIN1)


@st.composite
def authorization(draw: st.DrawFn) -> str:
    """An Authorization header: botocore's layout, or its fields reordered, doubled or missing."""
    algorithm = draw(st.sampled_from(["AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", "aws4-hmac-sha256", "AWS", ""]))
    fields = [
        f"Credential={draw(CREDENTIALS)}",
        f"SignedHeaders={draw(SIGNED_HEADERS)}",
        f"Signature={draw(SIGNATURES)}",
    ]
    fields = draw(st.permutations(fields))
    # Mostly complete, so that the checks after the parse are reached too.
    fields = fields[: draw(st.sampled_from([3, 3, 3, 2, 1, 0]))] + draw(st.lists(LATIN1, max_size=2))
    return algorithm + " " + draw(st.sampled_from([", ", ",", " , "])).join(fields)


@st.composite
def headers(draw: st.DrawFn) -> dict[str, str]:
    result: dict[str, str] = {"host": "127.0.0.1"}
    if draw(st.booleans()):
        result["authorization"] = draw(st.one_of(authorization(), LATIN1))
    if draw(st.booleans()):
        result["x-amz-date"] = draw(DATES)
    if draw(st.booleans()):
        result["date"] = draw(HTTP_DATES)
    if draw(st.booleans()):
        result["x-amz-security-token"] = draw(LATIN1)
    if draw(st.booleans()):
        result["x-amz-content-sha256"] = draw(st.sampled_from(["UNSIGNED-PAYLOAD", "0" * 64, ""]))
    return result


@st.composite
def query_pairs(draw: st.DrawFn) -> list[tuple[str, str]]:
    """A presigned query string's X-Amz-* parameters, some bent, plus others."""
    pairs: list[tuple[str, str]] = []
    if draw(st.booleans()):
        pairs.append(("X-Amz-Algorithm", draw(st.sampled_from(["AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1", ""]))))
    candidates = {
        "X-Amz-Credential": CREDENTIALS.map(str),
        "X-Amz-Date": DATES,
        "X-Amz-SignedHeaders": SIGNED_HEADERS,
        "X-Amz-Signature": SIGNATURES,
        "X-Amz-Expires": st.one_of(
            st.sampled_from(["300", "0", "-1", "604801", "²", "9" * 5000, "1e3", " 1"]), st.text(max_size=8)
        ),
        "X-Amz-Security-Token": st.text(max_size=20),
    }
    for name, values in candidates.items():
        if draw(st.booleans()):
            pairs.append((name, draw(values)))
    pairs += draw(st.lists(st.tuples(st.text(max_size=10), st.text(max_size=10)), max_size=3))
    return draw(st.permutations(pairs))


@settings(max_examples=examples(500), deadline=None)
@given(
    headers=headers(),
    query=query_pairs(),
    body=st.binary(max_size=20),
    method=st.sampled_from(["GET", "POST"]),
)
def test_reading_and_verifying_raise_only_aws_errors(
    headers: dict[str, str], query: list[tuple[str, str]], body: bytes, method: str
) -> None:
    """Whatever the headers and query say, the checks before the key look-up end in an AwsError or pass."""
    try:
        signature = sigv4.read_signature(headers, query)
        sigv4.check_time(signature, time.time())
        sigv4.verify(signature, "secret", method, "/", query, headers, body)
    except AwsError:
        pass


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.tuples(st.binary(max_size=12), st.binary(max_size=40)), max_size=6))
def test_any_header_bytes_are_read(raw: list[tuple[bytes, bytes]]) -> None:
    """Header bytes as the ASGI server hands them over (repeated names included) are read as text."""
    read = sigv4.read_headers(raw)
    assert set(read) == {name.decode("latin-1") for name, _ in raw}


@settings(max_examples=examples(200), deadline=None)
@given(st.text(max_size=60))
def test_any_query_string_is_split(raw: str) -> None:
    """Any raw query string (bad escapes, invalid UTF-8 after decoding) splits into pairs."""
    for key, value in sigv4.parse_query_string(raw):
        assert isinstance(key, str)
        assert isinstance(value, str)


GOOD_AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/iam/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
)
GENERATED_HTTP_DATES = st.builds(
    lambda day, offset: day.strftime("%a, %d %b ") + f"{day.year:04d}" + day.strftime(" %H:%M:%S ") + offset,
    st.datetimes(),
    st.one_of(
        st.sampled_from(["GMT", "UT", "EST", "-0000", "+2400", "-9999"]),
        st.from_regex(r"[+-][0-9]{4}", fullmatch=True),
    ),
)


@settings(max_examples=examples(300), deadline=None)
@given(
    amz_date=st.one_of(st.none(), DATES),
    date=st.one_of(st.none(), HTTP_DATES, GENERATED_HTTP_DATES),
    authorization=st.sampled_from([GOOD_AUTHORIZATION, GOOD_AUTHORIZATION.replace(", ", ",")]),
)
def test_any_date_is_read_or_refused(amz_date: str | None, date: str | None, authorization: str) -> None:
    """A complete Authorization header with any X-Amz-Date or Date (years 1 to 9999, any offset)."""
    headers = {"host": "127.0.0.1", "authorization": authorization}
    if amz_date is not None:
        headers["x-amz-date"] = amz_date
    if date is not None:
        headers["date"] = date
    try:
        signature = sigv4.read_signature(headers, [])
        sigv4.check_time(signature, time.time())
    except AwsError:
        pass
