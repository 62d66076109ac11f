"""What the demo plan is made of: plain records that name each other by employee index and by
department, competency or course name, never by id."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from upskill.domain.competency import Level
from upskill.domain.training import EnrollmentStatus


@dataclass(frozen=True, slots=True)
class PlannedEmployee:
    full_name: str
    email: str
    job_title: str
    department: str
    manager: int | None
    """Index of the manager in `DemoPlan.employees` (always an earlier one)."""
    hired_on: date
    left_on: date | None

    def is_current(self, on: date) -> bool:
        """As `Employee.is_current`: hired by `on` and not yet left."""
        return self.hired_on <= on and (self.left_on is None or self.left_on > on)


@dataclass(frozen=True, slots=True)
class PlannedAssessment:
    employee: int
    competency: str
    level: Level
    assessed_on: date
    expires_on: date | None
    assessor: int | None
    note: str

    def is_valid(self, on: date) -> bool:
        """As `Assessment.is_valid`."""
        return self.assessed_on <= on and (self.expires_on is None or self.expires_on > on)


@dataclass(frozen=True, slots=True)
class PlannedRequirement:
    department: str | None
    competency: str
    level: Level
    headcount: int


@dataclass(frozen=True, slots=True)
class PlannedFeedback:
    author: int
    subject: int
    competency: str | None
    score: int | None
    comment: str


@dataclass(frozen=True, slots=True)
class PlannedEnrollment:
    employee: int
    course: str
    """A title from `courses.COURSES` (titles are unique there)."""
    status: EnrollmentStatus
    completed_on: date | None
    due_on: date | None = None
    assigner: int | None = None
    """Who assigned it (the seed acts as them); None: the system."""


@dataclass(frozen=True, slots=True)
class PlannedClaim:
    """A self-assessment waiting for review."""

    employee: int
    competency: str
    level: Level
    assessed_on: date
    note: str


@dataclass(frozen=True, slots=True)
class PlannedDevelopment:
    """A development plan, made by `creator` (the department's head). `achieved`: the seed then
    records the validated assessment that meets it (the plan is achieved by that write);
    `due_back`: the plan's day is then moved back to this past day (it is overdue)."""

    employee: int
    competency: str
    target: Level
    due_on: date
    note: str
    creator: int
    achieved: bool = False
    due_back: date | None = None


@dataclass(frozen=True, slots=True)
class DemoPlan:
    employees: tuple[PlannedEmployee, ...]
    assessments: tuple[PlannedAssessment, ...]
    requirements: tuple[PlannedRequirement, ...]
    feedback: tuple[PlannedFeedback, ...]
    enrollments: tuple[PlannedEnrollment, ...]
    claims: tuple[PlannedClaim, ...]
    developments: tuple[PlannedDevelopment, ...]
    engineering_head: int
    """The employee the demo manager account is linked to."""
    demo_employee: int
    """The engineer the demo employee account is linked to: has open gaps."""


def current_ranks(assessments: Iterable[PlannedAssessment], on: date) -> dict[tuple[int, str], int]:
    """(employee, competency) → rank of the current level on `on`, by the rule of
    `coverage.current_levels` (planned histories never have two assessments on one day)."""
    latest: dict[tuple[int, str], PlannedAssessment] = {}
    for assessment in assessments:
        key = (assessment.employee, assessment.competency)
        if assessment.is_valid(on) and (key not in latest or assessment.assessed_on > latest[key].assessed_on):
            latest[key] = assessment
    return {key: assessment.level.rank for key, assessment in latest.items()}
