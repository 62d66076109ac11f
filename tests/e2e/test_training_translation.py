"""What PostgreSQL refuses in the training tables comes out as the core error it stands for,
decided by SQLSTATE and the constraint's name: the partial unique index of open enrollments,
the NULLS NOT DISTINCT unique rule of requirements, the references of a course's covers, and
every check constraint (each reported on the field it guards)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import text

from adapters.postgres.database import Database
from adapters.postgres.errors import Action, Attempt, translated
from tests.e2e.test_error_translation import forged
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
from upskill.domain.entity import Entity
from upskill.domain.errors import Conflict, InvalidReference, InvariantViolation
from upskill.domain.organisation import Department, Employee
from upskill.domain.training import Course, CourseCoverage, Enrollment, EnrollmentStatus

DONE = date(2024, 3, 1)


@dataclass(frozen=True)
class World:
    dept: Department
    python: Competency
    sql: Competency
    ada: Employee
    bob: Employee
    intro: Course


@pytest.fixture
async def world(db: Database) -> World:
    dept, python, sql = department(), competency(), competency()
    ada, bob = employee(department_id=dept.id), employee(department_id=dept.id)
    intro = course((python.id, Level.BASIC))
    await persist(db.unit_of_work, dept, python, sql, ada, bob, intro)
    return World(dept, python, sql, ada, bob, intro)


async def _add(db: Database, entity: Entity) -> None:
    async with db.unit_of_work() as uow:
        await uow.repository(type(entity)).add(entity)
        await uow.commit()


async def _count(db: Database, table: str) -> int:
    async with db.unit_of_work() as uow:
        return int((await (await uow.connection()).execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def test_a_second_open_enrollment_is_a_conflict_on_employee_id(db: Database, world: World) -> None:
    await _add(db, enrollment(employee_id=world.ada.id, course_id=world.intro.id))
    with pytest.raises(Conflict) as caught:
        await _add(db, enrollment(employee_id=world.ada.id, course_id=world.intro.id))
    assert (caught.value.entity, caught.value.field) == ("Enrollment", "employee_id")
    assert [e.field for e in caught.value.errors] == ["employee_id", "course_id"]
    assert "uq_enrollments_employee_id_course_id_open" in str(caught.value.__cause__)
    assert await _count(db, "enrollments") == 1


async def test_a_new_enrollment_after_the_first_is_completed_is_allowed(db: Database, world: World) -> None:
    first = enrollment(employee_id=world.ada.id, course_id=world.intro.id)
    await _add(db, first)
    async with db.unit_of_work() as uow:
        done = first.evolve(status=EnrollmentStatus.COMPLETED, completed_on=DONE, version=2)
        await uow.repository(Enrollment).update(done, expected_version=1)
        await uow.commit()
    await _add(db, enrollment(employee_id=world.ada.id, course_id=world.intro.id))
    await _add(db, enrollment(employee_id=world.bob.id, course_id=world.intro.id))
    assert await _count(db, "enrollments") == 3


async def test_a_duplicate_company_wide_requirement_is_a_conflict_on_department_id(db: Database, world: World) -> None:
    await _add(db, requirement(competency_id=world.python.id, level=Level.ADVANCED))
    with pytest.raises(Conflict) as caught:
        await _add(db, requirement(competency_id=world.python.id, level=Level.ADVANCED, headcount=3))
    assert (caught.value.entity, caught.value.field) == ("Requirement", "department_id")
    assert "uq_requirements_department_id_competency_id_level" in str(caught.value.__cause__)
    await _add(db, requirement(competency_id=world.python.id, level=Level.ADVANCED, department_id=world.dept.id))
    with pytest.raises(Conflict):
        await _add(db, requirement(competency_id=world.python.id, level=Level.ADVANCED, department_id=world.dept.id))
    assert await _count(db, "requirements") == 2


async def test_covers_with_an_unknown_competency_name_the_item(db: Database, world: World) -> None:
    ghost = uuid4()
    with pytest.raises(InvalidReference) as caught:
        await _add(db, course((world.python.id, Level.BASIC), (ghost, Level.EXPERT)))
    assert (caught.value.entity, caught.value.field) == ("Course", "covers.1.competency_id")
    assert str(ghost) in str(caught.value)
    assert await _count(db, "courses") == 1  # the intro course only: the new one rolled back whole


async def test_an_update_covering_an_unknown_competency_names_the_item(db: Database, world: World) -> None:
    changed = world.intro.evolve(covers=(CourseCoverage(uuid4(), Level.BASIC),), version=2)
    async with db.unit_of_work() as uow:
        with pytest.raises(InvalidReference) as caught:
            await uow.repository(Course).update(changed, expected_version=1)
    assert caught.value.field == "covers.0.competency_id"
    async with db.unit_of_work() as uow:
        assert await uow.repository(Course).get(world.intro.id) == world.intro


async def test_deleting_a_competency_a_course_covers_is_a_conflict(db: Database, world: World) -> None:
    async with db.unit_of_work() as uow:
        with pytest.raises(Conflict) as caught:
            await uow.repository(Competency).delete(world.python.id)
    assert (caught.value.entity, caught.value.id) == ("Competency", world.python.id)
    assert "courses" in str(caught.value)
    async with db.unit_of_work() as uow:
        await uow.repository(Competency).delete(world.sql.id)  # covered by no course
        await uow.commit()


async def test_deleting_an_enrolled_course_is_a_conflict_and_an_unenrolled_one_takes_its_covers(
    db: Database, world: World
) -> None:
    spare = course((world.sql.id, Level.BASIC), (world.python.id, Level.EXPERT))
    await persist(db.unit_of_work, spare, enrollment(employee_id=world.ada.id, course_id=world.intro.id))
    async with db.unit_of_work() as uow:
        with pytest.raises(Conflict) as caught:
            await uow.repository(Course).delete(world.intro.id)
    assert caught.value.entity == "Course"
    async with db.unit_of_work() as uow:
        await uow.repository(Course).delete(spare.id)
        await uow.commit()
    assert await _count(db, "course_covers") == 1


def _unknown_level(cover: CourseCoverage) -> CourseCoverage:
    object.__setattr__(cover, "level", "guru")
    return cover


Forge = Callable[[World], tuple[Entity, dict[str, Any]]]

CHECKS: dict[str, tuple[str, Forge]] = {
    "ck_requirements_headcount": (
        "headcount",
        lambda w: (requirement(competency_id=w.python.id), {"headcount": 0}),
    ),
    "ck_assessments_expires_on": (
        "expires_on",
        lambda w: (
            assessment(employee_id=w.ada.id, competency_id=w.python.id, assessed_on=DONE),
            {"expires_on": DONE},
        ),
    ),
    "ck_assessments_assessor_id": (
        "assessor_id",
        lambda w: (assessment(employee_id=w.ada.id, competency_id=w.python.id), {"assessor_id": w.ada.id}),
    ),
    "ck_feedback_author_id": (
        "author_id",
        lambda w: (feedback(subject_id=w.ada.id, author_id=w.bob.id), {"author_id": w.ada.id}),
    ),
    "ck_feedback_score low": ("score", lambda w: (feedback(subject_id=w.ada.id, author_id=w.bob.id), {"score": 0})),
    "ck_feedback_score high": ("score", lambda w: (feedback(subject_id=w.ada.id, author_id=w.bob.id), {"score": 6})),
    "ck_courses_rating low": ("rating", lambda w: (course(), {"rating": -0.5})),
    "ck_courses_rating high": ("rating", lambda w: (course(), {"rating": 5.5})),
    "ck_courses_rating nan": ("rating", lambda w: (course(), {"rating": float("nan")})),
    "ck_courses_learners": ("learners", lambda w: (course(), {"learners": -1})),
    "ck_courses_duration_hours zero": ("duration_hours", lambda w: (course(), {"duration_hours": 0.0})),
    "ck_courses_duration_hours infinite": ("duration_hours", lambda w: (course(), {"duration_hours": float("inf")})),
    "ck_courses_duration_hours nan": ("duration_hours", lambda w: (course(), {"duration_hours": float("nan")})),
    "ck_enrollments_completed_on missing": (
        "completed_on",
        lambda w: (enrollment(employee_id=w.ada.id, course_id=w.intro.id), {"status": EnrollmentStatus.COMPLETED}),
    ),
    "ck_enrollments_completed_on unexpected": (
        "completed_on",
        lambda w: (enrollment(employee_id=w.ada.id, course_id=w.intro.id), {"completed_on": DONE}),
    ),
    "ck_requirements_level": ("level", lambda w: (requirement(competency_id=w.python.id), {"level": "guru"})),
    "ck_assessments_level": (
        "level",
        lambda w: (assessment(employee_id=w.ada.id, competency_id=w.python.id), {"level": "guru"}),
    ),
    "ck_enrollments_status": (
        "status",
        lambda w: (enrollment(employee_id=w.ada.id, course_id=w.intro.id), {"status": "paused"}),
    ),
    "ck_course_covers_level": (
        "covers",
        lambda w: (course(), {"covers": (_unknown_level(CourseCoverage(w.sql.id, Level.BASIC)),)}),
    ),
}


@pytest.mark.parametrize("case", sorted(CHECKS))
async def test_each_check_constraint_is_an_invariant_violation_on_its_field(
    db: Database, world: World, case: str
) -> None:
    field, forge = CHECKS[case]
    record, values = forge(world)
    entity = forged(record, **values)
    with pytest.raises(InvariantViolation) as caught:
        await _add(db, entity)
    assert (caught.value.entity, caught.value.field) == (entity.label, field)
    assert case.split()[0] in str(caught.value.__cause__)


async def test_a_raw_insert_breaking_a_check_is_reported_on_its_field(db: Database, world: World) -> None:
    async with db.unit_of_work() as uow:
        with pytest.raises(InvariantViolation) as caught, translated(db.registry.constraints, Attempt(Action.WRITE)):
            await (await uow.connection()).execute(
                text(
                    "INSERT INTO course_covers (course_id, position, competency_id, level) "
                    f"VALUES ('{world.intro.id}', 1, '{world.sql.id}', 'master')"
                )
            )
    assert (caught.value.entity, caught.value.field) == ("Course", "covers")
