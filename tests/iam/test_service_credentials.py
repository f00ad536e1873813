"""Service-specific credentials (CodeCommit, Keyspaces, Bedrock API keys) through boto3."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest
from sqlalchemy import create_engine, select

from credo.store.db import normalize_url
from credo.store.schema import service_specific_credentials
from tests.conftest import Server

CODECOMMIT = "codecommit.amazonaws.com"
KEYSPACES = "cassandra.amazonaws.com"
BEDROCK = "bedrock.amazonaws.com"


def error_of(caught: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


@pytest.mark.parametrize("service", [CODECOMMIT, KEYSPACES])
def test_create_returns_user_name_and_password_once(iam: Any, service: str) -> None:
    """A new credential has an ACCA id, user-at-account name and a 60-character password shown once."""
    iam.create_user(UserName="alice")
    credential = iam.create_service_specific_credential(UserName="alice", ServiceName=service)[
        "ServiceSpecificCredential"
    ]
    assert re.fullmatch(r"ACCA[A-Z2-7]{17}", credential["ServiceSpecificCredentialId"])
    assert credential["ServiceUserName"] == "alice-at-123456789012"
    assert len(credential["ServicePassword"]) == 60
    assert credential["ServicePassword"].endswith("=")
    assert credential["ServiceName"] == service
    assert credential["UserName"] == "alice"
    assert credential["Status"] == "Active"
    listed = iam.list_service_specific_credentials(UserName="alice")["ServiceSpecificCredentials"]
    assert [c["ServiceSpecificCredentialId"] for c in listed] == [credential["ServiceSpecificCredentialId"]]
    assert "ServicePassword" not in listed[0]
    assert listed[0]["ServiceUserName"] == "alice-at-123456789012"


def test_bedrock_api_key_has_alias_secret_and_expiry(iam: Any) -> None:
    """A Bedrock API key returns an alias and secret, and CredentialAgeDays sets its expiration."""
    iam.create_user(UserName="bea")
    credential = iam.create_service_specific_credential(
        UserName="bea", ServiceName=BEDROCK, CredentialAgeDays=30
    )["ServiceSpecificCredential"]
    assert credential["ServiceCredentialSecret"].startswith("ABSK")
    assert "bea" in credential["ServiceCredentialAlias"]
    assert "ServicePassword" not in credential
    assert credential["ExpirationDate"] - credential["CreateDate"] == timedelta(days=30)
    listed = iam.list_service_specific_credentials(UserName="bea")["ServiceSpecificCredentials"][0]
    assert "ServiceCredentialSecret" not in listed
    assert listed["ExpirationDate"] == credential["ExpirationDate"]


def test_expired_api_key_is_listed_as_expired(iam: Any, clock: Any) -> None:
    """After CredentialAgeDays have passed, the key's status is Expired."""
    iam.create_user(UserName="eve")
    iam.create_service_specific_credential(UserName="eve", ServiceName=BEDROCK, CredentialAgeDays=1)
    clock.move(2 * 86400)
    listed = iam.list_service_specific_credentials(UserName="eve")["ServiceSpecificCredentials"]
    assert listed[0]["Status"] == "Expired"


def test_credential_age_days_only_for_api_keys(iam: Any) -> None:
    """CredentialAgeDays with CodeCommit is InvalidInput."""
    iam.create_user(UserName="cody")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.create_service_specific_credential(UserName="cody", ServiceName=CODECOMMIT, CredentialAgeDays=5)
    assert error_of(caught)[0] == "InvalidInput"


@pytest.mark.parametrize("operation", ["create", "list"])
def test_unsupported_service_is_no_such_entity(iam: Any, operation: str) -> None:
    """An unsupported service is NoSuchEntity with AWS's wording (AWS does not use NotSupportedService)."""
    iam.create_user(UserName="sam")
    call = (
        iam.create_service_specific_credential
        if operation == "create"
        else iam.list_service_specific_credentials
    )
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(UserName="sam", ServiceName="s3.amazonaws.com")
    assert error_of(caught) == (
        "NoSuchEntity",
        "No such service s3.amazonaws.com is supported for Service Specific Credentials",
    )


def test_at_most_two_per_user_per_service(iam: Any) -> None:
    """A third credential for one service is LimitExceeded; another service still has room."""
    iam.create_user(UserName="lim")
    for _ in range(2):
        iam.create_service_specific_credential(UserName="lim", ServiceName=CODECOMMIT)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.create_service_specific_credential(UserName="lim", ServiceName=CODECOMMIT)
    assert error_of(caught) == (
        "LimitExceeded",
        "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2",
    )
    iam.create_service_specific_credential(UserName="lim", ServiceName=KEYSPACES)


