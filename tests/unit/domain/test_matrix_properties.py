"""The skills matrix agrees with a brute-force oracle on random organisations and histories,
and its columns with coverage on the same department and day (DOMAIN.md, "The skills matrix").

The oracle re-derives every flag from the records: current and claimed levels as the coverage
oracle finds them, the expiry of the assessment behind the current level, counts and flags by
direct counting."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.domain.test_coverage_properties import (
    COMPETENCIES,
    DEPARTMENTS,
    ORDER,
    World,
    _newest_valid,
    oracle_claim,
    oracle_coverage,
    oracle_level,
    position,
    worlds,
)
from upskill.domain.competency import Level
from upskill.domain.errors import InvariantViolation
from upskill.domain.matrix import Matrix, MatrixSnapshot, holdings, skills_matrix
from upskill.domain.organisation import Department
from upskill.domain.training import Requirement

from .factories import T0, assessment, employee, requirement

NAMES = {c: f"C{i}" for i, c in enumerate(COMPETENCIES)}
windows = st.sampled_from([0, 1, 5, 30, 365])


def snapshot_of(world: World, department_id: UUID) -> MatrixSnapshot:
    """What a reader gives: the department, its applicable requirements and their competencies'
    names, its staff on the day and their holdings (from the pure `holdings`)."""
    requirements = tuple(r for r in world.requirements if r.department_id in (department_id, None))
    staff = tuple(e for e in world.employees if e.department_id == department_id and e.is_current(world.today))
    ids = {e.id for e in staff}
    history = [a for a in world.assessments if a.employee_id in ids]
    department = Department(id=department_id, created_at=T0, updated_at=T0, name="D")
    names = {r.competency_id: NAMES[r.competency_id] for r in requirements}
    return MatrixSnapshot(department, requirements, names, staff, holdings(history, world.today))


def oracle_requirement(world: World, department_id: UUID, competency_id: UUID) -> Requirement:
    candidates = [
        r for r in world.requirements if r.competency_id == competency_id and r.department_id in (department_id, None)
    ]
    return sorted(
        candidates,
        key=lambda r: (-ORDER.index(r.level.value), r.department_id is None, -r.headcount, r.id.int),
    )[0]


def oracle_matrix(world: World, department_id: UUID, window: int) -> dict[str, object]:
    staff = sorted(
        (
            e
            for e in world.employees
            if e.department_id == department_id
            and e.hired_on <= world.today
            and (e.left_on is None or world.today < e.left_on)
        ),
        key=lambda e: (e.full_name, e.id.int),
    )
    named = {r.competency_id for r in world.requirements if r.department_id in (department_id, None)}
    end = world.today + timedelta(days=window)
    columns, rows = [], []
    for c in sorted(named, key=lambda c: (NAMES[c], c)):
        need = oracle_requirement(world, department_id, c)
        holders = [e.id for e in staff if position(oracle_level(world, e.id, c)) >= position(need.level.value)]
        lapsing = 0
        for who in holders:
            behind = _newest_valid(world, who, c, "validated")
            assert behind is not None
            lapsing += behind.expires_on is not None and behind.expires_on <= end
        covered = len(holders)
        columns.append(
            (
                c,
                need.id,
                covered,
                max(0, need.headcount - covered),
                covered == 1,
                covered >= need.headcount and covered - lapsing < need.headcount,
                holders,
            )
        )
    for e in staff:
        cells = {}
        for c, *_ in columns:
            level, claim = oracle_level(world, e.id, c), oracle_claim(world, e.id, c)
            if level is None and claim is None:
                continue
            behind = _newest_valid(world, e.id, c, "validated")
            expires = None if behind is None else behind.expires_on
            cells[c] = (level, claim, expires, expires is not None and expires <= end)
        sole = [c for c, _, _, _, spof, _, holders in columns if spof and holders == [e.id]]
        rows.append((e.id, cells, sole))
    return {"columns": [col[:6] for col in columns], "rows": rows}


def as_oracle(matrix: Matrix) -> dict[str, object]:
    return {
        "columns": [
            (c.competency_id, c.requirement.id, c.covered, c.gap, c.single_point_of_failure, c.at_risk)
            for c in matrix.columns
        ],
        "rows": [
            (
                row.employee.id,
                {
                    c: (
                        None if cell.level is None else cell.level.value,
                        None if cell.claimed_level is None else cell.claimed_level.value,
                        cell.expires_on,
                        cell.expiring,
                    )
                    for c, cell in row.cells.items()
                },
                list(row.sole_cover_of),
            )
            for row in matrix.rows
        ],
    }


@settings(max_examples=300, deadline=None, database=None)
@given(worlds(), windows)
def test_the_matrix_matches_the_oracle(world: World, window: int) -> None:
    for department_id in DEPARTMENTS:
        matrix = skills_matrix(snapshot_of(world, department_id), world.today, window)
        assert as_oracle(matrix) == oracle_matrix(world, department_id, window)


@settings(max_examples=300, deadline=None, database=None)
@given(worlds(), windows)
def test_the_columns_agree_with_coverage(world: World, window: int) -> None:
    for department_id in DEPARTMENTS:
        matrix = skills_matrix(snapshot_of(world, department_id), world.today, window)
        coverage = {rid: (covered, gap) for rid, covered, gap, _ in oracle_coverage(world, department_id)}
        for column in matrix.columns:
            assert (column.covered, column.gap) == coverage[column.requirement.id]
        assert {c.competency_id for c in matrix.columns} == {
            r.competency_id for r in world.requirements if r.department_id in (department_id, None)
        }


def test_a_hand_computed_matrix() -> None:
    dept, python = DEPARTMENTS[0], COMPETENCIES[0]
    today = date(2024, 6, 1)
    ann = employee(department_id=dept, full_name="Ann")
    bob = employee(department_id=dept, full_name="Bob")
    need = requirement(department_id=dept, competency_id=python, level=Level.ADVANCED, headcount=1)
    lower = requirement(department_id=None, competency_id=python, level=Level.BASIC, headcount=5)
    history = [
        assessment(
            employee_id=ann.id,
            competency_id=python,
            level=Level.EXPERT,
            assessed_on=date(2024, 1, 1),
            expires_on=date(2024, 6, 20),
        ),
        assessment(employee_id=bob.id, competency_id=python, level=Level.INTERMEDIATE, assessed_on=date(2024, 1, 1)),
    ]
    snapshot = MatrixSnapshot(
        Department(id=dept, created_at=T0, updated_at=T0, name="Eng"),
        (lower, need),
        {python: "Python"},
        (bob, ann),
        holdings(history, today),
    )

    matrix = skills_matrix(snapshot, today, 30)

    [column] = matrix.columns
    assert (column.name, column.requirement, column.covered, column.gap) == ("Python", need, 1, 0)
    assert column.single_point_of_failure
    assert column.at_risk  # Ann's expert lapses on the 20th
    assert [r.employee.full_name for r in matrix.rows] == ["Ann", "Bob"]
    assert matrix.rows[0].sole_cover_of == (python,)
    assert matrix.rows[0].cells[python].expiring
    assert matrix.rows[1].cells[python].level is Level.INTERMEDIATE
    assert not skills_matrix(snapshot, today, 10).columns[0].at_risk  # the 20th is beyond ten days
    empty = MatrixSnapshot(snapshot.department, (), {}, (bob,), {})
    assert skills_matrix(empty, today).columns == ()
    assert [r.employee for r in skills_matrix(empty, today).rows] == [bob]


@pytest.mark.parametrize("days", [-1, 366])
def test_the_window_is_bounded(days: int) -> None:
    empty = MatrixSnapshot(Department(id=DEPARTMENTS[0], created_at=T0, updated_at=T0, name="D"), (), {}, (), {})
    with pytest.raises(InvariantViolation) as refused:
        skills_matrix(empty, date(2024, 1, 1), days)
    assert refused.value.field == "expiring_within_days"
