"""Identity Center administration by name: what ``credo sso admin`` does over the admin APIs.

AWS's ``sso-admin`` and ``identitystore`` operations take ids and ARNs (the instance ARN, the
identity store id, user and group ids, permission set ARNs). An administrator thinks in names;
this module resolves them with the same public operations (ListInstances, GetUserId, GetGroupId,
ListPermissionSets + DescribePermissionSet) and then makes the call, through boto3's own clients
against the profile's endpoint, so it needs nothing the aws CLI could not do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from credo.client.aws_errors import aws_error_text


class SsoAdminError(Exception):
    """A refusal or a name that resolves to nothing; the message says which, ``code`` is the AWS
    error code of a refusal."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Instance:
    arn: str
    identity_store_id: str


class SsoAdmin:
    """The two admin clients of one profile, and the instance they administer."""

    def __init__(
        self, profile: str | None, endpoint_url: str | None = None, region: str | None = None
    ) -> None:
        import boto3

        session = boto3.Session(profile_name=profile, region_name=region)
        region_name = session.region_name or "us-east-1"
        self.sso = session.client("sso-admin", endpoint_url=endpoint_url, region_name=region_name)
        self.store = session.client("identitystore", endpoint_url=endpoint_url, region_name=region_name)
        self._instance: Instance | None = None

    def call(self, client: Any, operation: str, **params: Any) -> dict[str, Any]:
        """One operation by its AWS name; a refusal becomes ``SsoAdminError`` in the aws CLI's words."""
        import botocore
        import botocore.exceptions

        method = getattr(client, botocore.xform_name(operation))
        try:
            answer: dict[str, Any] = method(**params)
        except botocore.exceptions.ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            raise SsoAdminError(aws_error_text(error.response, operation), code) from None
        except botocore.exceptions.BotoCoreError as error:
            raise SsoAdminError(f"Cannot call {operation}: {error}") from None
        return answer

    def pages(self, client: Any, operation: str, key: str, **params: Any) -> list[Any]:
        """Every item under ``key`` across the operation's pages (NextToken)."""
        items: list[Any] = []
        token: str | None = None
        while True:
            page = self.call(client, operation, **params, **({"NextToken": token} if token else {}))
            items.extend(page.get(key, []))
            token = page.get("NextToken")
            if not token:
                return items

    @property
    def instance(self) -> Instance:
        if self._instance is None:
            instances = self.call(self.sso, "ListInstances").get("Instances", [])
            if not instances:
                raise SsoAdminError(
                    "The server has no Identity Center instance (is this its management account?)"
                )
            self._instance = Instance(instances[0]["InstanceArn"], instances[0]["IdentityStoreId"])
        return self._instance

    def _id_by_attribute(self, operation: str, path: str, value: str, key: str) -> str:
        identifier = {"UniqueAttribute": {"AttributePath": path, "AttributeValue": value}}
        answer = self.call(
            self.store,
            operation,
            IdentityStoreId=self.instance.identity_store_id,
            AlternateIdentifier=identifier,
        )
        return str(answer[key])

    def user_id(self, user_name: str) -> str:
        return self._id_by_attribute("GetUserId", "userName", user_name, "UserId")

    def group_id(self, display_name: str) -> str:
        return self._id_by_attribute("GetGroupId", "displayName", display_name, "GroupId")

    def permission_sets(self) -> Iterator[dict[str, Any]]:
        """Each permission set of the instance, as DescribePermissionSet gives it (name, ARN, …)."""
        arn = self.instance.arn
        for candidate in self.pages(self.sso, "ListPermissionSets", "PermissionSets", InstanceArn=arn):
            described = self.call(
                self.sso, "DescribePermissionSet", InstanceArn=arn, PermissionSetArn=candidate
            )
            yield described["PermissionSet"]

    def permission_set_arn(self, name: str) -> str:
        """The ARN of the permission set called ``name``."""
        for permission_set in self.permission_sets():
            if permission_set["Name"] == name:
                return str(permission_set["PermissionSetArn"])
        raise SsoAdminError(f"No permission set is called {name}")

    def principal(self, user: str | None, group: str | None) -> tuple[str, str]:
        """(PrincipalType, PrincipalId) of ``--user`` or ``--group``."""
        if (user is None) == (group is None):
            raise SsoAdminError("Name exactly one of --user and --group")
        return ("USER", self.user_id(user)) if user is not None else ("GROUP", self.group_id(str(group)))

    def create_user(
        self, user_name: str, display_name: str, given: str, family: str, email: str | None
    ) -> str:
        params: dict[str, Any] = {
            "IdentityStoreId": self.instance.identity_store_id,
            "UserName": user_name,
            "DisplayName": display_name,
            "Name": {"GivenName": given, "FamilyName": family},
        }
        if email:
            params["Emails"] = [{"Value": email, "Type": "work", "Primary": True}]
        return str(self.call(self.store, "CreateUser", **params)["UserId"])

    def update_user(self, user_name: str, changes: dict[str, Any]) -> None:
        """UpdateUser: each ``changes`` entry (attribute path: new value) one operation."""
        operations = [{"AttributePath": path, "AttributeValue": value} for path, value in changes.items()]
        self.call(
            self.store,
            "UpdateUser",
            IdentityStoreId=self.instance.identity_store_id,
            UserId=self.user_id(user_name),
            Operations=operations,
        )

    def delete_user(self, user_name: str) -> None:
        """DeleteUser (the store drops the user's memberships and assignments with it)."""
        store = self.instance.identity_store_id
        self.call(self.store, "DeleteUser", IdentityStoreId=store, UserId=self.user_id(user_name))

    def delete_group(self, display_name: str) -> None:
        store = self.instance.identity_store_id
        self.call(self.store, "DeleteGroup", IdentityStoreId=store, GroupId=self.group_id(display_name))

    def create_group(self, display_name: str, description: str | None) -> str:
        params: dict[str, Any] = {
            "IdentityStoreId": self.instance.identity_store_id,
            "DisplayName": display_name,
        }
        if description:
            params["Description"] = description
        return str(self.call(self.store, "CreateGroup", **params)["GroupId"])

    def add_to_group(self, user_name: str, group: str) -> str:
        answer = self.call(
            self.store,
            "CreateGroupMembership",
            IdentityStoreId=self.instance.identity_store_id,
            GroupId=self.group_id(group),
            MemberId={"UserId": self.user_id(user_name)},
        )
        return str(answer["MembershipId"])

    def create_permission_set(
        self, name: str, session_duration: str, managed_policies: tuple[str, ...], description: str | None
    ) -> str:
        params: dict[str, Any] = {
            "InstanceArn": self.instance.arn,
            "Name": name,
            "SessionDuration": session_duration,
        }
        if description:
            params["Description"] = description
        arn = str(self.call(self.sso, "CreatePermissionSet", **params)["PermissionSet"]["PermissionSetArn"])
        for policy in managed_policies:
            self.call(
                self.sso,
                "AttachManagedPolicyToPermissionSet",
                InstanceArn=self.instance.arn,
                PermissionSetArn=arn,
                ManagedPolicyArn=policy,
            )
        return arn

    def assignment(
        self, operation: str, permission_set: str, account: str, user: str | None, group: str | None
    ) -> str:
        """CreateAccountAssignment or DeleteAccountAssignment by names; the request's final status."""
        kind, principal_id = self.principal(user, group)
        answer = self.call(
            self.sso,
            operation,
            InstanceArn=self.instance.arn,
            TargetId=account,
            TargetType="AWS_ACCOUNT",
            PermissionSetArn=self.permission_set_arn(permission_set),
            PrincipalType=kind,
            PrincipalId=principal_id,
        )
        status = next(value for key, value in answer.items() if key.endswith("Status"))
        if status.get("Status") == "FAILED":
            raise SsoAdminError(f"{operation} failed: {status.get('FailureReason', 'no reason given')}")
        return str(status.get("Status"))

    def provision(self, permission_set: str, account: str | None) -> str:
        params: dict[str, Any] = {
            "InstanceArn": self.instance.arn,
            "PermissionSetArn": self.permission_set_arn(permission_set),
            "TargetType": "AWS_ACCOUNT" if account else "ALL_PROVISIONED_ACCOUNTS",
        }
        if account:
            params["TargetId"] = account
        status = self.call(self.sso, "ProvisionPermissionSet", **params)["PermissionSetProvisioningStatus"]
        if status.get("Status") == "FAILED":
            raise SsoAdminError(
                f"ProvisionPermissionSet failed: {status.get('FailureReason', 'no reason given')}"
            )
        return str(status.get("Status"))

    def assignments(self, account: str) -> list[tuple[str, str, str]]:
        """(permission set name, principal type, principal id) of every assignment in ``account``."""
        arn = self.instance.arn
        found = []
        provisioned = self.pages(
            self.sso,
            "ListPermissionSetsProvisionedToAccount",
            "PermissionSets",
            InstanceArn=arn,
            AccountId=account,
        )
        for permission_set in provisioned:
            name = self.call(
                self.sso, "DescribePermissionSet", InstanceArn=arn, PermissionSetArn=permission_set
            )
            listed = self.pages(
                self.sso,
                "ListAccountAssignments",
                "AccountAssignments",
                InstanceArn=arn,
                AccountId=account,
                PermissionSetArn=permission_set,
            )
            for entry in listed:
                found.append((name["PermissionSet"]["Name"], entry["PrincipalType"], entry["PrincipalId"]))
        return found
