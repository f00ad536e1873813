"""What a verified SAML assertion asks of AssumeRoleWithSAML, read from AWS's attributes.

AWS reads attributes named ``https://aws.amazon.com/SAML/Attributes/…``: ``Role`` (pairs of a
role ARN and a provider ARN, either order), ``RoleSessionName``, ``SessionDuration``,
``PrincipalTag:KEY``, ``TransitiveTagKeys`` and ``SourceIdentity``. The trust policy is
evaluated with the ``saml:`` keys AWS documents ("Available keys for SAML-based federation"),
which come from the assertion, the provider and, for the eduPerson/eduOrg keys, attributes
named by their OID.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from credo.auth.request_context import ContextValue
from credo.call import Call
from credo.errors import InvalidIdentityToken
from credo.federation.saml import AWS_ATTRIBUTES, ROLE_ATTRIBUTE, SamlClaims, role_pair

ATTRIBUTES = AWS_ATTRIBUTES
ROLE = ROLE_ATTRIBUTE
ROLE_SESSION_NAME = ATTRIBUTES + "RoleSessionName"
SESSION_DURATION = ATTRIBUTES + "SessionDuration"
PRINCIPAL_TAG = ATTRIBUTES + "PrincipalTag:"
TRANSITIVE_TAG_KEYS = ATTRIBUTES + "TransitiveTagKeys"
SOURCE_IDENTITY = ATTRIBUTES + "SourceIdentity"
NAMEID_FORMAT = "urn:oasis:names:tc:SAML:2.0:nameid-format:"
# SAML core 8.3: a NameID without Format is "unspecified".
UNSPECIFIED_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
MIN_DURATION, MAX_DURATION = 900, 43_200
MAX_SESSION_TAGS = 50
_NAME = re.compile(r"[\w+=,.@-]{2,64}\Z", re.ASCII)
_TAG_KEY = re.compile(r"[\w\s.:/=+@-]{1,128}\Z")
_TAG_VALUE = re.compile(r"[\w\s.:/=+@-]{0,256}\Z")

# saml: keys AWS makes of attributes named by OID; True marks the keys that may hold a list.
OID_KEYS: dict[str, tuple[tuple[str, bool], ...]] = {
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.1": (("saml:edupersonaffiliation", True),),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.2": (("saml:edupersonnickname", True),),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.3": (("saml:edupersonorgdn", False),),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.4": (("saml:edupersonorgunitdn", True),),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.5": (("saml:edupersonprimaryaffiliation", False),),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.6": (("saml:edupersonprincipalname", False),),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.7": (("saml:edupersonentitlement", True),),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.8": (("saml:edupersonprimaryorgunitdn", False),),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.9": (("saml:edupersonscopedaffiliation", True),),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.10": (("saml:edupersontargetedid", True),),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.11": (("saml:edupersonassurance", True),),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.2": (("saml:eduorghomepageuri", True),),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.3": (("saml:eduorgidentityauthnpolicyuri", True),),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.4": (("saml:eduorglegalname", True),),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.5": (("saml:eduorgsuperioruri", True),),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.6": (("saml:eduorgwhitepagesuri", True),),
    "urn:oid:2.5.4.3": (("saml:cn", True), ("saml:commonname", False)),
    "urn:oid:2.5.4.4": (("saml:surname", False),),
    "urn:oid:2.5.4.41": (("saml:name", False),),
    "urn:oid:2.5.4.42": (("saml:givenname", False),),
    "urn:oid:2.5.4.45": (("saml:x500uniqueidentifier", False),),
    "urn:oid:0.9.2342.19200300.100.1.1": (("saml:uid", False),),
    "urn:oid:0.9.2342.19200300.100.1.3": (("saml:mail", False),),
}


def refuse(message: str, detail: str | None = None) -> InvalidIdentityToken:
    return InvalidIdentityToken(message, detail=detail)


def _single(claims: SamlClaims, name: str) -> str | None:
    values = claims.attributes.get(name)
    if values is None:
        return None
    if len(values) != 1:
        short = name.removeprefix(ATTRIBUTES)
        raise refuse(f"{short} in AuthnResponse must have exactly one value")
    return values[0]


def names_role(claims: SamlClaims, role_arn: str, provider_arn: str) -> bool:
    """Whether a ``Role`` value pairs this role with this provider (in either order)."""
    return any(role_pair(value) == (role_arn, provider_arn) for value in claims.attributes.get(ROLE, ()))


def session_name(claims: SamlClaims) -> str:
    name = _single(claims, ROLE_SESSION_NAME)
    if name is None:
        raise refuse("RoleSessionName is required in AuthnResponse")
    if not _NAME.match(name):
        raise refuse(
            "RoleSessionName in AuthnResponse must satisfy [\\w+=,.@-]{2,64}",
            detail=f"The attribute {ROLE_SESSION_NAME} holds {name[:80]!r}.",
        )
    return name


def session_duration(claims: SamlClaims) -> int | None:
    text = _single(claims, SESSION_DURATION)
    if text is None:
        return None
    if not text.isdigit() or not MIN_DURATION <= int(text) <= MAX_DURATION:
        raise refuse(
            f"SessionDuration in AuthnResponse must be from {MIN_DURATION} to {MAX_DURATION} seconds"
        )
    return int(text)


def source_identity(claims: SamlClaims) -> str | None:
    value = _single(claims, SOURCE_IDENTITY)
    if value is None:
        return None
    if not _NAME.match(value) or value.lower().startswith("aws:"):
        raise refuse("SourceIdentity in AuthnResponse must satisfy [\\w+=,.@-]{2,64}, not starting with aws:")
    return value


def session_tags(claims: SamlClaims) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """(session tags from ``PrincipalTag:KEY``, transitive keys from ``TransitiveTagKeys``)."""
    tags: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name in claims.attributes:
        if not name.startswith(PRINCIPAL_TAG):
            continue
        key = name.removeprefix(PRINCIPAL_TAG)
        value = _single(claims, name) or ""
        if not _TAG_KEY.match(key) or not _TAG_VALUE.match(value) or key.lower().startswith("aws:"):
            raise refuse(f"The session tag {key[:128]!r} in AuthnResponse is not a valid tag.")
        if key.lower() in seen:
            raise refuse("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
        seen.add(key.lower())
        tags.append((key, value))
    if len(tags) > MAX_SESSION_TAGS:
        raise refuse(f"AuthnResponse carries more than {MAX_SESSION_TAGS} session tags.")
    transitive = claims.attributes.get(TRANSITIVE_TAG_KEYS, ())
    for key in transitive:
        if key.lower() not in seen:
            raise refuse("The specified transitive tag key must be included in the requested tags.")
    return tuple(tags), tuple(dict.fromkeys(transitive))


def subject_type(claims: SamlClaims) -> str:
    """AWS's SubjectType: the format without SAML 2.0's nameid-format prefix, any other as given."""
    if not claims.subject_format:
        return UNSPECIFIED_FORMAT
    return claims.subject_format.removeprefix(NAMEID_FORMAT)


def name_qualifier(issuer: str, account_id: str, provider_name: str) -> str:
    """AWS's NameQualifier: BASE64(SHA1(issuer + account id + "/" + provider name))."""
    digest = hashlib.sha1(f"{issuer}{account_id}/{provider_name}".encode(), usedforsecurity=False)
    return base64.b64encode(digest.digest()).decode()


