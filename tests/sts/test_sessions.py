"""GetSessionToken, GetFederationToken and GetAccessKeyInfo against a real server, with boto3."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import boto3
import botocore.auth
import botocore.exceptions
import pytest
from botocore.config import Config

from tests.conftest import DEV_ACCOUNT, NO_RETRIES, REGION, Server
from tests.iam.test_mfa import error_of
from tests.mfa_support import STEP, DeviceClock, code, create_device, enable, wrong_code

INVALID_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
UNKNOWN_DEVICE = (
    "MultiFactorAuthentication failed, unable to validate MFA code.  "
    "Please verify your MFA serial number is valid and associated with this user."
)


def session_client(server: Server, credentials: dict[str, Any], service: str = "sts") -> Any:
    return server.client(
        service, credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )


@pytest.fixture
def unchecked_sts(server: Server) -> Any:
    """A root STS client that skips botocore's own parameter checks, so the server's are tested."""
    return boto3.client(
        "sts",
        endpoint_url=server.endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name=REGION,
        config=NO_RETRIES.merge(Config(parameter_validation=False)),
    )


@pytest.fixture
def alice(make_user: Callable[..., tuple[str, Any]]) -> Any:
    """An STS client for the IAM user alice."""
    _name, client_for = make_user("alice")
    return client_for("sts")


@pytest.fixture
def alice_device(iam: Any, alice: Any, clock: DeviceClock) -> tuple[str, str]:
    """(serial, seed) of a virtual device enabled for alice; the clock already moved past its codes."""
    serial, seed = create_device(iam)
    enable(iam, clock, "alice", serial, seed)
    clock.move(STEP)
    return serial, seed


def test_session_acts_as_the_user(server: Server, alice: Any) -> None:
    """GetSessionToken gives ASIA credentials whose caller identity is the user itself."""
    credentials = alice.get_session_token()["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA") and len(credentials["AccessKeyId"]) == 20
    assert len(credentials["SecretAccessKey"]) == 40 and credentials["SessionToken"]
    identity = session_client(server, credentials).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{DEV_ACCOUNT}:user/alice"
    assert identity["UserId"] == alice.get_caller_identity()["UserId"]


def test_session_with_mfa_code(
    server: Server, alice: Any, alice_device: tuple[str, str], clock: DeviceClock
) -> None:
    """A current code gives a session; the same code again is refused as AWS refuses it."""
    serial, seed = alice_device
    token_code = code(seed, clock.step())
    credentials = alice.get_session_token(SerialNumber=serial, TokenCode=token_code)["Credentials"]
    assert session_client(server, credentials).get_caller_identity()["Arn"].endswith(":user/alice")
    assert error_of(lambda: alice.get_session_token(SerialNumber=serial, TokenCode=token_code)) == (
        "AccessDenied",
        INVALID_CODE,
    )


def test_wrong_mfa_code_is_refused(alice: Any, alice_device: tuple[str, str], clock: DeviceClock) -> None:
    """A wrong code is AccessDenied with AWS's message."""
    serial, seed = alice_device
    bad = wrong_code(seed, clock.step())
    assert error_of(lambda: alice.get_session_token(SerialNumber=serial, TokenCode=bad)) == (
        "AccessDenied",
        INVALID_CODE,
    )


def test_device_of_someone_else_is_refused(
    iam: Any, make_user: Callable[..., tuple[str, Any]], alice_device: tuple[str, str], clock: DeviceClock
) -> None:
    """A serial number not assigned to the caller cannot authenticate it, even with a right code."""
    serial, seed = alice_device
    _name, bob_for = make_user("bob")
    bob = bob_for("sts")
    error = error_of(lambda: bob.get_session_token(SerialNumber=serial, TokenCode=code(seed, clock.step())))
    assert error == ("AccessDenied", UNKNOWN_DEVICE)


def test_mfa_attempts_are_limited(alice: Any, alice_device: tuple[str, str], clock: DeviceClock) -> None:
    """After 5 wrong codes even the right one is refused for a few minutes."""
    serial, seed = alice_device
    for _ in range(5):
        bad = wrong_code(seed, clock.step())
        error_of(lambda bad=bad: alice.get_session_token(SerialNumber=serial, TokenCode=bad))  # type: ignore[misc]
    code_, message = error_of(
        lambda: alice.get_session_token(SerialNumber=serial, TokenCode=code(seed, clock.step()))
    )
    assert code_ == "AccessDenied" and "too many invalid MFA one time pass codes" in message
    clock.move(5 * 60 + 1)
    alice.get_session_token(SerialNumber=serial, TokenCode=code(seed, clock.step()))


