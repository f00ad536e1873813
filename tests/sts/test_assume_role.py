"""AssumeRole against a real server, with boto3: trust policies, MFA, external ids, accounts, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from tests.conftest import DEV_ACCOUNT, NO_RETRIES, REGION, Server, allow
from tests.conftest import create_account as create_account_in_store
from tests.iam.test_mfa import error_of
from tests.mfa_support import STEP, DeviceClock, code, create_device, enable, wrong_code
from tests.sts.test_sessions import session_client

OTHER_ACCOUNT = "210987654321"
MakeUser = Callable[..., tuple[str, Any]]


def trust(principal: Any, condition: dict[str, Any] | None = None, actions: list[str] | None = None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": actions or ["sts:AssumeRole"],
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def create_role(
    iam: Any, name: str, trust_policy: str, *, allow_actions: tuple[str, ...] = (), **kwargs: Any
) -> str:
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_policy, **kwargs)["Role"]
    if allow_actions:
        iam.put_role_policy(
            RoleName=name, PolicyName="perms", PolicyDocument=json.dumps(allow(*allow_actions))
        )
    return str(role["Arn"])


def denied(caller_arn: str, role_arn: str, action: str = "sts:AssumeRole") -> tuple[str, str]:
    return (
        "AccessDenied",
        f"User: {caller_arn} is not authorized to perform: {action} on resource: {role_arn}",
    )


def create_account(server: Server, account_id: str = OTHER_ACCOUNT) -> dict[str, str]:
    """A second account in the dev server's store (as ``credo account create --dev`` makes it)."""
    return create_account_in_store(server, account_id)


@pytest.fixture
def other(server: Server) -> Callable[[str], Any]:
    """Client factory for the root user of a second account."""
    keys = create_account(server)
    return lambda service: server.client(service, keys["AccessKeyId"], keys["SecretAccessKey"])


@pytest.fixture
def unchecked_alice(server: Server, iam: Any) -> Any:
    """An STS client for alice (allowed sts:AssumeRole) that skips botocore's parameter checks."""
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=json.dumps(allow("sts:AssumeRole")))
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    return boto3.client(
        "sts",
        endpoint_url=server.endpoint,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name=REGION,
        config=NO_RETRIES.merge(Config(parameter_validation=False)),
    )


ALICE_ARN = f"arn:aws:iam::{DEV_ACCOUNT}:user/alice"


def test_assumed_role_session_identity(server: Server, iam: Any, make_user: MakeUser) -> None:
    """The session is ASIA keys acting as arn:aws:sts::ACCT:assumed-role/ROLE/SESSION, id AROA…:SESSION."""
    role_arn = create_role(iam, "reader", trust(ALICE_ARN), allow_actions=("iam:ListRoles",))
    _name, alice_for = make_user("alice")
    answer = alice_for("sts").assume_role(RoleArn=role_arn, RoleSessionName="work@1")
    credentials = answer["Credentials"]
    role_id = iam.get_role(RoleName="reader")["Role"]["RoleId"]
    session_arn = f"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/reader/work@1"
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert answer["AssumedRoleUser"] == {"AssumedRoleId": f"{role_id}:work@1", "Arn": session_arn}
    assert "PackedPolicySize" not in answer
    identity = session_client(server, credentials).get_caller_identity()
    assert (identity["UserId"], identity["Arn"], identity["Account"]) == (
        f"{role_id}:work@1",
        session_arn,
        DEV_ACCOUNT,
    )
    iam_session = session_client(server, credentials, "iam")
    assert [r["RoleName"] for r in iam_session.list_roles()["Roles"]] == ["reader"]
    assert error_of(lambda: iam_session.create_user(UserName="x"))[0] == "AccessDenied"
    last_used = iam.get_role(RoleName="reader")["Role"]["RoleLastUsed"]
    assert last_used["Region"] == REGION and last_used["LastUsedDate"]


