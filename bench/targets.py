"""The issue's targets, evaluated on a finished bench (reported as pass/fail, never asserted)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bench import floor_sql
from bench.report import Memory, Row, Target
from bench.roundtrips import Count

MAX_USE_CASE_STATEMENTS = 5
ACCESS_CHECK = "FROM auth_sessions JOIN users"
EVENT_INSERT = "INSERT INTO events "
ANNOUNCE = "SELECT pg_notify("
"""The outbox's wake-up, sent after a commit on a connection of its own (coalesced, so an earlier
write's may fall into a counted call): not part of any endpoint's SQL."""


def use_case_statements(count: Count) -> int:
    """Data statements of the use case itself: the per-request access check left out."""
    return sum(1 for sql in count.statements if ACCESS_CHECK not in sql)


def evaluate(
    rows: Mapping[str, Row], counts: Sequence[Count], memory: Memory, login: tuple[float, float]
) -> list[Target]:
    targets: list[Target] = []

    def ratio(key: str, floor_key: str, least: float, name: str) -> None:
        row = rows.get(key)
        floor = rows.get(floor_key)
        if row is None or floor is None or not row.app or not floor.floor:
            return
        value = row.med("app", "rps") / floor.med("floor", "rps") if floor.med("floor", "rps") else 0.0
        targets.append(Target(name, value >= least, f"{value:.2f} of the floor (target ≥ {least})"))

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
    if memory.after_mib:
        targets.append(Target("RSS after the bench ≤ 150 MiB", memory.after_mib <= 150, f"{memory.after_mib:.0f} MiB"))
    return targets


def sql_drift(counts: Sequence[Count]) -> list[str]:
    """Benches whose floor no longer sends the app's SQL (compared with what the app sent on
    the wire): `bench/floor_sql.py` needs the adapter's new statements. Statements sent only
    when there is something to do (courses for gaps, evidence for covered competencies above
    the current level) are left out of the comparison on both sides, and so is the outbox's event
    row, which the floor does not write (its cost is part of the app's ratio)."""
    optional = {floor_sql.normalised(floor_sql.COURSES), floor_sql.normalised(floor_sql.INSERT_ASSESSMENT)}
    drift = []
    for count in counts:
        app = [floor_sql.normalised(sql) for sql in count.statements if ACCESS_CHECK not in sql]
        same = [floor_sql.normalised(sql) for sql in floor_sql.SAME_AS_APP.get(count.key, ())]
        part = {floor_sql.normalised(sql) for sql in floor_sql.PART_OF_APP.get(count.key, ())}
        core = [sql for sql in app if sql not in optional and not sql.startswith((EVENT_INSERT, ANNOUNCE))]
        if (same and core != [sql for sql in same if sql not in optional]) or not part <= set(app):
            drift.append(count.key)
    return drift


def matrix_growth(rows: Mapping[str, Row], sizes: Sequence[tuple[str, int]]) -> str | None:
    """How the matrix's p50 grows with the department: one line, `sizes` being (bench key,
    current employees) from the smallest department to the largest."""
    parts = []
    for key, people in sizes:
        row = rows.get(key)
        if row is None or not row.app:
            return None
        floor = f", floor {row.med('floor', 'p50_ms'):.2f} ms" if row.floor else ""
        parts.append(f"{people:,} people: {row.med('app', 'p50_ms'):.2f} ms{floor}")
    return "matrix JSON p50 by department size (1 connection): " + "; ".join(parts)
