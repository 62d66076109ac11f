"""The issue's targets, evaluated on a finished bench (reported as pass/fail, never asserted)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bench import floor_sql
from bench.report import Memory, Row, Target
from bench.roundtrips import Count

MAX_USE_CASE_STATEMENTS = 5
ACCESS_CHECK = "FROM auth_sessions JOIN users"
EVENT_INSERT = "INSERT INTO events "
RECORDED = "WITH recorded AS \n(INSERT INTO events "
NOTIFY = "SELECT pg_notify("
"""The relay's wake-up, sent after a commit (coalesced over 20 ms): it may land in the next
request's count, so the drift check leaves it out."""


def use_case_statements(count: Count) -> int:
    """Data statements of the use case itself: the per-request access check left out."""
    return sum(1 for sql in count.statements if ACCESS_CHECK not in sql)


def evaluate(
    rows: Mapping[str, Row],
    counts: Sequence[Count],
    memory: Memory,
    login: tuple[float, float],
    people: Mapping[str, int] | None = None,
    history: Mapping[str, Row] | None = None,
    baseline: Mapping[str, tuple[float, float]] | None = None,
) -> list[Target]:
    """Issue 16's targets (headline) then the first release's. `people`: the current staff each
    growth bench shows (for the CSV's rows/s); `history`: the benches again on 5M assessments;
    `baseline`: the p99 per bench before issue 16 and the tuned floor's in that run
    (baseline_p99.json)."""
    return [
        *issue16(rows, memory, people or {}, history or {}, baseline or {}),
        *first_release(rows, counts, memory, login),
    ]


def issue16(
    rows: Mapping[str, Row],
    memory: Memory,
    people: Mapping[str, int],
    history: Mapping[str, Row],
    baseline: Mapping[str, tuple[float, float]],
) -> list[Target]:
    targets: list[Target] = []

    def measured(key: str) -> Row | None:
        row = rows.get(key)
        return row if row is not None and row.app and row.floor else None

    def ratio(key: str, least: float, name: str, *, naive: bool = False) -> None:
        row = measured(key)
        if row is None or (naive and not row.naive):
            return
        value = row.naive_ratio if naive else row.ratio
        which = "naive" if naive else "tuned"
        detail = f"{value:.2f} of the {which} floor (target ≥ {least})"
        if naive:
            detail += f"; {row.ratio:.2f} of the tuned floor"
        elif row.naive:
            detail += f"; {row.naive_ratio:.2f} of the naive floor"
        targets.append(Target(name, value >= least, detail, headline=True))

    ratio("get_employee", 1.0, "authenticated GET ≥ 1.0x the naive floor", naive=True)
    ratio("get_employee", 0.75, "authenticated GET ≥ 0.75x the tuned floor")
    ratio("list_first", 0.9, "list, first page ≥ 0.9x the tuned floor")
    ratio("create_competency", 0.65, "POST ≥ 0.65x the tuned floor (events outbox on)")
    ratio("patch_employee", 0.75, "PATCH ≥ 0.75x the tuned floor (events outbox on)")
    ratio("refresh", 0.6, "refresh grant ≥ 0.6x the tuned floor")
    for key, most, name in (
        ("coverage_large", 60.0, "coverage at the 10,000-person department p50 ≤ 60 ms"),
        ("recommendations_large", 60.0, "recommendations in the 10,000-person department p50 ≤ 60 ms"),
        ("matrix_large", 250.0, "matrix JSON of the 10,000-person department p50 ≤ 250 ms"),
    ):
        row = rows.get(key)
        if row is None or not row.app:
            continue
        p50 = row.med("app", "p50_ms")
        detail = f"p50 {p50:.2f} ms (≤ {most:.0f})"
        if row.floor:
            detail += f"; tuned floor p50 {row.med('floor', 'p50_ms'):.2f} ms"
        targets.append(Target(name, p50 <= most, detail, headline=True))
    csv = rows.get("matrix_csv_large")
    if csv is not None and csv.app and people.get("matrix_csv_large"):
        rate = rows_per_s(csv, "app", people["matrix_csv_large"])
        detail = f"{rate:,.0f} rows/s ({people['matrix_csv_large']:,} rows, p50 {csv.med('app', 'p50_ms'):.2f} ms)"
        if csv.floor:
            detail += f"; tuned floor {rows_per_s(csv, 'floor', people['matrix_csv_large']):,.0f} rows/s"
        targets.append(
            Target("matrix CSV of the 10,000-person department ≥ 50,000 rows/s", rate >= 50_000, detail, True)
        )
    if memory.after_mib:
        targets.append(
            Target(
                "RSS per worker after the bench ≤ 150 MiB", memory.after_mib <= 150, f"{memory.after_mib:.0f} MiB", True
            )
        )
    if baseline:
        targets.append(p99_target(rows, baseline))
    if history:
        worst = [
            (key, later.med("app", "p50_ms") / earlier.med("app", "p50_ms"))
            for key, later in history.items()
            if (earlier := rows.get(key)) is not None and earlier.app and later.app and earlier.med("app", "p50_ms")
        ]
        if worst:
            key, factor = max(worst, key=lambda pair: pair[1])
            detail = ", ".join(f"{k} {f:.2f}x" for k, f in worst)
            targets.append(
                Target(
                    f"cost follows what is shown, not history: p50 with 5x the assessments ≤ {HISTORY_FACTOR}x",
                    factor <= HISTORY_FACTOR,
                    f"worst {key} {factor:.2f}x; {detail}",
                    True,
                )
            )
    return targets


