"""aws:SourceIp comes from the peer, or from X-Forwarded-For only at the configured trusted depth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from tests.conftest import Server, start_server, stop_server

ONLY_FROM_TEST_NET = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "iam:ListUsers",
            "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        }
    ],
}


def with_forwarded_for(client: Any, value: str) -> Any:
    def add_header(request: Any, **_: Any) -> None:
        request.headers["X-Forwarded-For"] = value

    client.meta.events.register("before-sign.iam.*", add_header)
    return client


@pytest.mark.parametrize(
    ("depth", "forwarded", "allowed"),
    [
        (0, "203.0.113.7", False),  # no trusted proxy: the header is ignored, the peer is 127.0.0.1
        (1, "203.0.113.7", True),  # one trusted proxy: the last hop is the client
        (1, "203.0.113.7, 198.51.100.1", False),  # the hop our proxy saw is 198.51.100.1
        (2, "203.0.113.7, 198.51.100.1", True),  # two trusted proxies: one hop further back
    ],
)
def test_source_ip_respects_trusted_proxy_depth(
    server: Server, iam: Any, tmp_path: Path, depth: int, forwarded: str, allowed: bool
) -> None:
    """A client can only spoof its address through X-Forwarded-For beyond the trusted depth."""
    import json

    iam.create_user(UserName="net")
    iam.put_user_policy(UserName="net", PolicyName="p", PolicyDocument=json.dumps(ONLY_FROM_TEST_NET))
    key = iam.create_access_key(UserName="net")["AccessKey"]
    other = start_server(
        tmp_path,
        "--dev",
        "--data-dir",
        str(tmp_path / "d"),
        env={"CREDO_TRUSTED_PROXY_DEPTH": str(depth)},
        database_url=server.extra["database_url"],
    )
    try:
        client = with_forwarded_for(
            other.client("iam", key["AccessKeyId"], key["SecretAccessKey"]), forwarded
        )
        if allowed:
            client.list_users()
        else:
            with pytest.raises(botocore.exceptions.ClientError) as caught:
                client.list_users()
            assert caught.value.response["Error"]["Code"] == "AccessDenied"
    finally:
        stop_server(other)
