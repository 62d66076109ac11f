"""How an enrollment moves, and what its completion proves (DOMAIN.md, "Enrollments have a
lifecycle").

`planned` → `in_progress` → `completed`; `planned` or `in_progress` → `dropped`; `completed`
and `dropped` are final. A completion is evidence, not a level: for each competency the course
teaches beyond the employee's current level, a proposed assessment for a reviewer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from upskill.domain.competency import Level
from upskill.domain.coverage import rank
from upskill.domain.errors import InvalidTransition
from upskill.domain.training import Course, EnrollmentStatus

ENROLLMENT_TRANSITIONS: Mapping[EnrollmentStatus, frozenset[EnrollmentStatus]] = {
    EnrollmentStatus.PLANNED: frozenset({EnrollmentStatus.IN_PROGRESS, EnrollmentStatus.DROPPED}),
    EnrollmentStatus.IN_PROGRESS: frozenset({EnrollmentStatus.COMPLETED, EnrollmentStatus.DROPPED}),
    EnrollmentStatus.COMPLETED: frozenset(),
    EnrollmentStatus.DROPPED: frozenset(),
}
"""Status → the statuses it may change to. Keeping the same status is no change."""


def check_enrollment_transition(current: EnrollmentStatus, requested: EnrollmentStatus) -> None:
    """Raises InvalidTransition unless `current` may become `requested` (or they are equal)."""
    if requested == current or requested in ENROLLMENT_TRANSITIONS[current]:
        return
    final = "" if ENROLLMENT_TRANSITIONS[current] else f" ({current} is final)"
    raise InvalidTransition(
        f"An enrollment cannot go from {current} to {requested}{final}.",
        current=current.value,
        requested=requested.value,
        entity="Enrollment",
        field="status",
    )


@dataclass(frozen=True, slots=True)
class Evidence:
    """A level a completed course proposes in one competency."""

    competency_id: UUID
    level: Level
    note: str


def course_evidence(course: Course, current: Mapping[UUID, Level], completed_on: date) -> list[Evidence]:
    """What completing `course` proposes, in the order of its covers: one entry per covered
    competency whose level is above the employee's `current` level in it (absent = not
    assessed); none for the others."""
    note = f"Completed the course “{course.title}” on {completed_on.isoformat()}."
    return [
        Evidence(cover.competency_id, cover.level, note)
        for cover in course.covers
        if cover.level.rank > rank(current.get(cover.competency_id))
    ]
