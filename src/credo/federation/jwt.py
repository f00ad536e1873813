"""Web identity tokens: a JWT checked against its issuer's keys, as STS checks it. No I/O.

``verify`` takes the token, the issuer's JWKS (``credo.federation.jwks`` fetches it), the
issuer and client ids the account registered, and the time; it returns the verified claims
or raises AWS's error: ``InvalidIdentityToken`` (not a JWT, an algorithm or key that may not
sign, a bad signature, another issuer, another audience, a missing claim, not yet valid) or
``ExpiredTokenException``. ``UnknownSigningKey`` (an ``InvalidIdentityToken``) says that no
key of the set has the token's ``kid``: the caller may fetch the set again and retry once.

Signatures are joserfc's. Only the asymmetric algorithms AWS accepts are let through, and only
with a key of the matching type (and ``alg``, when the key names one): ``none`` and HMAC are
refused before any key is looked at, so a token "signed" with a public key as an HMAC secret
never gets near one.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

from credo.errors import ExpiredTokenException, InvalidIdentityToken

# STS's model: WebIdentityToken is at most 20,000 characters.
MAX_TOKEN_CHARS = 20_000
# Clocks of the IdP and of credo may disagree by this much.
CLOCK_SKEW_SECONDS = 60
RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
EC_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
ALGORITHMS = RSA_ALGORITHMS | EC_CURVES.keys()

NOT_A_JWT = "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"
NO_KEY = (
    "Couldn't retrieve verification key from your identity provider,  please reference "
    "AssumeRoleWithWebIdentity documentation for requirements"
)
BAD_SIGNATURE = "The ID Token provided is not a valid JWT. (The signature could not be verified)"
WRONG_AUDIENCE = "Incorrect token audience"


class UnknownSigningKey(InvalidIdentityToken):
    """No key of the set has the token's ``kid`` (it may have been rotated in since the fetch)."""


@dataclass(frozen=True)
class VerifiedToken:
    """A token whose signature, issuer, audience and times were checked."""

    claims: Mapping[str, Any]
    issuer: str
    subject: str
    # The client id that admitted the token: ``azp`` when it is one, else an ``aud`` value.
    audience: str
    # The token's ``aud`` values, when ``azp`` admitted it (AWS's ``:oaud`` key).
    other_audiences: tuple[str, ...]


def _segment(text: str) -> dict[str, Any]:
    """One base64url JSON object of a compact JWS."""
    try:
        value = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidIdentityToken(NOT_A_JWT, detail="A part of the token is not base64url JSON.") from None
    if not isinstance(value, dict):
        raise InvalidIdentityToken(NOT_A_JWT, detail="A part of the token is not a JSON object.")
    return value


def read_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(header, claims)`` of a compact JWS, signature unchecked: enough to find its issuer."""
    if len(token) > MAX_TOKEN_CHARS:
        raise InvalidIdentityToken(
            NOT_A_JWT, detail=f"The token is longer than {MAX_TOKEN_CHARS} characters."
        )
    parts = token.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        raise InvalidIdentityToken(
            NOT_A_JWT, detail="A JWT is three base64url parts separated by dots (a signed JWS, not a JWE)."
        )
    return _segment(parts[0]), _segment(parts[1])


def unverified_issuer(token: str) -> str:
    """The ``iss`` claim, unchecked: which provider's keys to verify the token with."""
    _header, claims = read_unverified(token)
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise InvalidIdentityToken("Missing a required claim: iss")
    return issuer


def _algorithm(header: Mapping[str, Any]) -> str:
    algorithm = header.get("alg")
    if algorithm not in ALGORITHMS:
        raise InvalidIdentityToken(
            NOT_A_JWT,
            detail=f"The token's algorithm {str(algorithm)[:20]!r} is not accepted: only "
            f"{', '.join(sorted(ALGORITHMS))} (never none, never HMAC).",
        )
    return str(algorithm)


def _fits(key: Mapping[str, Any], algorithm: str) -> bool:
    """Whether a JWK may verify ``algorithm``: its type (and curve), its ``alg`` and ``use``."""
    if key.get("use", "sig") != "sig" or key.get("alg", algorithm) != algorithm:
        return False
    if algorithm in RSA_ALGORITHMS:
        return key.get("kty") == "RSA"
    return key.get("kty") == "EC" and key.get("crv") == EC_CURVES[algorithm]


