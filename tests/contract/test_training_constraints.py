"""Repository port: the training resources' rules the store holds — a partial unique rule (one
open enrollment per employee and course), a unique rule whose nulls collide (one company-wide
requirement per competency and level), references, and deleting what is referenced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import uuid4

import pytest

from tests.factories import assessment, competency, course, department, employee, enrollment, persist, requirement
from upskill.domain.competency import Competency, Level
from upskill.domain.errors import Conflict, InvalidReference
from upskill.domain.organisation import Department, Employee
from upskill.domain.ports import UnitOfWorkFactory
from upskill.domain.training import Course, Enrollment, EnrollmentStatus, Requirement

DONE = date(2024, 3, 1)


@dataclass(frozen=True)
class Setting:
    dept: Department
    other: Department
    python: Competency
    ada: Employee
    intro: Course


@pytest.fixture
async def setting(uow_factory: UnitOfWorkFactory) -> Setting:
    dept, other, python = department(), department(), competency()
    ada = employee(department_id=dept.id)
    intro = course((python.id, Level.BASIC))
    await persist(uow_factory, dept, other, python, ada, intro)
    return Setting(dept, other, python, ada, intro)


async def _count(uow_factory: UnitOfWorkFactory, entity: type[Enrollment] | type[Requirement]) -> int:
    async with uow_factory() as uow:
        return await uow.repository(entity).count()


async def test_a_second_open_enrollment_in_a_course_conflicts(uow_factory: UnitOfWorkFactory, setting: Setting) -> None:
    await persist(uow_factory, enrollment(employee_id=setting.ada.id, course_id=setting.intro.id))
    again = enrollment(employee_id=setting.ada.id, course_id=setting.intro.id, status=EnrollmentStatus.IN_PROGRESS)
    async with uow_factory() as uow:
        with pytest.raises(Conflict) as caught:
            await uow.repository(Enrollment).add(again)
    assert (caught.value.entity, caught.value.field) == ("Enrollment", "employee_id")
    assert await _count(uow_factory, Enrollment) == 1


async def test_closed_enrollments_take_no_part_in_the_rule(uow_factory: UnitOfWorkFactory, setting: Setting) -> None:
    ada, intro = setting.ada.id, setting.intro.id
    await persist(
        uow_factory,
        enrollment(employee_id=ada, course_id=intro, status=EnrollmentStatus.COMPLETED, completed_on=DONE),
        enrollment(employee_id=ada, course_id=intro, status=EnrollmentStatus.COMPLETED, completed_on=DONE),
        enrollment(employee_id=ada, course_id=intro, status=EnrollmentStatus.DROPPED),
        enrollment(employee_id=ada, course_id=intro, status=EnrollmentStatus.DROPPED),
        enrollment(employee_id=ada, course_id=intro, status=EnrollmentStatus.PLANNED),
    )
    assert await _count(uow_factory, Enrollment) == 5


async def test_reopening_a_closed_enrollment_beside_an_open_one_conflicts(
    uow_factory: UnitOfWorkFactory, setting: Setting
) -> None:
    dropped = enrollment(employee_id=setting.ada.id, course_id=setting.intro.id, status=EnrollmentStatus.DROPPED)
    await persist(uow_factory, dropped, enrollment(employee_id=setting.ada.id, course_id=setting.intro.id))
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.repository(Enrollment).update(
                dropped.evolve(status=EnrollmentStatus.PLANNED, version=2), expected_version=1
            )
    async with uow_factory() as uow:
        assert (await uow.repository(Enrollment).get(dropped.id)).status is EnrollmentStatus.DROPPED


async def test_company_wide_requirements_collide_with_each_other(
    uow_factory: UnitOfWorkFactory, setting: Setting
) -> None:
    python = setting.python.id
    await persist(uow_factory, requirement(competency_id=python, level=Level.ADVANCED))
    async with uow_factory() as uow:
        with pytest.raises(Conflict) as caught:
            await uow.repository(Requirement).add(requirement(competency_id=python, level=Level.ADVANCED, headcount=2))
    assert (caught.value.entity, caught.value.field) == ("Requirement", "department_id")
    assert await _count(uow_factory, Requirement) == 1


async def test_requirements_differing_in_department_or_level_coexist(
    uow_factory: UnitOfWorkFactory, setting: Setting
) -> None:
    python = setting.python.id
    await persist(
        uow_factory,
        requirement(competency_id=python, level=Level.ADVANCED),
        requirement(competency_id=python, level=Level.EXPERT),
        requirement(competency_id=python, level=Level.ADVANCED, department_id=setting.dept.id),
        requirement(competency_id=python, level=Level.ADVANCED, department_id=setting.other.id),
    )
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.repository(Requirement).add(
                requirement(competency_id=python, level=Level.ADVANCED, department_id=setting.dept.id)
            )
    assert await _count(uow_factory, Requirement) == 4


@pytest.mark.parametrize("field", ["department_id", "competency_id"])
async def test_a_requirement_must_reference_existing_records(
    uow_factory: UnitOfWorkFactory, setting: Setting, field: str
) -> None:
    record = requirement(competency_id=setting.python.id, department_id=setting.dept.id).evolve(**{field: uuid4()})
    async with uow_factory() as uow:
        with pytest.raises(InvalidReference) as caught:
            await uow.repository(Requirement).add(record)
    assert (caught.value.entity, caught.value.field) == ("Requirement", field)


async def test_an_assessed_employee_and_competency_cannot_be_deleted(
    uow_factory: UnitOfWorkFactory, setting: Setting
) -> None:
    await persist(uow_factory, assessment(employee_id=setting.ada.id, competency_id=setting.python.id))
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.repository(Employee).delete(setting.ada.id)
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.repository(Competency).delete(setting.python.id)
    async with uow_factory() as uow:
        assert await uow.repository(Employee).exists(setting.ada.id)


async def test_an_enrolled_course_cannot_be_deleted(uow_factory: UnitOfWorkFactory, setting: Setting) -> None:
    await persist(uow_factory, enrollment(employee_id=setting.ada.id, course_id=setting.intro.id))
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.repository(Course).delete(setting.intro.id)