@pytest.mark.parametrize(
    ("principal", "user_policy", "allowed"),
    [
        (ALICE_ARN, None, True),  # the trust policy names the user: enough within the account
        (DEV_ACCOUNT, None, False),  # names only the account: the user's own policy must allow too
        (DEV_ACCOUNT, allow("sts:AssumeRole"), True),
        (f"arn:aws:iam::{DEV_ACCOUNT}:root", allow("sts:AssumeRole"), True),
        (f"arn:aws:iam::{DEV_ACCOUNT}:user/bob", allow("sts:AssumeRole"), False),  # names someone else
        (OTHER_ACCOUNT, allow("sts:AssumeRole"), False),
    ],
)
def test_same_account_trust(
    iam: Any, make_user: MakeUser, principal: str, user_policy: dict[str, Any] | None, allowed: bool
) -> None:
    """Within an account the trust policy must allow, and naming only the account defers to the user's policy."""
    role_arn = create_role(iam, "r", trust(principal))
    _name, alice_for = make_user("alice", policy=user_policy)
    alice = alice_for("sts")
    if allowed:
        alice.assume_role(RoleArn=role_arn, RoleSessionName="s1")
    else:
        assert error_of(lambda: alice.assume_role(RoleArn=role_arn, RoleSessionName="s1")) == denied(
            ALICE_ARN, role_arn
        )


def test_explicit_deny_in_identity_policy_wins(iam: Any, make_user: MakeUser) -> None:
    """A Deny in the caller's policy refuses even a trust policy that names the caller."""
    role_arn = create_role(iam, "r", trust(ALICE_ARN))
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}],
    }
    _name, alice_for = make_user("alice", policy=deny)
    alice = alice_for("sts")
    assert error_of(lambda: alice.assume_role(RoleArn=role_arn, RoleSessionName="s1")) == denied(
        ALICE_ARN, role_arn
    )


@pytest.mark.parametrize(
    "role_arn",
    [
        f"arn:aws:iam::{DEV_ACCOUNT}:role/missing",
        f"arn:aws:iam::{DEV_ACCOUNT}:role/wrong/path/r",
        f"arn:aws:iam::{OTHER_ACCOUNT}:role/r",
        "arn:aws:iam::123456789012:user/r",
    ],
)
def test_missing_role_is_access_denied(iam: Any, make_user: MakeUser, role_arn: str) -> None:
    """A role that does not exist is refused exactly like an untrusting one (no NoSuchEntity)."""
    create_role(iam, "r", trust(DEV_ACCOUNT))
    _name, alice_for = make_user("alice", policy=allow("sts:AssumeRole"))
    alice = alice_for("sts")
    assert error_of(lambda: alice.assume_role(RoleArn=role_arn, RoleSessionName="s1")) == denied(
        ALICE_ARN, role_arn
    )


def test_root_user_may_not_assume_roles(sts: Any, iam: Any) -> None:
    """AWS refuses root keys outright, even for a role whose trust policy names the account."""
    role_arn = create_role(iam, "r", trust(DEV_ACCOUNT))
    assert error_of(lambda: sts.assume_role(RoleArn=role_arn, RoleSessionName="root-s")) == (
        "AccessDenied",
        "Roles may not be assumed by root accounts.",
    )
    missing = f"arn:aws:iam::{DEV_ACCOUNT}:role/nobody"
    assert error_of(lambda: sts.assume_role(RoleArn=missing, RoleSessionName="s1"))[0] == "AccessDenied"


@pytest.mark.parametrize(
    ("condition", "external_id", "allowed"),
    [
        ({"StringEquals": {"sts:ExternalId": "secret-42"}}, "secret-42", True),
        ({"StringEquals": {"sts:ExternalId": "secret-42"}}, "wrong-id", False),
        ({"StringEquals": {"sts:ExternalId": "secret-42"}}, None, False),
        ({"StringLike": {"sts:RoleSessionName": "ci-*"}}, None, False),  # session name "s1"
    ],
)
def test_trust_conditions(
    iam: Any, make_user: MakeUser, condition: dict[str, Any], external_id: str | None, allowed: bool
) -> None:
    """sts:ExternalId and sts:RoleSessionName are in the context the trust policy is evaluated with."""
    role_arn = create_role(iam, "r", trust(ALICE_ARN, condition))
    _name, alice_for = make_user("alice")
    alice = alice_for("sts")
    kwargs: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": "s1"}
    if external_id is not None:
        kwargs["ExternalId"] = external_id
    if allowed:
        alice.assume_role(**kwargs)
    else:
        assert error_of(lambda: alice.assume_role(**kwargs)) == denied(ALICE_ARN, role_arn)


