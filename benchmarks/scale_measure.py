"""Measure one ``credo serve`` on a filled store: start time, signed-call latency, list pages, memory.

The server runs as an operator would run it (not dev mode; the master key from
``CREDO_MASTER_KEY``), pinned to CPU 0 when it can be, with this process as the client on CPU 1.
Requests are signed by botocore ahead of time (``benchmarks.rate_load``) and sent over
keep-alive connections by a closed loop of ``CONNECTIONS`` clients, so latency is the server's
plus one loopback round trip, and the client spends nothing on signing while it measures.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import os
import random
import re
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import load, rate_load
from benchmarks.scale_fill import Identity, Population
from credo.auth import authorizer, credentials
from credo.iam.paging import encode_marker

CONNECTIONS = 4
READY_TIMEOUT = 300.0
SIGNING_CAP = 20_000
COLD_USERS = 1_000
LIST_SECONDS = 3.0
PAGE_SIZES = (100, 1000)
CLIENT_CPU = 1
# Distinct users whose first calls fill the caches (credo.auth's limits, and a fifth more).
KEY_SWEEP = int(credentials.KEY_CACHE_SIZE * 1.2)
IDENTITY_SWEEP = int(authorizer.IDENTITY_CACHE_SIZE * 1.2)

GET_CALLER_IDENTITY = ("sts", "Action=GetCallerIdentity&Version=2011-06-15")


def get_user(name: str) -> tuple[str, str]:
    return ("iam", f"Action=GetUser&Version=2010-05-08&UserName={name}")


@dataclass
class Latency:
    """One measured run."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: Counter[str] = field(default_factory=Counter)
    hit_rates: dict[str, float] = field(default_factory=dict)
    reused: int = 0

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class Measurement:
    """Everything measured on one server."""

    users: int
    start_seconds: float = 0.0
    latency: dict[str, Latency] = field(default_factory=dict)
    rss_start_mib: float = 0.0
    rss_end_mib: float = 0.0
    peak_rss_mib: float = 0.0
    processes: int = 0
    load_average: tuple[float, float] = (0.0, 0.0)
    server_cpu: float = 0.0


class ScaleServer:
    """``credo serve`` on the store, started and timed until ``/readyz`` answers 200."""

    def __init__(
        self, data_dir: Path, database_url: str | None, master_key: str, workdir: Path, pin: Sequence[str]
    ) -> None:
        self.port = load.free_port()
        command = [
            *pin,
            load._venv_bin("credo"),
            "serve",
            "--host",
            load.HOST,
            "--port",
            str(self.port),
            "--data-dir",
            str(data_dir),
        ]
        if database_url:
            command += ["--database-url", database_url]
        if serves_workers():
            command += ["--workers", "1"]  # one process: the figures are per process
        workdir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        self.server = load.Server(command, workdir, self.port, {"CREDO_MASTER_KEY": master_key})
        self.start_seconds = self._wait_ready(started)

    def _wait_ready(self, started: float) -> float:
        url = f"http://{load.HOST}:{self.port}/readyz"
        while time.perf_counter() - started < READY_TIMEOUT:
            self.server.ensure_running()
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return time.perf_counter() - started
            time.sleep(0.01)
        raise load.ServerError(f"/readyz not 200 after {READY_TIMEOUT:.0f} s:\n{self.server.log_tail()}")

    def stop(self) -> None:
        self.server.stop()

    def pids(self) -> list[int]:
        """The server's processes (its process group)."""
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                with contextlib.suppress(OSError):
                    stat = Path("/proc", entry, "stat").read_text()
                    if int(stat[stat.rindex(")") + 2 :].split()[2]) == self.server.process.pid:
                        found.append(int(entry))
        return found

    def memory_mib(self, field_name: str = "VmRSS") -> float:
        """The largest ``field_name`` (VmRSS, VmHWM) among the server's processes."""
        largest = 0.0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith(f"{field_name}:"):
                        largest = max(largest, int(line.split()[1]) / 1024)
        return largest

    def cache_lookups(self) -> Lookups:
        """``credo_cache_lookups_total`` by (cache, result), from ``/metrics``."""
        url = f"http://{load.HOST}:{self.port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as answer:
            text = answer.read().decode()
        pattern = r'^credo_cache_lookups_total\{cache="(\w+)",result="(\w+)"\} (\S+)$'
        return {(c, r): float(v) for c, r, v in re.findall(pattern, text, re.MULTILINE)}