HISTORY_FACTOR = 1.25
"""The harness's reading of "cost that follows what is shown, not the history behind it": five
times the assessments may cost at most a quarter more (the noise of a 1-connection run on a
shared machine is about that); reading history grows ~linearly (x2-5)."""
P99_SLACK = 1.10


def rows_per_s(row: Row, side: str, rows: int) -> float:
    """A streamed response's rate: its rows over its p50."""
    p50 = row.med(side, "p50_ms")
    return rows / (p50 / 1000) if p50 else 0.0


@dataclass(frozen=True, slots=True)
class P99:
    """One bench's p99 now and in the baseline run, each beside the tuned floor's of its run."""

    key: str
    before: float
    floor_before: float
    now: float
    floor_now: float

    @property
    def absolute(self) -> float:
        return self.now / self.before

    @property
    def relative(self) -> float:
        """Now over before, each divided by its run's tuned-floor p99 (0 without a floor)."""
        if not (self.floor_before and self.floor_now):
            return 0.0
        return (self.now / self.floor_now) / (self.before / self.floor_before)

    @property
    def ok(self) -> bool:
        """Within 10 %: of the baseline relative to the floor when both runs have it (the
        machine's state moves every server's tail alike), else absolutely."""
        return (self.relative or self.absolute) <= P99_SLACK


def p99_check(rows: Mapping[str, Row], baseline: Mapping[str, tuple[float, float]]) -> list[P99]:
    """Every bench with a baseline that ran now."""
    return [
        P99(key, before, floor_before, now, row.med("floor", "p99_ms") if row.floor else 0.0)
        for key, (before, floor_before) in baseline.items()
        if (row := rows.get(key)) is not None and row.app and (now := row.med("app", "p99_ms")) >= 0
    ]


def p99_target(rows: Mapping[str, Row], baseline: Mapping[str, tuple[float, float]]) -> Target:
    checked = p99_check(rows, baseline)
    worse = [f"{c.key} {c.now:.2f} ms vs {c.before:.2f} (x{c.relative or c.absolute:.2f})" for c in checked if not c.ok]
    absolute = sum(c.absolute > P99_SLACK for c in checked)
    detail = f"{len(checked)} benches with a baseline (bench/baseline_p99.json), each p99 over its run's tuned floor's"
    detail += f"; worse: {', '.join(worse)}" if worse else "; none worse"
    detail += f"; in absolute ms {absolute} of {len(checked)} are over +10 %"
    return Target("no p99 worse than the baseline's by more than 10 %", not worse and bool(checked), detail, True)


