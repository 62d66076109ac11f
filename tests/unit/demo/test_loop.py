"""The demo tells the learning loop's story (and its skills matrix has something to show), and
the README's tour of the loop works on the seeded data (here on the memory adapter, through the
same services as the API)."""

from __future__ import annotations

from adapters.demo import DEMO_EMPLOYEE, DEMO_MANAGER
from adapters.demo.loop import TOUR_COMPETENCY, TOUR_COURSE
from tests.unit.demo.world import TODAY, DemoWorld
from upskill.domain.competency import Competency
from upskill.domain.organisation import Employee
from upskill.domain.plans import Plan, PlanStatus
from upskill.domain.query import Filter, ListQuery, Op
from upskill.domain.training import (
    Assessment,
    AssessmentSource,
    AssessmentStatus,
    Course,
    Enrollment,
    EnrollmentStatus,
)


async def test_the_demo_has_proposals_to_review_and_plans_in_every_state(world: DemoWorld) -> None:
    await world.seed()
    manager = await world.login(DEMO_MANAGER.email, DEMO_MANAGER.password)
    proposed = ListQuery(filters=(Filter("status", Op.EQ, AssessmentStatus.PROPOSED),), limit=200)

    queue = (await world.services.assessments.list(manager, proposed)).items

    staff = {e.id for e in world.records(Employee) if e.department_id == manager.department_id}
    assert {a.employee_id for a in queue} <= staff
    assert sum(a.source is AssessmentSource.SELF for a in queue) >= 2
    assert any(a.source is AssessmentSource.COURSE and "Completed the course" in (a.note or "") for a in queue)
    assert [a.created_at for a in queue] == sorted(a.created_at for a in queue)  # oldest first
    everyone = world.records(Assessment)
    assert {a.status for a in everyone if a.source is AssessmentSource.COURSE} == set(AssessmentStatus)
    plans = world.records(Plan)
    assert {p.status for p in plans} == {PlanStatus.ACTIVE, PlanStatus.ACHIEVED}
    assert any(p.is_overdue(TODAY) for p in plans)


async def test_the_tour_closes_a_gap_and_achieves_a_plan(world: DemoWorld) -> None:
    await world.seed()
    engineer = await world.login(DEMO_EMPLOYEE.email, DEMO_EMPLOYEE.password)
    manager = await world.login(DEMO_MANAGER.email, DEMO_MANAGER.password)
    assert engineer.employee_id is not None
    observability = next(c.id for c in world.records(Competency) if c.name == TOUR_COMPETENCY)
    course = next(c.id for c in world.records(Course) if c.title == TOUR_COURSE)
    gaps = await world.training.gaps(engineer, engineer.employee_id)
    assert observability in {g.competency_id for g in gaps.gaps}
    enrollment = next(
        e for e in world.records(Enrollment) if e.employee_id == engineer.employee_id and e.course_id == course
    )
    assert enrollment.status is EnrollmentStatus.PLANNED
    assert enrollment.due_on is not None

    enrollments = world.services.enrollments
    await enrollments.update(engineer, enrollment.id, {"status": EnrollmentStatus.IN_PROGRESS})
    await enrollments.update(engineer, enrollment.id, {"status": EnrollmentStatus.COMPLETED})
    [evidence] = [
        a
        for a in world.records(Assessment)
        if a.employee_id == engineer.employee_id and a.source is AssessmentSource.COURSE and a.is_proposed
    ]
    assert evidence.competency_id == observability
    validated = await world.services.assessments.validate(manager, evidence.id, note="Saw the new dashboards.")

    assert validated.reviewed_by == manager.employee_id
    after = await world.training.gaps(engineer, engineer.employee_id)
    assert observability not in {g.competency_id for g in after.gaps}
    [plan] = [
        p for p in world.records(Plan) if p.employee_id == engineer.employee_id and p.competency_id == observability
    ]
    assert plan.status is PlanStatus.ACHIEVED
    assert plan.achieved_on == TODAY


async def test_the_engineering_matrix_has_a_single_point_of_failure_and_a_column_at_risk(world: DemoWorld) -> None:
    await world.seed()
    manager = await world.login(DEMO_MANAGER.email, DEMO_MANAGER.password)
    assert manager.department_id is not None

    matrix = await world.training.matrix(manager, manager.department_id)

    names = [c.name for c in matrix.columns]
    assert names == sorted(names)
    sole = [c for c in matrix.columns if c.single_point_of_failure]
    assert sole
    assert any(c.at_risk for c in matrix.columns)
    assert any(row.sole_cover_of == (sole[0].competency_id,) for row in matrix.rows)
    assert any(cell.expiring for row in matrix.rows for cell in row.cells.values())
    assert any(cell.claimed_level is not None for row in matrix.rows for cell in row.cells.values())
