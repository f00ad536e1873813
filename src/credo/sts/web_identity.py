"""STS AssumeRoleWithWebIdentity: an OIDC token from a registered issuer, exchanged for a role session.

As AWS does it: the token's ``iss`` names an IAM OIDC provider of the role's account
(``credo.iam.oidc_providers``); its signature is checked with a key from the issuer's JWKS
(``credo.federation.jwks`` fetches, ``credo.federation.jwt`` verifies), its ``aud`` or
``azp`` must be one of the provider's client ids, its times must hold. Then the role's trust
policy alone decides, for the principal ``{"Federated": PROVIDER_ARN}``, with the provider's
condition keys (``HOST/PATH:aud``, ``:sub``, ``:amr``, ``:oaud``) beside the global ones. Session
tags and a source identity come from the token's ``https://aws.amazon.com/tags`` and
``https://aws.amazon.com/source_identity`` claims. The session itself is
``credo.sts.role_sessions``'.

The call needs no credentials (botocore sends it unsigned) and no permission of a caller who
signs it. Fetching keys is network I/O, so the operation is ``blocking``: it never runs on the
server's event loop.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping, select

from credo import arn
from credo.call import Call, Operation, Result
from credo.errors import AccessDenied, InvalidIdentityToken, InvalidParameterValue
from credo.federation import jwt
from credo.federation.jwks import LOOPBACK_HOSTS
from credo.store.schema import oidc_providers
from credo.sts import role_sessions, role_trust
from credo.sts.role_sessions import RoleSession

ACTION = "sts:AssumeRoleWithWebIdentity"
TAGS_CLAIM = "https://aws.amazon.com/tags"
SOURCE_IDENTITY_CLAIM = "https://aws.amazon.com/source_identity"
# AWS's limits on session tags: 50 tags, keys of 128 and values of 256 characters.
MAX_TAGS = 50
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256
_SOURCE_IDENTITY = re.compile(r"[\w+=,.@-]{2,64}")
_TAG_TEXT = re.compile(r"[\w\s+=,.@:/-]*")


def _provider_location(issuer: str, allow_loopback_http: bool) -> tuple[str, str] | None:
    """``(scheme, HOST/PATH)`` of an issuer an OIDC provider could be registered for."""
    scheme, separator, location = issuer.partition("://")
    if not separator or not location:
        return None
    if scheme == "https":
        return scheme, location
    host = location.split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
    if scheme == "http" and allow_loopback_http and host in LOOPBACK_HOSTS:
        return scheme, location
    return None


def _find_provider(conn: Connection, account_id: str, scheme: str, location: str) -> RowMapping | None:
    query = select(oidc_providers).where(
        oidc_providers.c.account_id == account_id,
        oidc_providers.c.location == location,
        oidc_providers.c.scheme == scheme,
    )
    return conn.execute(query).mappings().first()


def _verified_token(call: Call, token: str, issuer: str, provider: RowMapping) -> jwt.VerifiedToken:
    """The token checked with the issuer's keys; fetched once more if its ``kid`` is new."""
    services = call.services
    loopback = services.settings.allows_loopback_http_issuers
    client_ids = json.loads(provider["client_ids"])
    keys = services.web_identity_keys.keys(issuer, allow_loopback_http=loopback)
    now = int(services.clock.time())
    try:
        return jwt.verify(token, keys, issuer=issuer, client_ids=client_ids, now=now)
    except jwt.UnknownSigningKey:
        keys = services.web_identity_keys.keys(issuer, allow_loopback_http=loopback, refresh=True)
        return jwt.verify(token, keys, issuer=issuer, client_ids=client_ids, now=now)


def _bad_claim(detail: str) -> InvalidIdentityToken:
    return InvalidIdentityToken(
        "The web identity token has an invalid session tag or source identity claim.", detail=detail
    )


