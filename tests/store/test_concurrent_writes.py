"""Two server processes writing one store at once: checks hold, no request fails with a 500."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import botocore.exceptions

from tests.conftest import Server, allow

RACERS = 12


def outcomes(calls: list[Callable[[], Any]]) -> Counter[str]:
    """Run every call at once; count ``ok`` and each error code."""

    def run(call: Callable[[], Any]) -> str:
        try:
            call()
        except botocore.exceptions.ClientError as error:
            return str(error.response["Error"]["Code"])
        return "ok"

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return Counter(pool.map(run, calls))


def test_one_name_created_once_across_processes(server: Server, second: Server) -> None:
    clients = [server.client("iam"), second.client("iam")]
    counts = outcomes([lambda i=i: clients[i % 2].create_user(UserName="racer") for i in range(RACERS)])
    assert counts == Counter({"ok": 1, "EntityAlreadyExists": RACERS - 1})
    assert [u["UserName"] for u in clients[0].list_users()["Users"]] == ["racer"]
    assert "ServiceFailure" not in server.log() + second.log()


def test_attachment_limit_holds_under_concurrent_attaches(server: Server, second: Server) -> None:
    """Twelve attaches at once, through two processes: ten land, two get LimitExceeded."""
    iam = server.client("iam")
    iam.create_user(UserName="racer")
    arns = [
        iam.create_policy(PolicyName=f"p{i}", PolicyDocument=json.dumps(allow("s3:GetObject")))["Policy"][
            "Arn"
        ]
        for i in range(RACERS)
    ]
    clients = [iam, second.client("iam")]
    counts = outcomes(
        [
            lambda i=i: clients[i % 2].attach_user_policy(UserName="racer", PolicyArn=arns[i])
            for i in range(RACERS)
        ]
    )
    assert counts == Counter({"ok": 10, "LimitExceeded": RACERS - 10})
    assert len(iam.list_attached_user_policies(UserName="racer")["AttachedPolicies"]) == 10


def test_group_membership_races_end_consistent(server: Server, second: Server) -> None:
    """Adding one user to one group from many callers at once: one membership, no errors."""
    iam = server.client("iam")
    iam.create_user(UserName="racer")
    iam.create_group(GroupName="crew")
    clients = [iam, second.client("iam")]
    counts = outcomes(
        [
            lambda i=i: clients[i % 2].add_user_to_group(GroupName="crew", UserName="racer")
            for i in range(RACERS)
        ]
    )
    assert counts == Counter({"ok": RACERS})
    assert [u["UserName"] for u in iam.get_group(GroupName="crew")["Users"]] == ["racer"]
