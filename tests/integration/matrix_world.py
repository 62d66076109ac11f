"""The world of the authorization matrix, built through the API as the admin, and the bodies its
writes send.

Departments Home (manager Mona, employee Eve), Empty (nobody) and Far (Xavier); the competency
Skill (referenced by nothing, so the admin may delete it); users `user:admin`, `user:mona`,
`user:eve`, `user:lone` (no employee). With `training`, also: the competency Craft;
requirements `R-home`, `R-far`, `R-all` (company-wide); assessments (validated), (open)
enrollments in Course and active plans (Craft, advanced) of each employee, `A-mona`, `N-mona`,
`P-mona`, ...; the courses Course and Spare (referenced by nothing); `user:xavier`; each
employee's self-assessment, proposed, `S-mona`, ...; feedback from each employee to each other
one, named by initials, author first: `m>e` is Mona's about Eve.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.integration.accounts import access_token, add_user
from tests.integration.conftest import API, Stack, create, department, employee

ROLES = {"admin": "admin@example.com", "manager": "mona@example.com", "employee": "eve@example.com"} | {
    "loner": "lone@example.com"
}
ME = {"manager": "Mona", "employee": "Eve"}
PEER = {"manager": "Eve", "employee": "Mona"}
INITIAL = {"Mona": "m", "Eve": "e", "Xavier": "x"}
PREFIX = {"assessments": "A", "enrollments": "N", "plans": "P"}
PROPOSED = "S"
"""Prefix of each employee's self-assessment (proposed): `S-eve`, ..."""


@dataclass
class World:
    ids: dict[str, str] = field(default_factory=dict)
    """A name in the tables → record id."""
    collection_of: dict[str, str] = field(default_factory=dict)
    """A name → its collection."""

    def add(self, collection: str, name: str, record: dict[str, Any]) -> None:
        self.ids[name] = record["id"]
        self.collection_of[name] = collection

    def name_of(self, id: str) -> str:
        return next(name for name, known in self.ids.items() if known == id)

    def everything(self, collection: str) -> list[str]:
        return sorted(name for name, c in self.collection_of.items() if c == collection)

    def target(self, role: str, collection: str, target: str) -> str:
        """The id of a row's record: `own` the caller's (record about them), `peer` a colleague's,
        `other` one elsewhere, `company` a company-wide requirement, `any` a catalogue record;
        feedback: `given` by the caller, `received` about them, `peer` about a colleague and
        `other` about Xavier, by someone else."""
        me, peer = ME.get(role, ""), PEER.get(role, "")
        fixed = {
            ("departments", "own"): "Home",
            ("departments", "other"): "Empty",
            ("employees", "own"): me,
            ("employees", "peer"): peer,
            ("employees", "other"): "Xavier",
            ("competencies", "any"): "Skill",
            ("users", "own"): {"admin": "user:admin", "manager": "user:mona", "employee": "user:eve"}.get(
                role, "user:lone"
            ),
            ("users", "other"): "user:eve" if role == "loner" else "user:lone",
            ("requirements", "own"): "R-home",
            ("requirements", "company"): "R-all",
            ("requirements", "other"): "R-far",
            ("courses", "any"): "Spare",
        }
        if (collection, target) in fixed:
            return self.ids[fixed[(collection, target)]]
        if collection in PREFIX:
            person = {"own": me, "peer": peer, "other": "Xavier"}[target]
            return self.ids[f"{PREFIX[collection]}-{person.lower()}"]
        me_, peer_ = INITIAL.get(me, "e"), INITIAL.get(peer, "m")
        pairs = {"given": (me_, peer_), "received": (peer_, me_), "peer": ("x", peer_), "other": (peer_, "x")}
        author, subject = pairs[target]
        return self.ids[f"{author}>{subject}"]


async def build(stack: Stack, admin: httpx.AsyncClient, *, training: bool) -> World:
    world = World()
    for name in ("Home", "Empty", "Far"):
        world.add("departments", name, await department(admin, name))
    for full_name, dept in (("Mona", "Home"), ("Eve", "Home"), ("Xavier", "Far")):
        world.add("employees", full_name, await employee(admin, world.ids[dept], full_name=full_name))
    world.add("competencies", "Skill", await create(admin, "competencies", name="Skill"))
    world.add("users", "user:admin", (await admin.get(f"{API}/auth/me")).json())
    world.add(
        "users", "user:mona", await add_user(admin, ROLES["manager"], role="manager", employee_id=world.ids["Mona"])
    )
    world.add("users", "user:eve", await add_user(admin, ROLES["employee"], employee_id=world.ids["Eve"]))
    world.add("users", "user:lone", await add_user(admin, ROLES["loner"]))
    if training:
        await _training(stack, admin, world)
    return world


