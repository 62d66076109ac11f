"""Feedback between colleagues and course enrollments of the demo plan.

Feedback scores follow the subject's current level with some noise (a score of 1 or 2 is a
hint that training would help, which recommendations pick up). The demo engineer gets fixed
feedback and enrollments so that their recommendations are always worth showing.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

from adapters.demo.courses import COURSES
from adapters.demo.organisation import PROFILES
from adapters.demo.records import PlannedAssessment, PlannedEmployee, PlannedEnrollment, PlannedFeedback, current_ranks
from upskill.domain.training import EnrollmentStatus

FEEDBACK_COUNT = 120
ENROLLMENT_COUNT = 70
PROPER_NAMES = frozenset({"Python", "TypeScript", "SQL", "Kubernetes", "AWS"})
SAME_DEPARTMENT_CHANCE = 0.8
NO_COMPETENCY_CHANCE = 0.15
NO_SCORE_CHANCE = 0.1

COMMENTS: dict[int, tuple[str, ...]] = {
    5: ("Outstanding {c}: the whole team learned from it.", "Exceptional {c} on the last release, thank you!"),
    4: ("Solid, reliable {c}.", "Clear and thoughtful {c}; a pleasure to work with."),
    3: ("Good {c} overall; a bit more depth would help.", "Fine {c}, with room to grow."),
    2: ("Struggled with {c} on the last project; some training would help.", "{C} slowed us down this quarter."),
    1: ("{C} needs urgent attention; let's plan support together.",),
}
GENERAL_COMMENTS = (
    "Great collaborator, always ready to help.",
    "Thanks for stepping in during the incident last week.",
    "Brings calm and structure to our meetings.",
    "Would love to see you share more of your work with the wider team.",
)

STATUSES = (
    EnrollmentStatus.COMPLETED,
    EnrollmentStatus.IN_PROGRESS,
    EnrollmentStatus.PLANNED,
    EnrollmentStatus.DROPPED,
)
STATUS_WEIGHTS = (40, 25, 20, 15)


def plan_feedback(
    rng: random.Random,
    people: Sequence[PlannedEmployee],
    assessments: Sequence[PlannedAssessment],
    today: date,
    demo: int,
) -> list[PlannedFeedback]:
    ranks = current_ranks(assessments, today)
    current = [i for i, p in enumerate(people) if p.is_current(today)]
    planned = _demo_feedback(people, current, demo)
    while len(planned) < FEEDBACK_COUNT:
        subject = rng.choice(current)
        same = rng.random() < SAME_DEPARTMENT_CHANCE
        authors = [
            i for i in current if i != subject and (not same or people[i].department == people[subject].department)
        ]
        author = rng.choice(authors)
        competency = None
        if rng.random() >= NO_COMPETENCY_CHANCE:
            competency = rng.choice(PROFILES[people[subject].job_title])[0]
        score = None
        if rng.random() >= NO_SCORE_CHANCE:
            level = ranks.get((subject, competency), 1) if competency else 3
            score = min(max(level + 1 + rng.choice((-2, -1, 0, 0, 1)), 1), 5)
        if competency is None or score is None:
            comment = rng.choice(GENERAL_COMMENTS)
        else:
            comment = rng.choice(COMMENTS[score]).format(c=_in_sentence(competency), C=competency)
        planned.append(PlannedFeedback(author, subject, competency, score, comment))
    return planned


def _in_sentence(competency: str) -> str:
    return competency if competency in PROPER_NAMES else competency.lower()


def _demo_feedback(people: Sequence[PlannedEmployee], current: list[int], demo: int) -> list[PlannedFeedback]:
    """Teammates (or, failing that, the manager) on the demo engineer's weak and strong points."""
    manager = people[demo].manager
    assert manager is not None, "the demo engineer has a team lead"
    team = [i for i in current if i != demo and people[i].manager == manager] or [manager]
    return [
        PlannedFeedback(team[0], demo, "Kubernetes", 2, "Struggled with our Helm charts during the last rollout."),
        PlannedFeedback(team[-1], demo, "Observability", 2, "Dashboards and alerts are still a mystery to them."),
        PlannedFeedback(team[0], demo, "Python", 4, "Clean, well-tested Python in the billing rewrite."),
    ]


def plan_enrollments(
    rng: random.Random, people: Sequence[PlannedEmployee], today: date, demo: int
) -> list[PlannedEnrollment]:
    """Current employees in courses on their job title's competencies; no (employee, course)
    pair twice."""
    by_competency: dict[str, list[str]] = {}
    for course in COURSES:
        for competency, _ in course.covers:
            by_competency.setdefault(competency, []).append(course.title)
    hired = people[demo].hired_on
    planned = [
        PlannedEnrollment(demo, "Python for Everybody", EnrollmentStatus.COMPLETED, hired + timedelta(days=45)),
        PlannedEnrollment(demo, "Kubernetes for Developers: CKAD Preparation", EnrollmentStatus.IN_PROGRESS, None),
    ]
    taken = {(e.employee, e.course) for e in planned}
    learners = [i for i, p in enumerate(people) if p.is_current(today) and i != demo]
    while len(planned) < ENROLLMENT_COUNT:
        person = rng.choice(learners)
        competency = rng.choice(PROFILES[people[person].job_title])[0]
        title = rng.choice(by_competency[competency])
        if (person, title) in taken:
            continue
        taken.add((person, title))
        status = rng.choices(STATUSES, weights=STATUS_WEIGHTS)[0]
        span = (today - people[person].hired_on).days
        completed_on = None
        if status is EnrollmentStatus.COMPLETED:
            if span < 14:
                status = EnrollmentStatus.IN_PROGRESS
            else:
                completed_on = people[person].hired_on + timedelta(days=rng.randint(14, span))
        planned.append(PlannedEnrollment(person, title, status, completed_on))
    return planned