def test_concurrent_wrong_codes_stay_within_the_limit(
    alice: Any, alice_device: tuple[str, str], clock: DeviceClock
) -> None:
    """Twelve wrong codes at once: at most five are checked, the rest refused as too many."""
    serial, seed = alice_device
    bad = wrong_code(seed, clock.step())
    with ThreadPoolExecutor(max_workers=12) as pool:
        errors = list(
            pool.map(
                lambda _: error_of(lambda: alice.get_session_token(SerialNumber=serial, TokenCode=bad)),
                range(12),
            )
        )
    checked = [message for _code, message in errors if message == INVALID_CODE]
    assert len(checked) <= 5
    assert all(code_ == "AccessDenied" for code_, _message in errors)


def test_expired_session_is_refused(server: Server, alice: Any, clock: DeviceClock) -> None:
    """Once past its expiration a session token is ExpiredToken."""
    credentials = alice.get_session_token(DurationSeconds=900)["Credentials"]
    session = session_client(server, credentials)
    session.get_caller_identity()
    clock.move(901)
    assert error_of(session.get_caller_identity) == (
        "ExpiredToken",
        "The security token included in the request is expired",
    )


@pytest.mark.parametrize(
    ("who", "requested", "granted"),
    [
        ("user", None, 43_200),
        ("user", 900, 900),
        ("user", 129_600, 129_600),
        ("root", None, 3_600),
        ("root", 7_200, 3_600),
    ],
)
def test_duration(sts: Any, alice: Any, who: str, requested: int | None, granted: int) -> None:
    """Durations default to 12 hours; the root user's sessions are cut to one hour."""
    client = sts if who == "root" else alice
    kwargs = {} if requested is None else {"DurationSeconds": requested}
    before = datetime.now().astimezone()
    expiration = client.get_session_token(**kwargs)["Credentials"]["Expiration"]
    assert abs((expiration - before).total_seconds() - granted) < 60


@pytest.mark.parametrize("duration", [899, 129_601])
def test_duration_out_of_range(unchecked_sts: Any, duration: int) -> None:
    """Durations outside 900–129,600 seconds are a ValidationError."""
    assert error_of(lambda: unchecked_sts.get_session_token(DurationSeconds=duration))[0] == "ValidationError"
    error = error_of(lambda: unchecked_sts.get_federation_token(Name="bob", DurationSeconds=duration))
    assert error[0] == "ValidationError"


@pytest.mark.parametrize("action", ["GetSessionToken", "GetFederationToken"])
def test_session_credentials_cannot_make_sessions(server: Server, alice: Any, action: str) -> None:
    """Neither call accepts session credentials, as on AWS."""
    session = session_client(server, alice.get_session_token()["Credentials"])
    if action == "GetSessionToken":
        error = error_of(session.get_session_token)
        assert error == ("AccessDenied", f"Cannot call {action} with session credentials")
    else:
        # The authorization layer refuses this one before the handler, in its own words.
        assert error_of(lambda: session.get_federation_token(Name="bob"))[0] == "AccessDenied"


