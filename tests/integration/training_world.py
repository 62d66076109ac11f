"""A small training world built through the API as the admin, for the domain-route tests.

Departments Eng and Ops; competencies Python, SQL, Docker (created in that order, so their
ids sort that way); in Eng Ada, Bob, Cy and Dee (who has left), in Ops Olga. Requirements:
Eng needs 2 people at advanced in Python and 1 at intermediate in Docker; the company needs 1
at basic in SQL; Ops needs 1 at expert in Docker. Assessments:

- Ada: Python expert, Docker basic;
- Bob: Python intermediate (an advanced one has expired), SQL basic dated in the future;
- Cy: SQL basic;
- Dee: Python expert (does not count: she has left);
- Olga: Docker expert.

So Eng's coverage is Python/advanced 1 of 2 (Ada: open), SQL/basic 1 of 1 (Cy), Docker/
intermediate 0 of 1 (open); Bob's gaps are Python (intermediate → advanced) and Docker (none →
intermediate), Ada's only Docker. Courses (title: covers, rating, learners):

- Python Pro: Python advanced, 3.0, 100          - Python Master: Python expert, 5.0, 10
- Docker Basics: Docker basic, 4.0, 1000         - Full Stack: Python advanced + Docker intermediate, 2.0, 0
- SQL Intro: SQL basic (no gap)                   - Python Primer: Python basic (not beyond Bob's level)
- Python Again: Python advanced (Bob has a planned enrollment: excluded)

Bob dropped Python Master (a dropped enrollment does not exclude). Ada gave Bob feedback on
Python with score 1. Users (`USERS`): managers mona (linked to Cy, Eng) and otto (Olga, Ops),
employees bob and ada, and lone (no employee).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.integration.accounts import access_token, add_user
from tests.integration.conftest import Stack, create, department, employee

TODAY = datetime.now(UTC).date()
PAST = "2024-01-01"

REQUIREMENTS = (  # (department or None, competency, level, headcount)
    ("Eng", "Python", "advanced", 2),
    ("Eng", "Docker", "intermediate", 1),
    (None, "SQL", "basic", 1),
    ("Ops", "Docker", "expert", 1),
)
ASSESSMENTS = (  # (employee, competency, level, assessed_on, expires_on)
    ("Ada", "Python", "expert", PAST, None),
    ("Ada", "Docker", "basic", PAST, None),
    ("Bob", "Python", "intermediate", "2022-01-01", None),
    ("Bob", "Python", "advanced", "2023-01-01", "2023-12-31"),
    ("Bob", "SQL", "basic", (TODAY + timedelta(days=30)).isoformat(), None),
    ("Cy", "SQL", "basic", PAST, None),
    ("Dee", "Python", "expert", PAST, None),
    ("Olga", "Docker", "expert", PAST, None),
)
COURSES = (  # (title, covers, rating, learners)
    ("Python Pro", (("Python", "advanced"),), 3.0, 100),
    ("Python Master", (("Python", "expert"),), 5.0, 10),
    ("Docker Basics", (("Docker", "basic"),), 4.0, 1000),
    ("Full Stack", (("Python", "advanced"), ("Docker", "intermediate")), 2.0, 0),
    ("SQL Intro", (("SQL", "basic"),), 4.5, 50),
    ("Python Primer", (("Python", "basic"),), 4.9, 500),
    ("Python Again", (("Python", "advanced"),), 5.0, 5),
)
USERS = {  # email local part → (role, employee)
    "mona": ("manager", "Cy"),
    "bob": ("employee", "Bob"),
    "ada": ("employee", "Ada"),
    "otto": ("manager", "Olga"),
    "lone": ("employee", None),
}


@dataclass
class World:
    ids: dict[str, str]
    """Name (department, employee, competency, course title, `Eng/Python/advanced`) → id."""
    tokens: dict[str, str]
    """User (`mona`, `bob`, ...) → access token."""

    def requirement(self, department: str | None, competency: str, level: str) -> str:
        return self.ids[f"{department or '*'}/{competency}/{level}"]


async def build_world(stack: Stack, admin: httpx.AsyncClient) -> World:
    ids: dict[str, str] = {}
    for name in ("Eng", "Ops"):
        ids[name] = (await department(admin, name))["id"]
    for name in ("Python", "SQL", "Docker"):
        ids[name] = (await create(admin, "competencies", name=name))["id"]
    staff = (("Ada", "Eng", None), ("Bob", "Eng", None), ("Cy", "Eng", None), ("Dee", "Eng", "2023-06-30"))
    for name, dept, left_on in (*staff, ("Olga", "Ops", None)):
        ids[name] = (await employee(admin, ids[dept], full_name=name, hired_on="2020-01-01", left_on=left_on))["id"]
    for dept, competency, level, headcount in REQUIREMENTS:
        body = {
            "department_id": ids[dept] if dept else None,
            "competency_id": ids[competency],
            "level": level,
            "headcount": headcount,
        }
        ids[f"{dept or '*'}/{competency}/{level}"] = (await create(admin, "requirements", **body))["id"]
    for person, competency, level, assessed_on, expires_on in ASSESSMENTS:
        await create(
            admin,
            "assessments",
            employee_id=ids[person],
            competency_id=ids[competency],
            level=level,
            assessed_on=assessed_on,
            expires_on=expires_on,
        )
    for title, covers, rating, learners in COURSES:
        items = [{"competency_id": ids[c], "level": level} for c, level in covers]
        ids[title] = (await create(admin, "courses", title=title, covers=items, rating=rating, learners=learners))["id"]
    await create(admin, "enrollments", employee_id=ids["Bob"], course_id=ids["Python Again"])
    await create(admin, "enrollments", employee_id=ids["Bob"], course_id=ids["Python Master"], status="dropped")
    tokens = {}
    for name, (role, person) in USERS.items():
        await add_user(admin, f"{name}@example.com", role=role, employee_id=ids[person] if person else None)
        tokens[name] = await access_token(admin, f"{name}@example.com")
    async with stack.client(tokens["ada"]) as ada:
        await create(ada, "feedback", subject_id=ids["Bob"], competency_id=ids["Python"], score=1)
    return World(ids, tokens)


def names(world: World, ids: list[str]) -> list[str]:
    """The names of these ids, in order."""
    by_id = {v: k for k, v in world.ids.items()}
    return [by_id[i] for i in ids]


def titles(body: dict[str, Any]) -> list[str]:
    """The course titles of a recommendations body, in order."""
    return [item["course"]["title"] for item in body["items"]]
