"""Write the demo organisation through the services, so every rule, constraint and policy holds
exactly as for data entered through the API.

Writes go as the SYSTEM principal, except feedback, which is given by its author (SYSTEM acting
as that employee). Records that do not depend on each other are created concurrently in chunks;
the demo admin account is created last, so its existence means a complete demo, and
`seed_demo` does nothing when it exists.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import TypeVar
from uuid import UUID

from adapters.demo.accounts import DEMO_ADMIN, DEMO_EMPLOYEE, DEMO_MANAGER, DemoAccount
from adapters.demo.competencies import COMPETENCIES
from adapters.demo.courses import COURSES
from adapters.demo.organisation import DEPARTMENTS
from adapters.demo.plan import plan_demo
from adapters.demo.records import DemoPlan, current_ranks
from upskill.domain.competency import Competency
from upskill.domain.entity import Entity
from upskill.domain.organisation import Department, Employee
from upskill.domain.plans import Plan
from upskill.domain.principal import SYSTEM, Principal
from upskill.domain.query import MAX_LIMIT, Filter, ListQuery, Op
from upskill.domain.training import AssessmentSource, AssessmentStatus, Course, CourseCoverage, Feedback, Requirement
from upskill.services.assessments import AssessmentService
from upskill.services.crud import CrudService
from upskill.services.enrollments import EnrollmentService
from upskill.services.feedback import FeedbackService
from upskill.services.plans import PlanService
from upskill.services.users import UserService

T = TypeVar("T")
E = TypeVar("E", bound=Entity)

DEFAULT_SEED = 7
REVIEWED_AFTER = timedelta(days=30)
"""Course evidence older than this has been reviewed; newer waits in the queue."""
ACHIEVED_BEFORE_DUE = timedelta(days=90)
"""The validated assessment that achieves a plan is dated this long before the plan's day (today)."""
CHUNK = 32
"""How many creations run at once: enough to overlap round trips, few enough for a pool."""


