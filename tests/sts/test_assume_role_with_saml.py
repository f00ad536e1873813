"""AssumeRoleWithSAML with assertions from a real IdP (pysaml2, signing with xmlsec1), driven by boto3.

The IdP's metadata is registered with CreateSAMLProvider; a role trusts the provider with a
``saml:aud`` condition; botocore sends the call unsigned, and the credentials it gets back act
as the role. Refusals of broken and hostile assertions are in ``test_saml_hostile``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from tests.conftest import DEV_ACCOUNT, Server, error_of
from tests.saml_idp import AWS_AUDIENCE, AWS_SIGNIN, SamlIdP, aws_attributes
from tests.sts.test_unsigned_federation import unsigned_client

ROLE_NAME = "SamlEngineers"
ROLE = f"arn:aws:iam::{DEV_ACCOUNT}:role/{ROLE_NAME}"
PROVIDER_NAME = "Pysaml2"
PROVIDER = f"arn:aws:iam::{DEV_ACCOUNT}:saml-provider/{PROVIDER_NAME}"


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> SamlIdP:
    return SamlIdP(tmp_path_factory.mktemp("idp"))


def name_qualifier(issuer: str) -> str:
    """``saml:namequalifier`` as AWS documents it: BASE64(SHA1(issuer + account id + "/" + provider name))."""
    return base64.b64encode(hashlib.sha1(f"{issuer}{DEV_ACCOUNT}/{PROVIDER_NAME}".encode()).digest()).decode()


def saml_trust(condition: dict[str, Any] | None = None, actions: list[str] | None = None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Federated": PROVIDER},
        "Action": actions or ["sts:AssumeRoleWithSAML"],
    }
    if condition is not None:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def setup_federation(
    server: Server, iam: Any, idp: SamlIdP, condition: dict[str, Any] | None = None, **role: Any
) -> None:
    """Register the IdP and a role trusting it (by default only for credo's own /saml endpoint)."""
    iam.create_saml_provider(Name=PROVIDER_NAME, SAMLMetadataDocument=idp.metadata())
    if condition is None:
        condition = {"StringEquals": {"SAML:aud": server.endpoint + "/saml"}}
    iam.create_role(
        RoleName=ROLE_NAME, AssumeRolePolicyDocument=saml_trust(condition, role.pop("actions", None)), **role
    )


def assertion(server: Server, idp: SamlIdP, **more: list[str]) -> str:
    return idp.response(
        recipient=server.endpoint + "/saml", attributes=aws_attributes(ROLE, PROVIDER, **more)
    )


def test_pysaml2_assertion_buys_role_credentials(server: Server, iam: Any, idp: SamlIdP) -> None:
    """A client without credentials trades pysaml2's assertion for credentials that act as the role."""
    setup_federation(server, iam, idp)
    sts = unsigned_client(server, "sts")
    seen: list[dict[str, str]] = []
    sts.meta.events.register("before-send", lambda request, **_: seen.append(dict(request.headers)))
    answer = sts.assume_role_with_saml(
        RoleArn=ROLE, PrincipalArn=PROVIDER, SAMLAssertion=assertion(server, idp)
    )
    assert seen and "Authorization" not in seen[0]
    session_arn = f"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/{ROLE_NAME}/alice"
    assert answer["AssumedRoleUser"]["Arn"] == session_arn
    assert answer["AssumedRoleUser"]["AssumedRoleId"].endswith(":alice")
    assert answer["Subject"] == "alice-0001"
    assert answer["SubjectType"] == "persistent"
    assert answer["Issuer"] == idp.entity_id
    assert answer["Audience"] == server.endpoint + "/saml"
    assert answer["NameQualifier"] == name_qualifier(idp.entity_id)
    assert "PackedPolicySize" not in answer
    credentials = answer["Credentials"]
    caller = server.client(
        "sts", credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    ).get_caller_identity()
    assert caller["Arn"] == session_arn
    assert caller["Account"] == DEV_ACCOUNT


def test_signed_call_needs_no_permission_of_its_signer(server: Server, iam: Any, idp: SamlIdP) -> None:
    """A signed call works as an unsigned one: a signer with no policies at all is not asked about."""
    setup_federation(server, iam, idp)
    iam.create_user(UserName="nobody")
    key = iam.create_access_key(UserName="nobody")["AccessKey"]
    sts = server.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    answer = sts.assume_role_with_saml(
        RoleArn=ROLE, PrincipalArn=PROVIDER, SAMLAssertion=assertion(server, idp)
    )
    assert answer["AssumedRoleUser"]["Arn"].endswith(f":assumed-role/{ROLE_NAME}/alice")


@pytest.mark.parametrize(
    ("sign_response", "sign_assertion"),
    [(True, False), (False, True), (True, True)],
    ids=["response signed", "assertion signed", "both signed"],
)
def test_either_signature_suffices(
    server: Server, iam: Any, idp: SamlIdP, sign_response: bool, sign_assertion: bool
) -> None:
    """A signature on the Response, on the Assertion, or on both is accepted."""
    setup_federation(server, iam, idp)
    encoded = idp.response(
        recipient=server.endpoint + "/saml",
        attributes=aws_attributes(ROLE, PROVIDER),
        sign_response=sign_response,
        sign_assertion=sign_assertion,
    )
    answer = unsigned_client(server, "sts").assume_role_with_saml(
        RoleArn=ROLE, PrincipalArn=PROVIDER, SAMLAssertion=encoded
    )
    assert answer["Subject"] == "alice-0001"


def test_aws_signin_recipient_is_accepted(server: Server, iam: Any, idp: SamlIdP) -> None:
    """An IdP set up for AWS (Recipient https://signin.aws.amazon.com/saml) works; saml:aud says so."""
    setup_federation(server, iam, idp, condition={"StringEquals": {"SAML:aud": AWS_SIGNIN}})
    encoded = idp.response(recipient=AWS_SIGNIN, attributes=aws_attributes(ROLE, PROVIDER))
    answer = unsigned_client(server, "sts").assume_role_with_saml(
        RoleArn=ROLE, PrincipalArn=PROVIDER, SAMLAssertion=encoded
    )
    assert answer["Audience"] == AWS_SIGNIN


def test_credo_s_own_saml_url_as_audience_is_accepted(server: Server, iam: Any, tmp_path: Path) -> None:
    """An IdP that knows credo by its /saml URL (its SP entity id, so the audience) is accepted too."""
    own = server.endpoint + "/saml"
    idp = SamlIdP(tmp_path / "idp", service_providers={own: own})
    setup_federation(server, iam, idp)
    encoded = idp.response(recipient=own, audience=own, attributes=aws_attributes(ROLE, PROVIDER))
    document = base64.b64decode(encoded).decode()
    assert f"<ns1:Audience>{own}</ns1:Audience>" in document and AWS_AUDIENCE not in document
    answer = unsigned_client(server, "sts").assume_role_with_saml(
        RoleArn=ROLE, PrincipalArn=PROVIDER, SAMLAssertion=encoded
    )
    assert answer["AssumedRoleUser"]["Arn"].endswith(f":assumed-role/{ROLE_NAME}/alice")
    assert answer["Audience"] == own


@pytest.mark.parametrize(
    ("condition", "allowed"),
    [
        ({"StringEquals": {"saml:sub": "alice-0001"}}, True),
        ({"StringEquals": {"saml:sub": "bob"}}, False),
        ({"StringEquals": {"saml:sub_type": "persistent"}}, True),
        ({"StringEquals": {"saml:iss": "https://idp.credo.test/saml"}}, True),
        ({"StringEquals": {"saml:doc": f"{DEV_ACCOUNT}/{PROVIDER_NAME}"}}, True),
        ({"StringEquals": {"saml:namequalifier": name_qualifier("https://idp.credo.test/saml")}}, True),
        ({"StringEquals": {"saml:namequalifier": name_qualifier("https://other-idp.example.com")}}, False),
        ({"StringEquals": {"saml:aud": "https://signin.aws.amazon.com/saml"}}, False),
        ({"StringLike": {"saml:edupersonprincipalname": "*@example.com"}}, True),
        ({"ForAnyValue:StringEquals": {"saml:edupersonaffiliation": "staff"}}, True),
        ({"ForAnyValue:StringEquals": {"saml:edupersonaffiliation": "student"}}, False),
        ({"StringEquals": {"sts:RoleSessionName": "alice"}}, True),
    ],
)
def test_trust_policy_saml_keys(
    server: Server, iam: Any, idp: SamlIdP, condition: dict[str, Any], allowed: bool
) -> None:
    """The trust policy sees the saml: keys of the assertion and provider, and the sts: keys."""
    setup_federation(server, iam, idp, condition=condition)
    encoded = assertion(
        server,
        idp,
        **{
            "urn:oid:1.3.6.1.4.1.5923.1.1.1.6": ["alice@example.com"],
            "urn:oid:1.3.6.1.4.1.5923.1.1.1.1": ["staff", "member"],
        },
    )
    sts = unsigned_client(server, "sts")
    if allowed:
        sts.assume_role_with_saml(RoleArn=ROLE, PrincipalArn=PROVIDER, SAMLAssertion=encoded)
        return
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sts.assume_role_with_saml(RoleArn=ROLE, PrincipalArn=PROVIDER, SAMLAssertion=encoded)
    assert error_of(caught) == ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML")


def test_session_tags_source_identity_and_duration(server: Server, iam: Any, idp: SamlIdP) -> None:
    """PrincipalTag, TransitiveTagKeys, SourceIdentity and SessionDuration shape the session."""
    setup_federation(
        server,
        iam,
        idp,
        condition={"StringEquals": {"aws:RequestTag/team": "platform"}},
        actions=["sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"],
        MaxSessionDuration=7200,
    )
    iam.put_role_policy(
        RoleName=ROLE_NAME,
        PolicyName="own-team",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "iam:ListRoles",
                        "Resource": "*",
                        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "platform"}},
                    }
                ],
            }
        ),
    )
    encoded = assertion(
        server,
        idp,
        **{
            "PrincipalTag:team": ["platform"],
            "TransitiveTagKeys": ["team"],
            "SourceIdentity": ["alice@example.com"],
            "SessionDuration": ["1800"],
        },
    )
    answer = unsigned_client(server, "sts").assume_role_with_saml(
        RoleArn=ROLE, PrincipalArn=PROVIDER, SAMLAssertion=encoded, DurationSeconds=7200
    )
    assert answer["SourceIdentity"] == "alice@example.com"
    assert answer["PackedPolicySize"] > 0
    # SessionDuration (30 minutes) cuts the 2 hours asked for.
    lasts = (answer["Credentials"]["Expiration"] - datetime.now(UTC)).total_seconds()
    assert 1_700 < lasts <= 1_800
    credentials = answer["Credentials"]
    role_iam = server.client(
        "iam", credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )
    role_iam.list_roles()