def test_unknown_user_is_no_such_entity(iam: Any) -> None:
    """Creating for a user that does not exist is NoSuchEntity."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.create_service_specific_credential(UserName="ghost", ServiceName=CODECOMMIT)
    assert error_of(caught) == ("NoSuchEntity", "The user with name ghost cannot be found.")


def test_list_filters_by_service(iam: Any) -> None:
    """ServiceName narrows the listing to one service."""
    iam.create_user(UserName="fil")
    iam.create_service_specific_credential(UserName="fil", ServiceName=CODECOMMIT)
    iam.create_service_specific_credential(UserName="fil", ServiceName=KEYSPACES)
    listed = iam.list_service_specific_credentials(UserName="fil", ServiceName=KEYSPACES)
    assert [c["ServiceName"] for c in listed["ServiceSpecificCredentials"]] == [KEYSPACES]


def test_list_all_users(iam: Any) -> None:
    """AllUsers lists every user's credentials; with UserName it is InvalidInput."""
    for name in ("u1", "u2"):
        iam.create_user(UserName=name)
        iam.create_service_specific_credential(UserName=name, ServiceName=CODECOMMIT)
    listed = iam.list_service_specific_credentials(AllUsers=True)["ServiceSpecificCredentials"]
    assert sorted(c["UserName"] for c in listed) == ["u1", "u2"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.list_service_specific_credentials(AllUsers=True, UserName="u1")
    assert error_of(caught)[0] == "InvalidInput"


def test_list_pages(iam: Any) -> None:
    """MaxItems and Marker page through the credentials without repeats."""
    iam.create_user(UserName="pager")
    created = {
        iam.create_service_specific_credential(UserName="pager", ServiceName=service)[
            "ServiceSpecificCredential"
        ]["ServiceSpecificCredentialId"]
        for service in (CODECOMMIT, CODECOMMIT, KEYSPACES)
    }
    first = iam.list_service_specific_credentials(UserName="pager", MaxItems=2)
    assert first["IsTruncated"] is True
    second = iam.list_service_specific_credentials(UserName="pager", MaxItems=2, Marker=first["Marker"])
    assert second["IsTruncated"] is False
    seen = [c["ServiceSpecificCredentialId"] for c in first["ServiceSpecificCredentials"]]
    seen += [c["ServiceSpecificCredentialId"] for c in second["ServiceSpecificCredentials"]]
    assert sorted(seen) == sorted(created)


def test_reset_update_delete(iam: Any) -> None:
    """Reset returns a new password once; Update switches the status; Delete removes it."""
    iam.create_user(UserName="rud")
    created = iam.create_service_specific_credential(UserName="rud", ServiceName=CODECOMMIT)[
        "ServiceSpecificCredential"
    ]
    credential_id = created["ServiceSpecificCredentialId"]
    reset = iam.reset_service_specific_credential(UserName="rud", ServiceSpecificCredentialId=credential_id)[
        "ServiceSpecificCredential"
    ]
    assert reset["ServicePassword"] != created["ServicePassword"]
    assert len(reset["ServicePassword"]) == 60
    assert reset["ServiceSpecificCredentialId"] == credential_id
    iam.update_service_specific_credential(
        UserName="rud", ServiceSpecificCredentialId=credential_id, Status="Inactive"
    )
    listed = iam.list_service_specific_credentials(UserName="rud")["ServiceSpecificCredentials"]
    assert listed[0]["Status"] == "Inactive"
    iam.delete_service_specific_credential(UserName="rud", ServiceSpecificCredentialId=credential_id)
    assert iam.list_service_specific_credentials(UserName="rud")["ServiceSpecificCredentials"] == []


def test_status_cannot_be_set_to_expired(iam: Any) -> None:
    """Update with Status Expired is InvalidInput: only age expires a credential."""
    iam.create_user(UserName="exp")
    credential_id = iam.create_service_specific_credential(UserName="exp", ServiceName=CODECOMMIT)[
        "ServiceSpecificCredential"
    ]["ServiceSpecificCredentialId"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.update_service_specific_credential(
            UserName="exp", ServiceSpecificCredentialId=credential_id, Status="Expired"
        )
    assert error_of(caught)[0] == "InvalidInput"


@pytest.mark.parametrize("operation", ["reset", "update", "delete"])
def test_unknown_or_other_users_credential_is_no_such_entity(iam: Any, operation: str) -> None:
    """A credential id that is not the named user's is NoSuchEntity with AWS's wording."""
    iam.create_user(UserName="owner")
    iam.create_user(UserName="other")
    credential_id = iam.create_service_specific_credential(UserName="owner", ServiceName=CODECOMMIT)[
        "ServiceSpecificCredential"
    ]["ServiceSpecificCredentialId"]
    calls = {
        "reset": lambda: iam.reset_service_specific_credential(
            UserName="other", ServiceSpecificCredentialId=credential_id
        ),
        "update": lambda: iam.update_service_specific_credential(
            UserName="other", ServiceSpecificCredentialId=credential_id, Status="Inactive"
        ),
        "delete": lambda: iam.delete_service_specific_credential(
            UserName="other", ServiceSpecificCredentialId=credential_id
        ),
    }
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        calls[operation]()
    assert error_of(caught) == ("NoSuchEntity", f"No such credential {credential_id} exists")


def test_user_with_credentials_cannot_be_deleted(iam: Any) -> None:
    """DeleteUser is DeleteConflict while the user still has service-specific credentials."""
    iam.create_user(UserName="keep")
    credential_id = iam.create_service_specific_credential(UserName="keep", ServiceName=CODECOMMIT)[
        "ServiceSpecificCredential"
    ]["ServiceSpecificCredentialId"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.delete_user(UserName="keep")
    assert error_of(caught) == (
        "DeleteConflict",
        "Cannot delete entity, must remove referenced objects first.",
    )
    iam.delete_service_specific_credential(UserName="keep", ServiceSpecificCredentialId=credential_id)
    iam.delete_user(UserName="keep")


def test_passwords_are_not_stored_in_plain_text(iam: Any, server: Server) -> None:
    """Neither the rows nor (on SQLite) the database file contain a password or API key secret."""
    iam.create_user(UserName="sealed")
    password = iam.create_service_specific_credential(UserName="sealed", ServiceName=CODECOMMIT)[
        "ServiceSpecificCredential"
    ]["ServicePassword"]
    secret = iam.create_service_specific_credential(UserName="sealed", ServiceName=BEDROCK)[
        "ServiceSpecificCredential"
    ]["ServiceCredentialSecret"]
    url = server.extra["database_url"]
    engine = create_engine(normalize_url(url))
    with engine.connect() as conn:
        rows = conn.execute(select(service_specific_credentials)).mappings().all()
    engine.dispose()
    assert len(rows) == 2
    for row in rows:
        dumped = repr(dict(row)).encode()
        for plain in (password, secret):
            assert plain.encode() not in dumped
            assert plain.encode() not in bytes(row["secret_sealed"])
    if url.startswith("sqlite:///"):
        database = Path(url.removeprefix("sqlite:///"))
        files = [database, *database.parent.glob(database.name + "-*")]
        content = b"".join(path.read_bytes() for path in files if path.exists())
        assert password.encode() not in content
        assert secret.encode() not in content


SELF_MANAGE = "arn:aws:iam::aws:policy/IAMSelfManageServiceSpecificCredentials"


def test_self_manage_policy_covers_own_credentials_only(iam: Any, make_user: Any) -> None:
    """With IAMSelfManageServiceSpecificCredentials a user manages their own credentials, not others'."""
    name, client_for = make_user("selfie")
    iam.attach_user_policy(UserName=name, PolicyArn=SELF_MANAGE)
    iam.create_user(UserName="neighbour")
    own = client_for("iam")
    credential = own.create_service_specific_credential(UserName=name, ServiceName=CODECOMMIT)[
        "ServiceSpecificCredential"
    ]
    credential_id = credential["ServiceSpecificCredentialId"]
    listed = own.list_service_specific_credentials()["ServiceSpecificCredentials"]
    assert [c["ServiceSpecificCredentialId"] for c in listed] == [credential_id]
    own.reset_service_specific_credential(ServiceSpecificCredentialId=credential_id)
    own.update_service_specific_credential(ServiceSpecificCredentialId=credential_id, Status="Inactive")
    own.delete_service_specific_credential(ServiceSpecificCredentialId=credential_id)
    refused = [
        lambda: own.create_service_specific_credential(UserName="neighbour", ServiceName=CODECOMMIT),
        lambda: own.list_service_specific_credentials(UserName="neighbour"),
        lambda: own.delete_service_specific_credential(
            UserName="neighbour", ServiceSpecificCredentialId="ACCA" + "A" * 17
        ),
    ]
    for attempt in refused:
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            attempt()
        code, message = error_of(caught)
        assert code == "AccessDenied"
        assert "on resource: arn:aws:iam::123456789012:user/neighbour" in message


def test_self_manage_policy_cannot_list_all_users(iam: Any, make_user: Any) -> None:
    """AllUsers is authorized against "*", so a self-management policy does not cover it."""
    name, client_for = make_user("curious")
    iam.attach_user_policy(UserName=name, PolicyArn=SELF_MANAGE)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client_for("iam").list_service_specific_credentials(AllUsers=True)
    code, message = error_of(caught)
    assert code == "AccessDenied"
    assert "on resource: *" in message
