"""The memory unit of work re-checks the training rules at commit too: a partial unique rule,
nulls that collide, and the references held by a course's covers."""

from __future__ import annotations

import pytest

from adapters.memory import MemoryStore
from tests.factories import competency, course, department, employee, enrollment, persist, requirement
from upskill.domain.competency import Competency, Level
from upskill.domain.errors import Conflict, InvalidReference
from upskill.domain.training import Course, Enrollment, EnrollmentStatus, Requirement


async def test_an_open_enrollment_committed_meanwhile_is_a_conflict(memory_store: MemoryStore) -> None:
    dept, skill = department(), competency()
    ada, intro = employee(department_id=dept.id), course((skill.id, Level.BASIC))
    await persist(memory_store.unit_of_work, dept, skill, ada, intro)
    async with memory_store.unit_of_work() as late:
        await late.repository(Enrollment).add(enrollment(employee_id=ada.id, course_id=intro.id))
        await persist(
            memory_store.unit_of_work,
            enrollment(employee_id=ada.id, course_id=intro.id, status=EnrollmentStatus.IN_PROGRESS),
        )
        with pytest.raises(Conflict) as caught:
            await late.commit()
    assert caught.value.field == "employee_id"
    assert [e.status for e in memory_store.table(Enrollment).values() if isinstance(e, Enrollment)] == [
        EnrollmentStatus.IN_PROGRESS
    ]


async def test_a_closed_enrollment_committed_meanwhile_is_no_conflict(memory_store: MemoryStore) -> None:
    dept, skill = department(), competency()
    ada, intro = employee(department_id=dept.id), course((skill.id, Level.BASIC))
    await persist(memory_store.unit_of_work, dept, skill, ada, intro)
    async with memory_store.unit_of_work() as late:
        await late.repository(Enrollment).add(enrollment(employee_id=ada.id, course_id=intro.id))
        await persist(
            memory_store.unit_of_work,
            enrollment(employee_id=ada.id, course_id=intro.id, status=EnrollmentStatus.DROPPED),
        )
        await late.commit()
    assert len(memory_store.table(Enrollment)) == 2


async def test_a_company_wide_requirement_committed_meanwhile_is_a_conflict(memory_store: MemoryStore) -> None:
    skill = competency()
    await persist(memory_store.unit_of_work, skill)
    async with memory_store.unit_of_work() as late:
        await late.repository(Requirement).add(requirement(competency_id=skill.id, headcount=1))
        await persist(memory_store.unit_of_work, requirement(competency_id=skill.id, headcount=2))
        with pytest.raises(Conflict):
            await late.commit()
    assert [r.headcount for r in memory_store.table(Requirement).values() if isinstance(r, Requirement)] == [2]


async def test_a_covered_competency_removed_meanwhile_is_an_invalid_reference(memory_store: MemoryStore) -> None:
    kept, doomed = competency(), competency()
    await persist(memory_store.unit_of_work, kept, doomed)
    async with memory_store.unit_of_work() as late:
        await late.repository(Course).add(course((kept.id, Level.BASIC), (doomed.id, Level.EXPERT)))
        async with memory_store.unit_of_work() as early:
            await early.repository(Competency).delete(doomed.id)
            await early.commit()
        with pytest.raises(InvalidReference) as caught:
            await late.commit()
    assert caught.value.field == "covers.1.competency_id"
    assert memory_store.table(Course) == {}


async def test_a_course_covering_it_meanwhile_blocks_deleting_a_competency(memory_store: MemoryStore) -> None:
    skill = competency()
    await persist(memory_store.unit_of_work, skill)
    async with memory_store.unit_of_work() as late:
        await late.repository(Competency).delete(skill.id)
        await persist(memory_store.unit_of_work, course((skill.id, Level.BASIC)))
        with pytest.raises(Conflict):
            await late.commit()
    assert list(memory_store.table(Competency)) == [skill.id]
