"""The rules each training entity checks on itself: one test per rule and field."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import pytest

from upskill.domain.competency import Level
from upskill.domain.errors import FieldError, InvariantViolation
from upskill.domain.training import (
    Assessment,
    Course,
    CourseCoverage,
    Enrollment,
    EnrollmentStatus,
    Feedback,
    Requirement,
)

from .factories import assessment, course, enrollment, feedback, requirement


def refused(build: Any, **overrides: Any) -> InvariantViolation:
    with pytest.raises(InvariantViolation) as caught:
        build(**overrides)
    return caught.value


# -- Requirement ---------------------------------------------------------------------------------


def test_a_requirement_without_department_is_company_wide() -> None:
    made = requirement()
    assert made.department_id is None
    assert "department_id" in Requirement.data_fields()


@pytest.mark.parametrize("headcount", [0, -1])
def test_a_requirement_needs_at_least_one_person(headcount: int) -> None:
    error = refused(requirement, headcount=headcount)
    assert (error.entity, error.field) == ("Requirement", "headcount")


def test_a_requirement_of_one_person_is_valid() -> None:
    assert requirement(headcount=1, department_id=uuid4()).headcount == 1


def test_changing_a_requirement_revalidates_it() -> None:
    with pytest.raises(InvariantViolation) as caught:
        requirement().evolve(headcount=0)
    assert caught.value.field == "headcount"


# -- Assessment ----------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, -1])
def test_an_assessment_expires_after_it_was_made(days: int) -> None:
    made_on = date(2024, 1, 1)
    error = refused(assessment, assessed_on=made_on, expires_on=made_on + timedelta(days=days))
    assert (error.entity, error.field) == ("Assessment", "expires_on")


def test_an_assessment_may_expire_the_next_day_or_never() -> None:
    assert assessment(assessed_on=date(2024, 1, 1), expires_on=date(2024, 1, 2)).expires_on == date(2024, 1, 2)
    assert assessment(expires_on=None).expires_on is None


def test_nobody_assesses_themselves() -> None:
    someone = uuid4()
    error = refused(assessment, employee_id=someone, assessor_id=someone)
    assert error.field == "assessor_id"
    assert assessment(employee_id=someone, assessor_id=uuid4()).assessor_id != someone


def test_every_broken_assessment_rule_is_reported() -> None:
    someone = uuid4()
    error = refused(
        assessment, employee_id=someone, assessor_id=someone, assessed_on=date(2024, 2, 1), expires_on=date(2024, 1, 1)
    )
    assert {e.field for e in error.errors} == {"assessor_id", "expires_on"}


def test_an_assessment_counts_from_its_day_until_the_day_before_expiry() -> None:
    made = assessment(assessed_on=date(2024, 1, 10), expires_on=date(2024, 1, 20))
    assert [made.is_valid(date(2024, 1, d)) for d in (9, 10, 19, 20)] == [False, True, True, False]
    assert assessment(assessed_on=date(2024, 1, 10)).is_valid(date(2999, 1, 1))


def test_an_assessment_note_may_not_hold_nul() -> None:
    assert refused(assessment, note="a\x00b").field == "note"


# -- Feedback ------------------------------------------------------------------------------------


def test_nobody_gives_feedback_to_themselves() -> None:
    someone = uuid4()
    error = refused(feedback, subject_id=someone, author_id=someone)
    assert (error.entity, error.field) == ("Feedback", "author_id")


@pytest.mark.parametrize("score", [0, 6, -3])
def test_a_feedback_score_is_between_1_and_5(score: int) -> None:
    assert refused(feedback, score=score).field == "score"


@pytest.mark.parametrize("score", [1, 3, 5, None])
def test_a_feedback_score_is_optional_and_inclusive(score: int | None) -> None:
    assert feedback(score=score).score == score


def test_feedback_competency_and_comment_are_optional() -> None:
    made = feedback()
    assert (made.competency_id, made.comment) == (None, None)


def test_feedback_author_is_a_data_field_the_service_fills() -> None:
    assert {"subject_id", "author_id"} <= set(Feedback.data_fields())


# -- Course --------------------------------------------------------------------------------------


@pytest.mark.parametrize("title", ["", "   "])
def test_a_course_has_a_title(title: str) -> None:
    assert refused(course, title=title).field == "title"


@pytest.mark.parametrize("url", ["ftp://example.com/x", "example.com/course", "/relative", "https://", "https://a b.c"])
def test_a_course_url_is_an_absolute_web_address(url: str) -> None:
    assert refused(course, url=url).field == "url"


@pytest.mark.parametrize("url", ["https://example.com/course?id=1", "http://learn.example.org", None])
def test_a_course_url_is_optional(url: str | None) -> None:
    assert course(url=url).url == url


@pytest.mark.parametrize("hours", [0.0, -1.5, math.nan, math.inf])
def test_a_course_duration_is_positive_and_finite(hours: float) -> None:
    assert refused(course, duration_hours=hours).field == "duration_hours"


@pytest.mark.parametrize("hours", [0.25, 40.0, None])
def test_a_course_duration_is_optional(hours: float | None) -> None:
    assert course(duration_hours=hours).duration_hours == hours


@pytest.mark.parametrize("rating", [-0.1, 5.01, math.nan, math.inf])
def test_a_course_rating_is_between_0_and_5(rating: float) -> None:
    assert refused(course, rating=rating).field == "rating"


@pytest.mark.parametrize("rating", [0.0, 2.5, 5.0])
def test_a_course_rating_bounds_are_inclusive(rating: float) -> None:
    assert course(rating=rating).rating == rating


def test_course_learners_are_not_negative() -> None:
    assert refused(course, learners=-1).field == "learners"
    assert course(learners=0).learners == 0


def test_a_course_covers_each_competency_once() -> None:
    twice = uuid4()
    covers = (
        CourseCoverage(twice, Level.BASIC),
        CourseCoverage(uuid4(), Level.EXPERT),
        CourseCoverage(twice, Level.ADVANCED),
    )
    error = refused(course, covers=covers)
    assert error.errors == (FieldError("covers.2.competency_id", "is covered more than once"),)


def test_a_course_says_up_to_which_level_it_teaches_a_competency() -> None:
    taught, other = uuid4(), uuid4()
    made = course((taught, Level.ADVANCED))
    assert made.level_in(taught) is Level.ADVANCED
    assert made.level_in(other) is None
    assert course().covers == ()


def test_a_course_title_may_not_hold_nul() -> None:
    assert refused(course, title="a\x00").field == "title"


def test_course_defaults() -> None:
    made = Course(id=uuid4(), created_at=course().created_at, updated_at=course().updated_at, title="Intro")
    assert (made.rating, made.learners, made.covers, made.version) == (0.0, 0, (), 1)


# -- Enrollment ----------------------------------------------------------------------------------


def test_a_completed_enrollment_has_a_completion_date() -> None:
    error = refused(enrollment, status=EnrollmentStatus.COMPLETED)
    assert (error.entity, error.field) == ("Enrollment", "completed_on")
    assert enrollment(status=EnrollmentStatus.COMPLETED, completed_on=date(2024, 3, 1)).completed_on == date(2024, 3, 1)


@pytest.mark.parametrize("status", [EnrollmentStatus.PLANNED, EnrollmentStatus.IN_PROGRESS, EnrollmentStatus.DROPPED])
def test_only_a_completed_enrollment_has_a_completion_date(status: EnrollmentStatus) -> None:
    assert refused(enrollment, status=status, completed_on=date(2024, 3, 1)).field == "completed_on"
    assert enrollment(status=status).completed_on is None


def test_reopening_a_completed_enrollment_must_clear_the_date() -> None:
    done = enrollment(status=EnrollmentStatus.COMPLETED, completed_on=date(2024, 3, 1))
    with pytest.raises(InvariantViolation):
        done.evolve(status=EnrollmentStatus.IN_PROGRESS)
    assert done.evolve(status=EnrollmentStatus.IN_PROGRESS, completed_on=None).is_open


@pytest.mark.parametrize(
    ("status", "is_open"),
    [
        (EnrollmentStatus.PLANNED, True),
        (EnrollmentStatus.IN_PROGRESS, True),
        (EnrollmentStatus.COMPLETED, False),
        (EnrollmentStatus.DROPPED, False),
    ],
)
def test_planned_and_in_progress_enrollments_are_open(status: EnrollmentStatus, is_open: bool) -> None:
    completed_on = date(2024, 3, 1) if status is EnrollmentStatus.COMPLETED else None
    assert enrollment(status=status, completed_on=completed_on).is_open is is_open
    assert status.is_open is is_open


def test_an_enrollment_starts_planned() -> None:
    assert enrollment().status is EnrollmentStatus.PLANNED


def test_entities_name_themselves_in_errors() -> None:
    labels = {cls.label for cls in (Requirement, Assessment, Feedback, Course, Enrollment)}
    assert labels == {"Requirement", "Assessment", "Feedback", "Course", "Enrollment"}
