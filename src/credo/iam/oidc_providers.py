"""OpenID Connect identity providers: an issuer URL, the client ids (audiences) it may issue
tokens for, and optional certificate thumbprints.

A provider is named by its URL without the scheme (``oidc-provider/HOST/PATH``), as AWS names
it. URLs must be https; ``Settings.allows_loopback_http_issuers`` (dev mode, or
``CREDO_OIDC_LOOPBACK_HTTP``) also admits http on loopback, so tests can run a real IdP there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from credo import arn, ids
from credo.call import Call, Operation, Result
from credo.errors import EntityAlreadyExists, InvalidInput, LimitExceeded, NoSuchEntity, ValidationError
from credo.iam import entity_tags, tags
from credo.store.schema import oidc_providers as providers

OIDC_PROVIDER_ID_PREFIX = "AOID"
MAX_PER_ACCOUNT = 100
MAX_CLIENT_IDS = 100
MAX_THUMBPRINTS = 5
INVALID_URL = "Invalid Open ID Connect Provider URL"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_THUMBPRINT = re.compile(r"[0-9A-Fa-f]{40}")
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


def provider_location(url: str, allow_loopback_http: bool) -> tuple[str, str]:
    """``(scheme, location)`` of a provider URL, ``location`` being the URL without its scheme."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationError(INVALID_URL, detail="The URL does not parse.") from None
    scheme = parts.scheme.lower()
    if not parts.hostname or _UNSAFE.search(url) or "?" in url or "#" in url or "@" in parts.netloc:
        raise ValidationError(
            INVALID_URL, detail="The URL needs a host, and no query, fragment, user info or spaces."
        )
    if url[: len(scheme) + 3].lower() != f"{scheme}://" or port == 0:
        raise ValidationError(INVALID_URL, detail="The URL must start with https://.")
    loopback = scheme == "http" and allow_loopback_http and parts.hostname in LOOPBACK_HOSTS
    if scheme != "https" and not loopback:
        detail = "The URL must start with https://"
        if allow_loopback_http:
            detail += " (or http:// on 127.0.0.1, [::1] or localhost)"
        raise ValidationError(INVALID_URL, detail=detail + ".")
    return scheme, url[len(scheme) + 3 :]


def _thumbprints(values: Sequence[str]) -> list[str]:
    if len(values) > MAX_THUMBPRINTS:
        raise InvalidInput("Thumbprint list must contain fewer than 5 entries.")
    for value in values:
        if not _THUMBPRINT.fullmatch(value):
            raise InvalidInput(
                f"Thumbprint {value} is not valid.",
                detail="A thumbprint is the SHA-1 of a certificate: 40 hexadecimal digits.",
            )
    return list(dict.fromkeys(values))


def _client_ids(values: Sequence[str]) -> list[str]:
    unique = list(dict.fromkeys(values))
    if len(unique) > MAX_CLIENT_IDS:
        raise LimitExceeded(f"Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {MAX_CLIENT_IDS}")
    return unique


def find_oidc_provider(
    conn: Connection,
    account_id: str,
    provider_arn: str,
    missing: str = "OpenIDConnect Provider not found for arn {arn}",
) -> RowMapping:
    """The provider an ARN names, or NoSuchEntity worded as AWS words it for the operation."""
    parsed = arn.parse_arn(provider_arn)
    if parsed is None or parsed.service != "iam" or not parsed.resource.startswith("oidc-provider/"):
        raise InvalidInput(f"ARN {provider_arn} is not valid.")
    row = None
    if parsed.account == account_id:
        location = parsed.resource.removeprefix("oidc-provider/")
        query = select(providers).where(
            providers.c.account_id == account_id, providers.c.location == location
        )
        row = conn.execute(query).mappings().first()
    if row is None:
        raise NoSuchEntity(missing.format(arn=provider_arn))
    return row


