"""Garbage in every member of every operation: always an AWS error or a result, never a 5xx.

Requests are signed by botocore but built by hand, so members get values no SDK would send:
empty, huge, wrong types, broken JSON and ARNs, control characters, odd paths and dates.
"""

from __future__ import annotations

import random
from urllib.parse import urlencode

from botocore.model import Shape

from credo.protocol import model
from credo.server.operations import OPERATIONS
from tests.conftest import Server
from tests.server.test_query_api import raw_call

VALUES = [
    "",
    " ",
    "x" * 3000,
    "-1",
    "0",
    "99999999999999999999",
    "1.5",
    "true",
    "null",
    "{",
    "[]",
    '{"Version":"2012-10-17"}',
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Foo":{}}}]}',
    '{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole",'
    '"Condition":{"NumericLessThan":{"x":"abc"}}}}',
    "arn:aws:iam::123456789012:user/x",
    "arn:",
    "arn:aws:iam::aws:policy/",
    "\x00",
    "é\u2028",
    "%ZZ",
    "a/b/../c",
    "/",
    "//",
    "2026-13-45T00:00:00Z",
    "ASIA" + "A" * 16,
]
TRIALS_PER_OPERATION = 4


def member_keys(shape: Shape | None, prefix: str = "", depth: int = 0) -> list[str]:
    """The Query-protocol keys of every scalar reachable in ``shape`` (first list item, first map entry)."""
    if shape is None or depth > 3:
        return []
    if shape.type_name == "structure":
        keys: list[str] = []
        for name, member in shape.members.items():
            keys += member_keys(member, f"{prefix}.{name}" if prefix else name, depth + 1)
        return keys
    if shape.type_name == "list":
        return member_keys(shape.member, f"{prefix}.member.1", depth + 1)
    if shape.type_name == "map":
        return [f"{prefix}.entry.1.key", f"{prefix}.entry.1.value"]
    return [prefix]


def test_no_operation_answers_garbage_with_a_server_error(server: Server) -> None:
    rng = random.Random(20261129)
    failures = []
    for service, operations in OPERATIONS.items():
        for action in operations:
            operation = model.operation(service, action)
            assert operation is not None
            keys = member_keys(operation.input_shape)
            for _ in range(TRIALS_PER_OPERATION):
                params = {key: rng.choice(VALUES) for key in keys if rng.random() < 0.7}
                body = urlencode({"Action": action, "Version": model.service(service).api_version, **params})
                status, _, _ = raw_call(server, body, service=service)
                if status >= 500:
                    failures.append((status, action, params))
    assert failures == []
    assert "Traceback" not in server.log()
