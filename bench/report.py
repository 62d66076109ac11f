"""The bench report (Markdown): the comparison table with medians over the rounds, the
targets with pass/fail (reported, never asserted), round trips, memory and the machine."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from collections.abc import Sequence
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

    def med(self, side: str, metric: str) -> float:
        results = self.app if side == "app" else self.floor
        return median([getattr(r, metric) for r in results]) if results else 0.0

    @property
    def ratio(self) -> float:
        floor = self.med("floor", "rps")
        return self.med("app", "rps") / floor if floor else 0.0


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    passed: bool
    detail: str


@dataclass(slots=True)
class Memory:
    start_mib: float = 0.0
    during_logins_mib: float = 0.0
    after_mib: float = 0.0
    floor_after_mib: float = 0.0


def table(rows: Sequence[Row]) -> list[str]:
    lines = [
        "| endpoint | Upskill req/s | p50 ms | p99 ms | floor req/s | p50 ms | p99 ms | ratio "
        "| CPU ms/req Upskill / floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.label} | {r.med('app', 'rps'):,.0f} | {r.med('app', 'p50_ms'):.2f} | {r.med('app', 'p99_ms'):.2f} "
            f"| {r.med('floor', 'rps'):,.0f} | {r.med('floor', 'p50_ms'):.2f} | {r.med('floor', 'p99_ms'):.2f} "
            f"| {r.ratio:.2f} | {r.med('app', 'cpu_ms'):.2f} / {r.med('floor', 'cpu_ms'):.2f} |"
        )
    return lines


def rounds_detail(rows: Sequence[Row]) -> list[str]:
    lines = [
        "| endpoint | Upskill req/s per round | floor req/s per round | failures (app/floor) |",
        "|---|---|---|---|",
    ]
    for r in rows:
        app = ", ".join(f"{x.rps:,.0f}" for x in r.app)
        floor = ", ".join(f"{x.rps:,.0f}" for x in r.floor)
        failures = f"{sum(x.failures for x in r.app)}/{sum(x.failures for x in r.floor)}"
        lines.append(f"| {r.label} | {app} | {floor} | {failures} |")
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
        "alternating Upskill and floor; medians reported",
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
) -> str:
    lines = [f"# Upskill bench ({profile.name})", "", *table(rows), "", "## Targets (reported, not asserted)", ""]
    lines += [f"- {'PASS' if t.passed else 'FAIL'} — {t.name}: {t.detail}" for t in targets]
    base, loaded = login
    lines += [
        "",
        "## Logins and memory",
        "",
        f"- authenticated GET p99: {base:.2f} ms alone, {loaded:.2f} ms while "
        f"{profile.login_connections} clients log in continuously (medians over the rounds)",
        f"- worker VmRSS: {memory.start_mib:.0f} MiB at start, {memory.during_logins_mib:.0f} MiB peak while logins "
        f"run, {memory.after_mib:.0f} MiB after the bench (floor: {memory.floor_after_mib:.0f} MiB)",
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
