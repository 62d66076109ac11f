"""Which courses are recommended, how each factor is computed, and in which order."""

from __future__ import annotations

import itertools
import math
from datetime import date
from uuid import UUID, uuid4

import pytest

from upskill.domain.competency import Level
from upskill.domain.coverage import Gap
from upskill.domain.errors import InvariantViolation
from upskill.domain.recommend import DEFAULT_WEIGHTS, NEUTRAL_FEEDBACK, Factor, Recommendation, Weights, recommend
from upskill.domain.training import Course, Enrollment, EnrollmentStatus, Feedback

from .factories import course, employee, enrollment, feedback, requirement

PYTHON, SQL, DOCKER = uuid4(), uuid4(), uuid4()
ME = employee()
LEVELS = {(ME.id, PYTHON): Level.INTERMEDIATE}  # not assessed in SQL
PY_GAP = Gap(
    requirement=requirement(competency_id=PYTHON, level=Level.ADVANCED), current=Level.INTERMEDIATE, shortfall=2
)
SQL_GAP = Gap(requirement=requirement(competency_id=SQL, level=Level.BASIC), current=None, shortfall=1)
GAPS = (PY_GAP, SQL_GAP)
GAP_ONLY = Weights(gap=1, fit=0, feedback=0, rating=0, popularity=0)


def run(
    courses: list[Course],
    *,
    enrollments: tuple[Enrollment, ...] = (),
    received: tuple[Feedback, ...] = (),
    weights: Weights = DEFAULT_WEIGHTS,
    limit: int = 50,
) -> list[Recommendation]:
    return recommend(ME, GAPS, LEVELS, courses, enrollments, received, weights, limit)


def by_course(recommendations: list[Recommendation]) -> dict[UUID, Recommendation]:
    return {r.course.id: r for r in recommendations}


def value(recommendation: Recommendation, factor: Factor) -> float:
    return recommendation.factor(factor).value


# -- candidates ----------------------------------------------------------------------------------


def test_candidates_teach_a_gap_competency_above_the_current_level() -> None:
    advanced = course((PYTHON, Level.ADVANCED))
    at_current = course((PYTHON, Level.INTERMEDIATE))
    sql_basic = course((SQL, Level.BASIC))
    unrelated = course((DOCKER, Level.EXPERT))
    empty = course()
    got = run([advanced, at_current, sql_basic, unrelated, empty])
    assert {r.course.id for r in got} == {advanced.id, sql_basic.id}


def test_each_recommendation_lists_the_gaps_it_addresses() -> None:
    both = course((SQL, Level.BASIC), (DOCKER, Level.BASIC), (PYTHON, Level.EXPERT))
    python_only = course((PYTHON, Level.ADVANCED))
    got = by_course(run([both, python_only]))
    assert got[both.id].gaps == (PY_GAP, SQL_GAP)
    assert got[python_only.id].gaps == (PY_GAP,)


@pytest.mark.parametrize("status", [EnrollmentStatus.COMPLETED, EnrollmentStatus.PLANNED, EnrollmentStatus.IN_PROGRESS])
def test_completed_and_open_enrollments_exclude_the_course(status: EnrollmentStatus) -> None:
    taken, other = course((PYTHON, Level.ADVANCED)), course((PYTHON, Level.ADVANCED))
    done_on = date(2024, 1, 1) if status is EnrollmentStatus.COMPLETED else None
    mine = enrollment(employee_id=ME.id, course_id=taken.id, status=status, completed_on=done_on)
    assert [r.course.id for r in run([taken, other], enrollments=(mine,))] == [other.id]


def test_a_dropped_enrollment_does_not_exclude_the_course() -> None:
    dropped = course((PYTHON, Level.ADVANCED))
    mine = enrollment(employee_id=ME.id, course_id=dropped.id, status=EnrollmentStatus.DROPPED)
    assert [r.course.id for r in run([dropped], enrollments=(mine,))] == [dropped.id]


def test_someone_elses_enrollment_does_not_exclude_the_course() -> None:
    theirs = course((PYTHON, Level.ADVANCED))
    other = enrollment(course_id=theirs.id, status=EnrollmentStatus.COMPLETED, completed_on=date(2024, 1, 1))
    assert [r.course.id for r in run([theirs], enrollments=(other,))] == [theirs.id]


def test_no_gaps_means_no_recommendations() -> None:
    assert recommend(ME, [], LEVELS, [course((PYTHON, Level.EXPERT))], [], [], DEFAULT_WEIGHTS, 10) == []


# -- factors -------------------------------------------------------------------------------------


