"""Corpus: identity providers' hostile inputs, and the two STS actions that arrive unsigned.

SAML metadata is XML a client wrote: entity declarations, external DTDs and junk are refused
as AWS refuses unusable metadata (InvalidInput); OIDC URLs outside https, provider ARNs of the
wrong shape, and unsigned calls to anything but AssumeRoleWithSAML / AssumeRoleWithWebIdentity
under STS's version are refused too. Nothing here creates anything.
"""

from __future__ import annotations

import base64

from tests.hostile.corpus import STS_VERSION, Case, case, iam, sts
from tests.hostile.wire import Request
from tests.saml_support import metadata

_LAUGHS = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 12))
_METADATA = {
    "billion laughs": f'<!DOCTYPE d [<!ENTITY l0 "lol">{_LAUGHS}]><d>&l11;</d>' + " " * 1000,
    "external entity": '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + metadata(entity_id="&x;"),
    "parameter entity": '<!DOCTYPE d [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>' + metadata(),
    "external DTD": '<!DOCTYPE d SYSTEM "http://127.0.0.1:9/d.dtd">' + metadata(),
    "quadratic blowup": '<!DOCTYPE d [<!ENTITY a "' + "a" * 50_000 + '">]><d>' + "&a;" * 5_000 + "</d>",
    "binary junk": "\x01\x02\x03<\x00>" * 300,
}
_ROLE = "arn:aws:iam::123456789012:role/Federated"
_PROVIDER = "arn:aws:iam::123456789012:saml-provider/Nobody"
_SAML_ASSERTIONS = {
    "not base64": "%%%% not base64 %%%%",
    "not XML": base64.b64encode(b"hello" * 10).decode(),
    "billion laughs": base64.b64encode(_METADATA["billion laughs"].encode()).decode(),
    "external entity": base64.b64encode(_METADATA["external entity"].encode()).decode(),
}
_URLS = [
    "http://169.254.169.254/latest",
    "file:///etc/passwd",
    "https://a@b.example.com",
    "javascript:alert(1)",
]
_UNSIGNED = [
    "AssumeRole",
    "GetCallerIdentity",
    "GetSessionToken",
    "AssumeRoleWithWebIdentity&Version=2010-05-08",
]


def _metadata_cases() -> list[Case]:
    # Control characters are outside what the Query decoder lets into any text: ValidationError.
    return [
        case(
            f"SAML metadata: {name}",
            Request(iam("CreateSAMLProvider", Name="Hostile", SAMLMetadataDocument=document)),
            400,
            "ValidationError" if name == "binary junk" else "InvalidInput",
        )
        for name, document in _METADATA.items()
    ]


def _provider_cases() -> list[Case]:
    cases = [
        case(f"OIDC URL: {url}", Request(iam("CreateOpenIDConnectProvider", Url=url)), 400, "ValidationError")
        for url in _URLS
    ]
    for action, parameter in [
        ("GetSAMLProvider", "SAMLProviderArn"),
        ("GetOpenIDConnectProvider", "OpenIDConnectProviderArn"),
    ]:
        cases.append(
            case(
                f"{action}: not a provider ARN",
                Request(iam(action, **{parameter: "arn:aws:iam::123456789012:user/x"})),
                400,
                "InvalidInput",
            )
        )
    return cases


def _unsigned_cases() -> list[Case]:
    cases = [
        case(
            f"unsigned {name}",
            Request(
                b"Action="
                + name.encode()
                + (b"" if "Version" in name else f"&Version={STS_VERSION}".encode()),
                signing=None,
            ),
            403,
            "MissingAuthenticationToken",
        )
        for name in _UNSIGNED
    ]
    cases.append(
        case(
            "unsigned AssumeRoleWithSAML without parameters",
            Request(sts("AssumeRoleWithSAML"), signing=None),
            400,
            "ValidationError",
        )
    )
    for name, assertion in _SAML_ASSERTIONS.items():
        # No such provider either: refused before or while the assertion is read, never a 500.
        body = sts("AssumeRoleWithSAML", RoleArn=_ROLE, PrincipalArn=_PROVIDER, SAMLAssertion=assertion)
        cases.append(
            case(f"AssumeRoleWithSAML: {name}", Request(body, signing=None), 400, "InvalidIdentityToken")
        )
    # Without its required parameters, the web identity action is refused by the Query decoder.
    cases.append(
        case(
            "unsigned AssumeRoleWithWebIdentity without parameters",
            Request(sts("AssumeRoleWithWebIdentity"), signing=None),
            400,
            "ValidationError",
        )
    )
    return cases


CASES = [*_metadata_cases(), *_provider_cases(), *_unsigned_cases()]
