"""The account password policy: its API, AWS's default rules, and enforcement on every password set."""

from __future__ import annotations

from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from credo.errors import PasswordPolicyViolation
from credo.iam.password_policy import PasswordPolicy, check_password_rules
from tests.conftest import NO_RETRIES, REGION, Server, error_of
from tests.iam.test_login_profiles import grant

NO_POLICY = "The account policy with name PasswordPolicy cannot be found."


def strict_policy(**overrides: Any) -> PasswordPolicy:
    values: dict[str, Any] = {
        "minimum_password_length": 12,
        "require_symbols": True,
        "require_numbers": True,
        "require_uppercase": True,
        "require_lowercase": True,
        "allow_users_to_change_password": True,
        "max_password_age": None,
        "password_reuse_prevention": None,
        "hard_expiry": None,
    }
    return PasswordPolicy(**{**values, **overrides})


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Sh0rt!", "Password should have a minimum length of 12"),
        ("NO-LOWER-CASE-123", "Password should have at least one lowercase letter"),
        ("no-upper-case-123", "Password should have at least one uppercase letter"),
        ("No-Numbers-Here-Ok", "Password should have at least one number"),
        ("NoSymbolsHere12345", "Password should have at least one symbol"),
        ("Has ~ but no listed symbol 1A", "Password should have at least one symbol"),
    ],
)
def test_custom_policy_names_the_broken_rule(password: str, message: str) -> None:
    """Each rule of a custom policy is checked, and the violation names the rule, not the password."""
    with pytest.raises(PasswordPolicyViolation) as caught:
        check_password_rules(strict_policy(), password)
    assert caught.value.message == message
    assert password not in caught.value.message


@pytest.mark.parametrize("password", ["Good-Password-1", "a'B2cdefghijk", "Xx1!Xx1!Xx1!"])
def test_custom_policy_accepts_conforming_passwords(password: str) -> None:
    """A password with every required kind of character and enough length passes."""
    check_password_rules(strict_policy(), password)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!", "Password should have a minimum length of 8"),
        (
            "onlylowercase1",
            "Password should have at least three of the following character types: "
            "uppercase letters, lowercase letters, numbers and symbols",
        ),
    ],
)
def test_default_policy_without_a_custom_one(password: str, message: str) -> None:
    """With no policy, AWS's default applies: 8 characters and three of four character types."""
    with pytest.raises(PasswordPolicyViolation) as caught:
        check_password_rules(None, password)
    assert caught.value.message == message


@pytest.mark.parametrize("password", ["lower-and-1234", "UPPERlower12", "Aa!Aa!Aa!"])
def test_default_policy_accepts_three_character_types(password: str) -> None:
    """Any three of uppercase, lowercase, numbers and symbols satisfy the default policy."""
    check_password_rules(None, password)


def test_no_policy_is_no_such_entity(iam: Any) -> None:
    """Reading or deleting a policy that was never set is NoSuchEntity, worded as AWS."""
    for call in (iam.get_account_password_policy, iam.delete_account_password_policy):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            call()
        assert error_of(caught) == ("NoSuchEntity", NO_POLICY)


def test_update_policy_fills_documented_defaults(iam: Any) -> None:
    """Members left out take AWS's documented defaults (length 6, nothing required, no expiry)."""
    iam.update_account_password_policy(RequireNumbers=True)
    assert iam.get_account_password_policy()["PasswordPolicy"] == {
        "MinimumPasswordLength": 6,
        "RequireSymbols": False,
        "RequireNumbers": True,
        "RequireUppercaseCharacters": False,
        "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": False,
        "ExpirePasswords": False,
    }


def test_update_policy_replaces_the_whole_policy(iam: Any) -> None:
    """Members come back as set, ExpirePasswords follows MaxPasswordAge, a new update replaces all."""
    iam.update_account_password_policy(
        MinimumPasswordLength=14,
        RequireSymbols=True,
        RequireUppercaseCharacters=True,
        AllowUsersToChangePassword=True,
        MaxPasswordAge=90,
        PasswordReusePrevention=5,
        HardExpiry=True,
    )
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 14
    assert policy["ExpirePasswords"] is True
    assert (policy["MaxPasswordAge"], policy["PasswordReusePrevention"], policy["HardExpiry"]) == (
        90,
        5,
        True,
    )
    iam.update_account_password_policy(MinimumPasswordLength=10)
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 10
    assert policy["RequireSymbols"] is False
    assert "MaxPasswordAge" not in policy and "HardExpiry" not in policy


