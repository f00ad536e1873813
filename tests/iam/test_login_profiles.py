"""Login profiles: create, read, update, delete, ChangePassword, and secrecy of passwords."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest
from sqlalchemy import create_engine, inspect, select, table
from sqlalchemy.engine import make_url

from tests.conftest import Server

PASSWORD = "Correct-Horse-9-Battery"
OTHER_PASSWORD = "Another-Secret-77-Phrase"


def grant(iam: Any, user: str, *actions: str) -> None:
    """Let ``user`` call ``actions`` on itself, as an administrator would in AWS."""
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": list(actions),
                    "Resource": "arn:aws:iam::*:user/${aws:username}",
                }
            ],
        }
    )
    iam.put_user_policy(UserName=user, PolicyName="self-service", PolicyDocument=document)


def error_of(caught: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def test_create_and_get_login_profile(iam: Any) -> None:
    """CreateLoginProfile returns the profile (never the password); GetLoginProfile reads it back."""
    iam.create_user(UserName="alice")
    created = iam.create_login_profile(UserName="alice", Password=PASSWORD, PasswordResetRequired=True)
    profile = created["LoginProfile"]
    assert profile["UserName"] == "alice"
    assert profile["PasswordResetRequired"] is True
    assert "Password" not in profile
    fetched = iam.get_login_profile(UserName="ALICE")["LoginProfile"]
    assert fetched["UserName"] == "alice"
    assert fetched["CreateDate"] == profile["CreateDate"]
    assert fetched["PasswordResetRequired"] is True


def test_password_reset_required_defaults_to_false(iam: Any) -> None:
    """Without PasswordResetRequired the profile does not demand a new password."""
    iam.create_user(UserName="alice")
    assert (
        iam.create_login_profile(UserName="alice", Password=PASSWORD)["LoginProfile"]["PasswordResetRequired"]
        is False
    )


@pytest.mark.parametrize(
    ("call", "kwargs", "code", "message"),
    [
        ("get_login_profile", {}, "NoSuchEntity", "Login Profile for User alice cannot be found."),
        ("delete_login_profile", {}, "NoSuchEntity", "Login Profile for User alice cannot be found."),
        (
            "update_login_profile",
            {"PasswordResetRequired": True},
            "NoSuchEntity",
            "Login Profile for User alice cannot be found.",
        ),
    ],
)
def test_missing_login_profile(iam: Any, call: str, kwargs: dict[str, Any], code: str, message: str) -> None:
    """Reading, updating or deleting a profile that does not exist is NoSuchEntity, worded as AWS."""
    iam.create_user(UserName="alice")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(iam, call)(UserName="alice", **kwargs)
    assert error_of(caught) == (code, message)


def test_second_login_profile_is_refused(iam: Any) -> None:
    """A user has at most one login profile."""
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password=PASSWORD)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.create_login_profile(UserName="alice", Password=OTHER_PASSWORD)
    assert error_of(caught) == ("EntityAlreadyExists", "Login Profile for user alice already exists.")


def test_login_profile_for_unknown_user(iam: Any) -> None:
    """A profile for a user that does not exist is NoSuchEntity naming the user."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.create_login_profile(UserName="ghost", Password=PASSWORD)
    assert error_of(caught) == ("NoSuchEntity", "The user with name ghost cannot be found.")


def test_root_must_name_the_user(iam: Any) -> None:
    """Root credentials cannot omit UserName (only an AssumeRoot session may)."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.create_login_profile(Password=PASSWORD)
    assert error_of(caught)[0] == "ValidationError"


def test_update_and_delete_login_profile(iam: Any) -> None:
    """UpdateLoginProfile changes the reset flag; DeleteLoginProfile removes the profile."""
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password=PASSWORD)
    iam.update_login_profile(UserName="alice", Password=OTHER_PASSWORD, PasswordResetRequired=True)
    assert iam.get_login_profile(UserName="alice")["LoginProfile"]["PasswordResetRequired"] is True
    iam.delete_login_profile(UserName="alice")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.get_login_profile(UserName="alice")
    assert error_of(caught)[0] == "NoSuchEntity"


def test_user_with_login_profile_cannot_be_deleted(iam: Any) -> None:
    """DeleteUser refuses while the user still has a console password."""
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password=PASSWORD)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.delete_user(UserName="alice")
    assert error_of(caught) == ("DeleteConflict", "Cannot delete entity, must delete login profile first.")
    iam.delete_login_profile(UserName="alice")
    iam.delete_user(UserName="alice")


def test_user_reads_own_login_profile_without_naming_itself(iam: Any, make_user: Any) -> None:
    """An IAM user may omit UserName: the profile is the caller's own."""
    name, client_for = make_user("alice")
    iam.create_login_profile(UserName=name, Password=PASSWORD)
    grant(iam, name, "iam:GetLoginProfile")
    assert client_for("iam").get_login_profile()["LoginProfile"]["UserName"] == "alice"


