"""What the server counts for ``GET /metrics``: requests, their latency, sign-in attempts.

Counting sits on the hot path, so it is plain Python ints in dicts: no lock, and no object
made per request (the label tuple is the one the endpoint already holds). An increment is ``counts[key] += 1`` on an int, which CPython
runs without releasing the GIL between the read and the write (no call, no loop in between),
so worker threads do not lose counts; a free-threaded Python would need per-thread shards.
``credo.server.metrics`` turns these into Prometheus families when scraped.

The caches (``auth/credentials.py``, ``auth/authorizer.py``) and the authorizer's decisions
count on their own objects, as plain int attributes, for the same reason.
"""

from __future__ import annotations

from bisect import bisect_left

# Upper bounds (seconds) of the latency histogram's buckets; a last one counts the rest (+Inf).
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Series:
    """One (service, action): a histogram of latencies (a count per bucket, the last for +Inf,
    and their sum) and the answers by HTTP status."""

    __slots__ = ("buckets", "statuses", "total")

    def __init__(self) -> None:
        self.buckets = [0] * (len(LATENCY_BUCKETS) + 1)
        self.total = 0.0
        self.statuses: dict[int, int] = {}


class RequestStats:
    """Requests served, by (service, action): how long each took, and their HTTP statuses."""

    __slots__ = ("series",)

    def __init__(self) -> None:
        self.series: dict[tuple[str, str], Series] = {}

    def record(self, labels: tuple[str, str], status: int, seconds: float) -> None:
        """One request of ``labels`` (service, action) answered ``status`` after ``seconds``."""
        try:
            series = self.series[labels]
        except KeyError:
            series = self.series.setdefault(labels, Series())
        series.buckets[bisect_left(LATENCY_BUCKETS, seconds)] += 1
        series.total += seconds
        statuses = series.statuses
        try:
            statuses[status] += 1
        except KeyError:
            statuses.setdefault(status, 0)
            statuses[status] += 1


class Counts:
    """Events by one label value (e.g. sign-in attempts by outcome)."""

    __slots__ = ("values",)

    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def add(self, label: str) -> None:
        try:
            self.values[label] += 1
        except KeyError:
            self.values.setdefault(label, 0)
            self.values[label] += 1


class Placement:
    """Requests by where they were answered: on the event loop, or in the thread pool.

    Counted on the event loop only (``SignedEndpoint``), so plain increments lose nothing.
    """

    __slots__ = ("event_loop", "thread_pool")

    def __init__(self) -> None:
        self.event_loop = 0
        self.thread_pool = 0


# Per process: every request of a ``credo serve`` process lands in these.
REQUESTS = RequestStats()
# Signed API requests (Query, JSON, the decision endpoint) by where they were answered: with
# PostgreSQL, on the loop only while what they need is cached (``credo.store.db.ON_LOOP``).
ANSWERED = Placement()
# Console sign-in attempts by outcome (``sign_in_attempts.outcome``: success, failure, throttled…).
SIGN_IN_ATTEMPTS = Counts()
