"""``credo sso admin``'s permission set commands: managed policies, the inline policy and the
permissions boundary changed by name, listed and described, reaching the role only on
``provision``; deleting a permission set. Each result is checked with boto3 and IAM in the account."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.sso.conftest import SECOND_ACCOUNT, AdminRun

READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
IAM_READ_ONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"
INLINE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
}
ROLE_PATH = "/aws-reserved/sso.amazonaws.com/"


def _ok(done: Any) -> str:
    assert done.returncode == 0, done.stderr
    return str(done.stdout)


def _role(iam: Any) -> dict[str, Any]:
    """The one Identity Center role in the account, with what it grants."""
    (role,) = iam.list_roles(PathPrefix=ROLE_PATH)["Roles"]
    name = role["RoleName"]
    return {
        "name": name,
        "attached": [
            p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
        ],
        "inline": iam.list_role_policies(RoleName=name)["PolicyNames"],
        "boundary": iam.get_role(RoleName=name)["Role"]
        .get("PermissionsBoundary", {})
        .get("PermissionsBoundaryArn"),
    }


def test_change_what_a_permission_set_grants_then_provision(
    admin: AdminRun, second_account: Callable[[str], Any], tmp_path: Path
) -> None:
    """attach/detach, put/get/delete inline, put/delete boundary: the set changes at once, each
    command names the account left behind, and `provision` brings the role in step."""
    _ok(
        admin(
            "create-user", "alice", "--display-name", "Alice", "--given-name", "Alice", "--family-name", "E"
        )
    )
    _ok(admin("create-permission-set", "Ops", "--managed-policy", READ_ONLY))
    _ok(admin("assign", "Ops", "--account", SECOND_ACCOUNT, "--user", "alice"))
    iam = second_account("iam")
    before = _role(iam)
    assert (before["attached"], before["inline"], before["boundary"]) == ([READ_ONLY], [], None)

    listed = _ok(admin("list-permission-sets")).split()
    assert listed[0] == "Ops" and listed[1].startswith("arn:aws:sso:::permissionSet/ssoins-")

    attached = _ok(admin("attach-managed-policy", "Ops", IAM_READ_ONLY))
    assert attached.startswith(f"Ops: attached {IAM_READ_ONLY}. Its role in {SECOND_ACCOUNT} has the")
    assert "`credo sso admin provision Ops`" in attached
    _ok(admin("detach-managed-policy", "Ops", READ_ONLY))
    policy_file = tmp_path / "inline.json"
    policy_file.write_text(json.dumps(INLINE))
    _ok(admin("put-inline-policy", "Ops", "--policy-document", f"file://{policy_file}"))
    assert json.loads(_ok(admin("get-inline-policy", "Ops"))) == INLINE
    _ok(admin("put-permissions-boundary", "Ops", "--managed-policy", POWER_USER))

    described = json.loads(_ok(admin("describe-permission-set", "Ops")))
    assert described["Name"] == "Ops" and described["SessionDuration"] == "PT1H"
    assert [p["Arn"] for p in described["ManagedPolicies"]] == [IAM_READ_ONLY]
    assert json.loads(described["InlinePolicy"]) == INLINE
    assert described["PermissionsBoundary"] == {"ManagedPolicyArn": POWER_USER}
    assert _role(iam) == before  # the role waits for provisioning, as AWS's does

    assert _ok(admin("provision", "Ops")).strip() == "SUCCEEDED"
    after = _role(iam)
    assert after["name"] == before["name"]
    assert (after["attached"], after["inline"], after["boundary"]) == (
        [IAM_READ_ONLY],
        ["AwsSSOInlinePolicy"],
        POWER_USER,
    )
    document = iam.get_role_policy(RoleName=after["name"], PolicyName="AwsSSOInlinePolicy")["PolicyDocument"]
    assert document == INLINE

    assert _ok(admin("delete-inline-policy", "Ops")).startswith("Ops: inline policy deleted. Its role in")
    _ok(admin("delete-permissions-boundary", "Ops"))
    absent = admin("get-inline-policy", "Ops")
    assert absent.returncode == 255 and "The permission set Ops has no inline policy" in absent.stderr
    described = json.loads(_ok(admin("describe-permission-set", "Ops")))
    assert "InlinePolicy" not in described and "PermissionsBoundary" not in described
    assert _ok(admin("provision", "Ops", "--account", SECOND_ACCOUNT)).strip() == "SUCCEEDED"
    final = _role(iam)
    assert (final["attached"], final["inline"], final["boundary"]) == ([IAM_READ_ONLY], [], None)


def test_refusals_and_deleting_a_permission_set(
    admin: AdminRun, second_account: Callable[[str], Any]
) -> None:
    """AWS's refusals in the aws CLI's words; a failed provisioning names its reason; a set with
    assignments cannot be deleted, without them it can."""
    _ok(admin("create-group", "Ops-team"))
    _ok(admin("create-permission-set", "Ops"))
    unchanged = _ok(admin("put-inline-policy", "Ops", "--policy-document", json.dumps(INLINE)))
    assert unchanged.strip() == "Ops: inline policy set"  # not provisioned anywhere: nothing lags
    unknown = admin("attach-managed-policy", "Ops", "arn:aws:iam::aws:policy/NoSuchPolicy")
    assert unknown.returncode == 255
    assert (
        "An error occurred (ResourceNotFoundException) when calling the "
        "AttachManagedPolicyToPermissionSet operation" in unknown.stderr
    )
    malformed = admin("put-inline-policy", "Ops", "--policy-document", "{not json")
    assert malformed.returncode == 255 and "PutInlinePolicyToPermissionSet operation" in malformed.stderr
    both = admin(
        "put-permissions-boundary", "Ops", "--managed-policy", POWER_USER, "--customer-managed-policy", "x"
    )
    assert (
        both.returncode == 2
        and "exactly one of --managed-policy and --customer-managed-policy" in both.stderr
    )

    _ok(admin("assign", "Ops", "--account", SECOND_ACCOUNT, "--group", "Ops-team"))
    _ok(admin("put-permissions-boundary", "Ops", "--customer-managed-policy", "Boundary", "--path", "/team/"))
    failed = admin("provision", "Ops")
    assert failed.returncode == 255 and "ProvisionPermissionSet failed:" in failed.stderr
    assert "Boundary" in failed.stderr

    refused = admin("delete-permission-set", "Ops")
    assert refused.returncode == 255
    assert "(ConflictException) when calling the DeletePermissionSet operation" in refused.stderr
    _ok(admin("unassign", "Ops", "--account", SECOND_ACCOUNT, "--group", "Ops-team"))
    assert _ok(admin("delete-permission-set", "Ops")).strip() == "Deleted permission set Ops"
    assert _ok(admin("list-permission-sets")).strip() == "(none)"
    gone = admin("describe-permission-set", "Ops")
    assert gone.returncode == 255 and "No permission set is called Ops" in gone.stderr