def p99_lines(
    rows: Mapping[str, Row], baseline: Mapping[str, tuple[float, float]], sources: Mapping[str, str]
) -> list[str]:
    lines = [
        "| bench | baseline p99 ms (tuned floor) | p99 ms now (tuned floor) | x | x over the floor | within 10 % "
        "| baseline from |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for c in p99_check(rows, baseline):
        relative = f"{c.relative:.2f}" if c.relative else "—"
        lines.append(
            f"| {c.key} | {c.before:.2f} ({c.floor_before:.2f}) | {c.now:.2f} ({c.floor_now:.2f}) | {c.absolute:.2f} "
            f"| {relative} | {'yes' if c.ok else 'NO'} | {sources.get(c.key, '')} |"
        )
    return lines


def first_release(
    rows: Mapping[str, Row], counts: Sequence[Count], memory: Memory, login: tuple[float, float]
) -> list[Target]:
    targets: list[Target] = []

    def ratio(key: str, floor_key: str, least: float, name: str) -> None:
        row = rows.get(key)
        floor = rows.get(floor_key)
        if row is None or floor is None or not row.app or not floor.floor:
            return
        value = row.med("app", "rps") / floor.med("floor", "rps") if floor.med("floor", "rps") else 0.0
        detail = f"{value:.2f} of the tuned floor (target ≥ {least})"
        if row.naive:
            detail += f"; {row.naive_ratio:.2f} of the naive floor"
        targets.append(Target(name, value >= least, detail))

    ratio("get_employee", "get_employee", 0.5, "authenticated GET ≥ 0.5 of the floor")
    ratio("list_first", "list_first", 0.5, "list, first page ≥ 0.5 of the floor")
    first, deep = rows.get("list_first"), rows.get("list_deep")
    if first and deep and first.app and deep.app:
        limit = 1.5 * first.med("app", "p50_ms")
        value = deep.med("app", "p50_ms")
        targets.append(
            Target("deep page p50 ≤ 1.5 x first page p50", value <= limit, f"{value:.2f} ms vs ≤ {limit:.2f} ms")
        )
    ratio("create_competency", "create_competency", 0.4, "POST ≥ 0.4 of the floor")
    ratio("patch_employee", "patch_employee", 0.4, "PATCH ≥ 0.4 of the floor")
    ratio("create_competency", "create_competency", 0.45, "POST ≥ 0.45 of the floor with the outbox on (issue 13)")
    ratio("patch_employee", "patch_employee", 0.55, "PATCH ≥ 0.55 of the floor with the outbox on (issue 13)")
    ratio("create_competency_key", "create_competency_key", 0.0, "POST with an Idempotency-Key (reported)")
    ratio("refresh", "refresh", 0.3, "refresh grant ≥ 0.3 of the floor's single-row read+update")
    by_key = {c.key: c for c in counts}
    for key, most in (("coverage", 30.0), ("recommendations", 60.0)):
        row = rows.get(key)
        if row is None or not row.app:
            continue
        p50 = row.med("app", "p50_ms")
        count = by_key.get(key)
        statements = use_case_statements(count) if count else -1
        detail = f"p50 {p50:.2f} ms (≤ {most:.0f}), {statements} use-case statements (≤ {MAX_USE_CASE_STATEMENTS})"
        if count:
            detail += f"; {count.round_trips} round trips on the wire in all"
        ok = p50 <= most and 0 <= statements <= MAX_USE_CASE_STATEMENTS
        targets.append(Target(f"{key} p50 and SQL round trips", ok, detail))
    ratio("validate", "validate", 0.4, "validate ≥ 0.4 of the floor (same SQL)")
    ratio("complete_enrollment", "complete_enrollment", 0.4, "enrollment completion ≥ 0.4 of the floor (same SQL)")
    for key, most in (("matrix", 60.0), ("matrix_csv", 80.0)):
        row = rows.get(key)
        if row is None or not row.app:
            continue
        p50 = row.med("app", "p50_ms")
        detail = f"p50 {p50:.2f} ms (≤ {most:.0f})"
        if row.floor and row.med("floor", "p50_ms"):
            detail += f"; floor p50 {row.med('floor', 'p50_ms'):.2f} ms, ratio {row.ratio:.2f}"
        targets.append(Target(f"{key} p50 (a ~2,000-person department)", p50 <= most, detail))
    base, loaded = login
    if base > 0:
        targets.append(
            Target(
                "GET p99 under login load ≤ 2x without", loaded <= 2 * base, f"{loaded:.2f} ms vs {base:.2f} ms alone"
            )
        )
    if memory.during_logins_mib:
        targets.append(
            Target(
                "RSS while logins run ≤ 200 MiB", memory.during_logins_mib <= 200, f"{memory.during_logins_mib:.0f} MiB"
            )
        )
    return targets


def without_event(sql: str) -> str:
    """A write as the floor sends it: the app's `WITH recorded AS (INSERT INTO events …)` in
    front of it (the event riding in the write's statement) taken off, the parameters numbered
    again from $1."""
    if not sql.startswith(RECORDED):
        return sql
    depth = 0
    for at in range(sql.index("("), len(sql)):
        depth += {"(": 1, ")": -1}.get(sql[at], 0)
        if depth == 0:
            break
    write = sql[at + 1 :].strip()
    numbers = iter(range(1, write.count("$") + 1))
    return re.sub(r"\$\d+", lambda _: f"${next(numbers)}", write)


def sql_drift(counts: Sequence[Count]) -> list[str]:
    """Benches whose floor no longer sends the app's SQL (compared with what the app sent on
    the wire): `bench/floor_sql.py` needs the adapter's new statements. Statements sent only
    when there is something to do (courses for gaps, evidence for covered competencies above
    the current level) are left out of the comparison on both sides, and so are the outbox's
    event row, which the floor does not write (its cost is part of the app's ratio; in the
    app it rides in the write's own statement, `without_event`), and the relay's NOTIFY."""
    optional = {floor_sql.normalised(floor_sql.COURSES), floor_sql.normalised(floor_sql.INSERT_ASSESSMENT)}
    drift = []
    for count in counts:
        app = [floor_sql.normalised(without_event(sql)) for sql in count.statements if ACCESS_CHECK not in sql]
        same = [floor_sql.normalised(sql) for sql in floor_sql.SAME_AS_APP.get(count.key, ())]
        part = {floor_sql.normalised(sql) for sql in floor_sql.PART_OF_APP.get(count.key, ())}
        core = [sql for sql in app if sql not in optional and not sql.startswith((EVENT_INSERT, NOTIFY))]
        if (same and core != [sql for sql in same if sql not in optional]) or not part <= set(app):
            drift.append(count.key)
    return drift


def growth(what: str, rows: Mapping[str, Row], sizes: Sequence[tuple[str, int]]) -> str | None:
    """How a view's p50 grows with the department: one line, `sizes` being (bench key, current
    employees) from the smallest department to the largest; None unless all were measured."""
    parts = []
    for key, people in sizes:
        row = rows.get(key)
        if row is None or not row.app:
            return None
        floor = f", tuned floor {row.med('floor', 'p50_ms'):.2f} ms" if row.floor else ""
        cpu = f", {row.med('app', 'cpu_ms'):.1f} CPU ms"
        parts.append(f"{people:,} people: {row.med('app', 'p50_ms'):.2f} ms{cpu}{floor}")
    return f"{what} p50 by department size (1 connection): " + "; ".join(parts)


def matrix_growth(rows: Mapping[str, Row], sizes: Sequence[tuple[str, int]]) -> str | None:
    """The matrix JSON's growth line (see `growth`)."""
    return growth("matrix JSON", rows, sizes)
