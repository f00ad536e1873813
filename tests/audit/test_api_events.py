"""API calls in the audit trail, as CloudTrail records them: who, what, secrets left out."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest

from tests.audit.support import lookup, record_of, stored_records, stored_text
from tests.conftest import DEV_ACCOUNT, Server, allow
from tests.oidc_support import DEFAULT_AUDIENCE, OidcIdp
from tests.sts.test_assume_role import create_role, trust
from tests.sts.test_sessions import session_client
from tests.sts.test_unsigned_federation import unsigned_client
from tests.sts.test_web_identity import federated_trust, make_role, register

MakeUser = Callable[..., tuple[str, Any]]
ISO_SECOND = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
IAM_DATE = re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d\d:\d\d [AP]M$")


def request_id(response: dict[str, Any]) -> str:
    return str(response["ResponseMetadata"]["RequestId"])


def test_get_caller_identity_of_a_user(server: Server, make_user: MakeUser) -> None:
    """A user's GetCallerIdentity: IAMUser identity, read-only, no parameters, no response elements."""
    _, client = make_user("ann")
    sts = client("sts")
    answer = sts.get_caller_identity()
    key = sts._request_signer._credentials.access_key
    record = record_of(server, "GetCallerIdentity", request_id(answer))
    assert record["userIdentity"] == {
        "type": "IAMUser",
        "principalId": answer["UserId"],
        "arn": f"arn:aws:iam::{DEV_ACCOUNT}:user/ann",
        "accountId": DEV_ACCOUNT,
        "accessKeyId": key,
        "userName": "ann",
    }
    assert record["eventVersion"] == "1.11"
    assert record["eventSource"] == "sts.amazonaws.com"
    assert record["eventName"] == "GetCallerIdentity"
    assert record["awsRegion"] == "us-east-1"
    assert record["sourceIPAddress"] == "127.0.0.1"
    assert record["userAgent"].startswith("Boto3/")
    assert ISO_SECOND.match(record["eventTime"])
    assert record["requestParameters"] is None
    assert record["responseElements"] is None
    assert record["readOnly"] is True
    assert record["eventType"] == "AwsApiCall"
    assert record["managementEvent"] is True
    assert record["recipientAccountId"] == DEV_ACCOUNT
    assert record["eventCategory"] == "Management"
    assert uuid.UUID(record["eventID"]).version == 4
    assert "errorCode" not in record
    found = lookup(server, key="EventId", value=record["eventID"])
    assert [(e["Username"], e["AccessKeyId"], e["ReadOnly"]) for e in found] == [("ann", key, "true")]


def test_create_user_is_in_the_store_when_acknowledged(server: Server, iam: Any) -> None:
    """A mutating call's complete record is in the store when its answer arrives (no flush needed)."""
    answer = iam.create_user(UserName="bob", Path="/team/")
    found = [r for r in stored_records(server) if r["requestID"] == request_id(answer)]
    assert len(found) == 1
    record = found[0]
    assert record["userIdentity"]["type"] == "Root"
    assert record["userIdentity"]["arn"] == f"arn:aws:iam::{DEV_ACCOUNT}:root"
    assert record["eventSource"] == "iam.amazonaws.com"
    assert record["readOnly"] is False
    assert record["requestParameters"] == {"userName": "bob", "path": "/team/"}
    user = record["responseElements"]["user"]
    assert user["userName"] == "bob" and user["userId"] == answer["User"]["UserId"]
    assert user["arn"] == answer["User"]["Arn"]
    assert IAM_DATE.match(user["createDate"]), user["createDate"]


def test_create_access_key_leaves_its_secret_out(server: Server, iam: Any) -> None:
    """CreateAccessKey's record names the key but not its secret, which is nowhere in the trail."""
    iam.create_user(UserName="carol")
    answer = iam.create_access_key(UserName="carol")
    key = answer["AccessKey"]
    record = record_of(server, "CreateAccessKey", request_id(answer))
    assert record["requestParameters"] == {"userName": "carol"}
    assert record["responseElements"]["accessKey"].keys() == {
        "userName",
        "accessKeyId",
        "status",
        "createDate",
    }
    assert record["responseElements"]["accessKey"]["accessKeyId"] == key["AccessKeyId"]
    resources = lookup(server, key="EventId", value=record["eventID"])[0]["Resources"]
    assert {"ResourceType": "AWS::IAM::AccessKey", "ResourceName": key["AccessKeyId"]} in resources
    assert {"ResourceType": "AWS::IAM::User", "ResourceName": "carol"} in resources
    assert key["SecretAccessKey"] not in stored_text(server)


