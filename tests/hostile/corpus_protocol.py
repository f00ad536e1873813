"""Corpus: the request around the parameters — methods, content types, sizes, encodings, actions."""

from __future__ import annotations

from tests.hostile.corpus import IAM_VERSION, STS, STS_VERSION, Case, case, iam, sts
from tests.hostile.wire import Request, Signing

MIB = 1024 * 1024
LIST_USERS = iam("ListUsers")


def _methods() -> list[Case]:
    """Only GET and POST carry Query requests; any other method, signed or not, is refused first."""
    cases = []
    # (Unknown methods, "FOO", never reach the application: the HTTP parser refuses them.)
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "MKCOL"):
        cases.append(
            case(f"method {method} signed", Request(LIST_USERS, method=method), 405, "MethodNotAllowed")
        )
    for method in ("PUT", "DELETE", "PATCH"):
        cases.append(
            case(
                f"method {method} unsigned",
                Request(LIST_USERS, method=method, signing=None),
                405,
                "MethodNotAllowed",
            )
        )
    return cases


def _content_types() -> list[Case]:
    """Bodies that are not a form: no Action is found in them."""
    bodies = [
        ("JSON body as JSON", b'{"Action": "ListUsers", "Version": "2010-05-08"}', "application/json"),
        ("JSON body as a form", b'{"Action": "ListUsers", "Version": "2010-05-08"}', None),
        ("XML body", b"<ListUsers><Version>2010-05-08</Version></ListUsers>", "text/xml"),
        (
            "multipart body",
            b'--b\r\nContent-Disposition: form-data; name="Action"\r\n\r\nListUsers\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
        ("awsJson target", b"{}", "application/x-amz-json-1.1"),
        ("binary body", bytes(range(256)), "application/octet-stream"),
        ("empty body", b"", None),
        ("only a Version", f"Version={IAM_VERSION}".encode(), None),
        ("Action with no value", b"Action&Version=2010-05-08", None),
        ("Action empty", b"Action=&Version=2010-05-08", None),
        ("byte-order mark before Action", b"\xef\xbb\xbfAction=ListUsers&Version=2010-05-08", None),
    ]
    cases = []
    for name, body, content_type in bodies:
        headers = (("X-Amz-Target", "AWSIdentityManagementV20100508.ListUsers"),) if "target" in name else ()
        request = Request(body, content_type=content_type, headers=headers)
        if content_type is None:
            request = Request(body, headers=headers)
        cases.append(case(f"content: {name}", request, 400, "MissingAction"))
    return cases


def _sizes() -> list[Case]:
    """Bodies over 1 MiB are refused before anything is parsed; large ones within it are decoded."""
    over = b"Action=ListUsers&Version=2010-05-08&Junk=" + b"x" * MIB
    return [
        case("body 1 MiB + 1 signed", Request(over[: MIB + 1]), 400, "InvalidInput"),
        case("body 2 MiB signed", Request(over + b"x" * MIB), 400, "InvalidInput"),
        case("body 1 MiB + 1 unsigned", Request(over[: MIB + 1], signing=None), 400, "InvalidInput"),
        case("body 2 MiB chunked", Request(over + b"x" * MIB, chunked=True), 400, "InvalidInput"),
        case(
            "body 2 MiB chunked unsigned",
            Request(over + b"x" * MIB, chunked=True, signing=None),
            400,
            "InvalidInput",
        ),
        case(
            "body of 130,000 parameters",
            Request(b"Action=ListUsers&Version=2010-05-08&" + b"&".join(b"%x=" % i for i in range(130_000))),
            400,
            "ValidationError",
        ),
        case(
            "one value of 1,000,000 bytes",
            Request(iam("GetUser", UserName="u" * 1_000_000)),
            400,
            "ValidationError",
        ),
        case(
            "body just under 1 MiB chunked",
            Request(iam("GetUser", UserName="u" * (MIB - 60)), chunked=True),
            400,
            "ValidationError",
        ),
    ]


def _headers() -> list[Case]:
    """Huge and many headers do not change the answer."""
    big = (("X-Junk", "j" * 64 * 1024),)
    many = tuple((f"X-Junk-{i}", "j") for i in range(500))
    return [
        case(
            "64 KiB header unsigned",
            Request(LIST_USERS, headers=big, signing=None),
            403,
            "MissingAuthenticationToken",
        ),
        case("64 KiB header signed", Request(iam("MakeCoffee"), headers=big), 400, "InvalidAction"),
        case("500 headers signed", Request(iam("MakeCoffee"), headers=many), 400, "InvalidAction"),
        case(
            "500 headers unsigned",
            Request(LIST_USERS, headers=many, signing=None),
            403,
            "MissingAuthenticationToken",
        ),
        case(
            "64 KiB Authorization",
            Request(
                LIST_USERS, signing=None, headers=(("Authorization", "AWS4-HMAC-SHA256 " + "C" * 65536),)
            ),
            403,
            "IncompleteSignature",
        ),
        case(
            "header with bytes over 0x7F",
            Request(iam("MakeCoffee"), forge=lambda h: {**h, "X-Junk": "\u00ff\u00fe\u00e9"}),
            400,
            "InvalidAction",
        ),
    ]


def _actions() -> list[Case]:
    """Actions no service has, or another service's, or spelled otherwise: InvalidAction."""
    actions = [
        ("unknown", iam("MakeCoffee"), Signing()),
        ("lower case", iam("listusers"), Signing()),
        ("trailing space", iam("ListUsers "), Signing()),
        ("NUL inside", iam("List\x00Users"), Signing()),
        ("control characters", iam("\x01\x02\x1f"), Signing()),
        ("unicode", iam("ListUsérs\u2028"), Signing()),
        ("10 KiB name", iam("A" * 10240), Signing()),
        ("percent-escape left as is", b"Action=%ZZ&Version=2010-05-08", Signing()),
        ("invalid UTF-8", b"Action=List%FFUsers&Version=2010-05-08", Signing()),
        ("lone percent", b"Action=ListUsers%&Version=2010-05-08", Signing()),
        ("overlong UTF-8", b"Action=%C0%AFListUsers&Version=2010-05-08", Signing()),
        ("encoded surrogate", b"Action=%ED%A0%80&Version=2010-05-08", Signing()),
        ("STS action in an IAM scope", iam("GetCallerIdentity"), Signing()),
        ("IAM action in an STS scope", sts("ListUsers"), STS),
        ("last of two Actions unknown", b"Action=ListUsers&Action=MakeCoffee&Version=2010-05-08", Signing()),
    ]
    return [
        case(f"action: {name}", Request(body, signing=signing), 400, "InvalidAction")
        for name, body, signing in actions
    ]


def _versions() -> list[Case]:
    """An action exists only in its API's version: another Version is InvalidAction."""
    versions = [
        ("future", "2099-01-01"),
        ("STS's for IAM", STS_VERSION),
        ("empty", ""),
        ("NUL", "2010-05-08\x00"),
        ("10 KiB", "2" * 10240),
        ("unicode digits", "٢٠١٠-٠٥-٠٨"),
    ]
    cases = [
        case(f"version: {name}", Request(f"Action=ListUsers&Version={value}".encode()), 400, "InvalidAction")
        for name, value in versions
    ]
    cases.append(
        case(
            "version: IAM's for STS",
            Request(b"Action=GetCallerIdentity&Version=2010-05-08", signing=STS),
            400,
            "InvalidAction",
        )
    )
    return cases


def _queries() -> list[Case]:
    """GET requests whose query string breaks the rules."""
    return [
        case(
            "GET invalid UTF-8 escape",
            Request(
                b"",
                method="GET",
                content_type=None,
                query="Action=ListUsers&Version=2010-05-08&PathPrefix=%FF",
            ),
            403,
            "SignatureDoesNotMatch",
        ),
        case(
            "GET bad percent-escape",
            Request(
                b"",
                method="GET",
                content_type=None,
                query="Action=ListUsers&Version=2010-05-08&PathPrefix=%ZZ",
            ),
            403,
            "SignatureDoesNotMatch",
        ),
        case(
            "GET unknown action",
            Request(b"", method="GET", content_type=None, query="Action=MakeCoffee&Version=2010-05-08"),
            400,
            "InvalidAction",
        ),
        case(
            "GET no action",
            Request(b"", method="GET", content_type=None, query="Version=2010-05-08&Foo="),
            400,
            "MissingAction",
        ),
        case(
            "GET body action unknown over query action",
            Request(iam("MakeCoffee"), method="GET", query="Action=ListUsers&Version=2010-05-08"),
            400,
            "InvalidAction",
        ),
        case(
            "GET unsigned",
            Request(
                b"",
                method="GET",
                content_type=None,
                query="Action=ListUsers&Version=2010-05-08",
                signing=None,
            ),
            403,
            "MissingAuthenticationToken",
        ),
    ]


CASES = _methods() + _content_types() + _sizes() + _headers() + _actions() + _versions() + _queries()