MFA_TRUST = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def test_mfa_condition(server: Server, iam: Any, make_user: MakeUser, clock: DeviceClock) -> None:
    """A trust policy requiring MFA refuses without a code, accepts a current one once, and the session has MFA."""
    role_arn = create_role(
        iam,
        "admin",
        trust(ALICE_ARN, {**MFA_TRUST, "NumericLessThan": {"aws:MultiFactorAuthAge": "300"}}),
        allow_actions=("iam:*",),
    )
    _name, alice_for = make_user("alice")
    alice = alice_for("sts")
    serial, seed = create_device(iam)
    enable(iam, clock, "alice", serial, seed)
    clock.move(STEP)
    assert error_of(lambda: alice.assume_role(RoleArn=role_arn, RoleSessionName="s1")) == denied(
        ALICE_ARN, role_arn
    )
    token_code = code(seed, clock.step())
    credentials = alice.assume_role(
        RoleArn=role_arn, RoleSessionName="s1", SerialNumber=serial, TokenCode=token_code
    )["Credentials"]
    replay = lambda: alice.assume_role(  # noqa: E731
        RoleArn=role_arn, RoleSessionName="s1", SerialNumber=serial, TokenCode=token_code
    )
    assert error_of(replay) == (
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
    )
    # The session itself carries MFA: a policy needing it lets the session through.
    iam.put_role_policy(
        RoleName="admin",
        PolicyName="mfa-only",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Action": "*",
                        "Resource": "*",
                        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
                    }
                ],
            }
        ),
    )
    session_client(server, credentials, "iam").list_users()


def test_mfa_session_of_a_user_may_assume_an_mfa_role(
    server: Server,
    iam: Any,
    make_user: MakeUser,
    clock: DeviceClock,
) -> None:
    """GetSessionToken with MFA, then AssumeRole with those credentials: the trust policy sees MFA."""
    role_arn = create_role(iam, "admin", trust(ALICE_ARN, MFA_TRUST))
    _name, alice_for = make_user("alice")
    serial, seed = create_device(iam)
    enable(iam, clock, "alice", serial, seed)
    clock.move(STEP)
    session = alice_for("sts").get_session_token(SerialNumber=serial, TokenCode=code(seed, clock.step()))
    session_client(server, session["Credentials"]).assume_role(RoleArn=role_arn, RoleSessionName="s1")


def test_cross_account(server: Server, iam: Any, make_user: MakeUser, other: Callable[[str], Any]) -> None:
    """From another account both the trust policy and the caller's identity policy must allow."""
    other_iam = other("iam")
    role_arn = create_role(other_iam, "shared", trust(DEV_ACCOUNT), allow_actions=("iam:ListRoles",))
    assert role_arn == f"arn:aws:iam::{OTHER_ACCOUNT}:role/shared"
    _name, alice_for = make_user("alice")
    alice = alice_for("sts")
    assert error_of(lambda: alice.assume_role(RoleArn=role_arn, RoleSessionName="s1")) == denied(
        ALICE_ARN, role_arn
    )
    iam.put_user_policy(
        UserName="alice",
        PolicyName="p",
        PolicyDocument=json.dumps(allow("sts:AssumeRole", resource=role_arn)),
    )
    answer = alice.assume_role(RoleArn=role_arn, RoleSessionName="s1")
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{OTHER_ACCOUNT}:assumed-role/shared/s1"
    session = session_client(server, answer["Credentials"], "iam")
    assert [r["Arn"] for r in session.list_roles()["Roles"]] == [role_arn]
    assert session_client(server, answer["Credentials"]).get_caller_identity()["Account"] == OTHER_ACCOUNT
    # A boundary on the caller caps what its identity policy grants across accounts.
    iam.create_policy(PolicyName="nothing", PolicyDocument=json.dumps(allow("iam:GetUser")))
    iam.put_user_permissions_boundary(
        UserName="alice", PermissionsBoundary=f"arn:aws:iam::{DEV_ACCOUNT}:policy/nothing"
    )
    assert error_of(lambda: alice.assume_role(RoleArn=role_arn, RoleSessionName="s1")) == denied(
        ALICE_ARN, role_arn
    )


def test_cross_account_trust_must_name_the_account(
    server: Server, sts: Any, make_user: MakeUser, other: Callable[[str], Any]
) -> None:
    """The caller's allowing policy is not enough when the role's trust policy names someone else."""
    role_arn = create_role(other("iam"), "private", trust(OTHER_ACCOUNT))
    _name, alice_for = make_user("alice", policy=allow("sts:AssumeRole"))
    assert error_of(lambda: alice_for("sts").assume_role(RoleArn=role_arn, RoleSessionName="s1")) == denied(
        ALICE_ARN, role_arn
    )


