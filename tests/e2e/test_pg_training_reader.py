"""The PostgreSQL TrainingReader and nested reads cost a fixed number of statements whatever
the sizes (counted with `Database.statements()`), give what the pure
domain functions compute from the same records, and use the covering index on assessments."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text

from adapters.postgres.database import Database
from tests.factories import (
    assessment,
    competency,
    course,
    department,
    employee,
    enrollment,
    feedback,
    persist,
    requirement,
)
from upskill.domain.competency import Competency, Level
from upskill.domain.coverage import current_levels
from upskill.domain.entity import Entity
from upskill.domain.matrix import holdings
from upskill.domain.organisation import Department, Employee
from upskill.domain.policy import EVERYTHING
from upskill.domain.query import ListQuery, SortKey
from upskill.domain.training import Assessment, AssessmentStatus, Course

TODAY = date(2024, 6, 1)
LEVELS = list(Level)


def statements(db: Database) -> Any:
    """The statements the units of work send inside the block, with their parameters."""
    return db.statements()


@dataclass(frozen=True)
class Department_:
    dept: Department
    staff: list[Employee]
    skills: list[Competency]
    assessments: list[Assessment]
    courses: list[Course]


async def _department(db: Database, size: int) -> Department_:
    """`size` employees (every fifth has left), 5 competencies, 4 with own or company-wide
    requirements, 3 assessments per employee (some expired, some in the future, some on the
    same competency), courses, enrollments and feedback."""
    dept, skills = department(), [competency() for _ in range(5)]  # the fifth is not required
    staff = [
        employee(department_id=dept.id, hired_on=date(2020, 1, 1), left_on=date(2023, 1, 1) if i % 5 == 4 else None)
        for i in range(size)
    ]
    rules = [requirement(competency_id=s.id, department_id=dept.id, level=Level.ADVANCED) for s in skills[:3]]
    rules.append(requirement(competency_id=skills[3].id, level=Level.BASIC))
    days = itertools.count()
    history = []
    for i, person in enumerate(staff):
        for k in range(3):
            on = date(2023, 1, 1) + timedelta(days=next(days) * 37 % 700)  # some after TODAY
            history.append(
                assessment(
                    employee_id=person.id,
                    competency_id=skills[(i + (k + 1) // 2) % 5].id,  # k = 1, 2: the same one
                    level=LEVELS[(i + k) % 4],
                    assessed_on=on,
                    expires_on=on + timedelta(days=200) if k == 2 else None,  # some expired by TODAY
                    status=AssessmentStatus.PROPOSED if (i + k) % 7 == 0 else AssessmentStatus.VALIDATED,
                )
            )
    courses = [course((skills[i % 4].id, LEVELS[i % 4]), (skills[(i + 1) % 4].id, Level.EXPERT)) for i in range(6)]
    records: list[Entity] = [dept, *skills, *staff, *rules, *history, *courses]
    records += [enrollment(employee_id=staff[0].id, course_id=c.id) for c in courses[:2]]
    records += [feedback(subject_id=staff[0].id, author_id=p.id, score=2) for p in staff[1:3]]
    await persist(db.unit_of_work, *records)
    return Department_(dept, staff, skills, history, courses)


async def _costs(db: Database, world: Department_) -> dict[str, int]:
    """Statements per TrainingReader call, each checked against the domain's own answer."""
    ada = world.staff[0]
    async with db.unit_of_work() as uow:
        await (await uow.connection()).execute(text("SELECT 1"))  # the transaction is open before counting
        with statements(db) as snapshot_sql:
            snapshot = await uow.training.department_snapshot(world.dept.id, TODAY, ada.id)
        with statements(db) as levels_sql:
            levels = await uow.training.current_levels(ada.id, TODAY)
        with statements(db) as options_sql:
            options = await uow.training.learning_options(ada.id, {s.id for s in world.skills[:4]})
        with statements(db) as matrix_sql:
            grid = await uow.training.department_matrix(world.dept.id, TODAY)
    assert snapshot is not None
    assert grid is not None
    current = [e for e in world.staff if e.is_current(TODAY)]
    everyone = current_levels(world.assessments, TODAY)
    required = {s.id for s in world.skills[:4]}
    staff = {e.id for e in current}
    held = {(e, c): level for c, by_level in snapshot.holders.items() for level, ids in by_level.items() for e in ids}
    assert len(held) > len(current)  # several competencies per employee
    assert held == {(e, c): v for (e, c), v in everyone.items() if e in staff and c in required}
    assert dict(snapshot.own) == {c: v for (e, c), v in everyone.items() if e == ada.id and c in required}
    assert dict(levels) == {c: level for (e, c), level in everyone.items() if e == ada.id}
    assert sorted(c.id for c in options.courses) == sorted(c.id for c in world.courses)
    assert {c.id: c for c in options.courses} == {c.id: c for c in world.courses}
    assert (len(options.enrollments), len(options.feedback)) == (2, 2)
    assert sorted(e.id for e in grid.staff) == sorted(e.id for e in current)
    assert set(grid.names) == {r.competency_id for r in grid.requirements}  # company-wide ones of others too
    assert {s.id: grid.names[s.id] for s in world.skills[:4]} == {s.id: s.name for s in world.skills[:4]}
    expected = holdings([a for a in world.assessments if a.employee_id in staff and a.competency_id in required], TODAY)
    assert dict(grid.holdings) == expected
    assert any(h.claimed is not None for h in expected.values())
    return {
        "department_matrix": len(matrix_sql),
        "department_snapshot": len(snapshot_sql),
        "current_levels": len(levels_sql),
        "learning_options": len(options_sql),
    }