@functools.cache
def serves_workers() -> bool:
    """Whether this credo's ``serve`` takes ``--workers``."""
    shown = subprocess.run(
        [load._venv_bin("credo"), "serve", "--help"], capture_output=True, text=True, check=False
    )
    return "--workers" in shown.stdout


Lookups = dict[tuple[str, str], float]


def _difference(before: Lookups, after: Lookups) -> Lookups:
    return {key: value - before.get(key, 0.0) for key, value in after.items()}


def _sum(parts: Sequence[Lookups]) -> Lookups:
    total: Lookups = {}
    for part in parts:
        for key, value in part.items():
            total[key] = total.get(key, 0.0) + value
    return total


def hit_rates(lookups: Lookups) -> dict[str, float]:
    """Each cache's hits among its lookups (``credo_cache_lookups_total`` by cache and result)."""
    rates = {}
    for cache in sorted({cache for cache, _ in lookups}):
        hits, misses = lookups.get((cache, "hit"), 0.0), lookups.get((cache, "miss"), 0.0)
        if hits + misses:
            rates[cache] = hits / (hits + misses)
    return rates


def sign(port: int, who: Identity, call: tuple[str, str], name: str) -> rate_load.Prepared:
    service, body = call
    return rate_load.prepare(name, service, body, port, (who.key_id, who.secret))


async def _drain(port: int, requests: Sequence[rate_load.Prepared], connections: int) -> rate_load.Recorder:
    """Send each request once, ``connections`` at a time."""
    recorder = rate_load.Recorder(time.perf_counter())
    queue = iter(requests)

    async def client() -> None:
        connection = rate_load.Connection(port)
        for request in queue:
            await rate_load.send_one(connection, request, time.perf_counter(), recorder)
        connection.close()

    await asyncio.gather(*(client() for _ in range(connections)))
    return recorder


# A measurement's requests for each server, by the number of users on its store and a variant
# ("" when there is one per server; "first" and "last" for the pages of a list).
JobKey = tuple[int, str]
Jobs = dict[JobKey, tuple[ScaleServer, list[rate_load.Prepared]]]


