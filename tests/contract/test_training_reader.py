"""TrainingReader port: the department snapshot (requirements, current staff, current levels),
an employee's current levels and learning options, as the unit of work sees the records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

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
from upskill.domain.organisation import Department, Employee
from upskill.domain.ports import DepartmentSnapshot, UnitOfWorkFactory
from upskill.domain.training import Assessment, EnrollmentStatus, Requirement

TODAY = date(2024, 6, 1)
NOON = datetime(2024, 1, 1, 12, tzinfo=UTC)


@dataclass(frozen=True)
class Org:
    eng: Department
    ops: Department
    python: Competency
    sql: Competency
    ada: Employee
    grace: Employee


@pytest.fixture
async def org(uow_factory: UnitOfWorkFactory) -> Org:
    eng, ops = department(name="Engineering"), department(name="Operations")
    python, sql = competency(name="Python"), competency(name="SQL")
    ada = employee(department_id=eng.id, hired_on=date(2020, 1, 1))
    grace = employee(department_id=ops.id, hired_on=date(2020, 1, 1))
    await persist(uow_factory, eng, ops, python, sql, ada, grace)
    return Org(eng, ops, python, sql, ada, grace)


def held(snapshot: DepartmentSnapshot | None) -> dict[tuple[UUID, UUID], Level]:
    """(employee id, competency id) → current level, from the snapshot's holders."""
    assert snapshot is not None
    return {(e, c): level for c, by_level in snapshot.holders.items() for level, ids in by_level.items() for e in ids}


async def _levels(uow_factory: UnitOfWorkFactory, employee_id: UUID, on: date = TODAY) -> dict[UUID, Level]:
    async with uow_factory() as uow:
        return dict(await uow.training.current_levels(employee_id, on))


def _dated_history(org: Org) -> list[Assessment]:
    """Ada's Python: advanced (2023), then basic expired on 2024-05-01 — newer but expired, it
    does not hide the older valid one — then expert from tomorrow; her SQL: expert (2023), then
    basic expiring today."""
    ada, python, sql = org.ada.id, org.python.id, org.sql.id
    return [
        assessment(employee_id=ada, competency_id=python, level=Level.ADVANCED, assessed_on=date(2023, 1, 1)),
        assessment(
            employee_id=ada,
            competency_id=python,
            level=Level.BASIC,
            assessed_on=date(2024, 1, 1),
            expires_on=date(2024, 5, 1),
        ),
        assessment(employee_id=ada, competency_id=python, level=Level.EXPERT, assessed_on=TODAY + timedelta(days=1)),
        assessment(employee_id=ada, competency_id=sql, level=Level.EXPERT, assessed_on=date(2023, 1, 1)),
        assessment(
            employee_id=ada, competency_id=sql, level=Level.BASIC, assessed_on=date(2024, 1, 1), expires_on=TODAY
        ),
    ]


async def test_an_unknown_department_has_no_snapshot(uow_factory: UnitOfWorkFactory, org: Org) -> None:
    async with uow_factory() as uow:
        assert await uow.training.department_snapshot(uuid4(), TODAY) is None


async def test_the_snapshot_holds_own_and_company_wide_requirements(uow_factory: UnitOfWorkFactory, org: Org) -> None:
    own = requirement(competency_id=org.python.id, department_id=org.eng.id)
    company_wide = requirement(competency_id=org.sql.id, level=Level.EXPERT)
    others = requirement(competency_id=org.python.id, department_id=org.ops.id)
    await persist(uow_factory, own, company_wide, others)
    async with uow_factory() as uow:
        snapshot = await uow.training.department_snapshot(org.eng.id, TODAY)
    assert snapshot is not None
    assert snapshot.department == org.eng
    assert sorted(snapshot.requirements, key=lambda r: r.id) == sorted([own, company_wide], key=lambda r: r.id)


