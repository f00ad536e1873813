"""Tags on the instance and on permission sets: TagResource, UntagResource, ListTagsForResource.

IAM's tag rules apply (``iam/tags.py``): keys unique ignoring case, no ``aws:`` prefix, at most
50 per resource. A permission set's tags are its resource tags when calls on it are authorized.
"""

from __future__ import annotations

from sqlalchemy import Connection

from credo.call import Call, Operation, Result
from credo.errors import ResourceNotFoundException
from credo.iam import tags as entity_tags
from credo.sso import identifiers, paging
from credo.sso.instances import load
from credo.sso.permission_sets import find_permission_set


def _entity_id(conn: Connection, resource_arn: str) -> str:
    """The instance or permission set ``resource_arn`` names (their ids carry their tags)."""
    instance = load(conn)
    if instance is not None and resource_arn == instance.arn:
        return instance.id
    if instance is not None and identifiers.permission_set_id_of(resource_arn) is not None:
        return str(find_permission_set(conn, instance, resource_arn)["id"])
    raise ResourceNotFoundException(f"Could not find resource with arn {resource_arn}")


def tag_resource(call: Call) -> Result:
    with call.services.store.write() as conn:
        entity_tags.put_tags(conn, _entity_id(conn, call.params["ResourceArn"]), call.params["Tags"])
    return {}


def untag_resource(call: Call) -> Result:
    keys: list[str] = call.params["TagKeys"]
    entity_tags.validate_tag_keys(keys)
    with call.services.store.write() as conn:
        entity_tags.remove_tags(conn, _entity_id(conn, call.params["ResourceArn"]), keys)
    return {}


def list_tags_for_resource(call: Call) -> Result:
    with call.services.store.read() as conn:
        found = entity_tags.read_tags(conn, _entity_id(conn, call.params["ResourceArn"]))
    start = paging.after(call.params.get("NextToken"))
    numbered = [(f"{index:06d}", tag) for index, tag in enumerate(found)]
    if start is not None:
        numbered = [item for item in numbered if item[0] > start]
    return paging.page(numbered, 50, lambda item: item[0], "Tags", lambda item: item[1])


OPERATIONS = {
    "TagResource": Operation(tag_resource),
    "UntagResource": Operation(untag_resource),
    "ListTagsForResource": Operation(list_tags_for_resource),
}
