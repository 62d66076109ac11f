"""The bench report (Markdown): the comparison table with medians over the rounds (Upskill, the
tuned floor, the naive floor), the targets with pass/fail (reported, never asserted), the growth
with history, the p99 against the baseline, round trips, memory and the machine."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.load import Result, median
from bench.profiles import Profile
from bench.roundtrips import Count


@dataclass(slots=True)
class Row:
    key: str
    label: str
    app: list[Result] = field(default_factory=list)
    floor: list[Result] = field(default_factory=list)
    """The tuned floor's (bench/floor.py)."""
    naive: list[Result] = field(default_factory=list)
    """The naive floor's (bench/floor_naive.py); empty where it has no such endpoint."""

    def results(self, side: str) -> list[Result]:
        return {"app": self.app, "floor": self.floor, "naive": self.naive}[side]

    def med(self, side: str, metric: str) -> float:
        results = self.results(side)
        return median([getattr(r, metric) for r in results]) if results else 0.0

    @property
    def ratio(self) -> float:
        """Upskill's req/s over the tuned floor's."""
        floor = self.med("floor", "rps")
        return self.med("app", "rps") / floor if floor else 0.0

    @property
    def naive_ratio(self) -> float:
        """Upskill's req/s over the naive floor's (0 where there is none)."""
        naive = self.med("naive", "rps")
        return self.med("app", "rps") / naive if naive else 0.0


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    passed: bool
    detail: str
    headline: bool = False
    """One of issue 16's targets (listed first); else a first-release one that still holds."""


@dataclass(slots=True)
class Memory:
    start_mib: float = 0.0
    during_logins_mib: float = 0.0
    after_mib: float = 0.0
    floor_after_mib: float = 0.0
    naive_after_mib: float = 0.0


DASH = "—"


def table(rows: Sequence[Row]) -> list[str]:
    """Upskill, the tuned floor and the naive floor side by side ("—": the naive floor has no
    such endpoint), both ratios, CPU per request of each."""
    lines = [
        "| endpoint | Upskill req/s | p50 ms | p99 ms | tuned floor req/s | p50 ms | p99 ms | ratio to tuned "
        "| naive floor req/s | p50 ms | p99 ms | ratio to naive | CPU ms/req Upskill / tuned / naive |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r.naive:
            naive = (
                f"| {r.med('naive', 'rps'):,.0f} | {r.med('naive', 'p50_ms'):.2f} | {r.med('naive', 'p99_ms'):.2f} "
                f"| {r.naive_ratio:.2f} "
            )
            naive_cpu = f"{r.med('naive', 'cpu_ms'):.2f}"
        else:
            naive, naive_cpu = f"| {DASH} | {DASH} | {DASH} | {DASH} ", DASH
        lines.append(
            f"| {r.label} | {r.med('app', 'rps'):,.0f} | {r.med('app', 'p50_ms'):.2f} | {r.med('app', 'p99_ms'):.2f} "
            f"| {r.med('floor', 'rps'):,.0f} | {r.med('floor', 'p50_ms'):.2f} | {r.med('floor', 'p99_ms'):.2f} "
            f"| {r.ratio:.2f} {naive}| {r.med('app', 'cpu_ms'):.2f} / {r.med('floor', 'cpu_ms'):.2f} / {naive_cpu} |"
        )
    return lines


def rounds_detail(rows: Sequence[Row]) -> list[str]:
    lines = [
        "| endpoint | Upskill req/s per round | tuned floor req/s per round | naive floor req/s per round "
        "| failures (app/tuned/naive) |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        app, floor, naive = (
            ", ".join(f"{x.rps:,.0f}" for x in r.results(s)) or DASH for s in ("app", "floor", "naive")
        )
        failures = "/".join(str(sum(x.failures for x in r.results(s))) for s in ("app", "floor", "naive"))
        lines.append(f"| {r.label} | {app} | {floor} | {naive} | {failures} |")
    return lines


def history_table(
    before: Mapping[str, Row], after: Mapping[str, Row], people: Mapping[str, int], sizes: str
) -> list[str]:
    """p50 and CPU per request of the same benches on the data set without and with the older
    history (`sizes`: "1.1M → 5.1M" assessments), Upskill and the tuned floor."""
    lines = [
        f"| bench | people | Upskill p50 ms {sizes} | x | CPU ms/req {sizes} | tuned floor p50 ms {sizes} | x |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, later in after.items():
        earlier = before.get(key)
        if earlier is None or not earlier.app or not later.app:
            continue
        a0, a1 = earlier.med("app", "p50_ms"), later.med("app", "p50_ms")
        f0, f1 = earlier.med("floor", "p50_ms"), later.med("floor", "p50_ms")
        lines.append(
            f"| {key} | {people.get(key, 0):,} | {a0:.2f} → {a1:.2f} | {a1 / a0 if a0 else 0:.2f} "
            f"| {earlier.med('app', 'cpu_ms'):.2f} → {later.med('app', 'cpu_ms'):.2f} "
            f"| {f0:.2f} → {f1:.2f} | {f1 / f0 if f0 else 0:.2f} |"
        )
    return lines


def counts_table(counts: Sequence[Count]) -> list[str]:
    lines = [
        "| endpoint | round trips (all) | data statements (with the access check) | transaction control / ping |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {c.key} | {c.round_trips} | {len(c.statements)} | {c.control} |" for c in counts]
    return lines


def machine(profile: Profile, postgres_version: str, cores: str) -> list[str]:
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in ln),
        platform.processor() or "?",
    )
    mem_kib = next(
        int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")
    )
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False).stdout.splitlines()  # noqa: S607
    packages = ", ".join(
        f"{p} {importlib.metadata.version(p)}"
        for p in ("fastapi", "uvicorn", "sqlalchemy", "asyncpg", "uvloop", "httptools")
    )
    sizes = profile.sizes
    return [
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- nproc: {os.cpu_count()} ({len(os.sched_getaffinity(0))} usable); CPU: {cpu}; "
        f"RAM: {mem_kib / 1024 / 1024:.1f} GiB",
        f"- kernel: {platform.release()}; Python {platform.python_version()}; PostgreSQL {postgres_version}",
        f"- {packages}; {wrk[0] if wrk else 'wrk ?'}",
        f"- pinning: {cores}",
        f"- load: {profile.connections} connections ({profile.login_connections} for the password grant), "
        f"{profile.duration_s} s per run after {profile.warmup_s} s of warm-up, {profile.rounds} rounds "
        "alternating Upskill, the tuned floor and the naive floor (where it has the endpoint); medians reported",
        f"- data: {sizes.employees:,} employees, {sizes.competencies} competencies, {sizes.courses:,} courses, "
        f"{sizes.assessments:,} assessments, {sizes.departments} departments "
        f"({sizes.requirements_per_department} requirements each, {sizes.company_wide_requirements} company-wide), "
        f"{sizes.feedback:,} feedback, {sizes.enrollments:,} enrollments, {sizes.employee_users + 2:,} users",
    ]