def _session_tags(claims: Mapping[str, Any]) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """(tags, transitive keys) from ``{"principal_tags": {K: [V]}, "transitive_tag_keys": [K]}``."""
    raw = claims.get(TAGS_CLAIM)
    if raw is None:
        return (), ()
    if not isinstance(raw, dict):
        raise _bad_claim(f"{TAGS_CLAIM} must be an object.")
    principal_tags = raw.get("principal_tags", {})
    if not isinstance(principal_tags, dict) or len(principal_tags) > MAX_TAGS:
        raise _bad_claim(f"principal_tags must be an object of at most {MAX_TAGS} tags.")
    tags: list[tuple[str, str]] = []
    seen: set[str] = set()
    for key, values in principal_tags.items():
        value = values[0] if isinstance(values, list) and len(values) == 1 else values
        if not isinstance(value, str) or not 1 <= len(key) <= MAX_TAG_KEY or len(value) > MAX_TAG_VALUE:
            raise _bad_claim(
                f"Each principal tag is a key of 1 to {MAX_TAG_KEY} characters and one value of at most "
                f"{MAX_TAG_VALUE} characters (a string, or a list holding one)."
            )
        if not _TAG_TEXT.fullmatch(key) or not _TAG_TEXT.fullmatch(value) or key.lower().startswith("aws:"):
            raise _bad_claim(f"The tag {key[:MAX_TAG_KEY]!r} has characters AWS does not allow in tags.")
        if key.lower() in seen:
            raise _bad_claim("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
        seen.add(key.lower())
        tags.append((key, value))
    transitive = raw.get("transitive_tag_keys", [])
    if not isinstance(transitive, list) or not all(isinstance(key, str) for key in transitive):
        raise _bad_claim("transitive_tag_keys must be a list of tag keys.")
    if any(key.lower() not in seen for key in transitive):
        raise _bad_claim("The specified transitive tag key must be included in the requested tags.")
    return tuple(tags), tuple(dict.fromkeys(transitive))


def _source_identity(claims: Mapping[str, Any]) -> str | None:
    value = claims.get(SOURCE_IDENTITY_CLAIM)
    if value is None:
        return None
    if (
        not isinstance(value, str)
        or not _SOURCE_IDENTITY.fullmatch(value)
        or value.lower().startswith("aws:")
    ):
        raise _bad_claim(f"{SOURCE_IDENTITY_CLAIM} must be 2 to 64 characters of [\\w+=,.@-].")
    return value


def _trust_context(
    call: Call,
    token: jwt.VerifiedToken,
    location: str,
    provider_arn: str,
    tags: tuple[tuple[str, str], ...],
    transitive: tuple[str, ...],
    source_identity: str | None,
) -> dict[str, str | list[str]]:
    """The keys AWS evaluates a web identity trust policy with; lower-case, as AWS ignores case."""
    now = call.services.clock.now()
    prefix = location.lower()
    context: dict[str, str | list[str]] = {
        "aws:currenttime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:epochtime": str(int(now.timestamp())),
        "aws:requestedregion": call.region,
        "aws:federatedprovider": provider_arn,
        "sts:rolesessionname": str(call.params["RoleSessionName"]),
        f"{prefix}:aud": token.audience,
        f"{prefix}:sub": token.subject,
    }
    if call.source_ip:
        context["aws:sourceip"] = call.source_ip
    if token.other_audiences:
        context[f"{prefix}:oaud"] = list(token.other_audiences)
    methods = token.claims.get("amr")
    if isinstance(methods, list) and all(isinstance(item, str) for item in methods):
        context[f"{prefix}:amr"] = list(methods)
    elif isinstance(methods, str):
        context[f"{prefix}:amr"] = methods
    if tags:
        context["aws:tagkeys"] = [key for key, _value in tags]
        for key, value in tags:
            context[f"aws:requesttag/{key.lower()}"] = value
    if transitive:
        context["sts:transitivetagkeys"] = list(transitive)
    if source_identity is not None:
        context["sts:sourceidentity"] = source_identity
    return context


def assume_role_with_web_identity(call: Call) -> Result:
    params = call.params
    services = call.services
    requested_arn: str = params["RoleArn"]
    session_name: str = params["RoleSessionName"]
    token_text: str = params["WebIdentityToken"]
    if params.get("ProviderId") is not None:
        raise InvalidParameterValue(
            "ProviderId is only for OAuth 2.0 access tokens; do not specify it for OpenID Connect ID tokens.",
        )
    inline = role_sessions.inline_policy(params)
    arns = role_sessions.policy_arns(params)
    issuer = jwt.unverified_issuer(token_text)
    found = _provider_location(issuer, services.settings.allows_loopback_http_issuers)
    parsed_role = arn.parse_arn(requested_arn)
    account_id = parsed_role.account if parsed_role is not None else ""
    provider = None
    if found is not None:
        with services.store.read() as conn:
            provider = _find_provider(conn, account_id, *found)
    if found is None or provider is None:
        raise InvalidIdentityToken(
            f"No OpenIDConnect provider found in your account for {issuer}",
            detail=f"The token's iss must be the URL of an OIDC provider in account {account_id or '(none)'}"
            " (https; http only on loopback with CREDO_OIDC_LOOPBACK_HTTP or --dev).",
        )
    location = found[1]
    provider_arn = arn.oidc_provider_arn(account_id, location)
    token = _verified_token(call, token_text, issuer, provider)
    tags, transitive = _session_tags(token.claims)
    source_identity = _source_identity(token.claims)
    actions = [ACTION]
    if tags:
        actions.append("sts:TagSession")
    if source_identity is not None:
        actions.append("sts:SetSourceIdentity")
    with services.store.read() as conn:
        role = role_trust.find_role_by_arn(conn, requested_arn)
        if role is None:
            # AWS does not tell a caller which roles exist: worded as a trust policy's refusal.
            raise AccessDenied(
                f"Not authorized to perform {ACTION}",
                detail=f"No role {requested_arn} trusts {provider_arn}.",
            )
        context = _trust_context(call, token, location, provider_arn, tags, transitive, source_identity)
        role_trust.require_federated_trust(
            role["trust_policy"], requested_arn, role["account_id"], provider_arn, context, actions
        )
        documents = ([inline] if inline is not None else []) + role_sessions.managed_session_policies(
            conn, role["account_id"], arns
        )
    duration = role_sessions.requested_duration(params, int(role["max_session_duration"]))
    packed = role_sessions.checked_packed_size(inline, arns, tags)
    session = RoleSession(
        duration=duration,
        session_policies=tuple(documents),
        session_tags=tags,
        transitive_tag_keys=transitive,
        source_identity=source_identity,
    )
    result = role_sessions.issue_role_session(call, role, session_name, services.clock.now(), session)
    result["SubjectFromWebIdentityToken"] = token.subject
    result["Provider"] = provider_arn
    result["Audience"] = token.audience
    if inline is not None or arns or tags:
        result["PackedPolicySize"] = packed
    if source_identity is not None:
        result["SourceIdentity"] = source_identity
    return result


OPERATIONS = {"AssumeRoleWithWebIdentity": Operation(assume_role_with_web_identity, blocking=True)}
