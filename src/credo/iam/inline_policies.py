"""Inline policies of users, groups and roles: Put, Get, List and Delete for each kind.

Names are unique per entity ignoring case; putting a policy under an existing name replaces
it. AWS caps the total size (non-whitespace characters) of an entity's inline policies.
"""

from __future__ import annotations

from sqlalchemy import Connection, RowMapping, delete, func, insert, select

from credo.call import Call, Handler, Operation, Result
from credo.errors import LimitExceeded, NoSuchEntity
from credo.iam.paging import decode_marker, limit_of, page
from credo.iam.policy_holders import GROUP, ROLE, USER, Holder
from credo.iam.policy_lookup import encode_document, policy_size
from credo.iam.protected_roles import require_modifiable
from credo.policy import parse_policy
from credo.store import changes
from credo.store.schema import inline_policies


def _find_policy(conn: Connection, holder: Holder, entity_id: str, name: str) -> RowMapping:
    row = (
        conn.execute(
            select(inline_policies).where(
                inline_policies.c.entity_id == entity_id, inline_policies.c.name_lower == name.lower()
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NoSuchEntity(f"The {holder.kind} policy with name {name} cannot be found.")
    return row


def _put(holder: Holder) -> Handler:
    def put_policy(call: Call) -> Result:
        params = call.params
        name: str = params["PolicyName"]
        document: str = params["PolicyDocument"]
        account_id = call.principal.account_id
        with call.services.store.write() as conn:
            entity = holder.find(conn, account_id, params[holder.name_param])
            changes.note(conn, changes.identity(holder.kind, entity["id"]))
            if holder is ROLE:
                require_modifiable(conn, entity)
            others = conn.execute(
                select(func.coalesce(func.sum(inline_policies.c.size), 0)).where(
                    inline_policies.c.entity_id == entity["id"], inline_policies.c.name_lower != name.lower()
                )
            ).scalar_one()
            size = policy_size(document)
            if others + size > holder.inline_quota:
                raise LimitExceeded(
                    f"Maximum policy size of {holder.inline_quota} bytes exceeded "
                    f"for {holder.kind} {entity['name']}"
                )
            parse_policy(document, "identity")
            conn.execute(
                delete(inline_policies).where(
                    inline_policies.c.entity_id == entity["id"], inline_policies.c.name_lower == name.lower()
                )
            )
            conn.execute(
                insert(inline_policies).values(
                    entity_id=entity["id"],
                    name_lower=name.lower(),
                    account_id=account_id,
                    entity_kind=holder.kind,
                    name=name,
                    document=document,
                    size=size,
                )
            )
        return {}

    return put_policy


def _get(holder: Holder) -> Handler:
    def get_policy(call: Call) -> Result:
        with call.services.store.read() as conn:
            entity = holder.find(conn, call.principal.account_id, call.params[holder.name_param])
            row = _find_policy(conn, holder, entity["id"], call.params["PolicyName"])
        return {
            holder.name_param: entity["name"],
            "PolicyName": row["name"],
            "PolicyDocument": encode_document(row["document"]),
        }

    return get_policy


def _list(holder: Holder) -> Handler:
    def list_policies(call: Call) -> Result:
        params = call.params
        after = decode_marker(params.get("Marker"))
        with call.services.store.read() as conn:
            entity = holder.find(conn, call.principal.account_id, params[holder.name_param])
            query = select(inline_policies.c.name, inline_policies.c.name_lower).where(
                inline_policies.c.entity_id == entity["id"]
            )
            if after is not None:
                query = query.where(inline_policies.c.name_lower > after)
            query = query.order_by(inline_policies.c.name_lower).limit(limit_of(params.get("MaxItems")))
            rows = conn.execute(query).mappings().all()
        result = page(rows, params.get("MaxItems"), lambda row: row["name_lower"], "PolicyNames")
        result["PolicyNames"] = [row["name"] for row in result["PolicyNames"]]
        return result

    return list_policies


def _delete(holder: Holder) -> Handler:
    def delete_policy(call: Call) -> Result:
        with call.services.store.write() as conn:
            entity = holder.find(conn, call.principal.account_id, call.params[holder.name_param])
            changes.note(conn, changes.identity(holder.kind, entity["id"]))
            if holder is ROLE:
                require_modifiable(conn, entity)
            row = _find_policy(conn, holder, entity["id"], call.params["PolicyName"])
            conn.execute(
                delete(inline_policies).where(
                    inline_policies.c.entity_id == entity["id"],
                    inline_policies.c.name_lower == row["name_lower"],
                )
            )
        return {}

    return delete_policy


OPERATIONS = {
    f"{verb}{holder.label}Policy" if verb != "List" else f"List{holder.label}Policies": Operation(
        make(holder)
    )
    for holder in (USER, GROUP, ROLE)
    for verb, make in (("Put", _put), ("Get", _get), ("List", _list), ("Delete", _delete))
}
