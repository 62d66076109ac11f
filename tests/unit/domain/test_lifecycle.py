"""The enrollment lifecycle and what a completion proves (DOMAIN.md, "Enrollments have a
lifecycle"), against the table written out by hand."""

from __future__ import annotations

from datetime import date
from itertools import product
from uuid import uuid4

import pytest

from upskill.domain.competency import Level
from upskill.domain.errors import InvalidTransition
from upskill.domain.lifecycle import check_enrollment_transition, course_evidence
from upskill.domain.training import EnrollmentStatus

from .factories import course

P, R, C, D = (
    EnrollmentStatus.PLANNED,
    EnrollmentStatus.IN_PROGRESS,
    EnrollmentStatus.COMPLETED,
    EnrollmentStatus.DROPPED,
)
ALLOWED = {(P, R), (R, C), (P, D), (R, D)}
"""planned → in_progress → completed; planned or in_progress → dropped (DOMAIN.md)."""


@pytest.mark.parametrize(("current", "requested"), list(product(EnrollmentStatus, repeat=2)))
def test_every_pair_of_statuses_follows_the_table(current: EnrollmentStatus, requested: EnrollmentStatus) -> None:
    if current == requested or (current, requested) in ALLOWED:
        check_enrollment_transition(current, requested)
        return
    with pytest.raises(InvalidTransition) as refused:
        check_enrollment_transition(current, requested)
    assert (refused.value.current, refused.value.requested) == (current.value, requested.value)
    assert refused.value.field == "status"


def test_final_statuses_say_so() -> None:
    with pytest.raises(InvalidTransition, match="completed is final"):
        check_enrollment_transition(C, R)


def test_a_course_proposes_only_what_it_teaches_beyond_the_current_level() -> None:
    python, sql, docker = uuid4(), uuid4(), uuid4()
    taught = course((python, Level.ADVANCED), (sql, Level.BASIC), (docker, Level.INTERMEDIATE), title="Stack")
    current = {python: Level.INTERMEDIATE, sql: Level.BASIC}  # docker: not assessed

    evidence = course_evidence(taught, current, date(2024, 5, 2))

    assert [(e.competency_id, e.level) for e in evidence] == [(python, Level.ADVANCED), (docker, Level.INTERMEDIATE)]
    assert all(e.note == "Completed the course “Stack” on 2024-05-02." for e in evidence)
    assert course_evidence(taught, {python: Level.EXPERT, sql: Level.EXPERT, docker: Level.EXPERT}, date.today()) == []