def _candidate_keys(
    jwks: Mapping[str, Any], header: Mapping[str, Any], algorithm: str
) -> list[dict[str, Any]]:
    listed = jwks.get("keys")
    keys = [key for key in listed if isinstance(key, dict)] if isinstance(listed, list) else []
    key_id = header.get("kid")
    if key_id is not None:
        keys = [key for key in keys if key.get("kid") == key_id]
        if not keys:
            raise UnknownSigningKey(
                NO_KEY, detail=f"No key in the issuer's JWKS has kid {str(key_id)[:100]!r}."
            )
    fitting = [key for key in keys if _fits(key, algorithm)]
    if not fitting:
        raise InvalidIdentityToken(
            NO_KEY,
            detail=f"No key in the issuer's JWKS may verify {algorithm} (key type, curve, alg or use).",
        )
    return fitting


def _public_key(key: Mapping[str, Any]) -> RSAKey | ECKey | None:
    """The JWK as a joserfc public key, its private members dropped; None when it does not import."""
    public = {
        name: value for name, value in key.items() if name not in {"d", "p", "q", "dp", "dq", "qi", "oth"}
    }
    try:
        return RSAKey.import_key(public) if public.get("kty") == "RSA" else ECKey.import_key(public)
    except (JoseError, ValueError, TypeError, KeyError):
        return None


def _verify_signature(token: str, keys: Sequence[Mapping[str, Any]], algorithm: str) -> None:
    for key in keys:
        public = _public_key(key)
        if public is None:
            continue
        try:
            jws.deserialize_compact(token, public, algorithms=[algorithm])
            return
        except (JoseError, ValueError):
            continue
    raise InvalidIdentityToken(
        BAD_SIGNATURE, detail=f"No key of the issuer's JWKS verifies this {algorithm} signature."
    )


def _number(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidIdentityToken(NOT_A_JWT, detail=f"The {name} claim is not a number of seconds.")
    return float(value)


def _check_times(claims: Mapping[str, Any], now: int, skew: int) -> None:
    expires = _number(claims, "exp")
    if expires is None:
        raise InvalidIdentityToken("Missing a required claim: exp")
    if now >= expires + skew:
        raise ExpiredTokenException(
            f"Token expired: current date/time {now} must be before the expiration date/time {int(expires)}"
        )
    not_before = _number(claims, "nbf")
    if not_before is not None and now + skew < not_before:
        raise InvalidIdentityToken(
            f"Token is not yet valid: current date/time {now} must be after the not-before date/time "
            f"{int(not_before)}"
        )
    issued = _number(claims, "iat")
    if issued is not None and now + skew < issued:
        raise InvalidIdentityToken(
            f"Token was issued in the future: current date/time {now} is before the issue date/time {int(issued)}"
        )


def _audience(claims: Mapping[str, Any], client_ids: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """(the admitting client id, the other audiences): ``azp`` first, as AWS reads Google's tokens."""
    raw = claims.get("aud")
    if raw is None:
        raise InvalidIdentityToken("Missing a required claim: aud")
    audiences = [raw] if isinstance(raw, str) else raw
    if not isinstance(audiences, list) or not all(isinstance(item, str) for item in audiences):
        raise InvalidIdentityToken(
            NOT_A_JWT, detail="The aud claim is neither a string nor a list of strings."
        )
    allowed = set(client_ids)
    party = claims.get("azp")
    if isinstance(party, str) and party in allowed:
        return party, tuple(audiences)
    for audience in audiences:
        if audience in allowed:
            return audience, ()
    raise InvalidIdentityToken(
        WRONG_AUDIENCE, detail="Neither the token's aud nor its azp is a client id of the OIDC provider."
    )


def verify(
    token: str,
    jwks: Mapping[str, Any],
    *,
    issuer: str,
    client_ids: Sequence[str],
    now: int,
    skew: int = CLOCK_SKEW_SECONDS,
) -> VerifiedToken:
    """The token's claims, once its signature, issuer, audience and times all hold."""
    header, claims = read_unverified(token)
    algorithm = _algorithm(header)
    if header.get("crit") is not None:
        raise InvalidIdentityToken(
            NOT_A_JWT, detail="Tokens with critical header extensions are not accepted."
        )
    _verify_signature(token, _candidate_keys(jwks, header, algorithm), algorithm)
    if claims.get("iss") != issuer:
        raise InvalidIdentityToken(
            "Issuer of the token does not match the OIDC provider",
            detail=f"The token's iss must be exactly {issuer}.",
        )
    audience, others = _audience(claims, client_ids)
    _check_times(claims, now, skew)
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise InvalidIdentityToken("Missing a required claim: sub")
    return VerifiedToken(claims, issuer, subject, audience, others)