async def _training(stack: Stack, admin: httpx.AsyncClient, world: World) -> None:
    ids = world.ids
    world.add("competencies", "Craft", await create(admin, "competencies", name="Craft"))
    for name, dept in (("R-home", ids["Home"]), ("R-far", ids["Far"]), ("R-all", None)):
        body = {"department_id": dept, "competency_id": ids["Craft"], "level": "advanced", "headcount": 2}
        world.add("requirements", name, await create(admin, "requirements", **body))
    cover = {"competency_id": ids["Craft"], "level": "advanced"}
    world.add("courses", "Course", await create(admin, "courses", title="Course", covers=[cover]))
    world.add("courses", "Spare", await create(admin, "courses", title="Spare"))
    for person in ("Mona", "Eve", "Xavier"):
        about = {"employee_id": ids[person], "competency_id": ids["Craft"]}
        assessment = await create(admin, "assessments", **about, level="basic", assessed_on="2024-01-01")
        world.add("assessments", f"{PREFIX['assessments']}-{person.lower()}", assessment)
        enrollment = await create(admin, "enrollments", employee_id=ids[person], course_id=ids["Course"])
        world.add("enrollments", f"{PREFIX['enrollments']}-{person.lower()}", enrollment)
        plan = await create(admin, "plans", **about, target_level="advanced", due_on="2099-01-01")
        world.add("plans", f"{PREFIX['plans']}-{person.lower()}", plan)
    world.add("users", "user:xavier", await add_user(admin, "xavier@example.com", employee_id=ids["Xavier"]))
    emails = {"Mona": ROLES["manager"], "Eve": ROLES["employee"], "Xavier": "xavier@example.com"}
    for author, email in emails.items():
        async with stack.client(await access_token(admin, email)) as http:
            about = {"employee_id": ids[author], "competency_id": ids["Craft"]}
            claim = await create(http, "assessments", **about, level="intermediate", assessed_on="2024-03-01")
            world.add("assessments", f"{PROPOSED}-{author.lower()}", claim)
            for subject in emails:
                if subject != author:
                    given = await create(http, "feedback", subject_id=ids[subject], score=3)
                    world.add("feedback", f"{INITIAL[author]}>{INITIAL[subject]}", given)


Create = Callable[[World, dict[str, Any] | None], dict[str, Any]]
"""A POST body: a new record like the row's target (its JSON), or the default one for `-` rows."""
Change = Callable[[dict[str, Any]], dict[str, Any]]
"""From the target's current JSON: a body that changes it (an unchanged write is a no-op)."""


def _requirement(w: World, r: dict[str, Any] | None) -> dict[str, Any]:
    if r is None:
        return {"department_id": w.ids["Home"], "competency_id": w.ids["Craft"], "level": "basic", "headcount": 1}
    return {"department_id": r["department_id"], "competency_id": r["competency_id"], "level": "expert", "headcount": 1}


def _about(w: World, r: dict[str, Any] | None) -> str:
    return w.ids["Eve"] if r is None else str(r["employee_id"])


BODIES: dict[str, tuple[Create, Change, Change]] = {  # (POST, PATCH, PUT)
    "departments": (lambda w, _: {"name": "New"}, lambda _: {"description": "changed"}, lambda _: {"name": "Renamed"}),
    "employees": (
        lambda w, _: {
            "full_name": "Newt",
            "email": "newt@example.com",
            "hired_on": "2022-01-01",
            "department_id": w.ids["Home"],
        },
        lambda _: {"job_title": "Changed"},
        lambda r: {
            "full_name": "Re Named",
            "email": "renamed@example.com",
            "department_id": r["department_id"],
            "hired_on": "2020-01-01",
        },
    ),
    "competencies": (
        lambda w, _: {"name": "New skill"},
        lambda _: {"description": "changed"},
        lambda _: {"name": "Renamed"},
    ),
    "users": (
        lambda w, _: {"email": "new.user@example.com", "password": "new-user-Pa55word", "role": "employee"},
        lambda _: {"email": "patched@example.com"},
        lambda r: {"email": "replaced@example.com", "role": r["role"], "employee_id": r["employee_id"]},
    ),
    "requirements": (
        _requirement,
        lambda r: {"headcount": r["headcount"] + 1},
        lambda r: {**{k: r[k] for k in ("department_id", "competency_id", "level")}, "headcount": r["headcount"] + 2},
    ),
    "assessments": (
        lambda w, r: {
            "employee_id": _about(w, r),
            "competency_id": w.ids["Craft"],
            "level": "advanced",
            "assessed_on": "2024-02-01",
        },
        lambda _: {"note": "changed"},
        lambda r: {**{k: r[k] for k in ("employee_id", "competency_id", "assessed_on")}, "level": "expert"},
    ),
    "enrollments": (
        lambda w, r: {"employee_id": _about(w, r), "course_id": w.ids["Spare"]},
        lambda _: {"status": "in_progress"},
        lambda r: {"employee_id": r["employee_id"], "course_id": r["course_id"], "status": "dropped"},
    ),
    "plans": (
        lambda w, r: {
            "employee_id": _about(w, r),
            "competency_id": w.ids["Skill"],
            "target_level": "basic",
            "due_on": "2099-06-01",
        },
        lambda _: {"note": "changed"},
        lambda r: {**{k: r[k] for k in ("employee_id", "competency_id", "due_on")}, "target_level": "expert"},
    ),
    "feedback": (
        lambda w, _: {"subject_id": w.ids["Xavier"], "score": 4},
        lambda _: {"comment": "changed"},
        lambda r: {"subject_id": r["subject_id"], "score": 5, "comment": "replaced"},
    ),
    "courses": (
        lambda w, _: {"title": "New course", "covers": [{"competency_id": w.ids["Craft"], "level": "basic"}]},
        lambda _: {"rating": 4.5},
        lambda _: {"title": "Renamed", "covers": []},
    ),
}