def test_tags_need_tag_session_in_the_trust_policy(server: Server, iam: Any, idp: SamlIdP) -> None:
    """An assertion with session tags is refused unless the trust policy allows sts:TagSession."""
    setup_federation(server, iam, idp)
    encoded = assertion(server, idp, **{"PrincipalTag:team": ["platform"]})
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        unsigned_client(server, "sts").assume_role_with_saml(
            RoleArn=ROLE, PrincipalArn=PROVIDER, SAMLAssertion=encoded
        )
    assert error_of(caught) == ("AccessDenied", "Not authorized to perform sts:TagSession")


def test_session_policy_narrows_the_session(server: Server, iam: Any, idp: SamlIdP) -> None:
    """Policy and PolicyArns work as in AssumeRole: PackedPolicySize is answered."""
    setup_federation(server, iam, idp)
    policy = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    )
    answer = unsigned_client(server, "sts").assume_role_with_saml(
        RoleArn=ROLE, PrincipalArn=PROVIDER, SAMLAssertion=assertion(server, idp), Policy=policy
    )
    assert 0 < answer["PackedPolicySize"] <= 100


def test_metadata_from_pysaml2_registers(iam: Any, idp: SamlIdP) -> None:
    """pysaml2's own metadata document is accepted by CreateSAMLProvider."""
    created = iam.create_saml_provider(Name="Other", SAMLMetadataDocument=idp.metadata())
    assert created["SAMLProviderArn"].endswith(":saml-provider/Other")