@dataclass(frozen=True)
class SessionRequest:
    """What the assertion asks for the session."""

    session_name: str
    duration_limit: int | None
    tags: tuple[tuple[str, str], ...]
    transitive_tag_keys: tuple[str, ...]
    source_identity: str | None


def session_request(claims: SamlClaims) -> SessionRequest:
    tags, transitive = session_tags(claims)
    return SessionRequest(
        session_name=session_name(claims),
        duration_limit=session_duration(claims),
        tags=tags,
        transitive_tag_keys=transitive,
        source_identity=source_identity(claims),
    )


def trust_context(
    call: Call,
    claims: SamlClaims,
    asked: SessionRequest,
    *,
    account_id: str,
    provider_name: str,
    now: datetime,
) -> dict[str, ContextValue]:
    """The request context of the trust decision: global keys, ``sts:`` keys and ``saml:`` keys."""
    context: dict[str, ContextValue] = {
        "aws:currenttime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:epochtime": str(int(now.timestamp())),
        "aws:requestedregion": call.region,
        "saml:aud": claims.recipient,
        "saml:iss": claims.issuer,
        "saml:sub": claims.subject,
        "saml:sub_type": subject_type(claims),
        "saml:namequalifier": name_qualifier(claims.issuer, account_id, provider_name),
        "saml:doc": f"{account_id}/{provider_name}",
        "sts:rolesessionname": asked.session_name,
    }
    if call.source_ip:
        context["aws:sourceip"] = call.source_ip
    for name, values in claims.attributes.items():
        for key, may_be_list in OID_KEYS.get(name, ()):
            if values:
                context[key] = list(values) if may_be_list or len(values) > 1 else values[0]
    for key, value in asked.tags:
        context[f"aws:requesttag/{key.lower()}"] = value
    if asked.tags:
        context["aws:tagkeys"] = [key for key, _value in asked.tags]
    if asked.transitive_tag_keys:
        context["sts:transitivetagkeys"] = list(asked.transitive_tag_keys)
    if asked.source_identity is not None:
        context["sts:sourceidentity"] = asked.source_identity
    return context
