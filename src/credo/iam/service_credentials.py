"""Service-specific credentials: a user name and password (or an API key) for one AWS service.

At most two per user per service. The password is shown when created and when reset, never
again. It is sealed under the master key rather than hashed: the services that accept these
credentials (CodeCommit's git over HTTPS, Keyspaces, Bedrock's bearer API keys) present them on
every request or connection, and checking a sealed secret costs microseconds where argon2 costs
tens of milliseconds; the seal binds each ciphertext to its credential id, as for access keys.
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from credo import ids
from credo.call import Call, Operation, Result
from credo.errors import InvalidInput, LimitExceeded, NoSuchEntity
from credo.iam.paging import decode_marker, limit_of, page
from credo.iam.users import DEPENDENTS, credential_owner, find_user
from credo.store.schema import service_specific_credentials as credentials
from credo.store.schema import users

# AWS words this conflict generically (the same words it uses for SSH keys and other leftovers).
DEPENDENTS.append((credentials.c.user_id, "Cannot delete entity, must remove referenced objects first."))

CREDENTIAL_ID_PREFIX = "ACCA"
MAX_PER_USER_PER_SERVICE = 2
# Services issuing a user name and password.
PASSWORD_SERVICES = frozenset({"codecommit.amazonaws.com", "cassandra.amazonaws.com"})
# Services issuing long-term API keys (an alias and a secret), which may expire.
API_KEY_SERVICES = frozenset({"bedrock.amazonaws.com", "logs.amazonaws.com"})
# The prefix AWS gives Bedrock long-term API keys.
_API_KEY_PREFIX = "ABSK"


def require_supported(service_name: str) -> None:
    """AWS answers an unsupported service with NoSuchEntity (not NotSupportedService)."""
    if service_name not in PASSWORD_SERVICES | API_KEY_SERVICES:
        raise NoSuchEntity(f"No such service {service_name} is supported for Service Specific Credentials")


def _password() -> str:
    # 44 random bytes: 60 base64 characters ending in "=", the shape of AWS's passwords.
    return base64.b64encode(secrets.token_bytes(44)).decode()


def _api_key_secret(alias: str) -> str:
    token = base64.b64encode(f"{alias}:{secrets.token_urlsafe(45)}".encode()).decode()
    return _API_KEY_PREFIX + token


def _new_secret(service_name: str, alias: str) -> str:
    return _api_key_secret(alias) if service_name in API_KEY_SERVICES else _password()


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _status(row: RowMapping, now: datetime) -> str:
    if row["expires_at"] is not None and _aware(row["expires_at"]) <= now:
        return "Expired"
    return "Active" if row["active"] else "Inactive"


def _metadata(row: RowMapping, user_name: str, now: datetime) -> dict[str, Any]:
    """The ``ServiceSpecificCredentialMetadata`` shape (no secret)."""
    item: dict[str, Any] = {
        "UserName": user_name,
        "Status": _status(row, now),
        "CreateDate": row["created_at"],
        "ServiceSpecificCredentialId": row["id"],
        "ServiceName": row["service_name"],
    }
    if row["service_name"] in API_KEY_SERVICES:
        item["ServiceCredentialAlias"] = row["service_user_name"]
    else:
        item["ServiceUserName"] = row["service_user_name"]
    if row["expires_at"] is not None:
        item["ExpirationDate"] = row["expires_at"]
    return item


def _with_secret(row: RowMapping, user_name: str, secret: str, now: datetime) -> dict[str, Any]:
    """The ``ServiceSpecificCredential`` shape: the metadata and, this once, the secret."""
    item = _metadata(row, user_name, now)
    if row["service_name"] in API_KEY_SERVICES:
        item["ServiceCredentialSecret"] = secret
    else:
        item["ServicePassword"] = secret
    return item


def _seal(call: Call, credential_id: str, secret: str) -> dict[str, Any]:
    sealed = call.services.keyring.seal(secret.encode(), context=credential_id.encode())
    return {"secret_key_id": sealed.key_id, "secret_sealed": sealed.blob}


def create_service_specific_credential(call: Call) -> Result:
    params = call.params
    account_id = call.principal.account_id
    service_name: str = params["ServiceName"]
    age_days: int | None = params.get("CredentialAgeDays")
    now = call.services.clock.now()
    with call.services.store.write() as conn:
        user = find_user(conn, account_id, params["UserName"])
        require_supported(service_name)
        if age_days is not None and service_name not in API_KEY_SERVICES:
            raise InvalidInput(
                "CredentialAgeDays is only supported for Bedrock and CloudWatch Logs API keys."
            )
        count = conn.execute(
            select(func.count())
            .select_from(credentials)
            .where(credentials.c.user_id == user["id"], credentials.c.service_name == service_name)
        ).scalar_one()
        if count >= MAX_PER_USER_PER_SERVICE:
            raise LimitExceeded(
                f"Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: {MAX_PER_USER_PER_SERVICE}"
            )
        credential_id = ids.entity_id(CREDENTIAL_ID_PREFIX)
        alias = f"{user['name']}-at-{account_id}"
        secret = _new_secret(service_name, alias)
        conn.execute(
            insert(credentials).values(
                id=credential_id,
                account_id=account_id,
                user_id=user["id"],
                service_name=service_name,
                service_user_name=alias,
                active=True,
                created_at=now,
                expires_at=now + timedelta(days=age_days) if age_days is not None else None,
                **_seal(call, credential_id, secret),
            )
        )
        row = conn.execute(select(credentials).where(credentials.c.id == credential_id)).mappings().one()
    return {"ServiceSpecificCredential": _with_secret(row, user["name"], secret, now)}


def list_service_specific_credentials(call: Call) -> Result:
    params = call.params
    account_id = call.principal.account_id
    service_name = params.get("ServiceName")
    after = decode_marker(params.get("Marker"))
    if params.get("AllUsers") and params.get("UserName") is not None:
        raise InvalidInput("AllUsers cannot be specified together with UserName.")
    with call.services.store.read() as conn:
        query = (
            select(credentials, users.c.name.label("user_name"))
            .select_from(credentials.join(users, users.c.id == credentials.c.user_id))
            .where(credentials.c.account_id == account_id)
        )
        if not params.get("AllUsers"):
            user_id, _name = credential_owner(call, conn)
            if user_id is None:
                return {"ServiceSpecificCredentials": [], "IsTruncated": False}
            query = query.where(credentials.c.user_id == user_id)
        if service_name is not None:
            require_supported(service_name)
            query = query.where(credentials.c.service_name == service_name)
        if after is not None:
            query = query.where(credentials.c.id > after)
        query = query.order_by(credentials.c.id).limit(limit_of(params.get("MaxItems")))
        rows = conn.execute(query).mappings().all()
    result = page(rows, params.get("MaxItems"), lambda row: row["id"], "ServiceSpecificCredentials")
    now = call.services.clock.now()
    result["ServiceSpecificCredentials"] = [
        _metadata(row, row["user_name"], now) for row in result["ServiceSpecificCredentials"]
    ]
    return result


def _find_credential(conn: Connection, call: Call) -> tuple[RowMapping, str]:
    """The credential row and its user's name, or NoSuchEntity as AWS words it."""
    user_id, user_name = credential_owner(call, conn)
    credential_id = call.params["ServiceSpecificCredentialId"]
    row = None
    if user_id is not None:
        row = (
            conn.execute(
                select(credentials).where(
                    credentials.c.id == credential_id,
                    credentials.c.user_id == user_id,
                    credentials.c.account_id == call.principal.account_id,
                )
            )
            .mappings()
            .first()
        )
    if row is None or user_name is None:
        raise NoSuchEntity(f"No such credential {credential_id} exists")
    return row, user_name


