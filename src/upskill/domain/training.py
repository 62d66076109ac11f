"""The training programme: what departments require, what employees are assessed at, the
feedback they receive, the course catalogue and who takes which course."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import ClassVar
from urllib.parse import urlsplit
from uuid import UUID

from upskill.domain.competency import Level
from upskill.domain.entity import Entity
from upskill.domain.errors import FieldError
from upskill.domain.text import check_name

MIN_SCORE = 1
MAX_SCORE = 5
MAX_RATING = 5.0


@dataclass(frozen=True, kw_only=True)
class Requirement(Entity):
    """Department `department_id` needs `headcount` people at `level` or above in competency
    `competency_id`. `department_id` None = company-wide: it applies to every department.
    Unique per (department, competency, level), company-wide ones included."""

    label: ClassVar[str] = "Requirement"

    department_id: UUID | None = None
    competency_id: UUID
    level: Level
    headcount: int

    def check(self) -> list[FieldError]:
        if self.headcount < 1:
            return [FieldError("headcount", "must be at least 1")]
        return []


class AssessmentSource(StrEnum):
    """Where a level comes from: a manager's (or an admin's) judgement, the employee's own
    claim, a completed course, or an import of existing records."""

    MANAGER = "manager"
    SELF = "self"
    COURSE = "course"
    IMPORT = "import"


class AssessmentStatus(StrEnum):
    """Only a `validated` assessment counts towards a level; a `proposed` one waits for review
    (a claim), a `rejected` one stays in the history."""

    PROPOSED = "proposed"
    VALIDATED = "validated"
    REJECTED = "rejected"


@dataclass(frozen=True, kw_only=True)
class Assessment(Entity):
    """One entry of an employee's history in a competency. It counts from `assessed_on` until
    the day before `expires_on` (None = never expires), and only once `validated`; the assessor
    is never the employee, nor is the reviewer. A `proposed` assessment has not been reviewed
    (no reviewer, review day or note)."""

    label: ClassVar[str] = "Assessment"

    employee_id: UUID
    competency_id: UUID
    level: Level
    assessed_on: date
    expires_on: date | None = None
    assessor_id: UUID | None = None
    note: str | None = None
    source: AssessmentSource = AssessmentSource.MANAGER
    status: AssessmentStatus = AssessmentStatus.VALIDATED
    reviewed_by: UUID | None = None
    reviewed_on: date | None = None
    review_note: str | None = None

    def check(self) -> list[FieldError]:
        problems: list[FieldError] = []
        if self.expires_on is not None and self.expires_on <= self.assessed_on:
            problems.append(FieldError("expires_on", "must be after assessed_on"))
        if self.assessor_id is not None and self.assessor_id == self.employee_id:
            problems.append(FieldError("assessor_id", "an employee cannot assess themselves"))
        if self.reviewed_by is not None and self.reviewed_by == self.employee_id:
            problems.append(FieldError("reviewed_by", "an employee cannot review their own assessment"))
        if self.status is AssessmentStatus.PROPOSED and (
            self.reviewed_by is not None or self.reviewed_on is not None or self.review_note is not None
        ):
            problems.append(FieldError("status", "a proposed assessment has not been reviewed"))
        return problems

    def is_valid(self, on: date) -> bool:
        """Whether it is in force on day `on`: made on or before it and not expired by then
        (whatever its status)."""
        return self.assessed_on <= on and (self.expires_on is None or self.expires_on > on)

    @property
    def is_validated(self) -> bool:
        return self.status is AssessmentStatus.VALIDATED

    @property
    def is_proposed(self) -> bool:
        return self.status is AssessmentStatus.PROPOSED


@dataclass(frozen=True, kw_only=True)
class Feedback(Entity):
    """`author_id` about `subject_id`, never about themselves; optionally on one competency,
    optionally with a score from 1 (poor) to 5 (excellent). The service sets the author to the
    caller's employee; it is never taken from a request body."""

    label: ClassVar[str] = "Feedback"

    subject_id: UUID
    author_id: UUID
    competency_id: UUID | None = None
    score: int | None = None
    comment: str | None = None

    def check(self) -> list[FieldError]:
        problems: list[FieldError] = []
        if self.author_id == self.subject_id:
            problems.append(FieldError("author_id", "an employee cannot give feedback to themselves"))
        if self.score is not None and not MIN_SCORE <= self.score <= MAX_SCORE:
            problems.append(FieldError("score", f"must be between {MIN_SCORE} and {MAX_SCORE}"))
        return problems


