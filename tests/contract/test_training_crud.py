"""Repository port on the training resources: every field of each survives add, update and
delete, on both adapters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from tests.factories import assessment, competency, course, department, employee, enrollment, feedback, persist
from tests.factories import requirement as requirement_of
from upskill.domain.competency import Competency, Level
from upskill.domain.entity import Entity
from upskill.domain.organisation import Department, Employee
from upskill.domain.ports import UnitOfWorkFactory
from upskill.domain.training import CourseCoverage, EnrollmentStatus


@dataclass(frozen=True)
class Team:
    dept: Department
    python: Competency
    sql: Competency
    ada: Employee
    alan: Employee


@pytest.fixture
async def team(uow_factory: UnitOfWorkFactory) -> Team:
    dept, python, sql = department(), competency(name="Python"), competency(name="SQL")
    ada, alan = employee(department_id=dept.id), employee(department_id=dept.id)
    await persist(uow_factory, dept, python, sql, ada, alan)
    return Team(dept, python, sql, ada, alan)


async def _round_trip(uow_factory: UnitOfWorkFactory, record: Entity, changed: Entity) -> None:
    """Add `record`, read it back, replace it by `changed` (its version 2), read that back,
    delete it, and see it gone."""
    repo_type = type(record)
    await persist(uow_factory, record)
    async with uow_factory() as uow:
        assert await uow.repository(repo_type).get(record.id) == record
        await uow.repository(repo_type).update(changed, expected_version=1)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.repository(repo_type).get(record.id) == changed
        await uow.repository(repo_type).delete(record.id, expected_version=2)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.repository(repo_type).find(record.id) is None


async def test_a_requirement_round_trips(uow_factory: UnitOfWorkFactory, team: Team) -> None:
    record = requirement_of(department_id=team.dept.id, competency_id=team.python.id, level=Level.EXPERT, headcount=3)
    changed = record.evolve(department_id=None, level=Level.BASIC, headcount=1, version=2)
    await _round_trip(uow_factory, record, changed)


async def test_an_assessment_round_trips(uow_factory: UnitOfWorkFactory, team: Team) -> None:
    record = assessment(
        employee_id=team.ada.id,
        competency_id=team.python.id,
        level=Level.ADVANCED,
        assessed_on=date(2024, 2, 29),
        expires_on=date(2025, 2, 28),
        assessor_id=team.alan.id,
        note="Pair-programmed a parser — très bien",
    )
    changed = record.evolve(expires_on=None, assessor_id=None, note=None, version=2)
    await _round_trip(uow_factory, record, changed)


async def test_a_feedback_round_trips(uow_factory: UnitOfWorkFactory, team: Team) -> None:
    record = feedback(subject_id=team.ada.id, author_id=team.alan.id, competency_id=team.sql.id, score=4, comment="ok")
    changed = record.evolve(competency_id=None, score=None, comment=None, version=2)
    await _round_trip(uow_factory, record, changed)


async def test_a_course_round_trips_with_its_covers(uow_factory: UnitOfWorkFactory, team: Team) -> None:
    record = course((team.sql.id, Level.ADVANCED), (team.python.id, Level.BASIC), title="Data", description="d").evolve(
        provider="Acme", url="https://example.com/data", duration_hours=12.5, rating=4.25, learners=1234
    )
    changed = record.evolve(
        covers=(CourseCoverage(team.python.id, Level.EXPERT),), provider=None, url=None, duration_hours=None, version=2
    )
    await _round_trip(uow_factory, record, changed)


async def test_an_enrollment_round_trips(uow_factory: UnitOfWorkFactory, team: Team) -> None:
    taught = course((team.python.id, Level.BASIC))
    await persist(uow_factory, taught)
    record = enrollment(employee_id=team.ada.id, course_id=taught.id, status=EnrollmentStatus.IN_PROGRESS)
    changed = record.evolve(status=EnrollmentStatus.COMPLETED, completed_on=date(2024, 5, 31), version=2)
    await _round_trip(uow_factory, record, changed)