def reset_service_specific_credential(call: Call) -> Result:
    with call.services.store.write() as conn:
        row, user_name = _find_credential(conn, call)
        secret = _new_secret(row["service_name"], row["service_user_name"])
        conn.execute(
            update(credentials).where(credentials.c.id == row["id"]).values(**_seal(call, row["id"], secret))
        )
    return {"ServiceSpecificCredential": _with_secret(row, user_name, secret, call.services.clock.now())}


def update_service_specific_credential(call: Call) -> Result:
    status = call.params["Status"]
    if status == "Expired":
        # Expiry follows from CredentialAgeDays; a client can only switch Active and Inactive.
        raise InvalidInput("Status can only be changed to Active or Inactive.")
    with call.services.store.write() as conn:
        row, _user_name = _find_credential(conn, call)
        conn.execute(
            update(credentials).where(credentials.c.id == row["id"]).values(active=status == "Active")
        )
    return {}


def delete_service_specific_credential(call: Call) -> Result:
    with call.services.store.write() as conn:
        row, _user_name = _find_credential(conn, call)
        conn.execute(delete(credentials).where(credentials.c.id == row["id"]))
    return {}


OPERATIONS = {
    "CreateServiceSpecificCredential": Operation(create_service_specific_credential),
    "ListServiceSpecificCredentials": Operation(list_service_specific_credentials),
    "ResetServiceSpecificCredential": Operation(reset_service_specific_credential),
    "UpdateServiceSpecificCredential": Operation(update_service_specific_credential),
    "DeleteServiceSpecificCredential": Operation(delete_service_specific_credential),
}