@pytest.mark.parametrize(
    "change",
    [
        lambda c: {**c, "SessionToken": None},
        lambda c: {**c, "SessionToken": c["SessionToken"][:-4] + "AAAA"},
        lambda c: {**c, "AccessKeyId": "ASIA" + "B" * 16},
    ],
)
def test_broken_temporary_credentials(
    server: Server, alice: Any, change: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    """A temporary key without its token, a forged token, or another key id is InvalidClientTokenId."""
    credentials = change(alice.get_session_token()["Credentials"])
    client = server.client(
        "sts", credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )
    assert error_of(client.get_caller_identity) == (
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    )


def test_session_outlives_its_source_key(server: Server, iam: Any, alice: Any) -> None:
    """As on AWS, deactivating or deleting the key that made a session does not end the session."""
    credentials = alice.get_session_token()["Credentials"]
    key_id = iam.list_access_keys(UserName="alice")["AccessKeyMetadata"][0]["AccessKeyId"]
    iam.update_access_key(UserName="alice", AccessKeyId=key_id, Status="Inactive")
    session_client(server, credentials).get_caller_identity()
    iam.delete_access_key(UserName="alice", AccessKeyId=key_id)
    session_client(server, credentials).get_caller_identity()


def test_federation_token_identity(server: Server, iam: Any, alice: Any) -> None:
    """GetFederationToken names a federated user; its credentials answer that identity."""
    allow = {"Effect": "Allow", "Action": "sts:GetFederationToken", "Resource": "*"}
    iam.put_user_policy(
        UserName="alice",
        PolicyName="federate",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [allow]}),
    )
    policy = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    )
    answer = alice.get_federation_token(
        Name="bob", Policy=policy, PolicyArns=[{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]
    )
    federated_arn = f"arn:aws:sts::{DEV_ACCOUNT}:federated-user/bob"
    assert answer["FederatedUser"] == {"FederatedUserId": f"{DEV_ACCOUNT}:bob", "Arn": federated_arn}
    assert 0 < answer["PackedPolicySize"] <= 100
    identity = session_client(server, answer["Credentials"]).get_caller_identity()
    assert (identity["Arn"], identity["UserId"]) == (federated_arn, f"{DEV_ACCOUNT}:bob")


@pytest.mark.parametrize(
    ("kwargs", "code_"),
    [
        (
            {"Policy": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}'},
            "MalformedPolicyDocument",
        ),
        ({"Policy": "not json"}, "MalformedPolicyDocument"),
        ({"PolicyArns": [{"arn": f"arn:aws:iam::{DEV_ACCOUNT}:policy/missing"}]}, "MalformedPolicyDocument"),
        ({"Name": "x"}, "ValidationError"),
        ({"Name": "b" * 33}, "ValidationError"),
    ],
)
def test_federation_token_refusals(unchecked_sts: Any, kwargs: dict[str, Any], code_: str) -> None:
    """Bad session policies, unknown policy ARNs and bad names are refused."""
    arguments = {"Name": "bob", **kwargs}
    assert error_of(lambda: unchecked_sts.get_federation_token(**arguments))[0] == code_


def test_access_key_info(server: Server, iam: Any, sts: Any, alice: Any) -> None:
    """GetAccessKeyInfo names the account of long-term and temporary keys, and none for unknown ones."""
    key_id = iam.list_access_keys(UserName="alice")["AccessKeyMetadata"][0]["AccessKeyId"]
    temporary = alice.get_session_token()["Credentials"]["AccessKeyId"]
    assert sts.get_access_key_info(AccessKeyId=key_id)["Account"] == DEV_ACCOUNT
    assert sts.get_access_key_info(AccessKeyId=temporary)["Account"] == DEV_ACCOUNT
    assert "Account" not in sts.get_access_key_info(AccessKeyId="AKIA" + "Z" * 16)


def test_mfa_session_carries_mfa_into_authorization(
    server: Server, iam: Any, alice: Any, alice_device: tuple[str, str], clock: DeviceClock
) -> None:
    """Only the MFA-authenticated session may call IAM, and only where MultiFactorAuthPresent is true."""
    statement = {
        "Effect": "Allow",
        "Action": "iam:ListUsers",
        "Resource": "*",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    }
    iam.put_user_policy(
        UserName="alice",
        PolicyName="mfa-only",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )
    plain = session_client(server, alice.get_session_token()["Credentials"], "iam")
    assert error_of(plain.list_users)[0] == "AccessDenied"
    serial, seed = alice_device
    answer = alice.get_session_token(SerialNumber=serial, TokenCode=code(seed, clock.step()))
    with_mfa = session_client(server, answer["Credentials"], "iam")
    assert [user["UserName"] for user in with_mfa.list_users()["Users"]] == ["alice"]


def test_concurrent_uses_of_one_code_succeed_once(
    alice: Any, alice_device: tuple[str, str], clock: DeviceClock
) -> None:
    """Racing requests with the same code: exactly one gets a session (conditional UPDATE)."""
    serial, seed = alice_device
    token_code = code(seed, clock.step())

    def attempt(_: int) -> bool:
        try:
            alice.get_session_token(SerialNumber=serial, TokenCode=token_code)
        except botocore.exceptions.ClientError:
            return False
        return True

    # boto3 clients are thread-safe; on PostgreSQL the server runs these on parallel threads.
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, range(8)))
    assert results.count(True) == 1


@pytest.mark.parametrize(("part", "message"), [("SerialNumber", INVALID_CODE), ("TokenCode", UNKNOWN_DEVICE)])
def test_half_of_mfa_is_refused(alice: Any, alice_device: tuple[str, str], part: str, message: str) -> None:
    """A serial number without a code, or a code without a serial number, is AccessDenied."""
    serial, _seed = alice_device
    given = {"SerialNumber": serial, "TokenCode": "123456"}
    assert error_of(lambda: alice.get_session_token(**{part: given[part]})) == ("AccessDenied", message)