def test_change_password(iam: Any, make_user: Any) -> None:
    """A user changes their own password with the old one; it clears PasswordResetRequired."""
    name, client_for = make_user("alice")
    iam.create_login_profile(UserName=name, Password=PASSWORD, PasswordResetRequired=True)
    grant(iam, name, "iam:ChangePassword")
    alice = client_for("iam")
    alice.change_password(OldPassword=PASSWORD, NewPassword=OTHER_PASSWORD)
    assert iam.get_login_profile(UserName=name)["LoginProfile"]["PasswordResetRequired"] is False
    # The new password is now the one that counts.
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        alice.change_password(OldPassword=PASSWORD, NewPassword="Third-Password-3-Here")
    assert error_of(caught) == ("AccessDenied", "The old password is incorrect.")
    alice.change_password(OldPassword=OTHER_PASSWORD, NewPassword="Third-Password-3-Here")


def test_wrong_old_passwords_are_throttled(iam: Any, make_user: Any, clock: Any) -> None:
    """After five wrong old passwords even the right one is refused for five minutes."""
    name, client_for = make_user("alice")
    iam.create_login_profile(UserName=name, Password=PASSWORD)
    grant(iam, name, "iam:ChangePassword")
    alice = client_for("iam")
    for attempt in range(5):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            alice.change_password(OldPassword=f"Wrong-{attempt}-Password!", NewPassword=OTHER_PASSWORD)
        assert error_of(caught) == ("AccessDenied", "The old password is incorrect.")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        alice.change_password(OldPassword=PASSWORD, NewPassword=OTHER_PASSWORD)
    assert error_of(caught) == (
        "LimitExceeded",
        "Too many wrong passwords for this user; try again in a few minutes.",
    )
    clock.move(5 * 60 + 1)
    alice.change_password(OldPassword=PASSWORD, NewPassword=OTHER_PASSWORD)


def test_change_password_refuses_root(iam: Any) -> None:
    """Root cannot use ChangePassword: InvalidUserType."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.change_password(OldPassword=PASSWORD, NewPassword=OTHER_PASSWORD)
    assert error_of(caught)[0] == "InvalidUserType"


def test_change_password_without_login_profile(iam: Any, make_user: Any) -> None:
    """A user without a console password has nothing to change."""
    name, client_for = make_user("alice")
    grant(iam, name, "iam:ChangePassword")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client_for("iam").change_password(OldPassword=PASSWORD, NewPassword=OTHER_PASSWORD)
    assert error_of(caught) == ("NoSuchEntity", "Login Profile for User alice cannot be found.")


def _database_text(server: Server) -> bytes:
    """Every stored byte we can reach: the raw SQLite files, and every row of every table."""
    url = server.extra["database_url"]
    blobs: list[bytes] = []
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = Path(parsed.database or "")
        for path in database.parent.glob(database.name + "*"):
            blobs.append(path.read_bytes())
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            for name in inspect(conn).get_table_names():
                for row in conn.execute(select("*").select_from(table(name))):
                    blobs.append(repr(tuple(row)).encode())
    finally:
        engine.dispose()
    return b"\n".join(blobs)


def test_plaintext_password_is_never_stored_or_logged(server: Server, iam: Any, make_user: Any) -> None:
    """Neither the database (raw file bytes and rows) nor the server log holds a plain password."""
    name, client_for = make_user("alice")
    iam.create_login_profile(UserName=name, Password=PASSWORD)
    iam.update_login_profile(UserName=name, Password=OTHER_PASSWORD)
    grant(iam, name, "iam:ChangePassword")
    client_for("iam").change_password(OldPassword=OTHER_PASSWORD, NewPassword="Third-Password-3-Here")
    stored = _database_text(server)
    assert b"$argon2id$" in stored
    for secret in (PASSWORD, OTHER_PASSWORD, "Third-Password-3-Here"):
        assert secret.encode() not in stored
        assert secret not in server.log()
