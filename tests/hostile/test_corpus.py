"""The hostile-input corpus against a real ``credo serve --dev``, on SQLite and on PostgreSQL.

Each case must get AWS's error code and HTTP status in a well-formed AWS XML error body,
leave no traceback (nor a logged failure) in the server's log, and leave the server answering
a signed GetCallerIdentity. The cases share one server per store: none of them changes state
(every one is refused), and the few that move the server's clock put it back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree import ElementTree

import boto3
import pytest

from tests.conftest import NO_RETRIES, REGION, Server
from tests.hostile import (
    corpus_federation,
    corpus_markers,
    corpus_parameters,
    corpus_policies,
    corpus_protocol,
    corpus_signatures,
    corpus_tokens,
)
from tests.hostile.corpus import STS, Case, SessionKeys, Sessions, sts
from tests.hostile.corpus_tokens import SESSION_SECONDS
from tests.hostile.wire import Reply, Request, send

TABLES = {
    "protocol": corpus_protocol.CASES,
    "signatures": corpus_signatures.CASES,
    "parameters": corpus_parameters.CASES,
    "policies": corpus_policies.CASES,
    "markers": corpus_markers.CASES,
    "tokens": corpus_tokens.CASES,
    "federation": corpus_federation.CASES,
}
CASES = [case for cases in TABLES.values() for case in cases]
NAMESPACE = {"aws": "*"}
FAILURE_LOGGED = re.compile(r"Traceback|request \S+ failed")


def test_the_corpus_has_300_distinct_cases() -> None:
    """The table holds at least 300 cases, each with its own name (so each is reported alone)."""
    names = [case.id for case in CASES]
    assert len(names) >= 300
    assert len(set(names)) == len(names)


@pytest.fixture(scope="module")
def sessions(dev_server: Server) -> Iterator[Sessions]:
    """The dev server as bootstrapped, and two root sessions (GetSessionToken) to tamper with."""
    dev_server.reset()
    client = boto3.client(
        "sts",
        endpoint_url=dev_server.endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name=REGION,
        config=NO_RETRIES,
    )
    issued = [client.get_session_token(DurationSeconds=SESSION_SECONDS)["Credentials"] for _ in range(2)]
    keys = [SessionKeys(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]) for c in issued]
    yield Sessions(keys[0], keys[1])
    dev_server.reset()


def error_fields(body: bytes) -> dict[str, str]:
    """Type, Code, Message and RequestId of an AWS Query error; fails on anything else."""
    root = ElementTree.fromstring(body)
    assert root.tag.endswith("ErrorResponse"), body[:200]
    error = root.find("aws:Error", NAMESPACE)
    assert error is not None, body[:200]
    fields = {
        name: error.findtext(f"aws:{name}", default=None, namespaces=NAMESPACE)
        for name in ("Type", "Code", "Message")
    }
    fields["RequestId"] = root.findtext("aws:RequestId", default=None, namespaces=NAMESPACE)
    assert all(value is not None for value in fields.values()), fields
    return {name: str(value) for name, value in fields.items()}


def still_answers(server: Server) -> bool:
    reply = send(server.endpoint, Request(sts("GetCallerIdentity"), signing=STS))
    return reply.status == 200 and b"<Arn>arn:aws:iam::123456789012:root</Arn>" in reply.body


@pytest.mark.parametrize("hostile", [pytest.param(case, id=case.id) for case in CASES])
def test_hostile_request_gets_its_aws_error(dev_server: Server, sessions: Sessions, hostile: Case) -> None:
    """The case's AWS code and status in a well-formed error; no traceback; the server still answers."""
    log_offset = dev_server.log_path.stat().st_size
    if hostile.advance_clock:
        dev_server.advance_clock(hostile.advance_clock)
    reply: Reply | None = None
    try:
        reply = send(dev_server.endpoint, hostile.build(sessions))
    finally:
        # Put the clock back; and undo whatever a request that was not refused may have done.
        if hostile.advance_clock or (reply is not None and reply.status < 400):
            dev_server.reset()
    fields = error_fields(reply.body)
    assert (reply.status, fields["Code"]) == (hostile.status, hostile.code), fields["Message"][:300]
    assert fields["Type"] == ("Receiver" if reply.status >= 500 else "Sender")
    assert fields["RequestId"]
    with dev_server.log_path.open("rb") as log:
        log.seek(log_offset)
        logged = log.read().decode("utf-8", "replace")
    assert not FAILURE_LOGGED.search(logged), logged[-2000:]
    assert still_answers(dev_server)
