"""The learning loop in the demo plan: self-assessments waiting for review, a course just
completed (its evidence proposed), the demo engineer's next course and development plans —
active, overdue and achieved — so that the README's tour can walk the loop end to end.

The demo engineer gets a fixed part: a planned "Prometheus and Grafana Fundamentals" assigned by
their lead and active plans for Observability (intermediate: what that course teaches, so that
completing it and having the evidence validated closes the gap and achieves the plan) and
Kubernetes. The rest is drawn from the plan's people and levels.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

from adapters.demo.courses import COURSES
from adapters.demo.organisation import PROFILES
from adapters.demo.records import (
    PlannedAssessment,
    PlannedClaim,
    PlannedDevelopment,
    PlannedEmployee,
    PlannedEnrollment,
    current_ranks,
)
from upskill.domain.competency import Level
from upskill.domain.training import EnrollmentStatus

LEVELS = tuple(Level)
TOUR_COURSE = "Prometheus and Grafana Fundamentals"
TOUR_COMPETENCY = "Observability"
CLAIMS = 5
CLAIM_NOTES = (
    "Led the last two design reviews on this.",
    "Finished the certification prep and used it on the current project.",
    "Been doing this daily since the reorg; happy to show examples.",
    "Mentored two new joiners on it this quarter.",
)
JUST_COMPLETED_DAYS_AGO = 3
MET_REQUIREMENTS = ("SQL", "Automated testing", "System design")
"""Engineering requirements the planner keeps met: an achieved plan there closes no planned gap."""


def plan_loop(
    rng: random.Random,
    people: Sequence[PlannedEmployee],
    assessments: Sequence[PlannedAssessment],
    enrollments: Sequence[PlannedEnrollment],
    today: date,
    demo: int,
    head: int,
) -> tuple[list[PlannedEnrollment], list[PlannedClaim], list[PlannedDevelopment]]:
    """Enrollments to add, self-assessments and development plans."""
    ranks = current_ranks(assessments, today)
    taken = {(e.employee, e.course) for e in enrollments}
    engineers = [
        i
        for i, p in enumerate(people)
        if p.department == "Engineering" and p.is_current(today) and i not in (demo, head) and p.manager is not None
    ]
    lead = people[demo].manager
    added = [PlannedEnrollment(demo, TOUR_COURSE, EnrollmentStatus.PLANNED, None, today + timedelta(days=45), lead)]
    added += _just_completed(people, ranks, taken, engineers, today)
    developments = [
        PlannedDevelopment(
            demo,
            TOUR_COMPETENCY,
            Level.INTERMEDIATE,
            today + timedelta(days=60),
            "Ready for the on-call rotation: dashboards and alerts.",
            head,
        ),
        PlannedDevelopment(
            demo, "Kubernetes", Level.ADVANCED, today + timedelta(days=180), "Own the team's deployments.", head
        ),
        *_other_developments(rng, people, ranks, engineers, today, head),
    ]
    return added, _claims(rng, people, ranks, today, demo), developments


def _just_completed(
    people: Sequence[PlannedEmployee],
    ranks: dict[tuple[int, str], int],
    taken: set[tuple[int, str]],
    engineers: Sequence[int],
    today: date,
) -> list[PlannedEnrollment]:
    """The first engineer with a profile course teaching beyond their level completed it a few
    days ago: its evidence waits for review."""
    for person in engineers:
        for competency, _ in PROFILES[people[person].job_title]:
            for course in COURSES:
                level = dict(course.covers).get(competency)
                beyond = level is not None and level.rank > ranks.get((person, competency), 0)
                if beyond and (person, course.title) not in taken:
                    done = today - timedelta(days=JUST_COMPLETED_DAYS_AGO)
                    return [PlannedEnrollment(person, course.title, EnrollmentStatus.COMPLETED, done)]
    return []


def _claims(
    rng: random.Random, people: Sequence[PlannedEmployee], ranks: dict[tuple[int, str], int], today: date, demo: int
) -> list[PlannedClaim]:
    """People who think they have grown a level in a competency of their job title."""
    current = [i for i, p in enumerate(people) if p.is_current(today) and i != demo]
    engineering = [i for i in current if people[i].department == "Engineering"]
    claims: list[PlannedClaim] = []
    for person in [*rng.sample(engineering, 3), *rng.sample([i for i in current if i not in engineering], 2)]:
        competency = rng.choice(PROFILES[people[person].job_title])[0]
        rank = min(ranks.get((person, competency), 0) + 1, len(LEVELS))
        on = today - timedelta(days=rng.randint(1, 12))
        claims.append(PlannedClaim(person, competency, LEVELS[rank - 1], on, rng.choice(CLAIM_NOTES)))
    return claims[:CLAIMS]


def _other_developments(
    rng: random.Random,
    people: Sequence[PlannedEmployee],
    ranks: dict[tuple[int, str], int],
    engineers: Sequence[int],
    today: date,
    head: int,
) -> list[PlannedDevelopment]:
    """One engineer's Python plan, past its day; another's plan in a requirement the team meets,
    achieved by the assessment the seed records."""
    below_python = [i for i in engineers if ranks.get((i, "Python"), 0) < Level.ADVANCED.rank]
    late = rng.choice(below_python)
    planned = [
        PlannedDevelopment(
            late,
            "Python",
            Level.ADVANCED,
            today + timedelta(days=30),
            "Take over the billing service's Python code.",
            head,
            due_back=today - timedelta(days=rng.randint(7, 21)),
        )
    ]
    for person in [i for i in engineers if i != late]:
        for competency in MET_REQUIREMENTS:
            rank = ranks.get((person, competency), 0)
            if rank < Level.ADVANCED.rank:
                target = LEVELS[rank]  # one level up
                note = f"Reach {target} in {competency} this half."
                planned.append(
                    PlannedDevelopment(
                        person, competency, target, today + timedelta(days=90), note, head, achieved=True
                    )
                )
                return planned
    return planned