@dataclass(frozen=True, slots=True)
class DemoServices:
    """The services the demo is written through (the app's own, from the container)."""

    departments: CrudService[Department]
    competencies: CrudService[Competency]
    employees: CrudService[Employee]
    users: UserService
    requirements: CrudService[Requirement]
    assessments: AssessmentService
    feedback: FeedbackService
    courses: CrudService[Course]
    enrollments: EnrollmentService
    plans: PlanService


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What `seed_demo` created; `seeded` is False (and every count 0) when the demo admin
    existed already and nothing was written."""

    seeded: bool
    departments: int = 0
    competencies: int = 0
    employees: int = 0
    requirements: int = 0
    assessments: int = 0
    feedback: int = 0
    courses: int = 0
    enrollments: int = 0
    plans: int = 0
    users: int = 0

    def counts(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "seeded"}


async def seed_demo(services: DemoServices, *, today: date, seed: int = DEFAULT_SEED) -> DemoSummary:
    """Create the demo organisation as of `today` unless the demo admin exists. The content
    (names, dates, levels, scores) depends only on `today` and `seed`. Raises what the services
    raise (e.g. Conflict if a demo department name is taken by other data)."""
    if await _exists(services.users, DEMO_ADMIN.email):
        return DemoSummary(seeded=False)
    plan = plan_demo(today, seed)
    departments = await _create(
        services.departments, [{"name": d.name, "description": d.description} for d in DEPARTMENTS]
    )
    competencies = await _create(
        services.competencies,
        [{"name": c.name, "category": c.category, "description": c.description} for c in COMPETENCIES],
    )
    department_ids = {d.name: d.id for d in departments}
    competency_ids = {c.name: c.id for c in competencies}
    employee_ids = await _create_employees(services.employees, plan, department_ids)
    requirements = await _create(
        services.requirements,
        [
            {
                "department_id": None if r.department is None else department_ids[r.department],
                "competency_id": competency_ids[r.competency],
                "level": r.level,
                "headcount": r.headcount,
            }
            for r in plan.requirements
        ],
    )
    courses = await _create(
        services.courses,
        [
            {
                "title": c.title,
                "provider": c.provider,
                "description": c.description,
                "url": c.url,
                "duration_hours": float(c.duration_hours),
                "rating": c.rating,
                "learners": c.learners,
                "covers": tuple(CourseCoverage(competency_ids[name], level) for name, level in c.covers),
            }
            for c in COURSES
        ],
    )
    course_ids = {c.title: c.id for c in courses}
    await _create(
        services.assessments,
        [
            {
                "employee_id": employee_ids[a.employee],
                "competency_id": competency_ids[a.competency],
                "level": a.level,
                "assessed_on": a.assessed_on,
                "expires_on": a.expires_on,
                "assessor_id": None if a.assessor is None else employee_ids[a.assessor],
                "note": a.note,
                "source": AssessmentSource.IMPORT,  # history from before Upskill
            }
            for a in plan.assessments
        ],
    )
    feedback = await _in_chunks(
        [
            _giver(
                services.feedback,
                employee_ids[f.author],
                {
                    "subject_id": employee_ids[f.subject],
                    "competency_id": None if f.competency is None else competency_ids[f.competency],
                    "score": f.score,
                    "comment": f.comment,
                },
            )
            for f in plan.feedback
        ]
    )
    enrollments = await _in_chunks(
        [
            partial(
                services.enrollments.create,
                _acting(None if e.assigner is None else employee_ids[e.assigner]),
                {
                    "employee_id": employee_ids[e.employee],
                    "course_id": course_ids[e.course],
                    "status": e.status,
                    "completed_on": e.completed_on,
                    "due_on": e.due_on,
                },
            )
            for e in plan.enrollments
        ]
    )
    await _review_course_evidence(services.assessments, plan, employee_ids, competency_ids, today)
    plans = await _develop(services, plan, employee_ids, competency_ids)
    await _in_chunks(
        [
            partial(
                services.assessments.create,
                _acting(employee_ids[c.employee]),
                {
                    "employee_id": employee_ids[c.employee],
                    "competency_id": competency_ids[c.competency],
                    "level": c.level,
                    "assessed_on": c.assessed_on,
                    "note": c.note,
                },
            )
            for c in plan.claims
        ]
    )
    await _create_account(services.users, DEMO_MANAGER, employee_ids[plan.engineering_head])
    await _create_account(services.users, DEMO_EMPLOYEE, employee_ids[plan.demo_employee])
    await _create_account(services.users, DEMO_ADMIN, None)
    return DemoSummary(
        seeded=True,
        departments=len(departments),
        competencies=len(competencies),
        employees=len(employee_ids),
        requirements=len(requirements),
        assessments=await _count(services.assessments),
        feedback=len(feedback),
        courses=len(courses),
        enrollments=len(enrollments),
        plans=len(plans),
        users=3,
    )


def _acting(employee_id: UUID | None) -> Principal:
    """SYSTEM acting as an employee (who then authors, assigns or reviews), or as itself."""
    return SYSTEM if employee_id is None else dataclasses.replace(SYSTEM, employee_id=employee_id)


async def _review_course_evidence(
    service: AssessmentService,
    plan: DemoPlan,
    employee_ids: Sequence[UUID],
    competency_ids: Mapping[str, UUID],
    today: date,
) -> None:
    """Completed courses proposed evidence; what is older than a month has been reviewed by the
    head of the employee's department: validated where the planned history already holds the
    level by today (and not on the same day, so the current level stays as planned), else
    rejected. Recent evidence waits for review."""
    index = {id: i for i, id in enumerate(employee_ids)}
    names = {id: name for name, id in competency_ids.items()}
    heads = {p.department: i for i, p in enumerate(plan.employees) if p.manager is None}
    ranks = current_ranks(plan.assessments, today)
    days = {(a.employee, a.competency, a.assessed_on) for a in plan.assessments}
    query = ListQuery(
        filters=(Filter("source", Op.EQ, AssessmentSource.COURSE), Filter("status", Op.EQ, AssessmentStatus.PROPOSED)),
        limit=MAX_LIMIT,
    )
    reviews = []
    for evidence in (await service.list(SYSTEM, query)).items:
        if evidence.assessed_on > today - REVIEWED_AFTER:
            continue
        person, competency = index[evidence.employee_id], names[evidence.competency_id]
        head = heads[plan.employees[person].department]
        held = evidence.level.rank <= ranks.get((person, competency), 0)
        if held and (person, competency, evidence.assessed_on) not in days:
            act, note = service.validate, "Confirmed in the yearly review."
        else:
            act, note = service.reject, "Not shown in project work yet; let's look again next review."
        reviewer = _acting(None if head == person else employee_ids[head])
        reviews.append(partial(act, reviewer, evidence.id, note=note))
    await _in_chunks(reviews)


async def _develop(
    services: DemoServices, plan: DemoPlan, employee_ids: Sequence[UUID], competency_ids: Mapping[str, UUID]
) -> list[Plan]:
    """The development plans, by the heads who made them; an achieved one by the validated
    assessment that met it, an overdue one by moving its day back."""
    made = []
    for d in plan.developments:
        creator = _acting(employee_ids[d.creator])
        about = {"employee_id": employee_ids[d.employee], "competency_id": competency_ids[d.competency]}
        created = await services.plans.create(
            creator, {**about, "target_level": d.target, "due_on": d.due_on, "note": d.note}
        )
        if d.due_back is not None:
            created = await services.plans.update(creator, created.id, {"due_on": d.due_back})
        if d.achieved:
            assessed = {**about, "level": d.target, "assessed_on": d.due_on - ACHIEVED_BEFORE_DUE}
            await services.assessments.create(creator, assessed | {"note": "Reached the plan's target."})
        made.append(created)
    return made


async def _count(service: AssessmentService) -> int:
    page = await service.list(SYSTEM, ListQuery(limit=1, with_total=True))
    assert page.total is not None
    return page.total


async def _exists(users: UserService, email: str) -> bool:
    page = await users.list(SYSTEM, ListQuery(filters=(Filter("email", Op.EQ, email),), limit=1))
    return bool(page.items)


async def _create_employees(
    service: CrudService[Employee], plan: DemoPlan, department_ids: Mapping[str, UUID]
) -> list[UUID]:
    """Managers before the people who report to them: one wave per level of the hierarchy.
    Returns the ids in the order of `plan.employees`."""
    ids: list[UUID | None] = [None] * len(plan.employees)
    while wave := [
        i for i, p in enumerate(plan.employees) if ids[i] is None and (p.manager is None or ids[p.manager] is not None)
    ]:
        created = await _create(
            service,
            [
                {
                    "full_name": plan.employees[i].full_name,
                    "email": plan.employees[i].email,
                    "job_title": plan.employees[i].job_title,
                    "department_id": department_ids[plan.employees[i].department],
                    "manager_id": ids[m] if (m := plan.employees[i].manager) is not None else None,
                    "hired_on": plan.employees[i].hired_on,
                    "left_on": plan.employees[i].left_on,
                }
                for i in wave
            ],
        )
        for i, employee in zip(wave, created, strict=True):
            ids[i] = employee.id
    return [i for i in ids if i is not None]


def _giver(service: FeedbackService, author: UUID, data: Mapping[str, object]) -> Callable[[], Awaitable[Feedback]]:
    """Feedback is given by its author: SYSTEM acting as that employee."""
    return partial(service.create, dataclasses.replace(SYSTEM, employee_id=author), data)


async def _create_account(users: UserService, account: DemoAccount, employee_id: UUID | None) -> None:
    data = {"email": account.email, "password": account.password, "role": account.role, "employee_id": employee_id}
    await users.create(SYSTEM, data)


async def _create(service: CrudService[E], rows: Sequence[Mapping[str, object]]) -> list[E]:
    return await _in_chunks([partial(service.create, SYSTEM, row) for row in rows])


async def _in_chunks(calls: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
    """Run the calls CHUNK at a time; results in the order of `calls`."""
    results: list[T] = []
    for start in range(0, len(calls), CHUNK):
        results += await asyncio.gather(*(call() for call in calls[start : start + CHUNK]))
    return results
