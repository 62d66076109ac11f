"""TrainingService.recommendations: which courses are candidates, why each is recommended,
custom weights, and who may ask."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date

import pytest

from tests.factories import assessment, course, employee, enrollment, feedback, requirement
from tests.unit.services.training_world import TrainingWorld
from upskill.domain.competency import Level
from upskill.domain.errors import InvariantViolation, NotFound
from upskill.domain.recommend import Factor, Weights
from upskill.domain.training import Course, EnrollmentStatus


@pytest.fixture
async def catalogue(org: TrainingWorld) -> dict[str, Course]:
    """Alan (basic in Python) falls short of Engineering's advanced Python and company-wide
    expert SQL; the catalogue has a course for every case."""
    python, sql = org.python.id, org.sql.id
    courses = {
        "python_advanced": course((python, Level.ADVANCED), title="Python II", rating=4.5, learners=900),
        "python_basic": course((python, Level.BASIC), title="Python I", rating=5.0, learners=5000),
        "sql_expert": course((sql, Level.EXPERT), title="SQL mastery", rating=3.0, learners=10),
        "both": course((python, Level.EXPERT), (sql, Level.EXPERT), title="Data engineering", rating=4.0),
        "completed": course((python, Level.ADVANCED), title="Python II (old)", rating=5.0),
        "enrolled": course((sql, Level.ADVANCED), title="SQL II", rating=5.0),
        "dropped": course((sql, Level.INTERMEDIATE), title="SQL I", rating=2.0),
        "unrelated": course(title="Negotiation", rating=5.0),
    }
    alan = org.alan.id
    await org.add(
        requirement(competency_id=python, department_id=org.eng.id, level=Level.ADVANCED, headcount=2),
        requirement(competency_id=sql, level=Level.EXPERT, headcount=3),
        assessment(employee_id=alan, competency_id=python, level=Level.BASIC),
        *courses.values(),
        enrollment(
            employee_id=alan,
            course_id=courses["completed"].id,
            status=EnrollmentStatus.COMPLETED,
            completed_on=date(2024, 1, 1),
        ),
        enrollment(employee_id=alan, course_id=courses["enrolled"].id, status=EnrollmentStatus.IN_PROGRESS),
        enrollment(employee_id=alan, course_id=courses["dropped"].id, status=EnrollmentStatus.DROPPED),
        enrollment(employee_id=org.barbara.id, course_id=courses["python_advanced"].id),
        feedback(subject_id=alan, author_id=org.ada.id, competency_id=python, score=1),
    )
    return courses


async def test_candidates_teach_a_gap_beyond_the_current_level_and_are_not_taken(
    org: TrainingWorld, catalogue: dict[str, Course]
) -> None:
    result = await org.training.recommendations(org.admin, org.alan.id)
    names = {c.id: name for name, c in catalogue.items()}
    assert {names[r.course.id] for r in result.items} == {"python_advanced", "sql_expert", "both", "dropped"}
    assert result.employee == org.alan


async def test_every_recommendation_explains_itself(org: TrainingWorld, catalogue: dict[str, Course]) -> None:
    result = await org.training.recommendations(org.eng_manager, org.alan.id)
    assert [r.score for r in result.items] == sorted((r.score for r in result.items), reverse=True)
    for item in result.items:
        assert [f.factor for f in item.factors] == list(Factor)
        assert math.isclose(item.score, math.fsum(f.contribution for f in item.factors))
        assert all(0.0 <= f.value <= 1.0 for f in item.factors)
        assert item.gaps
        assert {g.competency_id for g in item.gaps} <= {c.competency_id for c in item.course.covers}
    both = next(r for r in result.items if r.course.id == catalogue["both"].id)
    assert both.factor(Factor.GAP).value == 1.0  # it addresses every gap
    python = next(r for r in result.items if r.course.id == catalogue["python_advanced"].id)
    assert python.factor(Factor.FIT).value == 0.75  # one level beyond the next one (intermediate)
    assert python.factor(Factor.FEEDBACK).value == 1.0  # Alan's Python was scored 1


async def test_recommendations_are_deterministic(org: TrainingWorld, catalogue: dict[str, Course]) -> None:
    first = await org.training.recommendations(org.alan_self, org.alan.id)
    second = await org.training.recommendations(org.alan_self, org.alan.id)
    assert first == second


async def test_custom_weights_rank_by_what_they_weigh(org: TrainingWorld, catalogue: dict[str, Course]) -> None:
    only_rating = Weights(gap=0, fit=0, feedback=0, rating=2, popularity=0)
    result = await org.training.recommendations(org.admin, org.alan.id, weights=only_rating, limit=2)
    assert [r.course.title for r in result.items] == ["Python II", "Data engineering"]
    assert result.weights == only_rating
    assert result.items[0].factor(Factor.RATING).weight == 1.0


@pytest.mark.parametrize(
    "make",
    [
        lambda: Weights(gap=-0.1),
        lambda: Weights(fit=math.nan),
        lambda: Weights(gap=0, fit=0, feedback=0, rating=0, popularity=0),
    ],
)
async def test_bad_weights_are_refused(org: TrainingWorld, make: Callable[[], Weights]) -> None:
    with pytest.raises(InvariantViolation) as caught:
        await org.training.recommendations(org.admin, org.alan.id, weights=make())
    assert caught.value.entity == "Weights"


async def test_a_limit_below_one_is_refused(org: TrainingWorld, catalogue: dict[str, Course]) -> None:
    with pytest.raises(InvariantViolation) as caught:
        await org.training.recommendations(org.admin, org.alan.id, limit=0)
    assert caught.value.field == "limit"


async def test_an_employee_without_gaps_gets_nothing(org: TrainingWorld, catalogue: dict[str, Course]) -> None:
    gone = employee(department_id=org.eng.id, hired_on=date(2020, 1, 1), left_on=date(2024, 1, 1))
    await org.add(gone)
    assert (await org.training.recommendations(org.admin, gone.id)).items == []


async def test_recommendations_are_shown_to_whoever_may_read_the_employee(
    org: TrainingWorld, catalogue: dict[str, Course]
) -> None:
    for principal in (org.ops_manager, org.linus_self, org.unlinked):
        with pytest.raises(NotFound):
            await org.training.recommendations(principal, org.alan.id)
