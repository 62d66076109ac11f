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

_LEVELS = len(Level)
"""The number of levels (the `fit` factor's scale); no course teaches beyond the top one."""


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
        if not problems and max(self.of(f) for f in Factor) <= 0:
            problems = [FieldError(f.value, "at least one weight must be greater than 0") for f in Factor]
        if problems:
            field = problems[0].field if len(problems) < len(Factor) else None
            raise InvariantViolation(problems[0].message, entity="Weights", field=field, errors=problems)

    def of(self, factor: Factor) -> float:
        value: float = getattr(self, factor.value)
        return value

    def total(self) -> float:
        """The sum of the weights (infinite when it passes the largest float)."""
        try:
            return math.fsum(self.of(f) for f in Factor)
        except OverflowError:
            return math.inf

    def normalised(self) -> Weights:
        """The same proportions, summing to 1 (scaled by the largest weight first, so weights
        near the largest float do not overflow the sum)."""
        largest = max(self.of(f) for f in Factor)
        scaled = {f: self.of(f) / largest for f in Factor}
        total = math.fsum(scaled.values())
        return Weights(**{f.value: scaled[f] / total for f in Factor})


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
    held: dict[UUID, int] = {}  # gap competency → the employee's current rank in it
    indexes: dict[UUID, list[int]] = {}  # gap competency → the positions of its gaps
    for i, gap in enumerate(gaps):
        held[gap.competency_id] = rank(levels.get((employee.id, gap.competency_id)))
        indexes.setdefault(gap.competency_id, []).append(i)
    candidates = []
    for course in courses:
        if course.id in taken:
            continue
        taught = _taught(course)
        hits = [i for c, level in taught.items() if level > held.get(c, _LEVELS) for i in indexes[c]]
        if hits:
            hits.sort()
            candidates.append((course, taught, tuple(gaps[i] for i in hits)))
    most_learners = max((course.learners for course, _, _ in candidates), default=0)
    total_shortfall = sum(g.shortfall for g in gaps)
    normalised = weights.normalised()
    shares = [(f, normalised.of(f)) for f in Factor]
    ranked = []
    for course, taught, addressed in candidates:
        values = {
            Factor.GAP: sum(g.shortfall for g in addressed) / total_shortfall if total_shortfall > 0 else 0.0,
            Factor.FIT: _fit(taught, addressed, held),
            Factor.FEEDBACK: _feedback(course, scores),
            Factor.RATING: course.rating / MAX_RATING,
            Factor.POPULARITY: math.log1p(course.learners) / math.log1p(most_learners) if most_learners > 0 else 0.0,
        }
        score = min(1.0, math.fsum(share * values[f] for f, share in shares))
        ranked.append((score, course, values, addressed))
    ranked.sort(key=lambda r: (-r[0], -r[1].rating, r[1].title, r[1].id))
    return [  # the explanations of the best only
        Recommendation(
            course=course,
            score=score,
            factors=tuple(FactorScore(f, values[f], share, share * values[f]) for f, share in shares),
            gaps=addressed,
        )
        for score, course, values, addressed in ranked[:limit]
    ]


def _taught(course: Course) -> dict[UUID, int]:
    """Competency id → rank of the level up to which the course teaches it (`Course.level_in`)."""
    taught: dict[UUID, int] = {}
    for cover in course.covers:
        taught.setdefault(cover.competency_id, cover.level.rank)
    return taught


def _fit(taught: dict[UUID, int], addressed: Sequence[Gap], held: dict[UUID, int]) -> float:
    """`taught`: the course's (`_taught`); `held`: the employee's current rank per gap competency."""
    competencies = dict.fromkeys(g.competency_id for g in addressed)
    fits = []
    for competency_id in competencies:
        beyond_next = taught[competency_id] - (held[competency_id] + 1)
        fits.append(1.0 - beyond_next / _LEVELS)
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
