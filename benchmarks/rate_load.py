"""A Python load generator: signed requests replayed over keep-alive connections, as fast as the
server answers (closed loop) or at a fixed rate (open loop).

Used where wrk cannot do the job (a mix of operations, a fixed request rate, errors counted by
kind). Requests are signed by botocore ahead of time and re-signed every minute (a SigV4
signature is accepted for 15 minutes), so the generator spends its time on the network, not on
signing. In the open loop each request has a scheduled moment and its latency is counted from
that moment, not from when a connection was free to send it: a server that falls behind shows
the wait its clients would see (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from benchmarks import load

RESIGN_SECONDS = 60.0
REQUEST_TIMEOUT = 30.0


@dataclass(frozen=True)
class Prepared:
    """One request as bytes on the wire: head (with Content-Length) and body."""

    name: str
    head: bytes
    body: bytes


def prepare(name: str, service: str, body: str, port: int, credentials: tuple[str, str]) -> Prepared:
    """Sign ``body`` for ``service`` as botocore does and render the HTTP/1.1 request."""
    operation = load.Operation(name, service, body, b"", needs_users=False)
    signed = load.sign_request(operation, port, credentials)
    lines = ["POST / HTTP/1.1", *(f"{k}: {v}" for k, v in signed.headers.items())]
    lines.append(f"Content-Length: {len(signed.body)}")
    return Prepared(name, ("\r\n".join(lines) + "\r\n\r\n").encode(), signed.body)


class Connection:
    """One keep-alive connection; reopened after the server closes it or an error."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def exchange(self, request: Prepared) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(load.HOST, self.port)
        assert self.reader is not None
        try:
            self.writer.write(request.head + request.body)
            head = await self.reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            close = False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                lowered = name.strip().lower()
                if lowered == b"content-length":
                    length = int(value)
                elif lowered == b"connection" and value.strip().lower() == b"close":
                    close = True
            body = await self.reader.readexactly(length) if length else b""
        except BaseException:
            self.close()
            raise
        if close:
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def error_kind(status: int, body: bytes) -> str:
    """``HTTP 403 InvalidClientTokenId``: the status and AWS's error code, if the body has one."""
    start = body.find(b"<Code>")
    end = body.find(b"</Code>", start)
    code = body[start + 6 : end].decode(errors="replace") if start >= 0 and end > start else ""
    return f"HTTP {status} {code}".rstrip()


@dataclass
class Stats:
    """Latencies (seconds) of successful requests and errors by kind, for one stretch of time."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def add(self, other: Stats) -> None:
        self.latencies += other.latencies
        self.errors.update(other.errors)

    @property
    def count(self) -> int:
        return len(self.latencies) + sum(self.errors.values())

    def percentile_ms(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


@dataclass
class Recorder:
    """Outcomes in one-minute buckets from ``started``."""

    started: float
    buckets: dict[int, Stats] = field(default_factory=dict)
    by_name: Counter[str] = field(default_factory=Counter)

    def bucket(self, moment: float) -> Stats:
        return self.buckets.setdefault(int((moment - self.started) // 60), Stats())

    def total(self) -> Stats:
        total = Stats()
        for _, stats in sorted(self.buckets.items()):
            total.add(stats)
        return total


async def send_one(connection: Connection, request: Prepared, since: float, recorder: Recorder) -> None:
    """Send ``request``; record its latency from ``since`` (its scheduled moment) or its error."""
    stats = recorder.bucket(since)
    recorder.by_name[request.name] += 1
    try:
        status, body = await asyncio.wait_for(connection.exchange(request), REQUEST_TIMEOUT)
    except TimeoutError:
        stats.errors["timeout"] += 1
        return
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as error:
        stats.errors[f"connection: {type(error).__name__}"] += 1
        return
    if status == 200:
        stats.latencies.append(time.perf_counter() - since)
    else:
        stats.errors[error_kind(status, body)] += 1


async def closed_loop(
    port: int, next_request: Callable[[], Prepared], connections: int, seconds: float
) -> Recorder:
    """``connections`` clients, each sending its next request as soon as the last one answered."""
    started = time.perf_counter()
    recorder = Recorder(started)
    deadline = started + seconds

    async def client() -> None:
        connection = Connection(port)
        while time.perf_counter() < deadline:
            await send_one(connection, next_request(), time.perf_counter(), recorder)
        connection.close()

    await asyncio.gather(*(client() for _ in range(connections)))
    return recorder


async def open_loop(
    port: int,
    next_request: Callable[[], Prepared],
    rate: float,
    seconds: float,
    connections: int,
    on_tick: Callable[[float], None] | None = None,
) -> tuple[Recorder, float]:
    """Requests scheduled every ``1/rate`` s for ``seconds``, sent over up to ``connections``
    connections; returns the outcomes and the longest a request waited for a free connection.

    ``on_tick`` is called about once a second with the elapsed time (for sampling the server).
    """
    started = time.perf_counter()
    recorder = Recorder(started)
    queue: asyncio.Queue[tuple[float, Prepared] | None] = asyncio.Queue()
    longest_wait = 0.0

    async def client() -> None:
        nonlocal longest_wait
        connection = Connection(port)
        while (item := await queue.get()) is not None:
            scheduled, request = item
            longest_wait = max(longest_wait, time.perf_counter() - scheduled)
            await send_one(connection, request, scheduled, recorder)
        connection.close()

    workers = [asyncio.create_task(client()) for _ in range(connections)]
    total = int(rate * seconds)
    next_tick = 1.0
    for number in itertools.count():
        if number >= total:
            break
        scheduled = started + number / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((scheduled, next_request()))
        elapsed = time.perf_counter() - started
        if on_tick is not None and elapsed >= next_tick:
            on_tick(elapsed)
            next_tick += 1.0
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    return recorder, longest_wait