def test_role_chaining(server: Server, iam: Any, make_user: MakeUser) -> None:
    """A trust policy naming a role matches that role's sessions; chained sessions last at most an hour."""
    first_arn = create_role(
        iam, "first", trust(ALICE_ARN), allow_actions=("sts:AssumeRole",), MaxSessionDuration=7200
    )
    second_arn = create_role(iam, "second", trust(first_arn), MaxSessionDuration=7200)
    _name, alice_for = make_user("alice")
    first = alice_for("sts").assume_role(RoleArn=first_arn, RoleSessionName="one", DurationSeconds=7200)
    first_sts = session_client(server, first["Credentials"])
    assert error_of(
        lambda: first_sts.assume_role(RoleArn=second_arn, RoleSessionName="two", DurationSeconds=3601)
    ) == (
        "ValidationError",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    )
    second = first_sts.assume_role(RoleArn=second_arn, RoleSessionName="two")
    identity = session_client(server, second["Credentials"]).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/second/two"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"DurationSeconds": 3601},
            (
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ),
        ),
        (
            {"DurationSeconds": 899},
            ("ValidationError", "Member must have value greater than or equal to 900"),
        ),
        ({"RoleSessionName": "a"}, ("ValidationError", "Member must have length greater than or equal to 2")),
        (
            {"RoleSessionName": "has space"},
            ("ValidationError", "Member must satisfy regular expression pattern"),
        ),
        (
            {"RoleSessionName": "x" * 65},
            ("ValidationError", "Member must have length less than or equal to 64"),
        ),
        (
            {
                "Policy": json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Sid": "x" * 2100}],
                    }
                )
            },
            ("ValidationError", "Member must have length less than or equal to 2048"),
        ),
        ({"Policy": '{"Version": "2012-10-17", "Statement": []'}, ("MalformedPolicyDocument", "")),
        (
            {"PolicyArns": [{"arn": f"arn:aws:iam::{DEV_ACCOUNT}:policy/none"}]},
            (
                "MalformedPolicyDocument",
                f"Policy arn:aws:iam::{DEV_ACCOUNT}:policy/none does not exist or is not attachable.",
            ),
        ),
        (
            {"PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}] * 11},
            ("InvalidParameterValue", "The number of policy ARNs must not exceed 10."),
        ),
        (
            {"Tags": [{"Key": "k", "Value": "1"}], "TransitiveTagKeys": ["other"]},
            (
                "InvalidParameterValue",
                "The specified transitive tag key must be included in the requested tags.",
            ),
        ),
        (
            {"Tags": [{"Key": "k", "Value": "1"}, {"Key": "K", "Value": "2"}]},
            (
                "InvalidParameterValue",
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            ),
        ),
    ],
)
def test_refusals(iam: Any, unchecked_alice: Any, kwargs: dict[str, Any], expected: tuple[str, str]) -> None:
    """Each invalid request is refused with AWS's code and message."""
    role_arn = create_role(iam, "r", trust(ALICE_ARN, actions=["sts:AssumeRole", "sts:TagSession"]))
    request = {"RoleArn": role_arn, "RoleSessionName": "s1", **kwargs}
    error_code, message = error_of(lambda: unchecked_alice.assume_role(**request))
    assert error_code == expected[0] and expected[1] in message


def test_packed_policy_too_large(iam: Any, unchecked_alice: Any) -> None:
    """Session tags and policies that pack beyond the budget are PackedPolicyTooLarge."""
    role_arn = create_role(iam, "r", trust(ALICE_ARN, actions=["sts:AssumeRole", "sts:TagSession"]))
    import secrets

    tags = [{"Key": f"k{i}-{secrets.token_hex(20)}", "Value": secrets.token_hex(64)} for i in range(50)]
    error_code, message = error_of(
        lambda: unchecked_alice.assume_role(RoleArn=role_arn, RoleSessionName="s1", Tags=tags)
    )
    assert error_code == "PackedPolicyTooLarge"
    assert message.startswith("Packed size of session policies and session tags combined exceeded the limit")