class Interleaved:
    """Runs each measurement on every server in turns of a few seconds, so that what else the
    machine is doing (it is shared) weighs on every store size alike: slice 1 on the small
    store, then on the large one, slice 2 on the large one, then on the small one, and so on."""

    def __init__(self, seconds: float, slices: int) -> None:
        self.seconds = seconds
        self.slices = slices
        self.loop = asyncio.new_event_loop()

    def close(self) -> None:
        self.loop.close()

    def _turns(self, jobs: Jobs) -> Iterator[tuple[int, JobKey]]:
        """(slice, job) in the order they run."""
        order = sorted(jobs)
        for number in range(self.slices):
            for key in order if number % 2 == 0 else reversed(order):
                yield number, key

    def _run(
        self, jobs: Jobs, one_slice: Callable[[int, JobKey], rate_load.Recorder]
    ) -> dict[JobKey, Latency]:
        stats = {key: rate_load.Stats() for key in jobs}
        busy = dict.fromkeys(jobs, 0.0)
        lookups: dict[JobKey, list[dict[tuple[str, str], float]]] = {key: [] for key in jobs}
        for number, key in self._turns(jobs):
            server = jobs[key][0]
            before = server.cache_lookups()
            started = time.perf_counter()
            recorder = one_slice(number, key)
            busy[key] += time.perf_counter() - started
            stats[key].add(recorder.total())
            lookups[key].append(_difference(before, server.cache_lookups()))
        results = {}
        for key in jobs:
            total = stats[key]
            results[key] = Latency(
                total.count,
                busy[key],
                total.percentile_ms(0.5),
                total.percentile_ms(0.99),
                total.errors,
                hit_rates(_sum(lookups[key])),
            )
        return results

    def each_once(self, jobs: Jobs) -> dict[JobKey, Latency]:
        """Every request once (the cold path: each user's first call), in ``slices`` parts."""

        def one_slice(number: int, key: JobKey) -> rate_load.Recorder:
            server, requests = jobs[key]
            part = requests[number :: self.slices]
            return self.loop.run_until_complete(_drain(server.port, part, CONNECTIONS))

        return self._run(jobs, one_slice)

    def closed_loop(
        self, jobs: Jobs, connections: int = CONNECTIONS, seconds: float = 0.0
    ) -> dict[JobKey, Latency]:
        """For ``seconds`` in all, each server's requests in turn (from the first again when all
        were sent)."""
        cycles = {key: itertools.cycle(requests) for key, (_, requests) in jobs.items()}
        share = (seconds or self.seconds) / self.slices

        def one_slice(_number: int, key: JobKey) -> rate_load.Recorder:
            port = jobs[key][0].port
            return self.loop.run_until_complete(
                rate_load.closed_loop(port, cycles[key].__next__, connections, share)
            )

        results = self._run(jobs, one_slice)
        for key, latency in results.items():
            signed = len(jobs[key][1])
            if signed > 1:
                latency.reused = max(0, latency.requests - signed)
        return results


@contextlib.contextmanager
def pinned_client() -> Iterator[None]:
    """This process on ``CLIENT_CPU`` (the server is on CPU 0), when the machine has it."""
    before = os.sched_getaffinity(0)
    if CLIENT_CPU in before and len(before) > 1:
        os.sched_setaffinity(0, {CLIENT_CPU})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def check(port: int, request: rate_load.Prepared, expected: bytes) -> None:
    """One request that must answer 200 with ``expected`` in its body."""
    sample = urllib.request.Request(
        f"http://{load.HOST}:{port}/", data=request.body, headers=_headers(request), method="POST"
    )
    try:
        with urllib.request.urlopen(sample, timeout=30) as answer:
            body = answer.read()
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{request.name}: HTTP {error.code}: {error.read()[:300]!r}") from None
    if expected not in body:
        raise RuntimeError(f"{request.name}: 200 without {expected!r}: {body[:300]!r}")


def _headers(request: rate_load.Prepared) -> dict[str, str]:
    lines = request.head.decode().split("\r\n")[1:]
    pairs = (line.split(": ", 1) for line in lines if ": " in line)
    return {name: value for name, value in pairs if name.lower() not in {"content-length", "host"}}


@dataclass(frozen=True)
class Target:
    """A server and the population of its store."""

    server: ScaleServer
    population: Population


# Who calls what, for each target; and the users a run picks on a target.
Calls = Callable[[Target], list[tuple[Identity, tuple[str, str]]]]
Pick = Callable[[Target], list[Identity]]
Call = Callable[[Identity], tuple[str, str]]


def caller_identity(_who: Identity) -> tuple[str, str]:
    return GET_CALLER_IDENTITY


def user_itself(who: Identity) -> tuple[str, str]:
    return get_user(who.name)


def by_themselves(call: Call, pick: Pick) -> Calls:
    """Each picked user makes ``call`` with its own key."""
    return lambda target: [(who, call(who)) for who in pick(target)]


def by_admin(call: Call, pick: Pick) -> Calls:
    """The admin makes ``call`` about each picked user."""
    return lambda target: [(target.population.admin, call(who)) for who in pick(target)]


