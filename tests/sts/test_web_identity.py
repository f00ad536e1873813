"""AssumeRoleWithWebIdentity with tokens from a real IdP (node's oidc-provider on loopback), via boto3."""

from __future__ import annotations

import json
from typing import Any

import botocore.exceptions
import pytest

from tests.conftest import DEV_ACCOUNT, Server, allow, error_of
from tests.oidc_support import DEFAULT_AUDIENCE, OidcIdp
from tests.sts.test_unsigned_federation import unsigned_client

DENIED = ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")


def federated_trust(
    provider_arn: str, condition: dict[str, Any] | None = None, actions: tuple[str, ...] = ()
) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": ["sts:AssumeRoleWithWebIdentity", *actions],
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def register(iam: Any, issuer: str, client_ids: list[str] | None = None) -> str:
    """An OIDC provider for ``issuer``; its ARN."""
    return str(
        iam.create_open_id_connect_provider(Url=issuer, ClientIDList=client_ids or [DEFAULT_AUDIENCE])[
            "OpenIDConnectProviderArn"
        ]
    )


def make_role(iam: Any, name: str, trust_policy: str) -> str:
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_policy)["Role"]
    return str(role["Arn"])


def test_a_real_idp_token_becomes_a_role_session(server: Server, iam: Any, oidc_idp: OidcIdp) -> None:
    """An unsigned call with the IdP's token returns credentials that act as ROLE/SESSION."""
    provider_arn = register(iam, oidc_idp.issuer)
    assert provider_arn == f"arn:aws:iam::{DEV_ACCOUNT}:oidc-provider/{oidc_idp.location}"
    condition = {
        "StringEquals": {
            f"{oidc_idp.location}:aud": DEFAULT_AUDIENCE,
            f"{oidc_idp.location}:sub": "ci-runner",
        }
    }
    role_arn = make_role(iam, "Deployer", federated_trust(provider_arn, condition))
    answer = unsigned_client(server, "sts").assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName="build-42", WebIdentityToken=oidc_idp.token(), DurationSeconds=900
    )
    assert answer["SubjectFromWebIdentityToken"] == "ci-runner"
    assert answer["Audience"] == DEFAULT_AUDIENCE
    assert answer["Provider"] == provider_arn
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/Deployer/build-42"
    assert "PackedPolicySize" not in answer
    credentials = answer["Credentials"]
    session = server.client(
        "sts", credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )
    identity = session.get_caller_identity()
    assert identity["Arn"] == answer["AssumedRoleUser"]["Arn"]
    assert identity["UserId"] == answer["AssumedRoleUser"]["AssumedRoleId"]


@pytest.mark.parametrize(
    ("operator", "claim", "value", "allowed"),
    [
        ("StringEquals", "aud", DEFAULT_AUDIENCE, True),
        ("StringEquals", "aud", "another-client", False),
        ("StringEquals", "sub", "ci-runner", True),
        ("StringEquals", "sub", "es-runner", False),
        ("StringLike", "sub", "ci-*", True),
        ("StringLike", "sub", "repo:org/*", False),
        ("StringNotEquals", "sub", "ci-runner", False),
    ],
)
def test_trust_conditions_on_the_tokens_claims(
    server: Server, iam: Any, oidc_idp: OidcIdp, operator: str, claim: str, value: str, allowed: bool
) -> None:
    """The trust policy's ISSUER:aud and ISSUER:sub conditions let the token in, or refuse it."""
    provider_arn = register(iam, oidc_idp.issuer)
    trust = federated_trust(provider_arn, {operator: {f"{oidc_idp.location}:{claim}": value}})
    role_arn = make_role(iam, "Conditional", trust)
    sts = unsigned_client(server, "sts")

    def call() -> Any:
        return sts.assume_role_with_web_identity(
            RoleArn=role_arn, RoleSessionName="s1", WebIdentityToken=oidc_idp.token()
        )

    if allowed:
        assert call()["AssumedRoleUser"]["Arn"].endswith("assumed-role/Conditional/s1")
    else:
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            call()
        assert error_of(caught) == DENIED
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_an_es256_token_with_a_github_style_audience(server: Server, iam: Any, oidc_idp: OidcIdp) -> None:
    """An ES256 token whose aud is sts.amazonaws.com passes a GitHub Actions-style trust policy."""
    provider_arn = register(iam, oidc_idp.issuer, ["sts.amazonaws.com"])
    condition = {
        "StringEquals": {f"{oidc_idp.location}:aud": "sts.amazonaws.com"},
        "StringLike": {f"{oidc_idp.location}:sub": "es-*"},
    }
    role_arn = make_role(iam, "GitHubDeploy", federated_trust(provider_arn, condition))
    token = oidc_idp.token("es-runner", "sts.amazonaws.com")
    answer = unsigned_client(server, "sts").assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName="gh", WebIdentityToken=token
    )
    assert answer["Audience"] == "sts.amazonaws.com"


def test_a_token_for_an_audience_the_provider_lacks_is_refused(
    server: Server, iam: Any, oidc_idp: OidcIdp
) -> None:
    """A token whose aud is not among the provider's client ids: InvalidIdentityToken."""
    provider_arn = register(iam, oidc_idp.issuer, ["some-other-app"])
    role_arn = make_role(iam, "Deployer", federated_trust(provider_arn))
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        unsigned_client(server, "sts").assume_role_with_web_identity(
            RoleArn=role_arn, RoleSessionName="s1", WebIdentityToken=oidc_idp.token()
        )
    assert error_of(caught) == ("InvalidIdentityToken", "Incorrect token audience")


