"""Access keys: shown once, at most two per user, sealed at rest, last use tracked."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from credo import ids
from credo.call import Call, Operation, Result
from credo.errors import LimitExceeded, NoSuchEntity
from credo.iam.paging import decode_marker, limit_of, page
from credo.iam.users import credential_owner
from credo.keyring import Keyring
from credo.store import changes
from credo.store.schema import access_keys, users

MAX_KEYS_PER_USER = 2


def store_access_key(
    conn: Connection,
    keyring: Keyring,
    *,
    account_id: str,
    user_id: str | None,
    key_id: str,
    secret: str,
    created_at: Any,
) -> None:
    """Insert a key with its secret sealed under the master key (bound to the key id)."""
    sealed = keyring.seal(secret.encode(), key_id.encode())
    conn.execute(
        insert(access_keys).values(
            id=key_id,
            account_id=account_id,
            user_id=user_id,
            secret_key_id=sealed.key_id,
            secret_sealed=sealed.blob,
            active=True,
            created_at=created_at,
        )
    )


def _owner_filter(account_id: str, user_id: str | None) -> Any:
    owner = access_keys.c.user_id.is_(None) if user_id is None else access_keys.c.user_id == user_id
    return (access_keys.c.account_id == account_id) & owner


def _status(row: RowMapping) -> str:
    return "Active" if row["active"] else "Inactive"


def create_access_key(call: Call) -> Result:
    account_id = call.principal.account_id
    with call.services.store.write() as conn:
        user_id, user_name = credential_owner(call, conn)
        count = conn.execute(
            select(func.count()).select_from(access_keys).where(_owner_filter(account_id, user_id))
        ).scalar_one()
        if count >= MAX_KEYS_PER_USER:
            raise LimitExceeded(f"Cannot exceed quota for AccessKeysPerUser: {MAX_KEYS_PER_USER}")
        key_id, secret, now = ids.access_key_id(), ids.secret_access_key(), call.services.clock.now()
        changes.note(conn, changes.key(key_id))
        store_access_key(
            conn,
            call.services.keyring,
            account_id=account_id,
            user_id=user_id,
            key_id=key_id,
            secret=secret,
            created_at=now,
        )
    key: dict[str, Any] = {
        "AccessKeyId": key_id,
        "Status": "Active",
        "SecretAccessKey": secret,
        "CreateDate": now,
    }
    if user_name is not None:
        key["UserName"] = user_name
    return {"AccessKey": key}


def list_access_keys(call: Call) -> Result:
    params = call.params
    after = decode_marker(params.get("Marker"))
    with call.services.store.read() as conn:
        user_id, user_name = credential_owner(call, conn)
        query = select(access_keys).where(_owner_filter(call.principal.account_id, user_id))
        if after is not None:
            query = query.where(access_keys.c.id > after)
        query = query.order_by(access_keys.c.id).limit(limit_of(params.get("MaxItems")))
        rows = conn.execute(query).mappings().all()
    result = page(rows, params.get("MaxItems"), lambda row: row["id"], "AccessKeyMetadata")
    metadata = []
    for row in result["AccessKeyMetadata"]:
        item: dict[str, Any] = {
            "AccessKeyId": row["id"],
            "Status": _status(row),
            "CreateDate": row["created_at"],
        }
        if user_name is not None:
            item["UserName"] = user_name
        metadata.append(item)
    result["AccessKeyMetadata"] = metadata
    return result


def _find_key(conn: Connection, call: Call) -> RowMapping:
    user_id, _user_name = credential_owner(call, conn)
    key_id = call.params["AccessKeyId"]
    row = (
        conn.execute(
            select(access_keys).where(
                _owner_filter(call.principal.account_id, user_id), access_keys.c.id == key_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NoSuchEntity(f"The Access Key with id {key_id} cannot be found.")
    return row


def update_access_key(call: Call) -> Result:
    with call.services.store.write() as conn:
        row = _find_key(conn, call)
        changes.note(conn, changes.key(row["id"]))
        active = call.params["Status"] == "Active"
        conn.execute(update(access_keys).where(access_keys.c.id == row["id"]).values(active=active))
    return {}


def delete_access_key(call: Call) -> Result:
    with call.services.store.write() as conn:
        row = _find_key(conn, call)
        changes.note(conn, changes.key(row["id"]))
        conn.execute(delete(access_keys).where(access_keys.c.id == row["id"]))
    return {}


def get_access_key_last_used(call: Call) -> Result:
    call.services.usage.flush()
    key_id = call.params["AccessKeyId"]
    with call.services.store.read() as conn:
        row = (
            conn.execute(
                select(access_keys, users.c.name)
                .select_from(access_keys.outerjoin(users, users.c.id == access_keys.c.user_id))
                .where(access_keys.c.id == key_id, access_keys.c.account_id == call.principal.account_id)
            )
            .mappings()
            .first()
        )
    if row is None:
        raise NoSuchEntity(f"The Access Key with id {key_id} cannot be found.")
    last_used: dict[str, Any] = {"ServiceName": "N/A", "Region": "N/A"}
    if row["last_used_at"] is not None:
        last_used = {
            "LastUsedDate": row["last_used_at"],
            "ServiceName": row["last_used_service"],
            "Region": row["last_used_region"],
        }
    result: dict[str, Any] = {"AccessKeyLastUsed": last_used}
    if row["name"] is not None:
        result["UserName"] = row["name"]
    return result


OPERATIONS = {
    "CreateAccessKey": Operation(create_access_key),
    "ListAccessKeys": Operation(list_access_keys),
    "UpdateAccessKey": Operation(update_access_key),
    "DeleteAccessKey": Operation(delete_access_key),
    "GetAccessKeyLastUsed": Operation(get_access_key_last_used),
}