def test_gap_is_the_share_of_the_shortfall_addressed() -> None:
    both = course((PYTHON, Level.EXPERT), (SQL, Level.BASIC))
    python, sql = course((PYTHON, Level.ADVANCED)), course((SQL, Level.ADVANCED))
    got = by_course(run([both, python, sql]))
    assert value(got[both.id], Factor.GAP) == pytest.approx(1.0)
    assert value(got[python.id], Factor.GAP) == pytest.approx(2 / 3)
    assert value(got[sql.id], Factor.GAP) == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    ("covers", "expected"),
    [
        (((PYTHON, Level.ADVANCED),), 1.0),  # intermediate -> advanced: exactly the next level
        (((PYTHON, Level.EXPERT),), 0.75),
        (((SQL, Level.BASIC),), 1.0),  # not assessed -> basic
        (((SQL, Level.EXPERT),), 0.25),
        (((PYTHON, Level.ADVANCED), (SQL, Level.EXPERT)), 0.625),  # the mean over addressed competencies
        (((PYTHON, Level.ADVANCED), (DOCKER, Level.EXPERT)), 1.0),  # a non-gap competency does not count
    ],
)
def test_fit_is_best_at_the_next_level(covers: tuple[tuple[UUID, Level], ...], expected: float) -> None:
    [got] = run([course(*covers)])
    assert value(got, Factor.FIT) == pytest.approx(expected)


def test_low_feedback_on_a_covered_competency_raises_the_feedback_factor() -> None:
    python, docker_too = course((PYTHON, Level.ADVANCED)), course((PYTHON, Level.ADVANCED), (DOCKER, Level.BASIC))
    received = (
        feedback(subject_id=ME.id, competency_id=PYTHON, score=1),
        feedback(subject_id=ME.id, competency_id=PYTHON, score=2),
        feedback(subject_id=ME.id, competency_id=DOCKER, score=5),
    )
    got = by_course(run([python, docker_too], received=received))
    assert value(got[python.id], Factor.FEEDBACK) == pytest.approx((1 + 0.75) / 2)
    assert value(got[docker_too.id], Factor.FEEDBACK) == pytest.approx((1 + 0.75 + 0) / 3)


def test_irrelevant_feedback_leaves_the_factor_neutral() -> None:
    python = course((PYTHON, Level.ADVANCED))
    received = (
        feedback(competency_id=PYTHON, score=1),  # about someone else
        feedback(subject_id=ME.id, competency_id=SQL, score=1),  # a competency the course does not cover
        feedback(subject_id=ME.id, competency_id=PYTHON, comment="no score"),
        feedback(subject_id=ME.id, score=1),  # no competency
    )
    [got] = run([python], received=received)
    assert value(got, Factor.FEEDBACK) == NEUTRAL_FEEDBACK == 0.5


def test_rating_factor_is_rating_over_five() -> None:
    [got] = run([course((PYTHON, Level.ADVANCED), rating=4.0)])
    assert value(got, Factor.RATING) == pytest.approx(0.8)


def test_popularity_is_log_scaled_against_the_most_popular_candidate() -> None:
    none, some, most = (course((PYTHON, Level.ADVANCED), learners=n) for n in (0, 9, 99))
    not_a_candidate = course((DOCKER, Level.EXPERT), learners=10**6)
    got = by_course(run([none, some, most, not_a_candidate]))
    assert [value(got[c.id], Factor.POPULARITY) for c in (none, some, most)] == pytest.approx([0.0, 0.5, 1.0])


def test_popularity_is_zero_when_nobody_took_any_candidate() -> None:
    got = run([course((PYTHON, Level.ADVANCED)), course((SQL, Level.BASIC))])
    assert [value(r, Factor.POPULARITY) for r in got] == [0.0, 0.0]


def test_contributions_are_weight_times_value_and_sum_to_the_score() -> None:
    courses = [
        course((PYTHON, Level.EXPERT), (SQL, Level.BASIC), rating=4.5, learners=120),
        course((SQL, Level.ADVANCED), rating=2.0, learners=3),
        course((PYTHON, Level.ADVANCED), rating=5.0, learners=0),
    ]
    received = (feedback(subject_id=ME.id, competency_id=SQL, score=2),)
    for weights in (DEFAULT_WEIGHTS, Weights(gap=3, fit=1, feedback=0, rating=2, popularity=5)):
        for got in run(courses, received=received, weights=weights):
            assert [f.factor for f in got.factors] == list(Factor)
            assert math.fsum(f.weight for f in got.factors) == pytest.approx(1.0)
            for f in got.factors:
                assert 0.0 <= f.value <= 1.0
                assert f.contribution == pytest.approx(f.weight * f.value)
            assert got.score == pytest.approx(math.fsum(f.contribution for f in got.factors))
            assert 0.0 <= got.score <= 1.0


def test_a_perfect_course_scores_one() -> None:
    [got] = run(
        [course((PYTHON, Level.ADVANCED), (SQL, Level.BASIC), rating=5.0, learners=7)],
        weights=Weights(gap=1, fit=1, feedback=0, rating=1, popularity=1),
    )
    assert got.score == pytest.approx(1.0)


# -- weights -------------------------------------------------------------------------------------