def _jobs(targets: dict[int, Target], calls: Calls) -> Jobs:
    """Each target's calls, signed for its server."""
    return {
        (users, ""): (
            target.server,
            [sign(target.server.port, who, call, "call") for who, call in calls(target)],
        )
        for users, target in targets.items()
    }


def measure(
    targets: Sequence[Target], seconds: float, slices: int, rng: random.Random, say: Callable[[str], None]
) -> dict[int, Measurement]:
    """Every run on every server (interleaved), in an order that keeps the cold runs cold."""
    by_users = {target.population.users: target for target in targets}
    results = {
        users: Measurement(users, target.server.start_seconds, rss_start_mib=target.server.memory_mib())
        for users, target in by_users.items()
    }
    load_before = os.getloadavg()[0]
    cpu_before = {users: target.server.server.cpu_seconds() for users, target in by_users.items()}
    started = time.perf_counter()
    runner = Interleaved(seconds, slices)

    def run(name: str, latencies: dict[JobKey, Latency]) -> None:
        for (users, variant), latency in latencies.items():
            results[users].latency[name.format(variant)] = latency

    def first_calls(t: Target) -> list[Identity]:
        return cold[t.population.users]

    def one_user(t: Target) -> list[Identity]:
        return first_calls(t)[:1]

    def drawn(t: Target) -> list[Identity]:
        return [t.population.user(rng.randrange(t.population.users)) for _ in range(count)]

    def drawn_among_active(t: Target) -> list[Identity]:
        return [rng.choice(first_calls(t)) for _ in range(count)]

    try:
        with pinned_client():
            for target in by_users.values():
                _checks(target.server.port, target.population)
                # The admin's calls first: code paths warm, the admin's key and policies cached.
                warm_up = [sign(target.server.port, target.population.admin, GET_CALLER_IDENTITY, "warm-up")]
                runner.closed_loop({(0, ""): (target.server, warm_up)}, seconds=1.0)

            say(f"  cold: the first calls of {COLD_USERS:,} users")
            cold = {
                users: [t.population.user(i) for i in rng.sample(range(users), min(COLD_USERS, users))]
                for users, t in by_users.items()
            }
            run(
                "GetCallerIdentity, cold",
                runner.each_once(_jobs(by_users, by_themselves(caller_identity, first_calls))),
            )
            run(
                "GetUser self, cold",
                runner.each_once(_jobs(by_users, by_themselves(user_itself, first_calls))),
            )

            rate = max(latency.per_second for m in results.values() for latency in m.latency.values())
            count = min(SIGNING_CAP, int(rate * seconds * 1.5) + 100)
            say(f"  random users: signing {count:,} requests per run and store")
            for name, calls in (
                # Like with like: the same number of active users (those of the cold runs, so
                # cached) at both sizes, as a team's working set is, whatever the store holds.
                # Before the uniform draws: their ~20,000 other users would push most of these
                # out of the policy cache (20,000 identities, least recently used first).
                (
                    f"GetCallerIdentity, random among {COLD_USERS:,} active users",
                    by_themselves(caller_identity, drawn_among_active),
                ),
                (
                    f"GetUser self, random among {COLD_USERS:,} active users",
                    by_themselves(user_itself, drawn_among_active),
                ),
                (
                    f"GetUser by admin, random among {COLD_USERS:,} active users",
                    by_admin(user_itself, drawn_among_active),
                ),
                ("GetCallerIdentity, random user", by_themselves(caller_identity, drawn)),
                ("GetUser self, random user", by_themselves(user_itself, drawn)),
                ("GetUser by admin, random target", by_admin(user_itself, drawn)),
            ):
                run(name, runner.closed_loop(_jobs(by_users, calls)))

            say("  warm: one key")
            run(
                "GetCallerIdentity, warm same key",
                runner.closed_loop(_jobs(by_users, by_themselves(caller_identity, one_user))),
            )
            run(
                "GetUser self, warm same key",
                runner.closed_loop(_jobs(by_users, by_themselves(user_itself, one_user))),
            )

            say("  ListUsers pages")
            for size in PAGE_SIZES:
                # First and last pages take turns too, so that "flat" compares like with like.
                page_jobs: Jobs = {
                    (users, which): (t.server, [request])
                    for users, t in by_users.items()
                    for which, request in _pages(t.server.port, t.population, size).items()
                }
                latencies = runner.closed_loop(page_jobs, connections=1, seconds=LIST_SECONDS)
                run(f"ListUsers {{}} page, MaxItems {size}", latencies)

            # Last, enough distinct users to fill both caches to their limits: the memory after
            # this is what a server that has seen many identities holds.
            sweep = {users: _sweep_users(t.population, rng) for users, t in by_users.items()}
            largest = max(len(found) for found in sweep.values())
            say(f"  sweep: the first calls of up to {largest:,} users, to fill the caches")
            run(
                f"GetCallerIdentity, sweep of up to {largest:,} users",
                runner.each_once(
                    _jobs(by_users, by_themselves(caller_identity, lambda t: sweep[t.population.users]))
                ),
            )
            few = min(IDENTITY_SWEEP, largest)
            run(
                f"GetUser self, sweep of up to {few:,} users",
                runner.each_once(
                    _jobs(
                        by_users,
                        by_themselves(user_itself, lambda t: sweep[t.population.users][:IDENTITY_SWEEP]),
                    )
                ),
            )
    finally:
        runner.close()
    elapsed = time.perf_counter() - started
    for users, target in by_users.items():
        result = results[users]
        result.server_cpu = (target.server.server.cpu_seconds() - cpu_before[users]) / elapsed
        result.load_average = (load_before, os.getloadavg()[0])
        result.rss_end_mib = target.server.memory_mib()
        result.peak_rss_mib = target.server.memory_mib("VmHWM")
        result.processes = len(target.server.pids())
    return results