async def test_round_trips_stay_fixed_as_the_department_grows(db: Database) -> None:
    small = await _costs(db, await _department(db, 5))
    large = await _costs(db, await _department(db, 200))
    assert small == large
    assert large == {"department_snapshot": 2, "current_levels": 1, "learning_options": 2, "department_matrix": 2}


async def test_an_unknown_department_costs_one_statement(db: Database) -> None:
    async with db.unit_of_work() as uow:
        await (await uow.connection()).execute(text("SELECT 1"))
        with statements(db) as seen:
            assert await uow.training.department_snapshot(department().id, TODAY) is None
    assert len(seen) == 1


async def test_learning_options_for_no_competencies_read_no_courses(db: Database) -> None:
    world = await _department(db, 3)
    async with db.unit_of_work() as uow:
        await (await uow.connection()).execute(text("SELECT 1"))
        with statements(db) as seen:
            options = await uow.training.learning_options(world.staff[0].id, ())
    assert (options.courses, len(options.enrollments), len(seen)) == ((), 2, 1)


async def test_a_page_of_courses_reads_their_covers_in_one_more_statement(db: Database) -> None:
    world = await _department(db, 1)
    await persist(db.unit_of_work, *[course((world.skills[0].id, Level.BASIC)) for _ in range(40)])
    counts = []
    for limit in (2, 45):
        async with db.unit_of_work() as uow:
            await (await uow.connection()).execute(text("SELECT 1"))
            with statements(db) as seen:
                page = await uow.repository(Course).page(ListQuery(sort=(SortKey("title"),), limit=limit), EVERYTHING)
        assert len(page.items) == limit
        assert all(c.covers for c in page.items)
        counts.append(len(seen))
    assert counts == [2, 2]


OTHER_DEPARTMENTS = 40
"""Copies of the department that make the tables realistic: ~8,000 employees, ~25,000
assessments, of which the department read holds 1/41."""


SEED_TIMEOUT_S = 120.0