def test_default_weights() -> None:
    assert [DEFAULT_WEIGHTS.of(f) for f in Factor] == [0.35, 0.2, 0.15, 0.15, 0.15]


@pytest.mark.parametrize("factor", list(Factor))
@pytest.mark.parametrize("bad", [-0.01, math.nan, math.inf])
def test_a_weight_is_a_finite_number_at_least_zero(factor: Factor, bad: float) -> None:
    with pytest.raises(InvariantViolation) as caught:
        Weights(**{factor.value: bad})
    assert (caught.value.entity, caught.value.field) == ("Weights", factor.value)


def test_weights_cannot_all_be_zero() -> None:
    with pytest.raises(InvariantViolation) as caught:
        Weights(gap=0, fit=0, feedback=0, rating=0, popularity=0)
    assert caught.value.field is None
    assert [e.field for e in caught.value.errors] == [f.value for f in Factor]


def test_weights_are_normalised_to_sum_one_keeping_proportions() -> None:
    shares = Weights(gap=2, fit=1, feedback=1, rating=0, popularity=4).normalised()
    assert [shares.of(f) for f in Factor] == pytest.approx([0.25, 0.125, 0.125, 0.0, 0.5])
    assert shares.total() == pytest.approx(1.0)


def test_weights_near_the_largest_float_are_normalised_without_overflow() -> None:
    """Found by the API fuzzer: weights whose sum passes the largest float made fsum raise."""
    huge = 1.5e308
    shares = Weights(gap=huge, fit=huge, feedback=huge / 2, rating=0, popularity=1e-90).normalised()
    assert [shares.of(f) for f in Factor] == pytest.approx([0.4, 0.4, 0.2, 0.0, 0.0])
    assert shares.total() == pytest.approx(1.0)


def test_only_the_proportions_of_the_weights_matter() -> None:
    courses = [course((PYTHON, Level.EXPERT), rating=3.0, learners=5), course((SQL, Level.BASIC), rating=4.0)]
    small = run(courses, weights=Weights(gap=1, fit=2, feedback=3, rating=4, popularity=5))
    large = run(courses, weights=Weights(gap=10, fit=20, feedback=30, rating=40, popularity=50))
    assert [r.course.id for r in small] == [r.course.id for r in large]
    assert [r.score for r in small] == pytest.approx([r.score for r in large])


# -- ordering ------------------------------------------------------------------------------------


def test_higher_score_first() -> None:
    weak, strong = course((SQL, Level.EXPERT), rating=1.0), course((PYTHON, Level.ADVANCED), (SQL, Level.BASIC))
    got = run([weak, strong])
    assert [r.course.id for r in got] == [strong.id, weak.id]
    assert got[0].score > got[1].score


def test_ties_break_by_rating_then_title_then_id() -> None:
    same_gap = (PYTHON, Level.ADVANCED)
    best_rated = course(same_gap, title="Zebra", rating=4.0)
    titled_b = course(same_gap, title="B", rating=3.0)
    lower_id = course(same_gap, title="A", rating=3.0, id=UUID(int=1))
    higher_id = course(same_gap, title="A", rating=3.0, id=UUID(int=2))
    lowercase = course(same_gap, title="a", rating=3.0)  # code-point order: "B" < "a"
    expected = [best_rated.id, lower_id.id, higher_id.id, titled_b.id, lowercase.id]
    for order in itertools.permutations([best_rated, titled_b, lower_id, higher_id, lowercase]):
        got = run(list(order), weights=GAP_ONLY)
        assert len({r.score for r in got}) == 1
        assert [r.course.id for r in got] == expected


def test_the_same_data_gives_the_same_result_in_any_input_order() -> None:
    courses = [
        course((PYTHON, Level.EXPERT), (SQL, Level.BASIC), rating=4.5, learners=120),
        course((SQL, Level.ADVANCED), rating=2.0, learners=3),
        course((PYTHON, Level.ADVANCED), rating=5.0),
        course((PYTHON, Level.ADVANCED), rating=5.0, title="Same"),
        course((PYTHON, Level.ADVANCED), rating=5.0, title="Same"),
    ]
    received = (feedback(subject_id=ME.id, competency_id=PYTHON, score=2),)
    first = run(courses, received=received)
    for order in itertools.permutations(courses):
        assert run(list(order), received=received) == first


def test_limit_keeps_the_best() -> None:
    courses = [course((PYTHON, Level.ADVANCED), rating=float(r)) for r in range(6)]
    got = run(courses, limit=2, weights=Weights(gap=0, fit=0, feedback=0, rating=1, popularity=0))
    assert [r.course.rating for r in got] == [5.0, 4.0]


def test_limit_is_at_least_one() -> None:
    with pytest.raises(InvariantViolation) as caught:
        run([course((PYTHON, Level.ADVANCED))], limit=0)
    assert caught.value.field == "limit"