def create_open_id_connect_provider(call: Call) -> Result:
    params = call.params
    account_id = call.principal.account_id
    url: str = params["Url"]
    scheme, location = provider_location(url, call.services.settings.allows_loopback_http_issuers)
    client_ids = _client_ids(params.get("ClientIDList", []))
    thumbprints = _thumbprints(params.get("ThumbprintList", []))
    new_tags = params.get("Tags", [])
    tags.validate_new_tags(new_tags)
    with call.services.store.write() as conn:
        taken = select(providers.c.id).where(
            providers.c.account_id == account_id, providers.c.location == location
        )
        if conn.execute(taken).first() is not None:
            raise EntityAlreadyExists(f"Provider with url {url} already exists.")
        count = select(func.count()).select_from(providers).where(providers.c.account_id == account_id)
        if conn.execute(count).scalar_one() >= MAX_PER_ACCOUNT:
            raise LimitExceeded(
                f"Cannot exceed quota for OpenIdConnectProvidersPerAccount: {MAX_PER_ACCOUNT}"
            )
        provider_id = ids.entity_id(OIDC_PROVIDER_ID_PREFIX)
        conn.execute(
            insert(providers).values(
                id=provider_id,
                account_id=account_id,
                location=location,
                scheme=scheme,
                client_ids=json.dumps(client_ids),
                thumbprints=json.dumps(thumbprints),
                created_at=call.services.clock.now(),
            )
        )
        tags.put_tags(conn, provider_id, new_tags)
        tag_list = tags.read_tags(conn, provider_id)
    result: dict[str, Any] = {"OpenIDConnectProviderArn": arn.oidc_provider_arn(account_id, location)}
    if tag_list:
        result["Tags"] = tag_list
    return result


def get_open_id_connect_provider(call: Call) -> Result:
    with call.services.store.read() as conn:
        row = find_oidc_provider(conn, call.principal.account_id, call.params["OpenIDConnectProviderArn"])
        tag_list = tags.read_tags(conn, row["id"])
    return {
        "Url": row["location"],
        "ClientIDList": json.loads(row["client_ids"]),
        "ThumbprintList": json.loads(row["thumbprints"]),
        "CreateDate": row["created_at"],
        "Tags": tag_list,
    }


def list_open_id_connect_providers(call: Call) -> Result:
    account_id = call.principal.account_id
    query = select(providers.c.location).where(providers.c.account_id == account_id)
    with call.services.store.read() as conn:
        locations = conn.execute(query.order_by(providers.c.location)).scalars().all()
    return {
        "OpenIDConnectProviderList": [{"Arn": arn.oidc_provider_arn(account_id, loc)} for loc in locations]
    }


def _change_list(call: Call, column: str, change: Any) -> None:
    """Read one JSON list column of the provider, pass it through ``change``, write it back."""
    with call.services.store.write() as conn:
        row = find_oidc_provider(conn, call.principal.account_id, call.params["OpenIDConnectProviderArn"])
        values = change(json.loads(row[column]))
        conn.execute(
            update(providers).where(providers.c.id == row["id"]).values({column: json.dumps(values)})
        )


def update_open_id_connect_provider_thumbprint(call: Call) -> Result:
    thumbprints = _thumbprints(call.params["ThumbprintList"])
    _change_list(call, "thumbprints", lambda _old: thumbprints)
    return {}


def add_client_id_to_open_id_connect_provider(call: Call) -> Result:
    # AWS: adding a client id the provider already has changes nothing and is no error.
    client_id = call.params["ClientID"]
    _change_list(call, "client_ids", lambda old: _client_ids([*old, client_id]))
    return {}


def remove_client_id_from_open_id_connect_provider(call: Call) -> Result:
    # AWS: removing a client id the provider does not have is no error either.
    client_id = call.params["ClientID"]
    _change_list(call, "client_ids", lambda old: [value for value in old if value != client_id])
    return {}


def delete_open_id_connect_provider(call: Call) -> Result:
    with call.services.store.write() as conn:
        row = find_oidc_provider(
            conn,
            call.principal.account_id,
            call.params["OpenIDConnectProviderArn"],
            missing="OpenId connect Provider {arn} cannot be found.",
        )
        tags.drop_all_tags(conn, row["id"])
        conn.execute(delete(providers).where(providers.c.id == row["id"]))
    return {}


OIDC_PROVIDER = entity_tags.TaggedKind("OpenIDConnectProviderArn", find_oidc_provider)

OPERATIONS = {
    "CreateOpenIDConnectProvider": Operation(create_open_id_connect_provider),
    "GetOpenIDConnectProvider": Operation(get_open_id_connect_provider),
    "ListOpenIDConnectProviders": Operation(list_open_id_connect_providers),
    "UpdateOpenIDConnectProviderThumbprint": Operation(update_open_id_connect_provider_thumbprint),
    "AddClientIDToOpenIDConnectProvider": Operation(add_client_id_to_open_id_connect_provider),
    "RemoveClientIDFromOpenIDConnectProvider": Operation(remove_client_id_from_open_id_connect_provider),
    "DeleteOpenIDConnectProvider": Operation(delete_open_id_connect_provider),
    "TagOpenIDConnectProvider": Operation(entity_tags.tag_entity(OIDC_PROVIDER)),
    "UntagOpenIDConnectProvider": Operation(entity_tags.untag_entity(OIDC_PROVIDER)),
    "ListOpenIDConnectProviderTags": Operation(entity_tags.list_entity_tags(OIDC_PROVIDER)),
}