@dataclass(frozen=True, slots=True)
class CourseCoverage:
    """A course teaches `competency_id` up to `level`."""

    competency_id: UUID
    level: Level


@dataclass(frozen=True, kw_only=True)
class Course(Entity):
    """A catalogue entry. `covers` names each competency it teaches at most once (it may be
    empty: such a course is never recommended). `duration_hours` is a finite float > 0 when
    known; `rating` a finite float from 0 to 5; `url`, when set, an absolute http(s) URL."""

    label: ClassVar[str] = "Course"

    title: str
    provider: str | None = None
    description: str | None = None
    url: str | None = None
    duration_hours: float | None = None
    rating: float = 0.0
    learners: int = 0
    covers: tuple[CourseCoverage, ...] = ()

    def check(self) -> list[FieldError]:
        problems = check_name("title", self.title)
        if self.url is not None and not _is_web_url(self.url):
            problems.append(FieldError("url", "must be an absolute http(s) URL"))
        if self.duration_hours is not None and not (math.isfinite(self.duration_hours) and self.duration_hours > 0):
            problems.append(FieldError("duration_hours", "must be greater than 0"))
        if not (math.isfinite(self.rating) and 0 <= self.rating <= MAX_RATING):
            problems.append(FieldError("rating", f"must be between 0 and {MAX_RATING:g}"))
        if self.learners < 0:
            problems.append(FieldError("learners", "must not be negative"))
        seen: set[UUID] = set()
        for i, cover in enumerate(self.covers):
            if cover.competency_id in seen:
                problems.append(FieldError(f"covers.{i}.competency_id", "is covered more than once"))
            seen.add(cover.competency_id)
        return problems

    def level_in(self, competency_id: UUID) -> Level | None:
        """The level up to which the course teaches `competency_id`; None if it does not."""
        return next((c.level for c in self.covers if c.competency_id == competency_id), None)


def _is_web_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(ch.isspace() for ch in text)


class EnrollmentStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DROPPED = "dropped"

    @property
    def is_open(self) -> bool:
        """Planned or in progress: at most one such enrollment per (employee, course)."""
        return self in (EnrollmentStatus.PLANNED, EnrollmentStatus.IN_PROGRESS)


@dataclass(frozen=True, kw_only=True)
class Enrollment(Entity):
    """An employee taking a course. `completed_on` is set if and only if the status is
    `completed`. At most one open enrollment per (employee, course), which the store enforces.
    Status changes follow `lifecycle.ENROLLMENT_TRANSITIONS`; `assigned_by` is the employee
    who created it (None when the creator is linked to no employee)."""

    label: ClassVar[str] = "Enrollment"

    employee_id: UUID
    course_id: UUID
    status: EnrollmentStatus = EnrollmentStatus.PLANNED
    completed_on: date | None = None
    due_on: date | None = None
    assigned_by: UUID | None = None

    def check(self) -> list[FieldError]:
        if self.status == EnrollmentStatus.COMPLETED and self.completed_on is None:
            return [FieldError("completed_on", "is required when the enrollment is completed")]
        if self.status != EnrollmentStatus.COMPLETED and self.completed_on is not None:
            return [FieldError("completed_on", "is only allowed when the enrollment is completed")]
        return []

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    def is_overdue(self, today: date) -> bool:
        """Still open after its due day."""
        return self.is_open and self.due_on is not None and self.due_on < today