def test_session_policy_narrows_the_role(server: Server, iam: Any, make_user: MakeUser) -> None:
    """Inline and managed session policies leave only what the role AND the session policies allow."""
    role_arn = create_role(iam, "r", trust(ALICE_ARN), allow_actions=("iam:ListRoles", "iam:ListUsers"))
    _name, alice_for = make_user("alice")
    answer = alice_for("sts").assume_role(
        RoleArn=role_arn,
        RoleSessionName="s1",
        Policy=json.dumps(allow("iam:ListRoles", "iam:CreateUser")),
    )
    assert 0 < answer["PackedPolicySize"] <= 100
    session = session_client(server, answer["Credentials"], "iam")
    session.list_roles()
    assert error_of(session.list_users)[0] == "AccessDenied"  # role yes, session policy no
    assert error_of(lambda: session.create_user(UserName="x"))[0] == "AccessDenied"  # session yes, role no
    managed = alice_for("sts").assume_role(
        RoleArn=role_arn,
        RoleSessionName="s2",
        PolicyArns=[{"arn": "arn:aws:iam::aws:policy/IAMReadOnlyAccess"}],
    )
    managed_session = session_client(server, managed["Credentials"], "iam")
    managed_session.list_users()
    assert error_of(lambda: managed_session.create_user(UserName="x"))[0] == "AccessDenied"


def test_session_tags_need_tag_session(server: Server, iam: Any, make_user: MakeUser) -> None:
    """Tags need sts:TagSession in the trust policy; they become aws:PrincipalTag of the session."""
    untagged_arn = create_role(iam, "plain", trust(ALICE_ARN))
    tagged_arn = create_role(
        iam,
        "tagged",
        trust(ALICE_ARN, actions=["sts:AssumeRole", "sts:TagSession"]),
    )
    iam.put_role_policy(
        RoleName="tagged",
        PolicyName="by-tag",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "iam:ListRoles",
                        "Resource": "*",
                        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}},
                    }
                ],
            }
        ),
    )
    _name, alice_for = make_user("alice")
    alice = alice_for("sts")
    tags = [{"Key": "team", "Value": "blue"}]
    assert error_of(
        lambda: alice.assume_role(RoleArn=untagged_arn, RoleSessionName="s1", Tags=tags)
    ) == denied(ALICE_ARN, untagged_arn, "sts:TagSession")
    blue = alice.assume_role(RoleArn=tagged_arn, RoleSessionName="s1", Tags=tags, TransitiveTagKeys=["team"])
    session_client(server, blue["Credentials"], "iam").list_roles()
    red = alice.assume_role(RoleArn=tagged_arn, RoleSessionName="s2", Tags=[{"Key": "team", "Value": "red"}])
    assert error_of(session_client(server, red["Credentials"], "iam").list_roles)[0] == "AccessDenied"


def test_source_identity_needs_permission(server: Server, iam: Any, make_user: MakeUser) -> None:
    """SourceIdentity needs sts:SetSourceIdentity in the trust policy and is answered back."""
    plain_arn = create_role(iam, "plain", trust(ALICE_ARN))
    allowed_arn = create_role(
        iam, "si", trust(ALICE_ARN, actions=["sts:AssumeRole", "sts:SetSourceIdentity"])
    )
    _name, alice_for = make_user("alice")
    alice = alice_for("sts")
    assert error_of(
        lambda: alice.assume_role(RoleArn=plain_arn, RoleSessionName="s1", SourceIdentity="alice@corp")
    ) == denied(ALICE_ARN, plain_arn, "sts:SetSourceIdentity")
    answer = alice.assume_role(RoleArn=allowed_arn, RoleSessionName="s1", SourceIdentity="alice@corp")
    assert answer["SourceIdentity"] == "alice@corp"


def test_expired_role_session(server: Server, iam: Any, make_user: MakeUser, clock: DeviceClock) -> None:
    """Past its DurationSeconds the role session is ExpiredToken."""
    role_arn = create_role(iam, "r", trust(ALICE_ARN))
    _name, alice_for = make_user("alice")
    credentials = alice_for("sts").assume_role(RoleArn=role_arn, RoleSessionName="s1", DurationSeconds=900)[
        "Credentials"
    ]
    session = session_client(server, credentials)
    session.get_caller_identity()
    clock.move(901)
    assert error_of(session.get_caller_identity) == (
        "ExpiredToken",
        "The security token included in the request is expired",
    )


def test_federated_user_cannot_assume_roles(server: Server, iam: Any, make_user: MakeUser) -> None:
    """GetFederationToken credentials may not call AssumeRole."""
    role_arn = create_role(iam, "r", trust("*"))
    _name, alice_for = make_user("alice", policy=allow("sts:GetFederationToken", "sts:AssumeRole"))
    federated = alice_for("sts").get_federation_token(Name="fed", Policy=json.dumps(allow("*")))
    fed_arn = federated["FederatedUser"]["Arn"]
    fed_sts = session_client(server, federated["Credentials"])
    assert error_of(lambda: fed_sts.assume_role(RoleArn=role_arn, RoleSessionName="s1")) == denied(
        fed_arn, role_arn
    )


