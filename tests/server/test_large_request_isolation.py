"""A large valid request does not stall other clients: they are served, promptly, meanwhile.

One thread sends the largest valid requests one after another while this one sends
GetCallerIdentity. The bound on each GetCallerIdentity is generous (a large request takes
about a tenth of it here); ``benchmarks/stall.py`` measures the real figures.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from benchmarks.stall import large_tag_user, signed

from tests.conftest import Server

LARGE_REQUESTS = 8
GENEROUS_SECONDS = 2.0


def _port(server: Server) -> int:
    return int(server.endpoint.rsplit(":", 1)[1])


def _send_large(server: Server, build: Callable[[int], dict[str, str]], statuses: list[int]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", _port(server), timeout=120)
    try:
        for number in range(LARGE_REQUESTS):
            request = signed(build(number), _port(server))
            connection.request("POST", "/", body=request.body, headers=request.headers)
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
    finally:
        connection.close()


def _tagged(iam: Any) -> bool:
    return len(iam.list_user_tags(UserName="large-request-user")["Tags"]) == 50


@pytest.mark.parametrize(
    ("build", "size_floor", "took_effect"),
    [pytest.param(large_tag_user, 1_000_000, _tagged, id="TagUser: 50 tags, 10,000 parameters, ~1 MiB")],
)
def test_other_clients_are_served_during_large_requests(
    server: Server,
    build: Callable[[int], dict[str, str]],
    size_floor: int,
    took_effect: Callable[[Any], bool],
) -> None:
    """While one client sends the largest valid requests, every GetCallerIdentity answers within 2 s."""
    iam, sts = server.client("iam"), server.client("sts")
    iam.create_user(UserName="large-request-user")
    assert len(signed(build(0), _port(server)).body) > size_floor
    statuses: list[int] = []
    sender = threading.Thread(target=_send_large, args=(server, build, statuses))
    sender.start()
    latencies: list[float] = []
    while sender.is_alive():
        started = time.perf_counter()
        assert sts.get_caller_identity()["Account"] == "123456789012"
        latencies.append(time.perf_counter() - started)
    sender.join()
    assert latencies, "no GetCallerIdentity was sent while the large requests ran"
    assert max(latencies) < GENEROUS_SECONDS
    assert statuses == [200] * LARGE_REQUESTS
    assert took_effect(iam)
