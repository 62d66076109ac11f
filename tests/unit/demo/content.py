"""An id-free description of what a store holds, to compare two seeded stores."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from tests.unit.demo.world import DemoWorld
from upskill.domain.competency import Competency
from upskill.domain.identity import User
from upskill.domain.organisation import Department, Employee
from upskill.domain.plans import Plan
from upskill.domain.training import Assessment, Course, Enrollment, Feedback, Requirement


def content(world: DemoWorld) -> dict[str, list[tuple[Any, ...]]]:
    """Every record with its references replaced by the referenced record's natural key
    (department and competency name, employee email, course title), sorted."""
    names: dict[UUID | None, str | None] = {None: None}
    names |= {d.id: d.name for d in world.records(Department)}
    names |= {c.id: c.name for c in world.records(Competency)}
    names |= {e.id: e.email for e in world.records(Employee)}
    names |= {c.id: c.title for c in world.records(Course)}
    rows: dict[str, list[tuple[Any, ...]]] = {
        "departments": [(d.name, d.description) for d in world.records(Department)],
        "competencies": [(c.name, c.category, c.description) for c in world.records(Competency)],
        "employees": [
            (e.full_name, e.email, e.job_title, names[e.department_id], names[e.manager_id], e.hired_on, e.left_on)
            for e in world.records(Employee)
        ],
        "requirements": [
            (names[r.department_id], names[r.competency_id], r.level, r.headcount) for r in world.records(Requirement)
        ],
        "assessments": [
            (
                names[a.employee_id],
                names[a.competency_id],
                a.level,
                a.assessed_on,
                a.expires_on,
                names[a.assessor_id],
                a.note,
                a.source,
                a.status,
                names[a.reviewed_by],
                a.review_note,
            )
            for a in world.records(Assessment)
        ],
        "feedback": [
            (names[f.author_id], names[f.subject_id], names[f.competency_id], f.score, f.comment)
            for f in world.records(Feedback)
        ],
        "courses": [
            (c.title, c.provider, c.url, c.duration_hours, c.rating, c.learners, _covers(c, names))
            for c in world.records(Course)
        ],
        "enrollments": [
            (names[e.employee_id], names[e.course_id], e.status, e.completed_on, e.due_on, names[e.assigned_by])
            for e in world.records(Enrollment)
        ],
        "plans": [
            (names[p.employee_id], names[p.competency_id], p.target_level, p.due_on, p.status, p.note, p.achieved_on)
            for p in world.records(Plan)
        ],
        "users": [(u.email, u.role, names[u.employee_id]) for u in world.records(User)],
    }
    return {key: sorted(values, key=repr) for key, values in rows.items()}


def _covers(course: Course, names: dict[UUID | None, str | None]) -> tuple[tuple[str | None, str], ...]:
    return tuple(sorted((names[v.competency_id], str(v.level)) for v in course.covers))
