"""A SAMLResponse checked as AssumeRoleWithSAML checks it, apart from using it up.

One path for STS and the console's ``/saml`` sign-in: ``verify_assertion`` finds the provider a
``PrincipalArn`` names (in the role's account), verifies the response against that provider's
metadata (``credo.federation.saml``), reads what it asks of the session (``saml_claims``) and
refuses an assertion already used. ``use_once`` then records it as used, in the call that
issues the session. ``roles_offered`` is the console's question before a role is chosen: which
roles of the ``Role`` attribute may be asked for, each verified against its own provider.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, RowMapping, delete, insert, select
from sqlalchemy.exc import IntegrityError

from credo import arn
from credo.call import Services
from credo.errors import AwsError, InvalidIdentityToken
from credo.federation.saml import (
    CLOCK_SKEW,
    Expectations,
    SamlClaims,
    role_pair,
    unverified_issuers,
    verify_response,
)
from credo.federation.saml_metadata import parse_metadata
from credo.iam.saml_providers import private_keys
from credo.store.schema import saml_providers, used_saml_assertions
from credo.sts import saml_claims

# Where IdPs configured for AWS send their responses; credo's own endpoint is added per server.
AWS_SIGNIN_ENDPOINT = "https://signin.aws.amazon.com/saml"
AWS_AUDIENCE = "urn:amazon:webservices"
NO_SUCH_PROVIDER = "Specified provider doesn't exist"
# The providers (across accounts) the console tries for one response's issuer.
MAX_PROVIDERS_TRIED = 100


@dataclass(frozen=True)
class VerifiedAssertion:
    """A response that passed every check of the assertion itself, for one provider."""

    provider: RowMapping
    claims: SamlClaims
    asked: saml_claims.SessionRequest


@dataclass(frozen=True)
class OfferedRole:
    """A role the verified ``Role`` attribute pairs with a provider that verified the response."""

    role_arn: str
    provider_arn: str
    account_id: str

    @property
    def role_name(self) -> str:
        return self.role_arn.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Offer:
    """What a response offers the console: its roles, and the session length it asks for."""

    roles: tuple[OfferedRole, ...]
    duration_limit: int | None


def saml_endpoint(services: Services) -> str:
    """credo's counterpart of ``https://signin.aws.amazon.com/saml``: this server's ``/saml``."""
    return services.settings.endpoint_url + "/saml"


def account_of(role_or_provider_arn: str) -> str | None:
    parsed = arn.parse_arn(role_or_provider_arn)
    return parsed.account if parsed is not None else None


def _provider(conn: Connection, provider_arn: str, role_account: str | None) -> RowMapping:
    """The SAML provider ``PrincipalArn`` names; it must belong to the role's account."""
    parsed = arn.parse_arn(provider_arn)
    if parsed is None or parsed.service != "iam" or not parsed.resource.startswith("saml-provider/"):
        raise InvalidIdentityToken(NO_SUCH_PROVIDER, detail=f"{provider_arn} is not a SAML provider ARN.")
    if parsed.account != role_account:
        raise InvalidIdentityToken(
            NO_SUCH_PROVIDER, detail="The SAML provider must be in the same account as the role."
        )
    name = parsed.resource.removeprefix("saml-provider/")
    query = select(saml_providers).where(
        saml_providers.c.account_id == parsed.account, saml_providers.c.name_lower == name.lower()
    )
    row = conn.execute(query).mappings().first()
    if row is None or row["name"] != name:
        raise InvalidIdentityToken(NO_SUCH_PROVIDER, detail=f"No SAML provider {provider_arn}.")
    return row