async def test_the_snapshot_holds_the_staff_employed_on_the_day(uow_factory: UnitOfWorkFactory, org: Org) -> None:
    eng = org.eng.id
    hired_today = employee(department_id=eng, hired_on=TODAY)
    hired_tomorrow = employee(department_id=eng, hired_on=TODAY + timedelta(days=1))
    leaves_tomorrow = employee(department_id=eng, hired_on=date(2021, 1, 1), left_on=TODAY + timedelta(days=1))
    left_today = employee(department_id=eng, hired_on=date(2021, 1, 1), left_on=TODAY)
    left_long_ago = employee(department_id=eng, hired_on=date(2021, 1, 1), left_on=date(2022, 1, 1))
    people = [org.ada, hired_today, hired_tomorrow, leaves_tomorrow, left_today, left_long_ago]
    levelled = [
        assessment(employee_id=e.id, competency_id=org.python.id, level=Level.BASIC, assessed_on=date(2021, 6, 1))
        for e in people
    ]
    need = requirement(competency_id=org.python.id, department_id=eng)
    await persist(uow_factory, *people[1:], need, *levelled)
    async with uow_factory() as uow:
        snapshot = await uow.training.department_snapshot(eng, TODAY, hired_tomorrow.id)
    assert snapshot is not None
    assert snapshot.holders == {org.python.id: {Level.BASIC: sorted([org.ada.id, hired_today.id, leaves_tomorrow.id])}}
    assert snapshot.own == {}  # not one of the staff on the day


async def test_the_snapshot_levels_are_the_current_ones_in_required_competencies(
    uow_factory: UnitOfWorkFactory, org: Org
) -> None:
    await persist(
        uow_factory,
        requirement(competency_id=org.python.id, department_id=org.eng.id),
        assessment(
            employee_id=org.ada.id, competency_id=org.python.id, level=Level.BASIC, assessed_on=date(2023, 1, 1)
        ),
        assessment(
            employee_id=org.ada.id, competency_id=org.python.id, level=Level.EXPERT, assessed_on=date(2024, 1, 1)
        ),
        assessment(employee_id=org.ada.id, competency_id=org.sql.id, level=Level.EXPERT, assessed_on=date(2024, 1, 1)),
        assessment(employee_id=org.grace.id, competency_id=org.python.id, level=Level.EXPERT),
    )
    async with uow_factory() as uow:
        snapshot = await uow.training.department_snapshot(org.eng.id, TODAY, org.ada.id)
    assert held(snapshot) == {(org.ada.id, org.python.id): Level.EXPERT}
    assert snapshot is not None
    assert snapshot.own == {org.python.id: Level.EXPERT}


async def test_the_snapshot_levels_follow_the_day_through_expiry_and_later_assessments(
    uow_factory: UnitOfWorkFactory, org: Org
) -> None:
    """The projection's latest assessment answers when it is valid on the day; an expired or
    not-yet-made one leaves the answer to the history (the same days as for `current_levels`)."""
    ada, python, sql = org.ada.id, org.python.id, org.sql.id
    await persist(
        uow_factory,
        requirement(competency_id=python, department_id=org.eng.id),
        requirement(competency_id=sql),
        *_dated_history(org),
    )
    for day in (TODAY, TODAY - timedelta(days=1), TODAY + timedelta(days=1), date(2024, 3, 1), date(2022, 1, 1)):
        expected = {(ada, c): level for c, level in (await _levels(uow_factory, ada, day)).items()}
        async with uow_factory() as uow:
            snapshot = await uow.training.department_snapshot(org.eng.id, day, ada)
        assert held(snapshot) == expected, day
    async with uow_factory() as uow:
        snapshot = await uow.training.department_snapshot(org.eng.id, TODAY, ada)
    assert snapshot is not None
    assert snapshot.own == {python: Level.ADVANCED, sql: Level.EXPERT}


async def test_the_latest_valid_assessment_gives_the_level(uow_factory: UnitOfWorkFactory, org: Org) -> None:
    ada, python, sql = org.ada.id, org.python.id, org.sql.id
    await persist(
        uow_factory,
        *_dated_history(org),
    )
    assert await _levels(uow_factory, ada) == {python: Level.ADVANCED, sql: Level.EXPERT}
    assert await _levels(uow_factory, ada, TODAY - timedelta(days=1)) == {python: Level.ADVANCED, sql: Level.BASIC}
    assert await _levels(uow_factory, ada, TODAY + timedelta(days=1)) == {python: Level.EXPERT, sql: Level.EXPERT}
    assert await _levels(uow_factory, ada, date(2022, 1, 1)) == {}


async def test_same_day_assessments_tie_break_by_creation_then_id(uow_factory: UnitOfWorkFactory, org: Org) -> None:
    ada, python, sql = org.ada.id, org.python.id, org.sql.id
    day = date(2024, 1, 1)
    low_id, high_id = sorted([uuid4(), uuid4()])
    await persist(
        uow_factory,
        assessment(employee_id=ada, competency_id=python, level=Level.EXPERT, assessed_on=day, created_at=NOON),
        assessment(
            employee_id=ada,
            competency_id=python,
            level=Level.BASIC,
            assessed_on=day,
            created_at=NOON + timedelta(seconds=1),
        ),
        assessment(employee_id=ada, competency_id=sql, level=Level.BASIC, assessed_on=day, created_at=NOON, id=high_id),
        assessment(employee_id=ada, competency_id=sql, level=Level.EXPERT, assessed_on=day, created_at=NOON, id=low_id),
    )
    assert await _levels(uow_factory, ada) == {python: Level.BASIC, sql: Level.BASIC}


