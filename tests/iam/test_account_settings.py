"""Account-wide settings: the STS token version, account properties, outbound web identity federation."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from tests.compat.test_aws_cli import aws
from tests.conftest import DEV_ACCOUNT, NO_RETRIES, REGION, Server, allow, error_of
from tests.sts.test_assume_role import create_account

MakeUser = Callable[..., tuple[str, Any]]


def unchecked_iam(server: Server) -> Any:
    """An IAM client for the dev root that sends what it is given, unchecked by botocore."""
    return boto3.client(
        "iam",
        endpoint_url=server.endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name=REGION,
        config=NO_RETRIES.merge(Config(parameter_validation=False)),
    )


@pytest.mark.parametrize(("version", "reported"), [("v1Token", 1), ("v2Token", 2)])
def test_token_version_reported_by_account_summary(iam: Any, version: str, reported: int) -> None:
    """SetSecurityTokenServicePreferences is what GetAccountSummary's GlobalEndpointTokenVersion reports."""
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion=version)
    assert iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == reported


def test_token_version_defaults_to_one_and_can_go_back(iam: Any) -> None:
    """An account starts on version 1 tokens; setting v2 then v1 returns to 1."""
    assert iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == 1
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v2Token")
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v1Token")
    assert iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == 1


def test_token_version_is_per_account(server: Server, iam: Any) -> None:
    """One account's token version does not change another's."""
    keys = create_account(server)
    other = server.client("iam", keys["AccessKeyId"], keys["SecretAccessKey"])
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v2Token")
    assert other.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == 1


def test_token_version_outside_the_enum(server: Server) -> None:
    """A version other than v1Token or v2Token is a ValidationError naming the enum."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        unchecked_iam(server).set_security_token_service_preferences(GlobalEndpointTokenVersion="v3Token")
    code, message = error_of(caught)
    assert code == "ValidationError"
    assert "Member must satisfy enum value set: [v1Token, v2Token]" in message


def test_token_version_with_the_aws_cli(server: Server, tmp_path: Path) -> None:
    """`aws iam set-security-token-service-preferences` shows in `aws iam get-account-summary`."""
    done = aws(
        server,
        tmp_path,
        "iam",
        "set-security-token-service-preferences",
        "--global-endpoint-token-version",
        "v2Token",
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(aws(server, tmp_path, "iam", "get-account-summary").stdout)
    assert summary["SummaryMap"]["GlobalEndpointTokenVersion"] == 2


def test_account_properties_default(iam: Any) -> None:
    """An account's role manager is off until turned on."""
    assert iam.get_account_properties()["Properties"] == {"RoleManager/Enabled": "false"}


@pytest.mark.parametrize("value", ["true", "false"])
def test_put_account_properties(iam: Any, value: str) -> None:
    """PutAccountProperties sets a property that GetAccountProperties then reports."""
    iam.put_account_properties(Properties={"RoleManager/Enabled": value})
    assert iam.get_account_properties()["Properties"] == {"RoleManager/Enabled": value}


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        (
            {"RoleManager": "true"},
            "Invalid account property key RoleManager: a key must be Namespace/PropertyName, "
            "with exactly one '/' that neither starts nor ends it.",
        ),
        (
            {"RoleManager/": "true"},
            "Invalid account property key RoleManager/: a key must be Namespace/PropertyName, "
            "with exactly one '/' that neither starts nor ends it.",
        ),
        (
            {"RoleManager/Enabled/Now": "true"},
            "Invalid account property key RoleManager/Enabled/Now: a key must be Namespace/PropertyName, "
            "with exactly one '/' that neither starts nor ends it.",
        ),
        (
            {"RoleManager/Enabled": "true", "Other/Enabled": "true"},
            "All properties in a single request must belong to the same namespace.",
        ),
        ({"RoleManager/Color": "blue"}, "Unknown account property RoleManager/Color."),
        (
            {"RoleManager/Enabled": "yes"},
            "Invalid value for account property RoleManager/Enabled: expected true or false.",
        ),
        (
            {"RoleManager/Enabled": "True"},
            "Invalid value for account property RoleManager/Enabled: expected true or false.",
        ),
    ],
)
def test_put_account_properties_refused(iam: Any, properties: dict[str, str], message: str) -> None:
    """Keys must be Namespace/PropertyName of one namespace, known, with a value of their type."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.put_account_properties(Properties=properties)
    assert error_of(caught) == ("InvalidInput", message)
    assert iam.get_account_properties()["Properties"] == {"RoleManager/Enabled": "false"}


def test_account_property_key_pattern(server: Server) -> None:
    """A key outside the model's pattern is a ValidationError, before any property rule."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        unchecked_iam(server).put_account_properties(Properties={"/RoleManager": "true"})
    assert error_of(caught)[0] == "ValidationError"