def _checks(port: int, population: Population) -> None:
    """Before measuring: a user's key works, GetUser on oneself is allowed, the admin can list."""
    user = population.user(population.users - 1)
    arn = f"arn:aws:iam::{population.account_id}:user/{user.name}".encode()
    check(port, sign(port, user, GET_CALLER_IDENTITY, "check"), arn)
    check(port, sign(port, user, get_user(user.name), "check"), arn)
    check(port, sign(port, population.admin, get_user(user.name), "check"), arn)


def _sweep_users(population: Population, rng: random.Random) -> list[Identity]:
    count = min(population.users, KEY_SWEEP)
    return [population.user(i) for i in rng.sample(range(population.users), count)]


def last_page_marker(population: Population, size: int) -> str | None:
    """The marker credo would hand out before the last page of ``size`` users.

    Users sort by lower-cased name: ``scale-admin``, then ``user-…`` in index order; credo's
    marker names the last user shown (``credo.iam.paging``), so the last page follows the user
    ``size + 1`` from the end.
    """
    before = population.users - size - 1
    if before < 0:
        return None
    return encode_marker(population.user_name(before).lower())


def _pages(port: int, population: Population, size: int) -> dict[str, rate_load.Prepared]:
    """ListUsers as the admin: the first page and the last one, each checked once."""
    body = f"Action=ListUsers&Version=2010-05-08&MaxItems={size}"
    pages = {"first": sign(port, population.admin, ("iam", body), "list-users")}
    marker = last_page_marker(population, size)
    if marker is not None:
        last = sign(port, population.admin, ("iam", f"{body}&Marker={marker}"), "list-users")
        expected = f"<UserName>{population.user_name(population.users - size)}</UserName>"
        check(port, last, expected.encode())
        check(port, last, b"<IsTruncated>false</IsTruncated>")
        pages["last"] = last
    check(port, pages["first"], b"<UserName>scale-admin</UserName>")
    return pages