@pytest.mark.parametrize("tag_session", [True, False], ids=["TagSession allowed", "TagSession missing"])
def test_session_tags_and_amr_from_the_token(
    server: Server, iam: Any, oidc_idp: OidcIdp, tag_session: bool
) -> None:
    """The tags claim becomes session tags (needing sts:TagSession); amr is a condition key."""
    provider_arn = register(iam, oidc_idp.issuer)
    condition = {
        "StringEquals": {"aws:RequestTag/Project": "Automation"},
        "ForAnyValue:StringEquals": {f"{oidc_idp.location}:amr": "mfa", "sts:TransitiveTagKeys": "Project"},
    }
    actions = ("sts:TagSession",) if tag_session else ()
    role_arn = make_role(iam, "Tagged", federated_trust(provider_arn, condition, actions))
    # The role may list users only while its session carries the Team tag the IdP set.
    iam.put_role_policy(
        RoleName="Tagged",
        PolicyName="by-tag",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        **allow("iam:ListUsers")["Statement"][0],
                        "Condition": {"StringEquals": {"aws:PrincipalTag/Team": "Platform"}},
                    }
                ],
            }
        ),
    )
    sts = unsigned_client(server, "sts")

    def call() -> Any:
        return sts.assume_role_with_web_identity(
            RoleArn=role_arn, RoleSessionName="tagged", WebIdentityToken=oidc_idp.token("tagged-runner")
        )

    if not tag_session:
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            call()
        assert error_of(caught) == ("AccessDenied", "Not authorized to perform sts:TagSession")
        return
    answer = call()
    assert answer["PackedPolicySize"] > 0
    credentials = answer["Credentials"]
    session_iam = server.client(
        "iam", credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )
    assert "Users" in session_iam.list_users()


def test_a_signed_call_needs_no_permission_of_the_signer(
    server: Server, iam: Any, oidc_idp: OidcIdp, make_user: Any
) -> None:
    """A user with no policies may sign the call: the token and the trust policy decide."""
    provider_arn = register(iam, oidc_idp.issuer)
    role_arn = make_role(iam, "Deployer", federated_trust(provider_arn))
    _name, client_for = make_user("nobody")
    answer = client_for("sts").assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName="signed", WebIdentityToken=oidc_idp.token()
    )
    assert answer["AssumedRoleUser"]["Arn"].endswith("assumed-role/Deployer/signed")


@pytest.mark.parametrize(
    ("role_name", "trust_principal"),
    [("Missing", None), ("OtherProvider", "arn:aws:iam::123456789012:oidc-provider/example.com")],
    ids=["role does not exist", "trust names another provider"],
)
def test_roles_the_provider_may_not_assume(
    server: Server, iam: Any, oidc_idp: OidcIdp, role_name: str, trust_principal: str | None
) -> None:
    """A missing role and a role trusting another provider get the same AccessDenied."""
    register(iam, oidc_idp.issuer)
    role_arn = f"arn:aws:iam::{DEV_ACCOUNT}:role/{role_name}"
    if trust_principal is not None:
        role_arn = make_role(iam, role_name, federated_trust(trust_principal))
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        unsigned_client(server, "sts").assume_role_with_web_identity(
            RoleArn=role_arn, RoleSessionName="s1", WebIdentityToken=oidc_idp.token()
        )
    assert error_of(caught) == DENIED


def test_an_unregistered_issuer_is_refused(server: Server, iam: Any, oidc_idp: OidcIdp) -> None:
    """A token from an issuer the role's account never registered: InvalidIdentityToken."""
    role_arn = make_role(
        iam, "Deployer", federated_trust(f"arn:aws:iam::{DEV_ACCOUNT}:oidc-provider/x.example")
    )
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        unsigned_client(server, "sts").assume_role_with_web_identity(
            RoleArn=role_arn, RoleSessionName="s1", WebIdentityToken=oidc_idp.token()
        )
    assert error_of(caught) == (
        "InvalidIdentityToken",
        f"No OpenIDConnect provider found in your account for {oidc_idp.issuer}",
    )


@pytest.mark.parametrize(("duration", "code"), [(3600, None), (7200, "ValidationError")])
def test_duration_within_the_roles_maximum(
    server: Server, iam: Any, oidc_idp: OidcIdp, duration: int, code: str | None
) -> None:
    """DurationSeconds is 900 seconds up to the role's MaxSessionDuration (an hour by default)."""
    role_arn = make_role(iam, "Deployer", federated_trust(register(iam, oidc_idp.issuer)))
    sts = unsigned_client(server, "sts")

    def call() -> Any:
        return sts.assume_role_with_web_identity(
            RoleArn=role_arn,
            RoleSessionName="s1",
            WebIdentityToken=oidc_idp.token(),
            DurationSeconds=duration,
        )

    if code is None:
        assert call()["Credentials"]["AccessKeyId"].startswith("ASIA")
        return
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    assert error_of(caught) == (
        code,
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    )
