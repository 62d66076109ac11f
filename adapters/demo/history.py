"""Assessment histories and requirement headcounts of the demo plan.

Each person is assessed in the competencies of their job title (and, by chance, the ones
everybody may hold), one to three times, each review raising the level by one up to a level
near the title's typical one. Assessments in certified competencies expire; most are renewed
shortly before, some are not. The demo engineer's history is fixed so that they always have gaps.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

from adapters.demo.competencies import COMPETENCIES, REQUIREMENTS
from adapters.demo.organisation import COMMON_PROFILE, PROFILES
from adapters.demo.records import PlannedAssessment, PlannedEmployee, PlannedRequirement, current_ranks
from upskill.domain.competency import Level

VALID_DAYS = {c.name: c.valid_days for c in COMPETENCIES}
LEVELS = tuple(Level)
FIRST_REVIEW_AFTER = timedelta(days=14)
RENEWAL_CHANCE = 0.6
COMMON_CHANCE = 0.6
UNASSESSED_CHANCE = 0.1


def plan_assessments(
    rng: random.Random, people: Sequence[PlannedEmployee], today: date, demo: int
) -> list[PlannedAssessment]:
    planned: list[PlannedAssessment] = []
    for index, person in enumerate(people):
        if index == demo:
            planned += _demo_history(index, person, today)
            continue
        profile = PROFILES[person.job_title] + tuple(c for c in COMMON_PROFILE if rng.random() < COMMON_CHANCE)
        for competency, typical in profile:
            if rng.random() < UNASSESSED_CHANCE:
                continue
            target = min(max(typical.rank + rng.choice((-1, 0, 0, 0, 1)), 1), len(LEVELS))
            planned += _history(rng, index, person, competency, target, today)
    return planned


def _history(
    rng: random.Random, index: int, person: PlannedEmployee, competency: str, target: int, today: date
) -> list[PlannedAssessment]:
    """Reviews on distinct days between the first review and the last working day, raising the
    level by one each time up to `target`; then renewals of an expiring competency."""
    start = person.hired_on + FIRST_REVIEW_AFTER
    end = min(today, person.left_on - timedelta(days=1)) if person.left_on else today
    span = (end - start).days
    if span < 0:
        return []
    steps = min(target, rng.randint(1, 3), 1 + span // 365)
    days = sorted(rng.sample(range(span + 1), steps))
    history: list[PlannedAssessment] = []
    for step, day in enumerate(days):
        level = LEVELS[target - steps + step]
        on = start + timedelta(days=day)
        note = "Baseline assessment after onboarding." if step == 0 else f"Review: up to {level}."
        history.append(_assessment(index, person, competency, level, on, note))
    while (expires := history[-1].expires_on) is not None and expires <= end and rng.random() < RENEWAL_CHANCE:
        renewed = expires - timedelta(days=rng.randint(0, 30))
        history.append(_assessment(index, person, competency, history[-1].level, renewed, "Renewed before expiry."))
    return history


def _assessment(
    index: int, person: PlannedEmployee, competency: str, level: Level, on: date, note: str
) -> PlannedAssessment:
    valid_days = VALID_DAYS[competency]
    expires_on = on + timedelta(days=valid_days) if valid_days else None
    return PlannedAssessment(index, competency, level, on, expires_on, person.manager, note)


def _demo_history(index: int, person: PlannedEmployee, today: date) -> list[PlannedAssessment]:
    """Python raised to intermediate, Kubernetes and security training expired, no
    observability: below three of Engineering's open requirements whatever the seed."""
    hired, basic, intermediate = person.hired_on, Level.BASIC, Level.INTERMEDIATE
    fixed = (
        ("Python", basic, hired + timedelta(days=30), "Baseline assessment after onboarding."),
        ("Python", intermediate, today - timedelta(days=240), "Review: up to intermediate."),
        ("SQL", intermediate, today - timedelta(days=400), "Assessed during the data migration project."),
        ("Automated testing", basic, hired + timedelta(days=60), "Baseline assessment after onboarding."),
        ("Automated testing", intermediate, today - timedelta(days=150), "Review: up to intermediate."),
        ("Kubernetes", basic, today - timedelta(days=800), "Passed the internal Kubernetes quiz."),
        ("Security awareness", basic, today - timedelta(days=420), "Annual security training."),
        ("Written communication", intermediate, today - timedelta(days=300), "Design docs are clear and well argued."),
    )
    return [_assessment(index, person, competency, level, on, note) for competency, level, on, note in fixed]


def plan_requirements(
    rng: random.Random, people: Sequence[PlannedEmployee], assessments: Sequence[PlannedAssessment], today: date
) -> list[PlannedRequirement]:
    """Headcounts sized from the planned levels: a requirement meant to be open asks for one to
    three more people than hold the level today; one meant to be met asks for at most as many."""
    ranks = current_ranks(assessments, today)
    planned = []
    for spec in REQUIREMENTS:
        headcount = spec.headcount
        if headcount is None:
            covered = sum(
                1
                for i, person in enumerate(people)
                if person.department == spec.department
                and person.is_current(today)
                and ranks.get((i, spec.competency), 0) >= spec.level.rank
            )
            headcount = covered + rng.randint(1, 3) if spec.open else max(1, covered - rng.randint(0, 1))
        planned.append(PlannedRequirement(spec.department, spec.competency, spec.level, headcount))
    return planned
