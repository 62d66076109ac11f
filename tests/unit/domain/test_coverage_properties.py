"""Coverage, gaps and claimed levels agree with a brute-force oracle on random organisations and
histories (validated, proposed and rejected assessments mixed).

The oracle re-derives every rule from DOMAIN.md independently of the implementation: level
order from an explicit list, the latest valid validated assessment by sorting, the claim as a
newer proposed one, currency and validity from the dates, coverage by counting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from upskill.domain.competency import Level
from upskill.domain.coverage import (
    RequirementCoverage,
    claimed_levels,
    current_levels,
    department_coverage,
    employee_gaps,
)
from upskill.domain.organisation import Employee
from upskill.domain.training import Assessment, AssessmentStatus, Requirement

from .factories import T0

DEPARTMENTS = (UUID(int=1), UUID(int=2), UUID(int=3))
COMPETENCIES = (UUID(int=11), UUID(int=12), UUID(int=13))
ORDER = ["basic", "intermediate", "advanced", "expert"]
BASE = date(2024, 1, 1)

days = st.integers(0, 40).map(lambda n: BASE + timedelta(days=n))
moments = st.integers(0, 2).map(lambda n: T0 + timedelta(hours=n))  # few values: ties happen
statuses = st.sampled_from(
    [AssessmentStatus.VALIDATED] * 3 + [AssessmentStatus.PROPOSED] * 2 + [AssessmentStatus.REJECTED]
)


def maybe_after(day: date, low: int, high: int) -> st.SearchStrategy[date | None]:
    """None, or a day `low` to `high` days after `day`."""
    return st.none() | st.integers(low, high).map(lambda n: day + timedelta(days=n))


@dataclass(frozen=True)
class World:
    today: date
    employees: list[Employee]
    assessments: list[Assessment]
    requirements: list[Requirement]


@st.composite
def worlds(draw: st.DrawFn) -> World:
    employees = []
    for i in range(draw(st.integers(0, 8))):
        hired = draw(days)
        left = draw(maybe_after(hired, 0, 20))
        employees.append(
            Employee(
                id=UUID(int=100 + i),
                created_at=T0,
                updated_at=T0,
                full_name=f"E{i}",
                email=f"e{i}@example.com",
                department_id=draw(st.sampled_from(DEPARTMENTS)),
                hired_on=hired,
                left_on=left,
            )
        )
    assessments = []
    if employees:
        count = draw(st.integers(0, 30))
        ids = draw(st.permutations(range(count)))
        for n in ids:
            assessed = draw(days)
            assessments.append(
                Assessment(
                    id=UUID(int=1000 + n),
                    created_at=draw(moments),
                    updated_at=T0,
                    employee_id=draw(st.sampled_from(employees)).id,
                    competency_id=draw(st.sampled_from(COMPETENCIES)),
                    level=draw(st.sampled_from(list(Level))),
                    assessed_on=assessed,
                    expires_on=draw(maybe_after(assessed, 1, 20)),
                    status=draw(statuses),
                )
            )
    keys = draw(
        st.lists(
            st.tuples(
                st.sampled_from((None, *DEPARTMENTS)), st.sampled_from(COMPETENCIES), st.sampled_from(list(Level))
            ),
            unique=True,
            max_size=12,
        )
    )
    requirements = [
        Requirement(
            id=UUID(int=5000 - i),
            created_at=T0,
            updated_at=T0,
            department_id=dept,
            competency_id=competency,
            level=level,
            headcount=draw(st.integers(1, 4)),
        )
        for i, (dept, competency, level) in enumerate(keys)
    ]
    return World(draw(days), employees, assessments, requirements)


# -- the oracle ----------------------------------------------------------------------------------


def _newest_valid(world: World, employee_id: UUID, competency_id: UUID, status: str) -> Assessment | None:
    valid = [
        a
        for a in world.assessments
        if a.employee_id == employee_id
        and a.competency_id == competency_id
        and a.status.value == status
        and a.assessed_on <= world.today
        and not (a.expires_on is not None and a.expires_on <= world.today)
    ]
    if not valid:
        return None
    return sorted(valid, key=lambda a: (a.assessed_on, a.created_at, a.id.int), reverse=True)[0]


def oracle_level(world: World, employee_id: UUID, competency_id: UUID) -> str | None:
    """Only validated assessments count."""
    found = _newest_valid(world, employee_id, competency_id, "validated")
    return None if found is None else str(found.level.value)


def oracle_claim(world: World, employee_id: UUID, competency_id: UUID) -> str | None:
    """The newest valid proposed assessment, if newer than the one behind the current level."""
    claim = _newest_valid(world, employee_id, competency_id, "proposed")
    current = _newest_valid(world, employee_id, competency_id, "validated")
    if claim is None:
        return None
    newer = current is None or (claim.assessed_on, claim.created_at, claim.id.int) > (
        current.assessed_on,
        current.created_at,
        current.id.int,
    )
    return str(claim.level.value) if newer else None


def position(level: str | None) -> int:
    return -1 if level is None else ORDER.index(level)


def oracle_coverage(world: World, department_id: UUID) -> list[tuple[UUID, int, int, tuple[UUID, ...]]]:
    applicable = [r for r in world.requirements if r.department_id in (department_id, None)]
    applicable.sort(key=lambda r: (r.competency_id.int, ORDER.index(r.level.value), r.department_id is None, r.id.int))
    rows = []
    for r in applicable:
        holders = [
            e.id
            for e in world.employees
            if e.department_id == department_id
            and e.hired_on <= world.today
            and (e.left_on is None or world.today < e.left_on)
            and position(oracle_level(world, e.id, r.competency_id)) >= position(r.level.value)
        ]
        rows.append(
            (r.id, len(holders), max(r.headcount - len(holders), 0), tuple(sorted(holders, key=lambda u: u.int)))
        )
    return rows


def as_rows(coverage: list[RequirementCoverage]) -> list[tuple[UUID, int, int, tuple[UUID, ...]]]:
    return [(c.requirement.id, c.covered, c.gap, c.covered_by) for c in coverage]


# -- the properties ------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, database=None)
@given(worlds())
def test_current_levels_match_the_oracle(world: World) -> None:
    levels = current_levels(world.assessments, world.today)
    expected = {
        (e.id, c): lvl
        for e in world.employees
        for c in COMPETENCIES
        if (lvl := oracle_level(world, e.id, c)) is not None
    }
    assert {k: str(v.value) for k, v in levels.items()} == expected


@settings(max_examples=300, deadline=None, database=None)
@given(worlds())
def test_claimed_levels_match_the_oracle(world: World) -> None:
    claims = claimed_levels(world.assessments, world.today)
    expected = {
        (e.id, c): lvl
        for e in world.employees
        for c in COMPETENCIES
        if (lvl := oracle_claim(world, e.id, c)) is not None
    }
    assert {k: str(v.value) for k, v in claims.items()} == expected


@settings(max_examples=300, deadline=None, database=None)
@given(worlds())
def test_department_coverage_matches_the_oracle(world: World) -> None:
    levels = current_levels(world.assessments, world.today)
    for department_id in DEPARTMENTS:
        got = department_coverage(department_id, world.requirements, world.employees, levels, world.today)
        assert as_rows(got) == oracle_coverage(world, department_id)


@settings(max_examples=300, deadline=None, database=None)
@given(worlds())
def test_employee_gaps_match_the_oracle(world: World) -> None:
    levels = current_levels(world.assessments, world.today)
    for employee in world.employees:
        coverage = department_coverage(employee.department_id, world.requirements, world.employees, levels, world.today)
        by_id = {r.id: r for r in world.requirements}
        expected = []
        for rid, _covered, gap, _holders in oracle_coverage(world, employee.department_id):
            held = oracle_level(world, employee.id, by_id[rid].competency_id)
            if gap > 0 and position(by_id[rid].level.value) > position(held):
                expected.append((rid, gap, held))
        got = employee_gaps(employee, coverage, levels)
        assert [
            (g.requirement.id, g.shortfall, None if g.current is None else g.current.value) for g in got
        ] == expected


def test_the_oracle_agrees_with_a_hand_computed_example() -> None:
    dept = DEPARTMENTS[0]
    today = BASE + timedelta(days=10)
    ann = Employee(
        id=UUID(int=100),
        created_at=T0,
        updated_at=T0,
        full_name="Ann",
        email="a@x.io",
        department_id=dept,
        hired_on=BASE,
    )
    expert = Assessment(
        id=UUID(int=1000),
        created_at=T0,
        updated_at=T0,
        employee_id=ann.id,
        competency_id=COMPETENCIES[0],
        level=Level.EXPERT,
        assessed_on=BASE,
    )
    need = Requirement(
        id=UUID(int=5000),
        created_at=T0,
        updated_at=T0,
        department_id=None,
        competency_id=COMPETENCIES[0],
        level=Level.ADVANCED,
        headcount=2,
    )
    world = World(today, [ann], [expert], [need])
    assert oracle_coverage(world, dept) == [(need.id, 1, 1, (ann.id,))]
    assert oracle_coverage(World(BASE + timedelta(days=10), [ann.evolve(left_on=today)], [expert], [need]), dept) == [
        (need.id, 0, 2, ())
    ]
