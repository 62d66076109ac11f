"""The learning loop's rules through the services, on both storage adapters: where a level comes
from, its review, the enrollment lifecycle and its evidence, development plans and their
achievement — each asserted on what is stored afterwards."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from tests.factories import assessment, course, enrollment, plan, requirement
from tests.unit.services.training_world import TODAY, TrainingWorld
from upskill.domain.competency import Level
from upskill.domain.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    InvariantViolation,
    NotFound,
    StaleVersion,
)
from upskill.domain.plans import Plan, PlanStatus
from upskill.domain.ports import UnitOfWorkFactory
from upskill.domain.query import Filter, ListQuery, Op
from upskill.domain.training import (
    Assessment,
    AssessmentSource,
    AssessmentStatus,
    Course,
    Enrollment,
    EnrollmentStatus,
)

PROPOSED, VALIDATED, REJECTED = AssessmentStatus.PROPOSED, AssessmentStatus.VALIDATED, AssessmentStatus.REJECTED
PLANNED, STARTED, COMPLETED, DROPPED = (
    EnrollmentStatus.PLANNED,
    EnrollmentStatus.IN_PROGRESS,
    EnrollmentStatus.COMPLETED,
    EnrollmentStatus.DROPPED,
)


@pytest.fixture
async def org(uow_factory: UnitOfWorkFactory) -> TrainingWorld:
    """Engineering (Ada, its manager; Alan; Barbara), Operations (Grace, its manager; Linus)."""
    return await TrainingWorld(storage=uow_factory).setup()


def _about(org: TrainingWorld, who: object, level: Level = Level.ADVANCED, **more: object) -> dict[str, object]:
    return {"employee_id": who, "competency_id": org.python.id, "level": level, "assessed_on": TODAY, **more}


async def _current(org: TrainingWorld, who: object) -> dict[object, Level]:
    return (await org.training.competencies(org.admin, who)).levels  # type: ignore[arg-type]


# -- where a level comes from ----------------------------------------------------------------------


async def test_the_service_says_where_a_level_comes_from(org: TrainingWorld) -> None:
    by_manager = await org.assessments.create(org.eng_manager, _about(org, org.alan.id))
    own_by_manager = await org.assessments.create(org.eng_manager, _about(org, org.ada.id))
    own = await org.assessments.create(org.alan_self, _about(org, org.alan.id, Level.EXPERT))
    by_admin = await org.assessments.create(org.admin, _about(org, org.linus.id))
    imported = await org.assessments.create(org.admin, _about(org, org.grace.id, source=AssessmentSource.IMPORT))

    assert (by_manager.source, by_manager.status) == (AssessmentSource.MANAGER, VALIDATED)
    assert (by_manager.reviewed_by, by_manager.reviewed_on) == (org.ada.id, TODAY)
    assert (own_by_manager.source, own_by_manager.status) == (AssessmentSource.SELF, PROPOSED)
    assert (own.source, own.status, own.reviewed_by) == (AssessmentSource.SELF, PROPOSED, None)
    assert (by_admin.source, by_admin.status, by_admin.reviewed_by) == (AssessmentSource.MANAGER, VALIDATED, None)
    assert (imported.source, imported.status, imported.reviewed_on) == (AssessmentSource.IMPORT, VALIDATED, None)
    assert await org.stored(Assessment) == {by_manager, own_by_manager, own, by_admin, imported}
    assert await _current(org, org.alan.id) == {org.python.id: Level.ADVANCED}  # the claim does not count
    claims = (await org.training.competencies(org.alan_self, org.alan.id)).claimed
    assert claims == {org.python.id: Level.EXPERT}


@pytest.mark.parametrize("source", [AssessmentSource.MANAGER, AssessmentSource.SELF, AssessmentSource.COURSE])
async def test_no_source_but_an_admins_import_is_taken_from_the_caller(
    org: TrainingWorld, source: AssessmentSource
) -> None:
    for who in (org.admin, org.eng_manager):
        with pytest.raises(InvariantViolation) as refused:
            await org.assessments.create(who, _about(org, org.alan.id, source=source))
        assert refused.value.field == "source"
    with pytest.raises(InvariantViolation):
        await org.assessments.create(org.eng_manager, _about(org, org.alan.id, source=AssessmentSource.IMPORT))
    assert await org.stored(Assessment) == set()


async def test_where_a_level_came_from_never_changes(org: TrainingWorld) -> None:
    claim = await org.assessments.create(org.alan_self, _about(org, org.alan.id))
    with pytest.raises(InvariantViolation):
        await org.assessments.update(org.admin, claim.id, {"source": AssessmentSource.MANAGER})
    replaced = await org.assessments.update(  # a full replacement names every field but keeps the source
        org.admin, claim.id, _about(org, org.alan.id, Level.EXPERT), replace=True
    )
    assert (replaced.source, replaced.status, replaced.level) == (AssessmentSource.SELF, PROPOSED, Level.EXPERT)
    assert await org.stored(Assessment) == {replaced}


# -- review ----------------------------------------------------------------------------------------


async def test_validation_counts_the_level_rejection_keeps_it_in_the_history(org: TrainingWorld) -> None:
    claim = await org.assessments.create(org.alan_self, _about(org, org.alan.id))
    other = await org.assessments.create(org.barbara_self, _about(org, org.barbara.id))

    validated = await org.assessments.validate(org.eng_manager, claim.id, note="Saw it in the rewrite")
    rejected = await org.assessments.reject(org.admin, other.id)

    assert (validated.status, validated.reviewed_by, validated.reviewed_on, validated.review_note) == (
        VALIDATED,
        org.ada.id,
        TODAY,
        "Saw it in the rewrite",
    )
    assert (rejected.status, rejected.reviewed_by, rejected.version) == (REJECTED, None, 2)
    assert await org.stored(Assessment) == {validated, rejected}
    assert await _current(org, org.alan.id) == {org.python.id: Level.ADVANCED}
    assert await _current(org, org.barbara.id) == {}


async def test_a_proposal_is_reviewed_once_and_never_by_the_assessed(org: TrainingWorld) -> None:
    own = await org.assessments.create(org.eng_manager, _about(org, org.ada.id))
    alans = await org.assessments.create(org.alan_self, _about(org, org.alan.id))
    with pytest.raises(Forbidden):  # the manager is the assessed employee
        await org.assessments.validate(org.eng_manager, own.id)
    with pytest.raises(Forbidden):  # an employee reviews nobody, themself least
        await org.assessments.validate(org.alan_self, alans.id)
    with pytest.raises(NotFound):  # another department's: not even visible
        await org.assessments.reject(org.ops_manager, alans.id)
    with pytest.raises(NotFound):
        await org.assessments.validate(org.barbara_self, alans.id)
    assert await org.stored(Assessment) == {own, alans}

    done = await org.assessments.validate(org.admin, own.id)
    for act, requested in ((org.assessments.validate, "validated"), (org.assessments.reject, "rejected")):
        with pytest.raises(InvalidTransition) as again:
            await act(org.admin, done.id)
        assert (again.value.current, again.value.requested) == ("validated", requested)
    assert await org.stored(Assessment) == {done, alans}


async def test_if_match_is_honoured_after_the_state(org: TrainingWorld) -> None:
    claim = await org.assessments.create(org.alan_self, _about(org, org.alan.id))
    edited = await org.assessments.update(org.eng_manager, claim.id, {"level": Level.EXPERT})
    with pytest.raises(StaleVersion):
        await org.assessments.validate(org.eng_manager, claim.id, expected_version=1)
    done = await org.assessments.validate(org.eng_manager, claim.id, expected_version=edited.version)
    with pytest.raises(InvalidTransition):  # no longer proposed: that is what the caller learns first
        await org.assessments.reject(org.eng_manager, claim.id, expected_version=1)
    assert await org.stored(Assessment) == {done}


async def test_two_reviewers_at_once_one_wins(org: TrainingWorld) -> None:
    claim = await org.assessments.create(org.alan_self, _about(org, org.alan.id))
    results = await asyncio.gather(
        org.assessments.validate(org.eng_manager, claim.id),
        org.assessments.reject(org.admin, claim.id),
        return_exceptions=True,
    )
    won = [r for r in results if isinstance(r, Assessment)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1
    assert [type(e) for e in lost] == [InvalidTransition]
    assert await org.stored(Assessment) == set(won)


# -- enrollments -------------------------------------------------------------------------------


@pytest.fixture
async def stack_course(org: TrainingWorld) -> Course:
    """Teaches Python to expert and SQL to basic."""
    made = course((org.python.id, Level.EXPERT), (org.sql.id, Level.BASIC), title="Stack")
    await org.add(made)
    return made


async def test_the_lifecycle_holds_for_every_caller(org: TrainingWorld, stack_course: Course) -> None:
    mine = await org.enrollments.create(org.alan_self, {"employee_id": org.alan.id, "course_id": stack_course.id})
    assert (mine.status, mine.assigned_by) == (PLANNED, org.alan.id)
    for who in (org.admin, org.eng_manager, org.alan_self):
        with pytest.raises(InvalidTransition) as refused:
            await org.enrollments.update(who, mine.id, {"status": COMPLETED})
        assert (refused.value.current, refused.value.requested) == ("planned", "completed")
    dropped = await org.enrollments.update(org.alan_self, mine.id, {"status": DROPPED})
    for status in (PLANNED, STARTED, COMPLETED):
        with pytest.raises(InvalidTransition, match="dropped is final"):
            await org.enrollments.update(org.admin, mine.id, {"status": status})
    assert await org.stored(Enrollment) == {dropped}


async def test_an_employee_enrols_planned_and_only_moves_their_own_status(
    org: TrainingWorld, stack_course: Course
) -> None:
    body = {"employee_id": org.alan.id, "course_id": stack_course.id}
    with pytest.raises(Forbidden):
        await org.enrollments.create(org.alan_self, {**body, "status": STARTED})
    mine = await org.enrollments.create(org.alan_self, {**body, "due_on": TODAY + timedelta(days=30)})
    with pytest.raises(Forbidden):
        await org.enrollments.update(org.alan_self, mine.id, {"due_on": TODAY + timedelta(days=90)})
    with pytest.raises(Forbidden):
        await org.enrollments.update(org.alan_self, mine.id, {"status": STARTED, "due_on": None})
    started = await org.enrollments.update(org.alan_self, mine.id, {"status": STARTED})
    assigned = await org.enrollments.create(
        org.eng_manager, {"employee_id": org.barbara.id, "course_id": stack_course.id}
    )
    assert assigned.assigned_by == org.ada.id
    assert await org.stored(Enrollment) == {started, assigned}


async def test_completion_proposes_evidence_above_the_current_level(org: TrainingWorld, stack_course: Course) -> None:
    await org.add(assessment(employee_id=org.alan.id, competency_id=org.sql.id, level=Level.INTERMEDIATE))
    mine = await org.enrollments.create(org.eng_manager, {"employee_id": org.alan.id, "course_id": stack_course.id})
    await org.enrollments.update(org.alan_self, mine.id, {"status": STARTED})
    with pytest.raises(InvariantViolation) as future:
        await org.enrollments.update(org.alan_self, mine.id, {"status": COMPLETED, "completed_on": date(2999, 1, 1)})
    assert future.value.field == "completed_on"

    done = await org.enrollments.update(org.alan_self, mine.id, {"status": COMPLETED})

    assert done.completed_on == TODAY
    [evidence] = [a for a in await org.stored(Assessment) if a.source is AssessmentSource.COURSE]
    assert (evidence.employee_id, evidence.competency_id, evidence.level) == (org.alan.id, org.python.id, Level.EXPERT)
    assert (evidence.status, evidence.assessed_on) == (PROPOSED, TODAY)
    assert evidence.note is not None
    assert "Stack" in evidence.note
    assert await _current(org, org.alan.id) == {org.sql.id: Level.INTERMEDIATE}  # evidence, not a level
    again = await org.enrollments.update(org.alan_self, mine.id, {"status": COMPLETED})
    assert again == done
    assert len([a for a in await org.stored(Assessment) if a.source is AssessmentSource.COURSE]) == 1


async def test_an_enrollment_recorded_as_completed_is_a_completion(org: TrainingWorld, stack_course: Course) -> None:
    body = {"employee_id": org.linus.id, "course_id": stack_course.id, "status": COMPLETED}
    done = await org.enrollments.create(org.admin, {**body, "completed_on": date(2024, 5, 1)})
    evidence = {(a.competency_id, a.level, a.assessed_on) for a in await org.stored(Assessment)}
    assert evidence == {(org.python.id, Level.EXPERT, date(2024, 5, 1)), (org.sql.id, Level.BASIC, date(2024, 5, 1))}
    assert done.completed_on == date(2024, 5, 1)


async def test_completing_twice_at_once_gives_one_set_of_evidence(org: TrainingWorld, stack_course: Course) -> None:
    started = enrollment(employee_id=org.alan.id, course_id=stack_course.id, status=STARTED)
    await org.add(started)
    results = await asyncio.gather(
        org.enrollments.update(org.alan_self, started.id, {"status": COMPLETED}),
        org.enrollments.update(org.eng_manager, started.id, {"status": COMPLETED}),
        return_exceptions=True,
    )
    assert all(isinstance(r, Enrollment) and r.status is COMPLETED for r in results), results
    assert len(await org.stored(Assessment)) == 2  # Python and SQL, once each


# -- plans --------------------------------------------------------------------------------------


def _plan(org: TrainingWorld, who: object, **more: object) -> dict[str, object]:
    return {
        "employee_id": who,
        "competency_id": org.python.id,
        "target_level": Level.ADVANCED,
        "due_on": TODAY + timedelta(days=30),
        **more,
    }


async def test_a_plan_starts_active_dated_and_unmet(org: TrainingWorld) -> None:
    await org.add(assessment(employee_id=org.alan.id, competency_id=org.python.id, level=Level.ADVANCED))
    cases = [
        (_plan(org, org.alan.id), "target_level"),  # already met
        (_plan(org, org.barbara.id, due_on=TODAY - timedelta(days=1)), "due_on"),
        (_plan(org, org.barbara.id, status=PlanStatus.ACHIEVED), "status"),
    ]
    for body, field in cases:
        with pytest.raises(InvariantViolation) as refused:
            await org.plans.create(org.eng_manager, body)
        assert refused.value.field == field
    made = await org.plans.create(org.eng_manager, _plan(org, org.barbara.id, due_on=TODAY))
    assert (made.status, made.created_by, made.achieved_on) == (PlanStatus.ACTIVE, org.ada.id, None)
    with pytest.raises(Conflict):  # one active plan per employee and competency, held by the store
        await org.plans.create(org.admin, _plan(org, org.barbara.id, target_level=Level.EXPERT))
    with pytest.raises(Forbidden):
        await org.plans.create(org.barbara_self, _plan(org, org.barbara.id, competency_id=org.sql.id))
    with pytest.raises(InvalidTransition):
        await org.plans.update(org.admin, made.id, {"status": PlanStatus.ACHIEVED})
    cancelled = await org.plans.update(org.eng_manager, made.id, {"status": PlanStatus.CANCELLED})
    with pytest.raises(InvariantViolation):
        await org.plans.update(org.eng_manager, made.id, {"target_level": Level.EXPERT})
    again = await org.plans.create(org.eng_manager, _plan(org, org.barbara.id))  # the other one is cancelled
    assert await org.stored(Plan) == {cancelled, again}


async def test_a_plan_is_achieved_by_the_write_that_reaches_it(org: TrainingWorld) -> None:
    aim = await org.plans.create(org.eng_manager, _plan(org, org.alan.id, target_level=Level.INTERMEDIATE))
    sql_aim = await org.plans.create(org.eng_manager, _plan(org, org.alan.id, competency_id=org.sql.id))
    claim = await org.assessments.create(org.alan_self, _about(org, org.alan.id, Level.EXPERT))
    assert {p.status for p in await org.stored(Plan)} == {PlanStatus.ACTIVE}  # a claim achieves nothing
    earlier = TODAY - timedelta(days=10)
    too_low = await org.assessments.create(org.eng_manager, _about(org, org.alan.id, Level.BASIC, assessed_on=earlier))
    assert {p.status for p in await org.stored(Plan)} == {PlanStatus.ACTIVE}

    await org.assessments.validate(org.eng_manager, claim.id)

    stored = {p.id: p for p in await org.stored(Plan)}
    assert (stored[aim.id].status, stored[aim.id].achieved_on, stored[aim.id].version) == (
        PlanStatus.ACHIEVED,
        TODAY,
        2,
    )
    assert stored[sql_aim.id] == sql_aim
    assert too_low.status is VALIDATED
    direct = await org.assessments.create(org.admin, _about(org, org.alan.id, competency_id=org.sql.id))
    assert direct.status is VALIDATED
    assert {p.status for p in await org.stored(Plan)} == {PlanStatus.ACHIEVED}


async def test_plans_from_gaps(org: TrainingWorld) -> None:
    await org.add(
        requirement(department_id=org.eng.id, competency_id=org.python.id, level=Level.ADVANCED, headcount=2),
        requirement(department_id=None, competency_id=org.python.id, level=Level.INTERMEDIATE, headcount=2),
        requirement(department_id=org.eng.id, competency_id=org.sql.id, level=Level.BASIC, headcount=1),
        plan(employee_id=org.alan.id, competency_id=org.sql.id, due_on=TODAY),
    )
    due = TODAY + timedelta(days=60)
    with pytest.raises(Forbidden):
        await org.plans.from_gaps(org.barbara_self, org.barbara.id, due_on=due)

    made = await org.plans.from_gaps(org.eng_manager, org.alan.id, due_on=due, note="H2")

    assert [(p.competency_id, p.target_level, p.due_on, p.note, p.created_by) for p in made] == [
        (org.python.id, Level.ADVANCED, due, "H2", org.ada.id)
    ]
    assert await org.plans.from_gaps(org.eng_manager, org.alan.id, due_on=due) == []  # nothing left to plan
    with pytest.raises(Forbidden):  # even when there is nothing to plan
        await org.plans.from_gaps(org.alan_self, org.alan.id, due_on=due)
    with pytest.raises(NotFound):
        await org.plans.from_gaps(org.ops_manager, org.alan.id, due_on=due)
    with pytest.raises(InvariantViolation):
        await org.plans.from_gaps(org.eng_manager, org.barbara.id, due_on=TODAY - timedelta(days=1))
    assert len(await org.stored(Plan)) == 2


# -- the review queue ----------------------------------------------------------------------------


async def test_the_review_queue_is_the_managers_department_oldest_first(org: TrainingWorld) -> None:
    first = await org.assessments.create(org.barbara_self, _about(org, org.barbara.id))
    await org.assessments.create(org.linus_self, _about(org, org.linus.id))
    second = await org.assessments.create(org.alan_self, _about(org, org.alan.id))
    await org.assessments.create(org.eng_manager, _about(org, org.alan.id, competency_id=org.sql.id))

    queue = await org.assessments.list(org.eng_manager, ListQuery(filters=(Filter("status", Op.EQ, PROPOSED),)))

    assert [a.id for a in queue.items] == [first.id, second.id]


# -- one transaction ------------------------------------------------------------------------------


class Broken(Exception):
    pass


async def test_a_validation_and_the_plan_it_achieves_commit_together(org: TrainingWorld) -> None:
    aim = await org.plans.create(org.eng_manager, _plan(org, org.alan.id))
    claim = await org.assessments.create(org.alan_self, _about(org, org.alan.id))
    achieve = org.plans.change_in

    async def fails_after_storing(*args: object, **kwargs: object) -> Plan:
        await achieve(*args, **kwargs)  # type: ignore[arg-type]
        raise Broken

    org.plans.change_in = fails_after_storing  # type: ignore[method-assign]
    with pytest.raises(Broken):
        await org.assessments.validate(org.eng_manager, claim.id)
    assert await org.stored(Assessment) == {claim}
    assert await org.stored(Plan) == {aim}


async def test_a_completion_and_its_evidence_commit_together(org: TrainingWorld, stack_course: Course) -> None:
    started = enrollment(employee_id=org.alan.id, course_id=stack_course.id, status=STARTED)
    await org.add(started)
    add = org.assessments.add_in
    calls = 0

    async def second_fails(*args: object, **kwargs: object) -> Assessment:
        nonlocal calls
        calls += 1
        stored = await add(*args, **kwargs)  # type: ignore[arg-type]
        if calls == 2:
            raise Broken
        return stored

    org.assessments.add_in = second_fails  # type: ignore[method-assign]
    with pytest.raises(Broken):
        await org.enrollments.update(org.alan_self, started.id, {"status": COMPLETED})
    assert await org.stored(Enrollment) == {started}
    assert await org.stored(Assessment) == set()
