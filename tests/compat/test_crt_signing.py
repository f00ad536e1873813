"""botocore signing with the AWS CRT (``awscrt`` installed, as in the aws CLI v2): credo accepts it.

The rest of the suite signs with botocore's own SigV4 (tests/__init__.py); here a fresh Python
process lets botocore pick the CRT's signers, and checks that it did.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REGION, Server

_SCRIPT = """
import json, sys
import boto3, botocore.auth, botocore.compat, urllib.request
endpoint = sys.argv[1]
signers = {name: botocore.auth.AUTH_TYPE_MAPS[name].__module__ for name in ("v4", "v4-query")}
session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=sys.argv[2])
sts = session.client("sts", endpoint_url=endpoint)
iam = session.client("iam", endpoint_url=endpoint)
me = sts.get_caller_identity()["Arn"]
iam.create_user(UserName="crt-signed", Tags=[{"Key": "signed by", "Value": "the CRT: spaces + symbols/=@"}])
tags = iam.list_user_tags(UserName="crt-signed")["Tags"]
url = iam.generate_presigned_url("get_user", Params={"UserName": "crt-signed"}, ExpiresIn=60)
# Signed for the operation's own method, POST, as botocore signs every Query presigned URL.
with urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST")) as reply:
    presigned = reply.status, b"crt-signed" in reply.read()
print(json.dumps({"has_crt": botocore.compat.HAS_CRT, "signers": signers, "me": me, "tags": tags,
                  "presigned": presigned}))
"""


def test_crt_signed_calls_are_accepted(server: Server) -> None:
    """Header-signed GET-less Query calls (with a body needing escapes) and a presigned URL."""
    env = {**os.environ, "BOTO_DISABLE_CRT": "false"}
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, server.endpoint, REGION],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["has_crt"] is True
    assert seen["signers"] == {"v4": "botocore.crt.auth", "v4-query": "botocore.crt.auth"}
    assert seen["me"].endswith(":root")
    assert seen["tags"] == [{"Key": "signed by", "Value": "the CRT: spaces + symbols/=@"}]
    assert seen["presigned"] == [200, True]
