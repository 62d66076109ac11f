"""Explained course recommendations for one employee's gaps.

A pure function over plain inputs. Each candidate course gets five factors, each in [0, 1]:

- `gap`: Σ shortfall of the gaps the course addresses / Σ shortfall of all the employee's gaps
  (the share of the department's missing people, as seen from this employee's gaps, that the
  course works on; 1 = it addresses every gap).
- `fit`: the mean, over the gap competencies the course addresses, of 1 - d / 4, where
  d = (rank of the course's level) - (rank of the employee's current level + 1) ≥ 0 is how far
  the course goes beyond the next level the employee needs and 4 is the number of levels
  (the exact next level = 1, each level beyond -0.25; never 0 for an addressed gap).
- `feedback`: the mean of (5 - score) / 4 over the scored feedback the employee received on any
  competency the course covers (score 1 → 1, score 5 → 0); 0.5 (a neutral score of 3) when
  there is none. Feedback without a score or a competency does not count.
- `rating`: course rating / 5.
- `popularity`: log(1 + learners) / log(1 + the most learners among all candidates); 0 when no
  candidate has learners.

score = Σ weight · value with weights normalised to sum 1, so score ∈ [0, 1]. Values are exact
floats; rounding is for presentation.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from upskill.domain.competency import Level
from upskill.domain.coverage import Gap, Levels, rank
from upskill.domain.errors import FieldError, InvariantViolation
from upskill.domain.organisation import Employee
from upskill.domain.training import MAX_RATING, MAX_SCORE, MIN_SCORE, Course, Enrollment, EnrollmentStatus, Feedback

NEUTRAL_FEEDBACK = 0.5
"""The feedback factor when no scored feedback bears on the course (the value of a score of 3)."""

DEFAULT_LIMIT = 10


class Factor(StrEnum):
    GAP = "gap"
    FIT = "fit"
    FEEDBACK = "feedback"
    RATING = "rating"
    POPULARITY = "popularity"


@dataclass(frozen=True, slots=True, kw_only=True)
class Weights:
    """Relative importance of each factor: finite, ≥ 0, not all 0. Raises InvariantViolation
    naming each bad field. Only the proportions matter: `normalised()` scales them to sum 1."""

    gap: float = 0.35
    fit: float = 0.2
    feedback: float = 0.15
    rating: float = 0.15
    popularity: float = 0.15

    def __post_init__(self) -> None:
        problems = [
            FieldError(f.value, "must be a finite number, at least 0")
            for f in Factor
            if not (math.isfinite(self.of(f)) and self.of(f) >= 0)
        ]
        if not problems and self.total() <= 0:
            problems = [FieldError(f.value, "at least one weight must be greater than 0") for f in Factor]
        if problems:
            field = problems[0].field if len(problems) < len(Factor) else None
            raise InvariantViolation(problems[0].message, entity="Weights", field=field, errors=problems)

    def of(self, factor: Factor) -> float:
        value: float = getattr(self, factor.value)
        return value

    def total(self) -> float:
        return math.fsum(self.of(f) for f in Factor)

    def normalised(self) -> Weights:
        """The same proportions, summing to 1."""
        total = self.total()
        return Weights(**{f.value: self.of(f) / total for f in Factor})


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True, slots=True)
class FactorScore:
    """One factor of a recommendation: `contribution` = `weight` (normalised) · `value`."""

    factor: Factor
    value: float
    weight: float
    contribution: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Recommendation:
    """A course, its score, why (`factors`, one per Factor in declaration order) and the
    employee's gaps it addresses (in the order the gaps were given)."""

    course: Course
    score: float
    factors: tuple[FactorScore, ...]
    gaps: tuple[Gap, ...]

    def factor(self, factor: Factor) -> FactorScore:
        return next(f for f in self.factors if f.factor is factor)


def recommend(
    employee: Employee,
    gaps: Sequence[Gap],
    levels: Levels,
    courses: Iterable[Course],
    enrollments: Iterable[Enrollment],
    feedback_received: Iterable[Feedback],
    weights: Weights = DEFAULT_WEIGHTS,
    limit: int = DEFAULT_LIMIT,
) -> list[Recommendation]:
    """The best `limit` courses for the employee's `gaps` (see the module for the scoring).

    Candidates: courses that teach a gap's competency up to a level above the employee's
    current one (`levels`), except those the employee completed or has an open enrollment in
    (a dropped enrollment does not exclude). Enrollments and feedback of other employees are
    ignored. Ordered by score desc, rating desc, title, id. Raises InvariantViolation(limit)
    when `limit` < 1."""
    if limit < 1:
        raise InvariantViolation("must be at least 1", entity="Recommendation", field="limit")
    taken = {e.course_id for e in enrollments if e.employee_id == employee.id and e.status != EnrollmentStatus.DROPPED}
    scores = _scores_by_competency(employee, feedback_received)
    candidates = []
    for course in courses:
        if course.id in taken:
            continue
        addressed = tuple(g for g in gaps if _teaches_beyond(course, g, levels.get((employee.id, g.competency_id))))
        if addressed:
            candidates.append((course, addressed))
    most_learners = max((course.learners for course, _ in candidates), default=0)
    total_shortfall = sum(g.shortfall for g in gaps)
    shares = weights.normalised()
    ranked = []
    for course, addressed in candidates:
        values = {
            Factor.GAP: sum(g.shortfall for g in addressed) / total_shortfall if total_shortfall > 0 else 0.0,
            Factor.FIT: _fit(course, addressed, levels, employee.id),
            Factor.FEEDBACK: _feedback(course, scores),
            Factor.RATING: course.rating / MAX_RATING,
            Factor.POPULARITY: math.log1p(course.learners) / math.log1p(most_learners) if most_learners > 0 else 0.0,
        }
        factors = tuple(FactorScore(f, values[f], shares.of(f), shares.of(f) * values[f]) for f in Factor)
        score = min(1.0, math.fsum(f.contribution for f in factors))
        ranked.append(Recommendation(course=course, score=score, factors=factors, gaps=addressed))
    ranked.sort(key=lambda r: (-r.score, -r.course.rating, r.course.title, r.course.id))
    return ranked[:limit]


def _teaches_beyond(course: Course, gap: Gap, current: Level | None) -> bool:
    level = course.level_in(gap.competency_id)
    return level is not None and level.rank > rank(current)


def _fit(course: Course, addressed: Sequence[Gap], levels: Levels, employee_id: UUID) -> float:
    competencies = dict.fromkeys(g.competency_id for g in addressed)
    fits = []
    for competency_id in competencies:
        level = course.level_in(competency_id)
        assert level is not None  # addressed gaps are taught by the course
        beyond_next = level.rank - (rank(levels.get((employee_id, competency_id))) + 1)
        fits.append(1.0 - beyond_next / len(Level))
    return math.fsum(fits) / len(fits)


def _scores_by_competency(employee: Employee, feedback: Iterable[Feedback]) -> dict[UUID, list[int]]:
    scores: dict[UUID, list[int]] = defaultdict(list)
    for item in feedback:
        if item.subject_id == employee.id and item.competency_id is not None and item.score is not None:
            scores[item.competency_id].append(item.score)
    return scores


def _feedback(course: Course, scores: dict[UUID, list[int]]) -> float:
    relevant = [s for cover in course.covers for s in scores.get(cover.competency_id, ())]
    if not relevant:
        return NEUTRAL_FEEDBACK
    span = MAX_SCORE - MIN_SCORE
    return math.fsum((MAX_SCORE - s) / span for s in relevant) / len(relevant)