async def _realistic(db: Database, world: Department_) -> None:
    """OTHER_DEPARTMENTS copies of `world`'s department, its staff and their assessments."""
    async with db.unit_of_work() as uow:
        connection = (await uow.connection()).connection
        # ~25,000 assessment rows, each through the current-level projection's row trigger: ~5 s
        # here with other tests running, so not under the service's 5 s statement timeout
        await connection.execute("SET LOCAL statement_timeout = 0")
        columns = {
            table: [r["column_name"] for r in await connection.fetch(COLUMNS, table)]
            for table in ("departments", "employees", "assessments")
        }

        def select(table: str, replaced: dict[str, str], source: str) -> str:
            values = ", ".join(replaced.get(c, f"{source}.{c}") for c in columns[table])
            return f"INSERT INTO {table} ({', '.join(columns[table])}) SELECT {values}"

        await connection.execute(
            "CREATE TEMP TABLE copies AS SELECT n, gen_random_uuid() AS id FROM generate_series(1, $1) n",
            OTHER_DEPARTMENTS,
        )
        await connection.execute(
            "CREATE TEMP TABLE people AS SELECT e.id AS old, c.n, gen_random_uuid() AS new "
            "FROM employees e CROSS JOIN copies c WHERE e.department_id = $1",
            world.dept.id,
        )
        await connection.execute(
            select("departments", {"id": "c.id", "name": "d.name || ' ' || c.n"}, "d")
            + " FROM departments d CROSS JOIN copies c WHERE d.id = $1",
            world.dept.id,
        )
        await connection.execute(
            select(
                "employees",
                {"id": "p.new", "email": "p.n || '.' || e.email", "department_id": "c.id", "manager_id": "NULL"},
                "e",
            )
            + " FROM employees e JOIN people p ON p.old = e.id JOIN copies c ON c.n = p.n"
        )
        await connection.execute(
            select("assessments", {"id": "gen_random_uuid()", "employee_id": "p.new"}, "a")
            + " FROM assessments a JOIN people p ON p.old = a.employee_id",
            timeout=SEED_TIMEOUT_S,
        )
        await connection.execute("DROP TABLE copies, people")
        await uow.commit()


COLUMNS = (
    "SELECT column_name FROM information_schema.columns "
    "WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position"
)


def _reads(plan: dict[str, Any], into: dict[str, list[tuple[str, float]]]) -> dict[str, list[tuple[str, float]]]:
    """Per table: (scan node, rows it read over all its loops: returned + removed by filters)."""
    if "Relation Name" in plan:
        rows = (
            plan["Actual Rows"] + plan.get("Rows Removed by Filter", 0) + plan.get("Rows Removed by Index Recheck", 0)
        )
        into.setdefault(plan["Relation Name"], []).append((plan["Node Type"], rows * plan["Actual Loops"]))
    for child in plan.get("Plans", []):
        _reads(child, into)
    return into


async def test_levels_are_read_through_indexes_on_realistic_data(db: Database) -> None:
    """What matters, whatever plan a PostgreSQL (15 to 18) picks: a fixed number of statements,
    and on tables ~40 times the department's size, no sequential scan of employees or
    assessments and no more rows read than the department's own (with some slack)."""
    world = await _department(db, 200)
    await _realistic(db, world)
    async with db.unit_of_work() as uow:
        connection = (await uow.connection()).connection
        await connection.execute("ANALYZE")
        assert await connection.fetchval("SELECT count(*) FROM assessments") == 600 * (OTHER_DEPARTMENTS + 1)
        with statements(db) as snapshot_sql:
            snapshot = await uow.training.department_snapshot(world.dept.id, TODAY)
        with statements(db) as levels_sql:
            await uow.training.current_levels(world.staff[7].id, TODAY)
        assert snapshot is not None
        holders = {e for by_level in snapshot.holders.values() for ids in by_level.values() for e in ids}
        assert holders <= {e.id for e in world.staff if e.is_current(TODAY)}  # not its copies'
        assert (len(snapshot_sql), len(levels_sql)) == (2, 1)
        budgets = [  # (statement, most rows it may read per table)
            # the holders of each level, from the projection (the history only for expired pairs)
            (snapshot_sql[1], {"employees": 2 * 200, "competency_levels": 2 * 600, "assessments": 2 * 600}),
            (levels_sql[0], {"assessments": 2 * 3}),  # one employee's levels
        ]
        for (statement, parameters), budget in budgets:
            explained = await connection.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", *parameters)
            reads = _reads(json.loads(explained)[0]["Plan"], {})
            for table, most in budget.items():
                assert reads.get(table), (table, reads)
                assert all(node != "Seq Scan" for node, _ in reads[table]), (table, reads[table])
                assert sum(rows for _, rows in reads[table]) <= most, (table, reads[table])