def test_passwords_are_left_out(server: Server, iam: Any, make_user: MakeUser) -> None:
    """CreateLoginProfile, UpdateLoginProfile and ChangePassword: no password in the trail."""
    first, second, third = "First-Passw0rd-x1", "Second-Passw0rd-x2", "Third-Passw0rd-x3"
    _, client = make_user("dave", allow("iam:ChangePassword"))
    answer = iam.create_login_profile(UserName="dave", Password=first, PasswordResetRequired=True)
    iam.update_login_profile(UserName="dave", Password=second, PasswordResetRequired=False)
    client("iam").change_password(OldPassword=second, NewPassword=third)
    record = record_of(server, "CreateLoginProfile", request_id(answer))
    assert record["requestParameters"] == {"userName": "dave", "passwordResetRequired": True}
    assert record_of(server, "ChangePassword")["requestParameters"] is None
    text = stored_text(server)
    for password in (first, second, third):
        assert password not in text


def test_assume_role_and_the_session_it_made(server: Server, iam: Any, make_user: MakeUser) -> None:
    """AssumeRole's record (credentials without secret or token), then the role session as AssumedRole."""
    role_arn = create_role(iam, "deployer", trust(f"arn:aws:iam::{DEV_ACCOUNT}:root"), Path="/ci/")
    role_id = iam.get_role(RoleName="deployer")["Role"]["RoleId"]
    _, client = make_user("erin", allow("sts:AssumeRole"))
    answer = client("sts").assume_role(RoleArn=role_arn, RoleSessionName="build-7", DurationSeconds=900)
    credentials = answer["Credentials"]
    record = record_of(server, "AssumeRole", request_id(answer))
    assert record["userIdentity"]["type"] == "IAMUser" and record["userIdentity"]["userName"] == "erin"
    assert record["readOnly"] is True
    assert record["requestParameters"] == {
        "roleArn": role_arn,
        "roleSessionName": "build-7",
        "durationSeconds": 900,
    }
    elements = record["responseElements"]
    assert elements["credentials"].keys() == {"accessKeyId", "expiration"}
    assert elements["credentials"]["accessKeyId"] == credentials["AccessKeyId"]
    assert ISO_SECOND.match(elements["credentials"]["expiration"])
    assert elements["assumedRoleUser"] == {
        "assumedRoleId": f"{role_id}:build-7",
        "arn": f"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/deployer/build-7",
    }
    resources = lookup(server, key="ResourceName", value=role_arn)
    assert [e["EventName"] for e in resources] == ["AssumeRole", "CreateRole"]

    as_role = session_client(server, credentials)
    answer = as_role.get_caller_identity()
    identity = record_of(server, "GetCallerIdentity", request_id(answer))["userIdentity"]
    assert identity["type"] == "AssumedRole"
    assert identity["principalId"] == f"{role_id}:build-7"
    assert identity["arn"] == f"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/deployer/build-7"
    assert identity["accessKeyId"] == credentials["AccessKeyId"]
    context = identity["sessionContext"]
    assert context["sessionIssuer"] == {
        "type": "Role",
        "principalId": role_id,
        "arn": role_arn,
        "accountId": DEV_ACCOUNT,
        "userName": "deployer",
    }
    assert context["attributes"]["mfaAuthenticated"] == "false"
    assert ISO_SECOND.match(context["attributes"]["creationDate"])
    assert [e["Username"] for e in lookup(server, key="AccessKeyId", value=credentials["AccessKeyId"])] == [
        "build-7"
    ]
    text = stored_text(server)
    assert credentials["SecretAccessKey"] not in text
    assert credentials["SessionToken"] not in text