def test_delete_policy(iam: Any) -> None:
    """After DeleteAccountPasswordPolicy the account has no policy again."""
    iam.update_account_password_policy(MinimumPasswordLength=10)
    iam.delete_account_password_policy()
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.get_account_password_policy()
    assert error_of(caught) == ("NoSuchEntity", NO_POLICY)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"MinimumPasswordLength": 5},
        {"MinimumPasswordLength": 129},
        {"MaxPasswordAge": 0},
        {"MaxPasswordAge": 1096},
        {"PasswordReusePrevention": 25},
    ],
)
def test_policy_values_out_of_range(server: Server, kwargs: dict[str, int]) -> None:
    """Lengths, ages and reuse counts outside AWS's ranges are refused by the server itself."""
    unchecked = boto3.client(
        "iam",
        endpoint_url=server.endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name=REGION,
        config=NO_RETRIES.merge(Config(parameter_validation=False)),
    )
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        unchecked.update_account_password_policy(**kwargs)
    assert error_of(caught)[0] == "ValidationError"


@pytest.mark.parametrize(
    ("call", "kwargs"),
    [
        ("create_login_profile", {}),
        ("update_login_profile", {}),
    ],
)
def test_policy_is_enforced_when_an_administrator_sets_a_password(
    iam: Any, call: str, kwargs: dict[str, Any]
) -> None:
    """CreateLoginProfile and UpdateLoginProfile refuse passwords the policy forbids."""
    iam.create_user(UserName="alice")
    if call == "update_login_profile":
        iam.create_login_profile(UserName="alice", Password="Initial-Password-1")
    iam.update_account_password_policy(MinimumPasswordLength=12, RequireUppercaseCharacters=True)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(iam, call)(UserName="alice", Password="short-1", **kwargs)
    assert error_of(caught) == ("PasswordPolicyViolation", "Password should have a minimum length of 12")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(iam, call)(UserName="alice", Password="long-enough-but-lower", **kwargs)
    assert error_of(caught) == (
        "PasswordPolicyViolation",
        "Password should have at least one uppercase letter",
    )
    getattr(iam, call)(UserName="alice", Password="Long-Enough-And-Upper", **kwargs)


def test_default_policy_is_enforced_on_create(iam: Any) -> None:
    """With no custom policy, a weak password is refused by AWS's default policy."""
    iam.create_user(UserName="alice")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.create_login_profile(UserName="alice", Password="weak")
    assert error_of(caught) == ("PasswordPolicyViolation", "Password should have a minimum length of 8")


def test_policy_is_enforced_on_change_password(iam: Any, make_user: Any) -> None:
    """ChangePassword checks the new password against the policy too."""
    name, client_for = make_user("alice")
    iam.create_login_profile(UserName=name, Password="Initial-Password-1")
    iam.update_account_password_policy(MinimumPasswordLength=8, RequireSymbols=True)
    grant(iam, name, "iam:ChangePassword")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client_for("iam").change_password(OldPassword="Initial-Password-1", NewPassword="NoSymbols123")
    assert error_of(caught) == ("PasswordPolicyViolation", "Password should have at least one symbol")


def test_password_reuse_prevention(iam: Any, make_user: Any) -> None:
    """The last N passwords (the current one included) cannot be set again; older ones can."""
    name, client_for = make_user("alice")
    iam.update_account_password_policy(MinimumPasswordLength=8, PasswordReusePrevention=2)
    iam.create_login_profile(UserName=name, Password="First-Password-1")
    iam.update_login_profile(UserName=name, Password="Second-Password-2")
    grant(iam, name, "iam:ChangePassword")
    alice = client_for("iam")
    for reused in ("First-Password-1", "Second-Password-2"):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            alice.change_password(OldPassword="Second-Password-2", NewPassword=reused)
        assert error_of(caught) == (
            "PasswordPolicyViolation",
            "Password should not be one of your previous 2 passwords",
        )
    alice.change_password(OldPassword="Second-Password-2", NewPassword="Third-Password-3")
    # "First" is now three passwords back, beyond what the policy remembers.
    iam.update_login_profile(UserName=name, Password="First-Password-1")


def test_history_survives_deleting_the_login_profile(iam: Any) -> None:
    """Deleting and recreating a login profile does not wipe the password history."""
    iam.create_user(UserName="alice")
    iam.update_account_password_policy(PasswordReusePrevention=1)
    iam.create_login_profile(UserName="alice", Password="First-Password-1")
    iam.delete_login_profile(UserName="alice")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.create_login_profile(UserName="alice", Password="First-Password-1")
    assert error_of(caught)[0] == "PasswordPolicyViolation"
