"""STS calls made with credentials credo holds: GetSessionToken, AssumeRole, GetFederationToken.

Clients and errors come from ``credo.client.aws_calls``: the profile's own endpoint, keys
passed explicitly, botocore imported only when a call is made.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from credo.client.aws_calls import CallerKeys as CallerKeys
from credo.client.aws_calls import aws_client, call_aws

# What aws-vault asks GetFederationToken for: the session may do everything the user may.
ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    separators=(",", ":"),
)


@dataclass(frozen=True)
class SessionCredentials:
    """Temporary credentials STS returned, with their expiry (UTC)."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime

    def as_caller(self) -> CallerKeys:
        return CallerKeys(self.access_key_id, self.secret_access_key, self.session_token)


def sts_client(profile: str | None, keys: CallerKeys, region: str) -> Any:
    """A botocore STS client for ``profile``'s endpoint, signing with ``keys``."""
    return aws_client("sts", profile, keys, region)


def get_session_token_raw(
    profile: str | None, keys: CallerKeys, region: str, params: dict[str, Any]
) -> dict[str, Any]:
    """GetSessionToken's ``Credentials`` as botocore parsed them; botocore's errors propagate."""
    response: dict[str, Any] = sts_client(profile, keys, region).get_session_token(**params)
    credentials: dict[str, Any] = response["Credentials"]
    return credentials


def _credentials(answer: dict[str, Any]) -> SessionCredentials:
    expiration = answer["Expiration"]
    if isinstance(expiration, datetime) and expiration.tzinfo is None:
        expiration = expiration.replace(tzinfo=UTC)
    return SessionCredentials(
        access_key_id=answer["AccessKeyId"],
        secret_access_key=answer["SecretAccessKey"],
        session_token=answer["SessionToken"],
        expiration=expiration.astimezone(UTC),
    )


def get_session_token(
    profile: str | None, keys: CallerKeys, region: str, params: dict[str, Any]
) -> SessionCredentials:
    """GetSessionToken with ``params`` (``DurationSeconds``, ``SerialNumber``, ``TokenCode``)."""
    answer = call_aws("GetSessionToken", lambda: get_session_token_raw(profile, keys, region, params))
    return _credentials(answer)


def assume_role(
    profile: str | None, keys: CallerKeys, region: str, params: dict[str, Any]
) -> SessionCredentials:
    """AssumeRole with ``params`` (``RoleArn``, ``RoleSessionName``, and the optional ones)."""
    answer: dict[str, Any] = call_aws(
        "AssumeRole", lambda: sts_client(profile, keys, region).assume_role(**params)["Credentials"]
    )
    return _credentials(answer)


def caller_arn(profile: str | None, keys: CallerKeys, region: str, *, attempts: int = 2) -> str:
    """GetCallerIdentity's ``Arn``: who these credentials are (and proof that they work)."""
    client = aws_client("sts", profile, keys, region, attempts=attempts)
    found: str = call_aws("GetCallerIdentity", lambda: client.get_caller_identity()["Arn"])
    return found


def federation_name(arn: str) -> str:
    """GetFederationToken's ``Name`` for the caller ``arn``, as aws-vault picks it: the user's name.

    ``Name`` is 2-32 characters of ``[\\w+=,.@-]``; the root user's is ``root``.
    """
    resource = arn.split(":", 5)[-1]
    name = resource.rsplit("/", 1)[-1] if resource.startswith("user/") else resource.split("/", 1)[0]
    cleaned = re.sub(r"[^\w+=,.@-]", "-", name)[:32]
    return cleaned if len(cleaned) >= 2 else "credo-login"


def get_federation_token(
    profile: str | None, keys: CallerKeys, region: str, name: str, duration: int | None
) -> SessionCredentials:
    """GetFederationToken named ``name``, with a policy allowing all the user may do."""
    params: dict[str, Any] = {"Name": name, "Policy": ALLOW_ALL}
    if duration is not None:
        params["DurationSeconds"] = duration
    answer: dict[str, Any] = call_aws(
        "GetFederationToken",
        lambda: sts_client(profile, keys, region).get_federation_token(**params)["Credentials"],
    )
    return _credentials(answer)


def sts_endpoint(profile: str | None, region: str) -> str:
    """The STS endpoint botocore resolves for ``profile`` (no call is made)."""
    client = aws_client("sts", profile, CallerKeys("unused", "unused"), region)
    endpoint: str = client.meta.endpoint_url
    return endpoint
