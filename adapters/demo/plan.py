"""A deterministic plan of the demo organisation, drawn from one seeded `random.Random`.

Pure: no ids, no clock, no I/O. Records refer to employees by their index in
`DemoPlan.employees` and to departments, competencies and courses by name (or title), so two
plans made with the same `today` and seed are equal, and `seed.py` only has to write them.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import replace
from datetime import date, timedelta

from adapters.demo.activity import plan_enrollments, plan_feedback
from adapters.demo.history import plan_assessments, plan_requirements
from adapters.demo.loop import plan_loop
from adapters.demo.organisation import DEPARTMENTS, FIRST_NAMES, LAST_NAMES
from adapters.demo.records import DemoPlan, PlannedEmployee
from adapters.demo.watch import plan_watch_points

EMAIL_DOMAIN = "upskill.example"
LEAVERS = 4
DEMO_ENGINEER_TITLE = "Software Engineer"
YEAR = 365


def plan_demo(today: date, seed: int) -> DemoPlan:
    """The whole organisation as of `today`; the same arguments always give the same plan."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    employees, head, demo = _people(rng, today)
    assessments = plan_assessments(rng, employees, today, demo)
    requirements = plan_requirements(rng, employees, assessments, today)
    feedback = plan_feedback(rng, employees, assessments, today, demo)
    enrollments = plan_enrollments(rng, employees, today, demo)
    added, claims, developments = plan_loop(rng, employees, assessments, enrollments, today, demo, head)
    renewals, watched = plan_watch_points(employees, assessments, requirements, today, demo)
    return DemoPlan(
        employees=tuple(employees),
        assessments=(*assessments, *renewals),
        requirements=(*requirements, *watched),
        feedback=tuple(feedback),
        enrollments=(*enrollments, *added),
        claims=tuple(claims),
        developments=tuple(developments),
        engineering_head=head,
        demo_employee=demo,
    )


def _people(rng: random.Random, today: date) -> tuple[list[PlannedEmployee], int, int]:
    """Every department: its head, team leads reporting to the head, members reporting to their
    lead. Returns the people, the index of the head of Engineering and that of the demo engineer
    (the first software engineer of Engineering). A few members have left. First and last names
    are drawn without replacement, so names and emails are unique."""
    headcount = len(DEPARTMENTS) + sum(1 + len(team.titles) for d in DEPARTMENTS for team in d.teams)
    names = iter(zip(rng.sample(FIRST_NAMES, headcount), rng.sample(LAST_NAMES, headcount), strict=True))
    people: list[PlannedEmployee] = []
    members: list[int] = []

    def hire(title: str, department: str, manager: int | None, least: int, most: int) -> int:
        first, last = next(names)
        full_name, email = f"{first} {last}", f"{_ascii(first)}.{_ascii(last)}@{EMAIL_DOMAIN}"
        hired_on = today - timedelta(days=rng.randint(least, most))
        people.append(PlannedEmployee(full_name, email, title, department, manager, hired_on, None))
        return len(people) - 1

    for department in DEPARTMENTS:
        head = hire(department.head, department.name, None, 5 * YEAR, 8 * YEAR)
        for team in department.teams:
            lead = hire(team.lead, department.name, head, 2 * YEAR, 7 * YEAR)
            members += [hire(title, department.name, lead, 20, 8 * YEAR) for title in team.titles]

    engineering_head = next(i for i, p in enumerate(people) if p.department == "Engineering" and p.manager is None)
    demo = next(
        i for i in members if people[i].department == "Engineering" and people[i].job_title == DEMO_ENGINEER_TITLE
    )
    people[demo] = replace(people[demo], hired_on=today - timedelta(days=rng.randint(900, 1200)))
    for leaver in sorted(rng.sample([i for i in members if i != demo], LEAVERS)):
        hired_on = today - timedelta(days=rng.randint(2 * YEAR, 8 * YEAR))
        stayed = rng.randint(180, (today - hired_on).days - 30)
        people[leaver] = replace(people[leaver], hired_on=hired_on, left_on=hired_on + timedelta(days=stayed))
    return people, engineering_head, demo


def _ascii(name: str) -> str:
    return re.sub(r"[^a-z]", "", unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower())
