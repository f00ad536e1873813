"""What a write changed, named as topics, so that caches drop only the entries it touched.

A writer notes the topics inside its transaction (``note(conn, changes.user(user_id))``); a
cache entry lists the topics it was built from. When the transaction commits, the store hands
its topics to every cache in this process at once and to every other process sharing the store
(``Store.write``). A write that notes nothing changed ``EVERYTHING``: forgetting to name a topic
costs a cache refill, never a stale permission.
"""

from __future__ import annotations

from sqlalchemy import Connection

# Every entry of every cache: what a write that named no topic is taken to have changed.
EVERYTHING = "*"

_INFO_KEY = "credo.changes"


def note(conn: Connection, *topics: str) -> None:
    """Record that this transaction changes what ``topics`` name."""
    conn.info.setdefault(_INFO_KEY, set()).update(topics)


def noted(conn: Connection) -> frozenset[str]:
    """What the transaction on ``conn`` changed (``EVERYTHING`` when it named nothing); cleared."""
    topics: set[str] | None = conn.info.pop(_INFO_KEY, None)
    return frozenset(topics) if topics else frozenset({EVERYTHING})


def noted_only(conn: Connection) -> frozenset[str]:
    """What a quiet write (``Store.write_quietly``) named, nothing when it named nothing; cleared."""
    topics: set[str] | None = conn.info.pop(_INFO_KEY, None)
    return frozenset(topics or ())


def discard(conn: Connection) -> None:
    """Forget the topics of a transaction that rolled back."""
    conn.info.pop(_INFO_KEY, None)


def key(access_key_id: str) -> str:
    """An access key: its status, its existence, its secret."""
    return f"key:{access_key_id}"


def identity(kind: str, identity_id: str) -> str:
    """A user, a role or an account's root: name, path, boundary, tags, inline and attached policies, groups."""
    return f"{kind}:{identity_id}"


def user(user_id: str) -> str:
    return identity("user", user_id)


def role(role_id: str) -> str:
    return identity("role", role_id)


def group(group_id: str) -> str:
    """A group's own policies and existence (its members' entries list it)."""
    return f"group:{group_id}"


def user_listing(account_id: str) -> str:
    """What ListUsers shows of an account's users: who they are, their names, paths and
    password last used. Noted beside ``user(...)`` by every write that changes one of those."""
    return f"users-of:{account_id}"


def policy(policy_arn: str) -> str:
    """A managed policy's default version and existence."""
    return f"policy:{policy_arn}"
