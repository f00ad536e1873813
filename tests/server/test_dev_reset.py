"""Dev mode's reset (``POST /_credo/reset``) leaves the store as the first start left it."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from credo.store.db import Store
from credo.store.schema import metadata, store_epoch
from tests.conftest import Server


def row_counts(server: Server) -> dict[str, int]:
    store = Store(server.extra["database_url"])
    try:
        with store.read() as conn:
            return {
                table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in metadata.sorted_tables
                if table is not store_epoch
            }
    finally:
        store.dispose()


def test_reset_removes_every_row_written_since(server: Server) -> None:
    at_start = row_counts(server)
    iam = server.client("iam")
    iam.create_group(GroupName="team")
    iam.create_user(UserName="alice", Tags=[{"Key": "team", "Value": "a"}])
    iam.add_user_to_group(GroupName="team", UserName="alice")
    iam.create_access_key(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-1")
    document = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    )
    arn = iam.create_policy(PolicyName="p", PolicyDocument=document)["Policy"]["Arn"]
    iam.attach_user_policy(UserName="alice", PolicyArn=arn)
    trust: dict[str, Any] = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(trust))
    iam.create_account_alias(AccountAlias="reset-test")
    written = row_counts(server)
    assert sum(written.values()) > sum(at_start.values()) + 8
    server.reset()
    assert row_counts(server) == at_start
