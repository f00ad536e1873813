"""``GET /metrics``: the process's counts in Prometheus's text format, for whoever may read them.

The counts are kept as plain ints where they happen (``credo.metrics``, the caches, the
authorizer); a custom collector reads them only when Prometheus scrapes, so counting costs the
hot path no lock and no prometheus-client call. Each app has its own registry (with
prometheus-client's process collector: CPU, memory, open files), not the library's global one.

Who may read: ``CREDO_METRICS`` — ``loopback`` (default: a peer on 127.0.0.0/8 or ::1 whose
request came through no proxy, i.e. carries no ``X-Forwarded-For`` or ``Forwarded``),
``public`` (anyone who can reach the port), ``off`` (not served: the path is answered like
any other unknown path).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, ProcessCollector, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.pool import QueuePool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from credo import metrics
from credo.call import Services

_BOUNDS = [*(repr(bound) for bound in metrics.LATENCY_BUCKETS), "+Inf"]
_PROXY_HEADERS = (b"x-forwarded-for", b"forwarded")


class CredoCollector(Collector):
    """Reads the counts of one server process when scraped."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterator[Metric]:
        yield from _requests()
        yield _by_label(
            "credo_authorization_decisions",
            "Authorization decisions of the authorizer (API and console calls), by result.",
            "decision",
            {"allow": self.services.authorizer.allowed, "deny": self.services.authorizer.denied},
        )
        yield _by_label(
            "credo_console_sign_in_attempts",
            "Console sign-in attempts by outcome (failure, throttled, mfa-failure, saml-failure…).",
            "outcome",
            dict(metrics.SIGN_IN_ATTEMPTS.values),
        )
        yield _by_label(
            "credo_signed_requests_answered",
            "Signed API requests (IAM, STS, the JSON services, the decision endpoint) by where they "
            "were answered: on the event loop, or in the thread pool (a database access on "
            "PostgreSQL, a blocking operation such as password hashing).",
            "on",
            {"event_loop": metrics.ANSWERED.event_loop, "thread_pool": metrics.ANSWERED.thread_pool},
        )
        yield from self._caches()
        yield from self._audit()
        yield from self._store_changes()
        yield from self._pool()

    def _caches(self) -> Iterator[Metric]:
        credentials, authorizer = self.services.credentials, self.services.authorizer
        caches = {
            # access key id → secret and principal; identity → compiled policies
            "credentials": (credentials.cache_hits, credentials.cache_misses),
            "policies": (authorizer.cache_hits, authorizer.cache_misses),
            "pages": (self.services.pages.hits, self.services.pages.misses),  # listings
        }
        lookups = CounterMetricFamily(
            "credo_cache_lookups",
            "Cache lookups by cache and result (hit or miss).",
            labels=["cache", "result"],
        )
        for name, (hits, misses) in caches.items():
            lookups.add_metric([name, "hit"], hits)
            lookups.add_metric([name, "miss"], misses)
        yield lookups

    def _audit(self) -> Iterator[Metric]:
        """Read-only calls' events waiting for the background flush, and those it had to drop."""
        audit = self.services.audit
        yield GaugeMetricFamily(
            "credo_audit_events_pending",
            "Audit events of read-only calls waiting in memory for the next flush to the store.",
            value=audit.pending(),
        )
        yield CounterMetricFamily(
            "credo_audit_events_dropped",
            "Audit events dropped because too many waited (the store could not take them in time).",
            value=audit.dropped_total,
        )
        yield CounterMetricFamily(
            "credo_audit_requests_held",
            "API requests that waited for a flush before being served, because too many events waited.",
            value=audit.requests_held,
        )

    def _store_changes(self) -> Iterator[Metric]:
        """Changes handed to the caches, by where they came from; own notifications skipped."""
        store = self.services.store
        yield _by_label(
            "credo_store_changes_delivered",
            "Changes handed to this process's caches: at its own commits (write), or by the change "
            "feed (feed: other processes' commits, everything when the feed listens again).",
            "source",
            {"write": store.changes_from_writes, "feed": store.changes_from_feed},
        )
        yield CounterMetricFamily(
            "credo_store_own_notifications_skipped",
            "PostgreSQL: notifications of this process's own commits, already delivered at commit.",
            value=store.own_notifications_skipped,
        )

    def _pool(self) -> Iterator[Metric]:
        """The store's connection pool, where there is one (PostgreSQL, a SQLite file)."""
        pool = self.services.store.engine.pool
        if not isinstance(pool, QueuePool):
            return
        connections = GaugeMetricFamily(
            "credo_store_pool_connections",
            "Connections of the store's pool: checked out (in use) and idle (checked in).",
            labels=["state"],
        )
        connections.add_metric(["checked_out"], pool.checkedout())
        connections.add_metric(["idle"], pool.checkedin())
        yield connections
        yield GaugeMetricFamily(
            "credo_store_pool_size", "The pool's steady size (connections kept open).", value=pool.size()
        )
        yield GaugeMetricFamily(
            "credo_store_pool_overflow",
            "Connections open beyond the steady size (negative: not yet opened up to it).",
            value=pool.overflow(),
        )


def _requests() -> Iterator[Metric]:
    """Requests by service, action and status, and their latency by service and action."""
    series = dict(metrics.REQUESTS.series)  # one atomic copy: requests may add keys meanwhile
    total = CounterMetricFamily(
        "credo_requests",
        "Requests answered, by service (iam, sts, console…), action (or console route) and HTTP status.",
        labels=["service", "action", "status"],
    )
    histogram = HistogramMetricFamily(
        "credo_request_duration_seconds",
        "Time from a request's arrival at the app to its answer, by service and action.",
        labels=["service", "action"],
    )
    for (service, action), one in sorted(series.items()):
        for status, count in sorted(dict(one.statuses).items()):
            total.add_metric([service, action, str(status)], count)
        cumulative: list[tuple[str, float]] = []
        running = 0
        for bound, count in zip(_BOUNDS, list(one.buckets), strict=True):
            running += count
            cumulative.append((bound, running))
        histogram.add_metric([service, action], cumulative, sum_value=one.total)
    yield total
    yield histogram


def _by_label(name: str, documentation: str, label: str, values: dict[str, int]) -> Metric:
    family = CounterMetricFamily(name, documentation, labels=[label])
    for value, count in sorted(values.items()):
        family.add_metric([value], count)
    return family


class MetricsEndpoint:
    """The ``/metrics`` route: the registry's text for readers ``CREDO_METRICS`` allows."""

    def __init__(self, services: Services) -> None:
        self.access = services.settings.metrics
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(CredoCollector(services))
        ProcessCollector(registry=self.registry)

    async def respond(self, request: Request) -> Response:
        if self.access == "loopback" and not is_local_direct(request):
            return PlainTextResponse(
                "Forbidden: /metrics is served to loopback clients only (CREDO_METRICS=loopback)\n",
                status_code=403,
            )
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def is_local_direct(request: Request) -> bool:
    """A loopback peer that is not a proxy passing on someone else's request."""
    peer = request.scope.get("client")
    if not peer:
        return False
    try:
        address = ipaddress.ip_address(str(peer[0]).split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    local = address.is_loopback
    headers = request.scope.get("headers") or ()
    return local and not any(name in _PROXY_HEADERS for name, _ in headers)