def test_outbound_federation_lifecycle(iam: Any, server: Server) -> None:
    """Enable gives an issuer under this server; Get reports it; Disable turns vending off, keeping it."""
    issuer = iam.enable_outbound_web_identity_federation()["IssuerIdentifier"]
    assert issuer.startswith("http://") and "/outbound-identity/" in issuer
    info = iam.get_outbound_web_identity_federation_info()
    assert (info["IssuerIdentifier"], info["JwtVendingEnabled"]) == (issuer, True)
    iam.disable_outbound_web_identity_federation()
    info = iam.get_outbound_web_identity_federation_info()
    assert (info["IssuerIdentifier"], info["JwtVendingEnabled"]) == (issuer, False)
    assert iam.enable_outbound_web_identity_federation()["IssuerIdentifier"] == issuer


@pytest.mark.parametrize(
    ("steps", "failing", "expected"),
    [
        (
            ["enable_outbound_web_identity_federation"],
            "enable_outbound_web_identity_federation",
            ("FeatureEnabled", "Outbound identity federation is already enabled for this account."),
        ),
        (
            [],
            "disable_outbound_web_identity_federation",
            ("FeatureDisabled", "Outbound identity federation is already disabled for this account."),
        ),
        (
            ["enable_outbound_web_identity_federation", "disable_outbound_web_identity_federation"],
            "disable_outbound_web_identity_federation",
            ("FeatureDisabled", "Outbound identity federation is already disabled for this account."),
        ),
        (
            [],
            "get_outbound_web_identity_federation_info",
            ("FeatureDisabled", "Outbound identity federation is not enabled for this account."),
        ),
    ],
)
def test_outbound_federation_refusals(
    iam: Any, steps: list[str], failing: str, expected: tuple[str, str]
) -> None:
    """Enabling twice is FeatureEnabled; disabling twice, or asking before ever enabling, FeatureDisabled."""
    for step in steps:
        getattr(iam, step)()
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(iam, failing)()
    assert error_of(caught) == expected


def test_outbound_federation_is_per_account(server: Server, iam: Any) -> None:
    """Each account has its own issuer and its own switch."""
    keys = create_account(server)
    other = server.client("iam", keys["AccessKeyId"], keys["SecretAccessKey"])
    mine = iam.enable_outbound_web_identity_federation()["IssuerIdentifier"]
    theirs = other.enable_outbound_web_identity_federation()["IssuerIdentifier"]
    assert mine != theirs
    other.disable_outbound_web_identity_federation()
    assert iam.get_outbound_web_identity_federation_info()["JwtVendingEnabled"] is True


def test_outbound_federation_with_the_aws_cli(server: Server, tmp_path: Path) -> None:
    """The aws CLI enables and reads outbound web identity federation."""
    enabled = aws(server, tmp_path, "iam", "enable-outbound-web-identity-federation")
    assert enabled.returncode == 0, enabled.stderr
    info = json.loads(aws(server, tmp_path, "iam", "get-outbound-web-identity-federation-info").stdout)
    assert info == {
        "IssuerIdentifier": json.loads(enabled.stdout)["IssuerIdentifier"],
        "JwtVendingEnabled": True,
    }


@pytest.mark.parametrize(
    ("method", "kwargs", "action"),
    [
        (
            "set_security_token_service_preferences",
            {"GlobalEndpointTokenVersion": "v2Token"},
            "iam:SetSecurityTokenServicePreferences",
        ),
        ("get_account_properties", {}, "iam:GetAccountProperties"),
        (
            "put_account_properties",
            {"Properties": {"RoleManager/Enabled": "true"}},
            "iam:PutAccountProperties",
        ),
        ("enable_outbound_web_identity_federation", {}, "iam:EnableOutboundWebIdentityFederation"),
        ("disable_outbound_web_identity_federation", {}, "iam:DisableOutboundWebIdentityFederation"),
        ("get_outbound_web_identity_federation_info", {}, "iam:GetOutboundWebIdentityFederationInfo"),
    ],
)
def test_settings_are_authorized(
    make_user: MakeUser, method: str, kwargs: dict[str, Any], action: str
) -> None:
    """A user needs the action allowed on "*"; without it the call is AccessDenied in AWS's words."""
    _name, denied_for = make_user("nobody")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(denied_for("iam"), method)(**kwargs)
    assert error_of(caught) == (
        "AccessDenied",
        f"User: arn:aws:iam::{DEV_ACCOUNT}:user/nobody is not authorized to perform: {action} on resource: * "
        f"because no identity-based policy allows the {action} action",
    )
    _name, allowed_for = make_user("admin", allow(action, "iam:EnableOutboundWebIdentityFederation"))
    if method in {"disable_outbound_web_identity_federation", "get_outbound_web_identity_federation_info"}:
        allowed_for("iam").enable_outbound_web_identity_federation()
    getattr(allowed_for("iam"), method)(**kwargs)
