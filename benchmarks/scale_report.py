"""The scale benchmark's results and their markdown section, beside the issue's goals."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.report import cpu_model, measured_heading, write_section
from benchmarks.scale_measure import COLD_USERS, CONNECTIONS, Latency, Measurement

SECTION_TITLE = "## Scale: a million identities"
# The goals at N users.
LATENCY_RATIO = 1.2
START_SECONDS = 5.0
RSS_MB = 300.0
_MIB_PER_MB = 1e6 / 2**20


@dataclass
class Phase:
    """One fill and one server on it."""

    users: int
    fill_seconds: float = 0.0
    fill_parts: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    store_mib: float = 0.0
    measured: Measurement | None = None


@dataclass
class StoreRun:
    """Both phases on one store, or why they did not run."""

    store: str
    phases: list[Phase] = field(default_factory=list)
    version: str = ""
    error: str | None = None


def _ms(value: float) -> str:
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _cell(latency: Latency | None) -> str:
    if latency is None:
        return "–"
    if latency.errors:
        return "errors: " + ", ".join(f"{kind} ×{count}" for kind, count in latency.errors.items())
    return f"{_ms(latency.p50_ms)} / {_ms(latency.p99_ms)} ({latency.per_second:,.0f}/s)"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _ratio(small: Latency | None, large: Latency | None) -> float | None:
    if small is None or large is None or small.errors or large.errors or not small.p50_ms:
        return None
    return large.p50_ms / small.p50_ms


def _latency_rows(small: Measurement | None, large: Measurement) -> list[str]:
    rows = []
    for name, latency in large.latency.items():
        before = small.latency.get(name) if small is not None else None
        ratio = _ratio(before, latency)
        if name.startswith("ListUsers"):
            first = large.latency.get(name.replace("last", "first"))
            flat = _ratio(first, latency) if "last" in name else None
            goal = "flat"
            if ratio is not None:
                goal += f": {_verdict(ratio <= LATENCY_RATIO and (flat is None or flat <= LATENCY_RATIO))}"
            if flat is not None:
                goal += f" (last ÷ first {flat:.2f}×)"
        elif "sweep" in name:
            goal = "none: fills the caches, for the memory below"
        else:
            goal = f"≤ {LATENCY_RATIO}×"
            if ratio is not None:
                goal += f": {_verdict(ratio <= LATENCY_RATIO)}"
        shown_ratio = f"{ratio:.2f}×" if ratio is not None else "–"
        hits = f"{_hits(before)} → {_hits(latency)}" if before is not None else _hits(latency)
        rows.append(f"| {name} | {_cell(before)} | {_cell(latency)} | {shown_ratio} | {hits} | {goal} |")
    return rows


def _hits(latency: Latency) -> str:
    """Hit rates of the credential and the policy cache during a run, e.g. ``100/0``."""
    rates = latency.hit_rates
    return "/".join(
        f"{rates[cache] * 100:.0f}" if cache in rates else "–" for cache in ("credentials", "policies")
    )


def _store_table(run: StoreRun) -> list[str]:
    phases = run.phases
    large = phases[-1].measured
    small = phases[0].measured if len(phases) > 1 else None
    if large is None:
        return [f"No measurement: {run.error or 'not run'}", ""]
    n = f"{phases[-1].users:,}"
    small_head = f"{phases[0].users:,} users" if small is not None else "–"
    lines = [
        f"| {run.version} | {small_head}: p50 / p99 ms (req/s) | {n} users: p50 / p99 ms (req/s) | "
        "p50 ratio | cache hits % | goal |",
        "|---|---|---|---|---|---|",
        f"| `credo serve` start, until `/readyz` answers 200 | "
        f"{f'{small.start_seconds:.2f} s' if small else '–'} | {large.start_seconds:.2f} s | | | "
        f"< {START_SECONDS:g} s: {_verdict(large.start_seconds < START_SECONDS)} |",
    ]
    lines += _latency_rows(small, large)
    rss = f"{large.rss_end_mib:.0f} MiB (peak {large.peak_rss_mib:.0f})"
    before = f"{small.rss_end_mib:.0f} MiB (peak {small.peak_rss_mib:.0f})" if small else "–"
    lines.append(
        f"| RSS of the server process after the run ({large.processes} process) | {before} | {rss} | | | "
        f"≤ {RSS_MB:g} MB ({RSS_MB * _MIB_PER_MB:.0f} MiB): "
        f"{_verdict(large.peak_rss_mib <= RSS_MB * _MIB_PER_MB)} |"
    )
    lines.append("")
    lines.append(
        "Cache hits: credential cache / policy cache hits as a share of their lookups during the run "
        "(`credo_cache_lookups_total` from `/metrics`), at the small store → the large one."
    )
    lines.append(
        "Random user and random target rows draw among all the store's users: at 1,000 users every one "
        "fits the bounded caches, at N almost every call is a miss, so they set hits against misses. The "
        f"rows *random among {COLD_USERS:,} active users* compare like with like: the same number of "
        "users (those of the cold runs) at both sizes."
    )
    reused = [name for name, latency in large.latency.items() if latency.reused]
    if reused:
        lines.append(
            "Runs that sent more requests than were signed, so some keys repeated: " + ", ".join(reused) + "."
        )
    measured = [phase.measured for phase in phases if phase.measured is not None]
    load_before, load_after = measured[-1].load_average
    busy = sum(m.server_cpu for m in measured)
    noise = (
        f"load average {load_before:.1f} → {load_after:.1f}; the servers (taking turns on CPU 0) used "
        f"{busy * 100:.0f}% of a CPU from the first run to the last (the rest: signing between runs, and other work)"
    )
    lines += ["", f"Noise: {noise}.", ""]
    return lines


def _fill_table(runs: Sequence[StoreRun]) -> list[str]:
    lines = [
        "| store | users | rows: users, keys, memberships, attachments, tags | fill | users/s | "
        "of which schema | store size |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        for phase in run.phases:
            rows = phase.rows
            counts = ", ".join(
                f"{rows.get(name, 0):,}"
                for name in ("users", "access_keys", "group_members", "policy_attachments", "tags")
            )
            per_second = phase.users / phase.fill_parts.get("users", 1) if phase.fill_parts else 0
            lines.append(
                f"| {run.version} | {phase.users:,} | {counts} | {phase.fill_seconds:.1f} s | "
                f"{per_second:,.0f} | {phase.fill_parts.get('schema', 0):.1f} s | {phase.store_mib:,.0f} MiB |"
            )
    return [*lines, ""]


def render(runs: Sequence[StoreRun], users: int, command: str, python: str) -> str:
    """The section: how it was run, the fill, and per store the figures beside the goals."""
    lines = measured_heading(SECTION_TITLE, command)
    lines += [
        f"Machine: {cpu_model()}, {os.cpu_count()} CPUs shared with other engineers' work (see the load "
        f"averages), Python {python}. Server pinned to CPU 0 and the client (this process, "
        f"{CONNECTIONS} keep-alive connections in a closed loop, requests signed by botocore beforehand) "
        "to CPU 1 when both exist.",
        "",
        f"Goals at {users:,} users (issue 20): latency ≤ {LATENCY_RATIO}× the latency at 1,000 users, "
        f"ListUsers page time flat, start under {START_SECONDS:g} s, RSS ≤ {RSS_MB:g} MB per process.",
        "",
        "### Fill",
        "",
    ]
    lines += _fill_table(runs)
    for run in runs:
        lines += [f"### {run.version or run.store}", ""]
        if run.error and not run.phases:
            lines += [f"Not measured: {run.error}", ""]
            continue
        lines += _store_table(run)
        if run.error:
            lines += [f"Error: {run.error}", ""]
    return "\n".join(lines)


def write(path: Path, section: str) -> None:
    write_section(path, SECTION_TITLE, section)