def render(
    profile: Profile,
    rows: Sequence[Row],
    targets: Sequence[Target],
    counts: Sequence[Count],
    memory: Memory,
    login: tuple[float, float],
    machine_lines: Sequence[str],
    notes: Sequence[str],
    sections: Sequence[tuple[str, Sequence[str]]] = (),
) -> str:
    """`sections`: more (title, lines) after the targets (the growth with history, the p99s)."""
    lines = [f"# Upskill bench ({profile.name})", "", *table(rows), ""]
    for title, group in (
        ("Targets of issue 16 (reported, not asserted)", [t for t in targets if t.headline]),
        ("First-release targets (still hold; reported, not asserted)", [t for t in targets if not t.headline]),
    ):
        if group:
            lines += [f"## {title}", "", *(f"- {'PASS' if t.passed else 'FAIL'} — {t.name}: {t.detail}" for t in group)]
            lines.append("")
    for title, body in sections:
        lines += [f"## {title}", "", *body, ""]
    base, loaded = login
    lines += [
        "## Logins and memory",
        "",
        f"- authenticated GET p99: {base:.2f} ms alone, {loaded:.2f} ms while "
        f"{profile.login_connections} clients log in continuously (medians over the rounds)",
        f"- worker VmRSS: {memory.start_mib:.0f} MiB at start, {memory.during_logins_mib:.0f} MiB peak while logins "
        f"run, {memory.after_mib:.0f} MiB after the bench (tuned floor: {memory.floor_after_mib:.0f} MiB, "
        f"naive floor: {memory.naive_after_mib:.0f} MiB)",
        "",
        "## SQL round trips per request",
        "",
        *counts_table(counts),
        "",
        "## Each round",
        "",
        *rounds_detail(rows),
        "",
        "## Machine and method",
        "",
        *machine_lines,
        "",
        "## Notes",
        "",
        *(f"- {n}" for n in notes),
        "",
    ]
    return "\n".join(lines)
