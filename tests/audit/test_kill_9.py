"""No acknowledged change lacks its event: a burst of writes, ``kill -9`` mid-burst, then the store."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path
from typing import Any

import botocore.exceptions
import urllib3.exceptions
from sqlalchemy import create_engine, select

from credo.store.db import normalize_url
from credo.store.schema import audit_events
from tests.conftest import POSTGRES_URL, start_server

WRITERS = 4
# Killed once this many writes were acknowledged, while the writers keep sending.
ACKNOWLEDGED_BEFORE_KILL = 60


class Writer(threading.Thread):
    """Sends mutating calls until the server dies; keeps the request id of each one answered."""

    def __init__(self, client: Any, name: str, acknowledged: list[tuple[str, str]]) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.prefix = name
        self.acknowledged = acknowledged

    def run(self) -> None:
        index = 0
        try:
            while True:
                index += 1
                for action, method, params in writes(f"{self.prefix}-{index}"):
                    answer = getattr(self.client, method)(**params)
                    self.acknowledged.append((action, answer["ResponseMetadata"]["RequestId"]))
        except (
            botocore.exceptions.BotoCoreError,
            botocore.exceptions.ClientError,
            urllib3.exceptions.HTTPError,
        ):
            return  # the server is gone (the call in flight may or may not have been applied)


def writes(user: str) -> list[tuple[str, str, dict[str, Any]]]:
    """One user's writes: (action, boto3 method, parameters)."""
    policy = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    )
    return [
        ("CreateUser", "create_user", {"UserName": user}),
        ("CreateAccessKey", "create_access_key", {"UserName": user}),
        ("PutUserPolicy", "put_user_policy", {"UserName": user, "PolicyName": "p", "PolicyDocument": policy}),
        ("TagUser", "tag_user", {"UserName": user, "Tags": [{"Key": "k", "Value": "v"}]}),
    ]


def test_every_acknowledged_write_has_its_event_after_kill_9(store_kind: str, tmp_path: Path) -> None:
    """SIGKILL during a write burst: each write answered 200 has its complete event in the store."""
    database_url = POSTGRES_URL if store_kind == "postgresql" else None
    server = start_server(tmp_path, "--dev", "--data-dir", str(tmp_path / "data"), database_url=database_url)
    url = database_url or f"sqlite:///{tmp_path / 'data' / 'credo.sqlite3'}"
    acknowledged: list[tuple[str, str]] = []
    writers = [Writer(server.client("iam"), f"burst{n}", acknowledged) for n in range(WRITERS)]
    try:
        for writer in writers:
            writer.start()
        while len(acknowledged) < ACKNOWLEDGED_BEFORE_KILL and any(w.is_alive() for w in writers):
            time.sleep(0.005)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
    for writer in writers:
        writer.join(timeout=60)
    answered = list(acknowledged)
    assert len(answered) >= ACKNOWLEDGED_BEFORE_KILL, server.log()

    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            stored = [json.loads(text) for text in conn.execute(select(audit_events.c.event)).scalars()]
    finally:
        engine.dispose()
    by_request = {record.get("requestID"): record for record in stored}
    missing = [(action, request_id) for action, request_id in answered if request_id not in by_request]
    assert missing == []
    for action, request_id in answered:
        record = by_request[request_id]
        assert record["eventName"] == action
        assert "errorCode" not in record
        if action in ("CreateUser", "CreateAccessKey"):
            assert record["responseElements"] is not None, record  # completed before the answer left
