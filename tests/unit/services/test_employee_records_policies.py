"""AssessmentPolicy and EnrollmentPolicy through their services: records about one employee —
the admin handles all, a manager those of their department, an employee reads their own,
records self-assessments and enrolls themselves; asserted on what is stored afterwards."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import assessment, course, enrollment
from tests.unit.services.training_world import TrainingWorld, ids
from upskill.domain.competency import Level
from upskill.domain.errors import Forbidden, NotFound
from upskill.domain.principal import Principal
from upskill.domain.query import ListQuery
from upskill.domain.training import (
    Assessment,
    AssessmentSource,
    AssessmentStatus,
    Course,
    Enrollment,
    EnrollmentStatus,
)
from upskill.services.crud import CrudService


async def _visible(service: CrudService[Assessment] | CrudService[Enrollment], principal: Principal) -> set[object]:
    return {r.id for r in (await service.list(principal, ListQuery(limit=200))).items}


def _assessed(org: TrainingWorld, who: object) -> dict[str, object]:
    return {
        "employee_id": who,
        "competency_id": org.python.id,
        "level": Level.ADVANCED,
        "assessed_on": date(2024, 5, 1),
    }


async def test_who_reads_which_assessments(org: TrainingWorld) -> None:
    of_alan, of_ada, of_linus = (
        assessment(employee_id=e.id, competency_id=org.python.id) for e in (org.alan, org.ada, org.linus)
    )
    await org.add(of_alan, of_ada, of_linus)
    assert await _visible(org.assessments, org.admin) == ids(of_alan, of_ada, of_linus)
    assert await _visible(org.assessments, org.eng_manager) == ids(of_alan, of_ada)
    assert await _visible(org.assessments, org.ops_manager) == ids(of_linus)
    assert await _visible(org.assessments, org.alan_self) == ids(of_alan)
    assert await _visible(org.assessments, org.unlinked) == set()
    with pytest.raises(NotFound):
        await org.assessments.get(org.eng_manager, of_linus.id)
    with pytest.raises(NotFound):
        await org.assessments.get(org.alan_self, of_ada.id)


async def test_a_manager_assesses_their_own_department_only(org: TrainingWorld) -> None:
    made = await org.assessments.create(org.eng_manager, _assessed(org, org.alan.id))
    with pytest.raises(Forbidden):
        await org.assessments.create(org.eng_manager, _assessed(org, org.linus.id))
    with pytest.raises(Forbidden):  # moving an assessment to another department's employee
        await org.assessments.update(org.eng_manager, made.id, {"employee_id": org.grace.id})
    changed = await org.assessments.update(org.eng_manager, made.id, {"level": Level.EXPERT, "note": "Reviewed"})
    assert await org.stored(Assessment) == {changed}
    await org.assessments.delete(org.eng_manager, made.id)
    assert await org.stored(Assessment) == set()


async def test_a_manager_may_not_change_another_departments_visible_assessment(org: TrainingWorld) -> None:
    moved = assessment(employee_id=org.grace.id, competency_id=org.sql.id, level=Level.BASIC)
    await org.add(moved)
    with pytest.raises(NotFound):
        await org.assessments.update(org.eng_manager, moved.id, {"level": Level.EXPERT})
    assert await org.stored(Assessment) == {moved}


async def test_employees_assess_only_themselves_and_only_as_a_proposal(org: TrainingWorld) -> None:
    own = assessment(employee_id=org.alan.id, competency_id=org.python.id)
    await org.add(own)
    with pytest.raises(Forbidden):
        await org.assessments.create(org.alan_self, _assessed(org, org.barbara.id))
    with pytest.raises(Forbidden):
        await org.assessments.update(org.alan_self, own.id, {"level": Level.EXPERT})
    with pytest.raises(Forbidden):
        await org.assessments.delete(org.alan_self, own.id)
    claim = await org.assessments.create(org.alan_self, _assessed(org, org.alan.id))
    assert (claim.source, claim.status) == (AssessmentSource.SELF, AssessmentStatus.PROPOSED)
    with pytest.raises(Forbidden):  # not even their own proposal: a new one supersedes it
        await org.assessments.update(org.alan_self, claim.id, {"level": Level.EXPERT})
    assert await org.stored(Assessment) == {own, claim}


async def test_the_admin_assesses_anyone(org: TrainingWorld) -> None:
    made = await org.assessments.create(org.admin, _assessed(org, org.linus.id) | {"assessor_id": org.grace.id})
    assert await org.stored(Assessment) == {made}


@pytest.fixture
async def intro(org: TrainingWorld) -> Course:
    made = course((org.python.id, Level.BASIC), title="Intro")
    await org.add(made)
    return made


async def test_an_employee_enrolls_themselves_only(org: TrainingWorld, intro: Course) -> None:
    mine = await org.enrollments.create(org.alan_self, {"employee_id": org.alan.id, "course_id": intro.id})
    with pytest.raises(Forbidden):
        await org.enrollments.create(org.alan_self, {"employee_id": org.barbara.id, "course_id": intro.id})
    started = await org.enrollments.update(org.alan_self, mine.id, {"status": EnrollmentStatus.IN_PROGRESS})
    assert await org.stored(Enrollment) == {started}
    with pytest.raises(Forbidden):
        await org.enrollments.update(org.alan_self, mine.id, {"employee_id": org.barbara.id})
    with pytest.raises(Forbidden):  # dropping is how they give up a course
        await org.enrollments.delete(org.alan_self, mine.id)
    assert await org.stored(Enrollment) == {started}


async def test_who_reads_and_writes_which_enrollments(org: TrainingWorld, intro: Course) -> None:
    of_alan = enrollment(employee_id=org.alan.id, course_id=intro.id)
    of_linus = enrollment(employee_id=org.linus.id, course_id=intro.id, status=EnrollmentStatus.DROPPED)
    await org.add(of_alan, of_linus)
    assert await _visible(org.enrollments, org.admin) == ids(of_alan, of_linus)
    assert await _visible(org.enrollments, org.eng_manager) == ids(of_alan)
    assert await _visible(org.enrollments, org.barbara_self) == set()
    assert await _visible(org.enrollments, org.unlinked) == set()
    with pytest.raises(NotFound):
        await org.enrollments.delete(org.barbara_self, of_alan.id)
    with pytest.raises(Forbidden):
        await org.enrollments.create(org.eng_manager, {"employee_id": org.linus.id, "course_id": intro.id})
    planned = await org.enrollments.create(org.eng_manager, {"employee_id": org.barbara.id, "course_id": intro.id})
    started = await org.enrollments.update(org.admin, of_alan.id, {"status": EnrollmentStatus.IN_PROGRESS})
    assert await org.stored(Enrollment) == {started, of_linus, planned}
