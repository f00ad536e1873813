"""Account aliases: at most one per account, unique across every account the store holds.

The format (3–63 lowercase letters, digits and single hyphens, no hyphen at either end)
is the model's pattern, which the protocol layer already checks.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from credo.call import Call, Operation, Result
from credo.errors import EntityAlreadyExists, LimitExceeded, NoSuchEntity
from credo.iam.paging import decode_marker, limit_of, page
from credo.store.schema import account_aliases

MAX_ALIASES_PER_ACCOUNT = 1


def create_account_alias(call: Call) -> Result:
    alias: str = call.params["AccountAlias"]
    account_id = call.principal.account_id
    with call.services.store.write() as conn:
        if conn.execute(select(account_aliases.c.alias).where(account_aliases.c.alias == alias)).first():
            raise EntityAlreadyExists(f"The account alias {alias} already exists.")
        held = conn.execute(select(account_aliases.c.alias).where(account_aliases.c.account_id == account_id))
        if len(held.all()) >= MAX_ALIASES_PER_ACCOUNT:
            raise LimitExceeded(
                f"Cannot exceed quota for AccountAliasesPerAccount: {MAX_ALIASES_PER_ACCOUNT}"
            )
        conn.execute(insert(account_aliases).values(alias=alias, account_id=account_id))
    return {}


def list_account_aliases(call: Call) -> Result:
    params = call.params
    after = decode_marker(params.get("Marker"))
    query = select(account_aliases.c.alias).where(account_aliases.c.account_id == call.principal.account_id)
    if after is not None:
        query = query.where(account_aliases.c.alias > after)
    query = query.order_by(account_aliases.c.alias).limit(limit_of(params.get("MaxItems")))
    with call.services.store.read() as conn:
        aliases = list(conn.execute(query).scalars())
    return page(aliases, params.get("MaxItems"), lambda alias: alias, "AccountAliases")


def delete_account_alias(call: Call) -> Result:
    alias: str = call.params["AccountAlias"]
    with call.services.store.write() as conn:
        removed = conn.execute(
            delete(account_aliases).where(
                account_aliases.c.alias == alias, account_aliases.c.account_id == call.principal.account_id
            )
        ).rowcount
        if not removed:
            raise NoSuchEntity(f"The account alias {alias} cannot be found.")
    return {}


OPERATIONS = {
    "CreateAccountAlias": Operation(create_account_alias),
    "ListAccountAliases": Operation(list_account_aliases),
    "DeleteAccountAlias": Operation(delete_account_alias),
}
