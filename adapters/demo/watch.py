"""Where the demo's skills matrix has something to show in Engineering: a competency only one
person holds (a single point of failure) and one whose coverage lapses this month (at risk).

Each is a requirement of Engineering in a competency no requirement names yet (so coverage,
gaps and recommendations elsewhere stay as planned): for the single point of failure, the
highest level exactly one current member holds; for the one at risk, a certification
(`valid_days`) at advanced that one more member holds with a renewal due in RENEWAL_DUE_DAYS,
the headcount being everyone who holds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from adapters.demo.competencies import COMPETENCIES
from adapters.demo.organisation import PROFILES
from adapters.demo.records import (
    PlannedAssessment,
    PlannedEmployee,
    PlannedRequirement,
    current_ranks,
)
from upskill.domain.competency import Level

DEPARTMENT = "Engineering"
RENEWAL_DUE_DAYS = 20


def plan_watch_points(
    people: Sequence[PlannedEmployee],
    assessments: Sequence[PlannedAssessment],
    requirements: Sequence[PlannedRequirement],
    today: date,
    demo: int,
) -> tuple[list[PlannedAssessment], list[PlannedRequirement]]:
    """Assessments and requirements to add (possibly none, for a seed whose people offer none)."""
    ranks = current_ranks(assessments, today)
    staff = [i for i, p in enumerate(people) if p.department == DEPARTMENT and p.is_current(today)]
    taken = {r.competency for r in requirements if r.department in (DEPARTMENT, None)}
    held = sorted({c for i in staff for c, _ in PROFILES[people[i].job_title]} - taken)
    added: list[PlannedRequirement] = []
    for competency in held:
        level = next((lvl for lvl in reversed(Level) if _holders(ranks, staff, competency, lvl) == 1), None)
        if level is not None:
            added.append(PlannedRequirement(DEPARTMENT, competency, level, 1))
            taken.add(competency)
            break
    renewals: list[PlannedAssessment] = []
    certified = sorted(c.name for c in COMPETENCIES if c.valid_days and c.name in held and c.name not in taken)
    assessed = {(a.employee, a.competency) for a in assessments}
    for competency in certified:
        valid_days = next(c.valid_days for c in COMPETENCIES if c.name == competency)
        assert valid_days is not None
        fresh = [i for i in staff if i != demo and people[i].manager is not None and (i, competency) not in assessed]
        fresh.sort(key=lambda i: competency not in dict(PROFILES[people[i].job_title]))  # its job's own first
        newcomer = fresh[0] if fresh else None
        if newcomer is None:
            continue
        on = today - timedelta(days=valid_days - RENEWAL_DUE_DAYS)
        renewals.append(
            PlannedAssessment(
                newcomer,
                competency,
                Level.ADVANCED,
                on,
                on + timedelta(days=valid_days),
                people[newcomer].manager,
                "Certified; the renewal falls due this month.",
            )
        )
        headcount = _holders(ranks, staff, competency, Level.ADVANCED) + 1
        added.append(PlannedRequirement(DEPARTMENT, competency, Level.ADVANCED, headcount))
        break
    return renewals, added


def _holders(ranks: dict[tuple[int, str], int], staff: Sequence[int], competency: str, level: Level) -> int:
    return sum(ranks.get((i, competency), 0) >= level.rank for i in staff)
