"""Per action, the resources AWS authorizes an sso-admin or identitystore call against.

From the Service Authorization Reference: ``arn:aws:sso:::instance/ssoins-…``,
``arn:aws:sso:::permissionSet/ssoins-…/ps-…``, ``arn:aws:sso:::account/ID``,
``arn:aws:identitystore::ACCOUNT:identitystore/d-…`` and
``arn:aws:identitystore:::user|group|membership/ID`` (``…/*`` for the "all" kinds). An action may
need several; every one must be allowed, and they are listed here in the order AWS names them
when it refuses (the instance or identity store first).

The instance and its identity store belong to the management account: naming them from
another account is refused here, before any policy is read, as AWS refuses a cross-account
resource that no resource-based policy shares.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from credo.auth.resources import Target
from credo.call import Call
from credo.errors import AccessDenied
from credo.iam.tags import read_tags
from credo.sso import identifiers
from credo.sso.instances import Instance, load
from credo.store.schema import sso_group_memberships

_PERMISSION_SET = ("instance", "permission-set")
_ASSIGNMENT = ("instance", "permission-set", "target-account")
_STATUS = ("instance",)

SSO_ADMIN: dict[str, tuple[str, ...]] = {
    "ListInstances": (),
    "DescribeInstance": ("instance",),
    "CreatePermissionSet": ("instance", "new-permission-set"),
    "ListPermissionSets": ("instance",),
    "ProvisionPermissionSet": ("instance", "permission-set", "provision-target"),
    "DescribePermissionSetProvisioningStatus": _STATUS,
    "ListPermissionSetProvisioningStatus": _STATUS,
    "CreateAccountAssignment": _ASSIGNMENT,
    "DeleteAccountAssignment": _ASSIGNMENT,
    "ListAccountAssignments": ("instance", "permission-set", "account"),
    "ListAccountAssignmentsForPrincipal": _STATUS,
    "DescribeAccountAssignmentCreationStatus": _STATUS,
    "DescribeAccountAssignmentDeletionStatus": _STATUS,
    "ListAccountAssignmentCreationStatus": _STATUS,
    "ListAccountAssignmentDeletionStatus": _STATUS,
    "ListAccountsForProvisionedPermissionSet": _PERMISSION_SET,
    "ListPermissionSetsProvisionedToAccount": ("instance", "account"),
    "TagResource": ("tagged",),
    "UntagResource": ("tagged",),
    "ListTagsForResource": ("tagged",),
}
# Every other sso-admin action credo serves names one permission set of the instance.

IDENTITY_STORE: dict[str, tuple[str, ...]] = {
    "CreateUser": ("store",),
    "DescribeUser": ("store", "user"),
    "ListUsers": ("store", "all-users"),
    "UpdateUser": ("store", "user"),
    "DeleteUser": ("store", "user"),
    "GetUserId": ("store", "all-users"),
    "CreateGroup": ("store",),
    "DescribeGroup": ("store", "group"),
    "ListGroups": ("store", "all-groups"),
    "UpdateGroup": ("store", "group"),
    "DeleteGroup": ("store", "group"),
    "GetGroupId": ("store", "all-groups"),
    "CreateGroupMembership": ("store", "group", "member"),
    "DeleteGroupMembership": ("store", "membership"),
    "DescribeGroupMembership": ("store", "membership"),
    "GetGroupMembershipId": ("store", "group", "all-memberships", "member"),
    "ListGroupMemberships": ("store", "all-memberships", "group"),
    "ListGroupMembershipsForMember": ("store", "all-memberships", "member"),
    "IsMemberInGroups": ("store", "all-memberships", "member", "groups"),
}


def targets(call: Call, service: str, action: str) -> list[Target]:
    """The resources ``call`` (``action``: ``sso:CreatePermissionSet``…) is authorized against;
    raises ``AccessDenied`` when the caller is outside the management account."""
    table = SSO_ADMIN if service == "sso-admin" else IDENTITY_STORE
    kinds = table.get(call.action, _PERMISSION_SET)
    if not kinds:
        return [Target("*")]
    with call.services.store.read() as conn:
        instance = load(conn)
        found: list[Target] = []
        for kind in kinds:
            found += _resolve(conn, call, action, instance, kind)
    return found


def _resolve(conn: Connection, call: Call, action: str, instance: Instance | None, kind: str) -> list[Target]:
    params = call.params
    if kind == "instance":
        arn = str(params["InstanceArn"])
        _require_owner(call, action, instance, arn)
        return [Target(arn, _tags(conn, instance.id) if instance is not None and instance.arn == arn else ())]
    if kind == "tagged":
        return [_tagged(conn, call, action, instance, str(params["ResourceArn"]))]
    if kind == "store":
        given = str(params["IdentityStoreId"])
        store_id = identifiers.plain_id(given)
        owner = instance.owner_account_id if instance is not None else call.principal.account_id
        arn = identifiers.identity_store_arn(owner, store_id)
        _require_owner(call, action, instance, arn)
        return [Target(arn)]
    if kind in ("permission-set", "new-permission-set"):
        return [_permission_set(conn, call, kind)]
    if kind in ("account", "target-account", "provision-target"):
        account = params.get("AccountId") if kind == "account" else params.get("TargetId")
        return [Target(identifiers.account_arn(str(account) if account else "*"))]
    if kind.startswith("all-"):
        noun = kind.removeprefix("all-").removesuffix("s")
        return [Target(identifiers.resource_arn(noun, "*"))]
    if kind in ("user", "group"):
        value = params.get("UserId" if kind == "user" else "GroupId")
        return [Target(identifiers.resource_arn(kind, identifiers.plain_id(str(value))))]
    if kind == "member":
        return [
            Target(identifiers.resource_arn("user", identifiers.plain_id(str(params["MemberId"]["UserId"]))))
        ]
    if kind == "groups":
        return [
            Target(identifiers.resource_arn("group", identifiers.plain_id(str(g))))
            for g in params["GroupIds"]
        ]
    return _membership(conn, identifiers.plain_id(str(params["MembershipId"])))


def _require_owner(call: Call, action: str, instance: Instance | None, arn: str) -> None:
    """Refuse a caller outside the management account, whatever it names (an instance or
    identity store the owner names wrongly is the handler's ResourceNotFoundException)."""
    if instance is not None and call.principal.account_id == instance.owner_account_id:
        return
    raise AccessDenied(
        f"User: {call.principal.arn} is not authorized to perform: {action} on resource: {arn} "
        f"because no resource-based policy allows the {action} action",
        detail="Identity Center belongs to the installation's management account; "
        "only its principals may administer it.",
    )


def _tags(conn: Connection, entity_id: str) -> tuple[dict[str, str], ...]:
    return tuple(read_tags(conn, entity_id))


def _permission_set(conn: Connection, call: Call, kind: str) -> Target:
    instance_arn = str(call.params["InstanceArn"])
    instance_id = instance_arn.rsplit("/", 1)[-1]
    if kind == "new-permission-set":
        return Target(identifiers.permission_set_arn(instance_id, "*"))
    arn = str(call.params["PermissionSetArn"])
    parts = identifiers.permission_set_id_of(arn)
    return Target(arn, _tags(conn, parts[1]) if parts is not None else ())


def _tagged(conn: Connection, call: Call, action: str, instance: Instance | None, arn: str) -> Target:
    """TagResource and friends: the instance or permission set named, which must be this instance's."""
    parts = identifiers.permission_set_id_of(arn)
    instance_id = parts[0] if parts is not None else arn.rsplit("/", 1)[-1]
    ours = instance is not None and instance_id == instance.id
    _require_owner(call, action, instance, arn)
    return Target(arn, _tags(conn, parts[1] if parts is not None else instance_id) if ours else ())


def _membership(conn: Connection, membership_id: str) -> list[Target]:
    """A membership's group, itself and its member, as AWS lists the resources of such actions."""
    row = conn.execute(
        select(sso_group_memberships.c.group_id, sso_group_memberships.c.user_id).where(
            sso_group_memberships.c.id == membership_id
        )
    ).first()
    membership = Target(identifiers.resource_arn("membership", membership_id))
    if row is None:
        return [membership]
    return [
        Target(identifiers.resource_arn("group", row.group_id)),
        membership,
        Target(identifiers.resource_arn("user", row.user_id)),
    ]
