"""Exchange a federation proof (a web identity token, a SAML assertion) for STS credentials.

botocore makes the call: both actions are sent unsigned (the proof is the credential), so no
key is needed, only the credo server's endpoint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from credo.client.aws_errors import aws_error_text


@dataclass(frozen=True)
class TemporaryCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime
    assumed_role_arn: str


class StsRefused(Exception):
    """STS refused the exchange or could not be reached; the message is the aws CLI's line."""


def session_name_for(subject: str) -> str:
    """A RoleSessionName (2-64 of ``[\\w+=,.@-]``) made from the signed-in person's name."""
    cleaned = re.sub(r"[^\w+=,.@-]", "-", subject)[:64]
    return cleaned if len(cleaned) >= 2 else "credo-login"


def _sts_client(endpoint: str, region: str) -> Any:
    import botocore.config
    import botocore.session

    session = botocore.session.Session()
    config = botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=10, read_timeout=60)
    return session.create_client("sts", region_name=region, endpoint_url=endpoint, config=config)


def _exchange(operation: str, call: Any, **params: Any) -> TemporaryCredentials:
    import botocore.exceptions

    try:
        answer = call(**params)
    except botocore.exceptions.ClientError as error:
        raise StsRefused(aws_error_text(error.response, operation)) from None
    except botocore.exceptions.BotoCoreError as error:
        raise StsRefused(f"Cannot call {operation}: {error}") from None
    credentials = answer["Credentials"]
    return TemporaryCredentials(
        access_key_id=credentials["AccessKeyId"],
        secret_access_key=credentials["SecretAccessKey"],
        session_token=credentials["SessionToken"],
        expiration=credentials["Expiration"],
        assumed_role_arn=answer["AssumedRoleUser"]["Arn"],
    )


def with_web_identity(
    endpoint: str, region: str, role_arn: str, session_name: str, token: str, duration: int | None
) -> TemporaryCredentials:
    """``AssumeRoleWithWebIdentity`` for ``token`` (an OIDC ID token)."""
    client = _sts_client(endpoint, region)
    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": session_name, "WebIdentityToken": token}
    if duration is not None:
        params["DurationSeconds"] = duration
    return _exchange("AssumeRoleWithWebIdentity", client.assume_role_with_web_identity, **params)


def with_saml(
    endpoint: str, region: str, role_arn: str, provider_arn: str, assertion: str, duration: int | None
) -> TemporaryCredentials:
    """``AssumeRoleWithSAML`` for ``assertion`` (the base64 SAMLResponse)."""
    client = _sts_client(endpoint, region)
    params: dict[str, Any] = {"RoleArn": role_arn, "PrincipalArn": provider_arn, "SAMLAssertion": assertion}
    if duration is not None:
        params["DurationSeconds"] = duration
    return _exchange("AssumeRoleWithSAML", client.assume_role_with_saml, **params)
