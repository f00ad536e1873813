"""AWS calls made with credentials credo holds, through botocore, failing as the aws CLI words it.

The client is built for a profile, so its endpoint is the one botocore resolves for that
profile (``endpoint_url``, its ``[services …]`` section, ``AWS_ENDPOINT_URL*``), and the keys
are passed explicitly, so botocore never runs the profile's own credential provider (which,
for a keychain profile, would be credo again). botocore is imported only here, when a call
is actually made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from credo.client.aws_errors import aws_error_text

T = TypeVar("T")


class AwsCallFailed(Exception):
    """The service refused the call or could not be reached; the message is the aws CLI's line.

    ``code`` is the AWS error code when the service answered (None when it could not be reached).
    """

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class CallerKeys:
    """The credentials a call is signed with: long-term keys, or a session's three parts."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None


def aws_client(service: str, profile: str | None, keys: CallerKeys, region: str, *, attempts: int = 2) -> Any:
    """A botocore client of ``service`` for ``profile``'s endpoint, signing with ``keys``."""
    import botocore.config
    import botocore.session

    session = botocore.session.Session(profile=profile)
    return session.create_client(
        service,
        region_name=region,
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=keys.secret_access_key,
        aws_session_token=keys.session_token,
        config=botocore.config.Config(
            retries={"max_attempts": attempts, "mode": "standard"}, connect_timeout=10, read_timeout=60
        ),
    )


def call_aws(operation: str, make: Callable[[], T]) -> T:
    """``make()``, with botocore's errors turned into ``AwsCallFailed``."""
    import botocore.exceptions

    try:
        return make()
    except botocore.exceptions.ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        raise AwsCallFailed(aws_error_text(error.response, operation), code) from None
    except (botocore.exceptions.BotoCoreError, ValueError) as error:
        raise AwsCallFailed(str(error)) from None