async def test_an_unassessed_employee_has_no_levels(uow_factory: UnitOfWorkFactory, org: Org) -> None:
    assert await _levels(uow_factory, org.grace.id) == {}
    assert await _levels(uow_factory, uuid4()) == {}


async def test_the_reader_sees_the_unit_of_works_own_writes(uow_factory: UnitOfWorkFactory, org: Org) -> None:
    async with uow_factory() as uow:
        need = requirement(competency_id=org.python.id, department_id=org.eng.id)
        await uow.repository(Requirement).add(need)
        levelled = assessment(employee_id=org.ada.id, competency_id=org.python.id, level=Level.ADVANCED)
        await uow.repository(type(levelled)).add(levelled)
        snapshot = await uow.training.department_snapshot(org.eng.id, TODAY)
        levels = await uow.training.current_levels(org.ada.id, TODAY)
    assert snapshot is not None
    assert [r.id for r in snapshot.requirements] == [need.id]
    assert held(snapshot) == {(org.ada.id, org.python.id): Level.ADVANCED}
    assert dict(levels) == {org.python.id: Level.ADVANCED}
    async with uow_factory() as uow:
        assert await uow.training.current_levels(org.ada.id, TODAY) == {}


async def test_an_empty_department_has_an_empty_snapshot(uow_factory: UnitOfWorkFactory) -> None:
    empty = department()
    await persist(uow_factory, empty)
    async with uow_factory() as uow:
        snapshot = await uow.training.department_snapshot(empty.id, TODAY)
    assert snapshot is not None
    assert (snapshot.department, tuple(snapshot.requirements), dict(snapshot.holders), dict(snapshot.own)) == (
        empty,
        (),
        {},
        {},
    )


async def test_courses_are_offered_for_the_asked_competencies(uow_factory: UnitOfWorkFactory, org: Org) -> None:
    rust = competency(name="Rust")
    python_course = course((org.python.id, Level.BASIC))
    mixed = course((rust.id, Level.BASIC), (org.sql.id, Level.EXPERT))
    rust_only = course((rust.id, Level.EXPERT))
    await persist(uow_factory, rust, python_course, mixed, rust_only, course())
    async with uow_factory() as uow:
        both = await uow.training.learning_options(org.ada.id, {org.python.id, org.sql.id})
        none = await uow.training.learning_options(org.ada.id, set())
    assert {c.id: c for c in both.courses} == {python_course.id: python_course, mixed.id: mixed}
    assert tuple(none.courses) == ()


async def test_the_employees_enrollments_and_scored_feedback_received_are_offered(
    uow_factory: UnitOfWorkFactory, org: Org
) -> None:
    ada, grace = org.ada.id, org.grace.id
    intro, deep = course((org.python.id, Level.BASIC)), course((org.python.id, Level.EXPERT))
    planned = enrollment(employee_id=ada, course_id=intro.id)
    dropped = enrollment(employee_id=ada, course_id=deep.id, status=EnrollmentStatus.DROPPED)
    finished = enrollment(
        employee_id=ada, course_id=deep.id, status=EnrollmentStatus.COMPLETED, completed_on=date(2024, 2, 1)
    )
    graces = enrollment(employee_id=grace, course_id=intro.id)
    scored = feedback(subject_id=ada, author_id=grace, competency_id=org.python.id, score=2)
    scored_anywhere = feedback(subject_id=ada, author_id=grace, score=4)
    unscored = feedback(subject_id=ada, author_id=grace, competency_id=org.python.id, comment="fine")
    given = feedback(subject_id=grace, author_id=ada, competency_id=org.python.id, score=1)
    await persist(
        uow_factory, intro, deep, planned, dropped, finished, graces, scored, scored_anywhere, unscored, given
    )
    async with uow_factory() as uow:
        options = await uow.training.learning_options(ada, {org.sql.id})
    assert tuple(options.courses) == ()
    assert sorted(e.id for e in options.enrollments) == sorted([planned.id, dropped.id, finished.id])
    assert {f.id: f for f in options.feedback} == {scored.id: scored, scored_anywhere.id: scored_anywhere}