INVALID_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
UNKNOWN_DEVICE = (
    "MultiFactorAuthentication failed, unable to validate MFA code.  "
    "Please verify your MFA serial number is valid and associated with this user."
)


@pytest.mark.parametrize(
    ("which", "expected"),
    [("wrong-code", INVALID_CODE), ("other-device", UNKNOWN_DEVICE), ("serial-only", INVALID_CODE)],
)
def test_mfa_refusals(iam: Any, make_user: MakeUser, clock: DeviceClock, which: str, expected: str) -> None:
    """A wrong code, someone else's device or a serial without a code is AccessDenied with AWS's message."""
    role_arn = create_role(iam, "r", trust(ALICE_ARN))
    _name, alice_for = make_user("alice")
    make_user("bob")
    serial, seed = create_device(iam, "alice-phone")
    enable(iam, clock, "alice", serial, seed)
    bob_serial, bob_seed = create_device(iam, "bob-phone")
    enable(iam, clock, "bob", bob_serial, bob_seed)
    clock.move(STEP)
    kwargs: dict[str, Any] = {
        "wrong-code": {"SerialNumber": serial, "TokenCode": wrong_code(seed, clock.step())},
        "other-device": {"SerialNumber": bob_serial, "TokenCode": code(bob_seed, clock.step())},
        "serial-only": {"SerialNumber": serial},
    }[which]
    alice = alice_for("sts")
    assert error_of(lambda: alice.assume_role(RoleArn=role_arn, RoleSessionName="s1", **kwargs)) == (
        "AccessDenied",
        expected,
    )


def test_chaining_passes_on_transitive_tags_and_source_identity(
    server: Server, iam: Any, make_user: MakeUser
) -> None:
    """A chained session keeps the transitive session tags and the source identity; others are dropped."""
    chain_actions = ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]
    first_arn = create_role(
        iam, "first", trust(ALICE_ARN, actions=chain_actions), allow_actions=("sts:AssumeRole",)
    )
    second_arn = create_role(iam, "second", trust(first_arn, actions=chain_actions))
    iam.put_role_policy(
        RoleName="second",
        PolicyName="by-tag",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "iam:ListRoles",
                        "Resource": "*",
                        "Condition": {
                            "StringEquals": {
                                "aws:PrincipalTag/team": "blue",
                                "aws:SourceIdentity": "alice@corp",
                            },
                            "Null": {"aws:PrincipalTag/temp": "true"},
                        },
                    }
                ],
            }
        ),
    )
    _name, alice_for = make_user("alice")
    first = alice_for("sts").assume_role(
        RoleArn=first_arn,
        RoleSessionName="one",
        Tags=[{"Key": "team", "Value": "blue"}, {"Key": "temp", "Value": "x"}],
        TransitiveTagKeys=["team"],
        SourceIdentity="alice@corp",
    )
    first_sts = session_client(server, first["Credentials"])
    assert error_of(
        lambda: first_sts.assume_role(RoleArn=second_arn, RoleSessionName="two", SourceIdentity="mallory")
    ) == ("ValidationError", "The source identity of a role session cannot be changed.")
    second = first_sts.assume_role(RoleArn=second_arn, RoleSessionName="two")
    assert second["SourceIdentity"] == "alice@corp"
    session_client(server, second["Credentials"], "iam").list_roles()


def test_role_session_must_name_the_user_for_access_keys(
    server: Server, iam: Any, make_user: MakeUser
) -> None:
    """A role session calling CreateAccessKey without UserName is refused, never given root keys."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.create_role(RoleName="keymaker", AssumeRolePolicyDocument=json.dumps(trust))
    iam.attach_role_policy(RoleName="keymaker", PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    _name, assumer_for = make_user("assumer", policy=allow("sts:AssumeRole"))
    credentials = assumer_for("sts").assume_role(
        RoleArn="arn:aws:iam::123456789012:role/keymaker", RoleSessionName="session"
    )["Credentials"]
    session = server.client(
        "iam", credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )
    for call in (session.create_access_key, session.list_access_keys):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == "ValidationError"
        assert (
            caught.value.response["Error"]["Message"]
            == "Must specify userName when calling with non-User credentials"
        )
    assert [k["AccessKeyId"] for k in iam.list_access_keys()["AccessKeyMetadata"]] == ["test"]