def _aware(moment: datetime) -> datetime:
    """A stored time as UTC (SQLite hands them back without a zone)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _verified_claims(
    services: Services, encoded: str, provider: RowMapping, keys: tuple[bytes, ...], now: datetime
) -> SamlClaims:
    if provider["valid_until"] is not None and _aware(provider["valid_until"]) <= now:
        raise InvalidIdentityToken(
            "Invalid SAML response", detail="The SAML provider's metadata is past its validUntil."
        )
    metadata = parse_metadata(provider["metadata_document"])
    endpoint = saml_endpoint(services)
    expect = Expectations(
        certificates=metadata.signing_certificates,
        entity_id=provider["entity_id"],
        recipients=frozenset({endpoint, AWS_SIGNIN_ENDPOINT}),
        audiences=frozenset({AWS_AUDIENCE, endpoint}),
        now=now,
        private_keys=keys,
        require_encryption=provider["encryption_mode"] == "Required",
    )
    return verify_response(encoded, expect)


def _used_key(claims: SamlClaims) -> str:
    return hashlib.sha256(f"{claims.issuer}\0{claims.assertion_id}".encode()).hexdigest()


def _replayed() -> InvalidIdentityToken:
    return InvalidIdentityToken(
        "Invalid SAML response", detail="This assertion was already used; each assertion is accepted once."
    )


def verify_assertion(
    services: Services, encoded: str, provider_arn: str, role_account: str | None, now: datetime
) -> VerifiedAssertion:
    """Everything AssumeRoleWithSAML checks of the response itself, without using it up: the
    provider (in the role's account), signature (after decryption with the provider's keys),
    times, recipient, audience, the attributes that shape the session, and that the assertion
    was not used before."""
    with services.store.read() as conn:
        provider = _provider(conn, provider_arn, role_account)
        keys = private_keys(conn, services.keyring, provider["id"])
    claims = _verified_claims(services, encoded, provider, keys, now)
    asked = saml_claims.session_request(claims)
    with services.store.read() as conn:
        used = conn.execute(
            select(used_saml_assertions.c.id).where(used_saml_assertions.c.id == _used_key(claims))
        ).first()
    if used is not None:
        raise _replayed()
    return VerifiedAssertion(provider, claims, asked)


def use_once(services: Services, claims: SamlClaims, now: datetime) -> None:
    """Record the assertion as used; refuse it if it was used before (kept until it expires)."""
    key = _used_key(claims)
    try:
        with services.store.write_quietly() as conn:
            conn.execute(delete(used_saml_assertions).where(used_saml_assertions.c.expires_at < now))
            if conn.execute(
                select(used_saml_assertions.c.id).where(used_saml_assertions.c.id == key)
            ).first():
                raise _replayed()
            expires = claims.not_on_or_after + CLOCK_SKEW
            conn.execute(insert(used_saml_assertions).values(id=key, expires_at=expires))
    except IntegrityError:
        raise _replayed() from None


def _providers_of(services: Services, issuers: tuple[str, ...]) -> list[tuple[str, str]]:
    """(provider ARN, account) of every provider registered with one of these entity ids."""
    if not issuers:
        return []
    query = (
        select(saml_providers.c.account_id, saml_providers.c.name)
        .where(saml_providers.c.entity_id.in_(issuers))
        .order_by(saml_providers.c.account_id, saml_providers.c.name)
        .limit(MAX_PROVIDERS_TRIED)
    )
    with services.store.read() as conn:
        rows = conn.execute(query).all()
    return [(arn.saml_provider_arn(row.account_id, row.name), row.account_id) for row in rows]


def roles_offered(services: Services, encoded: str, now: datetime) -> Offer:
    """The roles a response offers, each paired with a provider that verifies it (in the role's account).

    The unverified document only says which providers to try (those registered with its
    issuer's entity id); the roles come from the claims each provider verified. When no
    provider verifies the response, the first refusal is raised.
    """
    candidates = _providers_of(services, unverified_issuers(encoded))
    offered: dict[str, OfferedRole] = {}
    refusal: AwsError | None = None
    duration_limit: int | None = None
    for provider_arn, account_id in candidates:
        try:
            verified = verify_assertion(services, encoded, provider_arn, account_id, now)
        except AwsError as error:
            refusal = refusal or error
            continue
        duration_limit = verified.asked.duration_limit
        for value in verified.claims.attributes.get(saml_claims.ROLE, ()):
            pair = role_pair(value)
            if pair is not None and pair[1] == provider_arn and account_of(pair[0]) == account_id:
                offered.setdefault(pair[0], OfferedRole(pair[0], provider_arn, account_id))
    if offered:
        return Offer(tuple(offered.values()), duration_limit)
    if refusal is not None:
        raise refusal
    if not candidates:
        raise InvalidIdentityToken(NO_SUCH_PROVIDER, detail="No SAML provider is registered for this issuer.")
    raise InvalidIdentityToken(
        "Invalid SAML response",
        detail=f"The assertion's {saml_claims.ROLE} attribute pairs no role with a provider that verifies it.",
    )