def test_federated_user_session(server: Server, make_user: MakeUser) -> None:
    """GetFederationToken's session calls as a FederatedUser whose issuer is the IAM user."""
    _, client = make_user("frank", allow("sts:GetFederationToken"))
    credentials = client("sts").get_federation_token(Name="contractor", Policy=json.dumps(allow("s3:*")))
    answer = session_client(server, credentials["Credentials"]).get_caller_identity()
    identity = record_of(server, "GetCallerIdentity", request_id(answer))["userIdentity"]
    assert identity["type"] == "FederatedUser"
    assert identity["principalId"] == f"{DEV_ACCOUNT}:contractor"
    assert identity["arn"] == f"arn:aws:sts::{DEV_ACCOUNT}:federated-user/contractor"
    issuer = identity["sessionContext"]["sessionIssuer"]
    assert issuer["type"] == "IAMUser" and issuer["userName"] == "frank"
    assert issuer["arn"] == f"arn:aws:iam::{DEV_ACCOUNT}:user/frank"
    record = record_of(server, "GetFederationToken")
    assert "sessionToken" not in record["responseElements"]["credentials"]
    assert "secretAccessKey" not in record["responseElements"]["credentials"]


@pytest.mark.parametrize(
    ("call", "event_name", "code", "message"),
    [
        (lambda iam: iam.get_user(UserName="nobody"), "GetUser", "NoSuchEntityException", "cannot be found"),
        (
            lambda iam: iam.create_user(UserName="twin"),
            "CreateUser",
            "EntityAlreadyExistsException",
            "already exists",
        ),
        (
            lambda iam: iam.delete_user(UserName="nobody"),
            "DeleteUser",
            "NoSuchEntityException",
            "cannot be found",
        ),
    ],
)
def test_failed_calls_have_their_error(
    server: Server, iam: Any, call: Callable[[Any], Any], event_name: str, code: str, message: str
) -> None:
    """A failed call (read or rolled-back write) is recorded with CloudTrail's errorCode and the message."""
    iam.create_user(UserName="twin")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(iam)
    failed_id = caught.value.response["ResponseMetadata"]["RequestId"]
    record = record_of(server, event_name, failed_id)
    assert record["errorCode"] == code
    assert message in record["errorMessage"]
    assert record["responseElements"] is None


def test_access_denied_is_recorded(server: Server, make_user: MakeUser) -> None:
    """A refused call: errorCode AccessDenied and AWS's message, under the caller's name."""
    _, client = make_user("gina")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client("iam").list_users()
    record = record_of(server, "ListUsers", caught.value.response["ResponseMetadata"]["RequestId"])
    assert record["errorCode"] == "AccessDenied"
    assert record["errorMessage"].startswith(f"User: arn:aws:iam::{DEV_ACCOUNT}:user/gina is not authorized")
    assert record["userIdentity"]["userName"] == "gina"


def test_json_service_hides_sensitive_values(server: Server) -> None:
    """identitystore marks names sensitive: CloudTrail's placeholder stands in for them."""
    admin = server.client("sso-admin")
    store_id = admin.list_instances()["Instances"][0]["IdentityStoreId"]
    answer = server.client("identitystore").create_user(
        IdentityStoreId=store_id,
        UserName="hidden-hana",
        DisplayName="Hana Secret-Name",
        Name={"GivenName": "Hana", "FamilyName": "Secret-Name"},
    )
    record = record_of(server, "CreateUser", request_id(answer))
    assert record["eventSource"] == "identitystore.amazonaws.com"
    parameters = record["requestParameters"]
    assert parameters["identityStoreId"] == store_id
    assert parameters["userName"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert parameters["displayName"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert "Secret-Name" not in stored_text(server)


def test_web_identity_federation(server: Server, iam: Any, oidc_idp: OidcIdp) -> None:
    """An unsigned AssumeRoleWithWebIdentity: a WebIdentityUser named by the token, the token kept out."""
    provider_arn = register(iam, oidc_idp.issuer)
    role_arn = make_role(iam, "Runner", federated_trust(provider_arn))
    token = oidc_idp.token()
    answer = unsigned_client(server, "sts").assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName="job-1", WebIdentityToken=token
    )
    record = record_of(server, "AssumeRoleWithWebIdentity", request_id(answer))
    assert record["userIdentity"] == {
        "type": "WebIdentityUser",
        "principalId": f"{answer['Provider']}:{DEFAULT_AUDIENCE}:ci-runner",
        "userName": "ci-runner",
        "identityProvider": answer["Provider"],
    }
    assert record["recipientAccountId"] == DEV_ACCOUNT
    assert record["requestParameters"] == {"roleArn": role_arn, "roleSessionName": "job-1"}
    assert "webIdentityToken" not in json.dumps(record)
    text = stored_text(server)
    assert token not in text
    assert answer["Credentials"]["SessionToken"] not in text