def test_transitive_tags_carry_into_a_chained_assume_role(server: Server, iam: Any, idp: SamlIdP) -> None:
    """TransitiveTagKeys from the assertion pass to the next role in the chain; other tags do not."""
    tagging = ["sts:AssumeRoleWithSAML", "sts:TagSession"]
    setup_federation(server, iam, idp, actions=tagging)
    chained = "SamlChained"
    chained_trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": ["sts:AssumeRole", "sts:TagSession"]}
        ],
    }
    chained_arn = iam.create_role(RoleName=chained, AssumeRolePolicyDocument=json.dumps(chained_trust))[
        "Role"
    ]["Arn"]
    allow_chaining = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": chained_arn}],
    }
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="chain", PolicyDocument=json.dumps(allow_chaining))
    by_tag = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:ListRoles",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:PrincipalTag/team": "platform"},
                    "Null": {"aws:PrincipalTag/project": "true"},
                },
            }
        ],
    }
    iam.put_role_policy(RoleName=chained, PolicyName="by-tag", PolicyDocument=json.dumps(by_tag))
    encoded = assertion(
        server,
        idp,
        **{
            "PrincipalTag:team": ["platform"],
            "PrincipalTag:project": ["apollo"],
            "TransitiveTagKeys": ["team"],
        },
    )
    first = unsigned_client(server, "sts").assume_role_with_saml(
        RoleArn=ROLE, PrincipalArn=PROVIDER, SAMLAssertion=encoded
    )["Credentials"]
    first_sts = server.client("sts", first["AccessKeyId"], first["SecretAccessKey"], first["SessionToken"])
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        first_sts.assume_role(
            RoleArn=chained_arn, RoleSessionName="two", Tags=[{"Key": "team", "Value": "x"}]
        )
    assert error_of(caught)[0] == "InvalidParameterValue"
    second = first_sts.assume_role(RoleArn=chained_arn, RoleSessionName="two")["Credentials"]
    # team came along (transitive), project did not: the chained role's tag policy allows the call.
    server.client(
        "iam", second["AccessKeyId"], second["SecretAccessKey"], second["SessionToken"]
    ).list_roles()
