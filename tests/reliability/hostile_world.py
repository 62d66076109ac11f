"""The world the hostile-input suite attacks: one record of every collection on PostgreSQL,
valid bodies to poison, and a fingerprint of every stored row to prove nothing changed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from adapters.postgres.embedded import connect
from tests.integration.accounts import access_token, add_user
from tests.integration.conftest import API, create, department, employee

ID_OF = {
    "departments": "department",
    "competencies": "competency",
    "employees": "employee",
    "users": "user",
    "courses": "course",
    "requirements": "requirement",
    "assessments": "assessment",
    "enrollments": "enrollment",
    "feedback": "feedback",
    "plans": "plan",
}
LIMIT = 1024 * 1024
"""The default body limit."""


class Attack:
    """The in-process app on a PostgreSQL world, logged in as the admin."""

    def __init__(self, client: httpx.AsyncClient, world: World, database_url: str) -> None:
        self.client, self.world, self.database_url = client, world, database_url

    def targets(self, collection: str) -> list[tuple[str, str]]:
        """(method, path) of every JSON write route of `collection`."""
        routes = [("POST", f"{API}/{collection}")]
        key = ID_OF.get(collection)
        record = self.world.ids[key] if key else str(uuid.uuid4())
        routes += [("PUT", f"{API}/{collection}/{record}"), ("PATCH", f"{API}/{collection}/{record}")]
        return routes

    async def send(
        self, method: str, path: str, content: bytes, content_type: str = "application/json"
    ) -> httpx.Response:
        """As the admin, or as the world's author on feedback (the only one who may write it)."""
        headers = {"Content-Type": content_type}
        if path.startswith(f"{API}/feedback"):
            headers.update(self.world.author)
        return await self.client.request(method, path, content=content, headers=headers)

    async def refused_without_change(
        self, method: str, path: str, content: bytes, statuses: set[int], content_type: str = "application/json"
    ) -> httpx.Response:
        before = await fingerprint(self.database_url)
        response = await self.send(method, path, content, content_type)
        assert response.status_code in statuses, (method, path, response.status_code, response.text[:500])
        assert response.headers["content-type"] == "application/problem+json", response.headers
        problem = response.json()
        assert problem["status"] == response.status_code
        assert problem["type"].startswith("/problems/")
        assert await fingerprint(self.database_url) == before
        return response


AUTH_TABLES = ("auth_sessions", "refresh_tokens", "login_attempts", "alembic_version")
"""Rows that requests change by design (a session's last use) and the schema version."""


@dataclass
class World:
    ids: dict[str, str]
    author: dict[str, str]
    """Authorization header of Ann (a user linked to an employee: feedback needs an author)."""

    def bodies(self) -> dict[str, Callable[[str], dict[str, Any]]]:
        """Collection → a valid new record with `text` in one of its text fields (dates and
        references valid); requirements and enrollments have no text field. (A plan's POST
        aims at Bob, who has none yet: Ann's is the world's record.)"""
        i = self.ids
        return {
            "departments": lambda text: {"name": text},
            "competencies": lambda text: {"name": text},
            "employees": lambda text: {
                "full_name": text,
                "email": "new.person@example.com",
                "department_id": i["department"],
                "hired_on": "2022-01-01",
            },
            "users": lambda text: {"email": text, "password": "a-Long-passw0rd", "role": "employee"},
            "courses": lambda text: {"title": text, "covers": []},
            "assessments": lambda text: {
                "employee_id": i["employee"],
                "competency_id": i["competency"],
                "level": "basic",
                "assessed_on": "2024-01-01",
            },
            "feedback": lambda text: {"subject_id": i["subject"], "comment": text},
            "requirements": lambda text: {
                "department_id": i["department"],
                "competency_id": i["competency"],
                "level": "expert",
                "headcount": 1,
            },
            "enrollments": lambda text: {"employee_id": i["employee"], "course_id": i["course"]},
            "plans": lambda text: {
                "employee_id": i["subject"],
                "competency_id": i["competency"],
                "target_level": "expert",
                "due_on": "2099-01-01",
                "note": text,
            },
        }


async def build_world(admin: httpx.AsyncClient) -> World:
    ids = {"department": (await department(admin, "Engineering"))["id"]}
    ids["competency"] = (await create(admin, "competencies", name="Python"))["id"]
    ids["employee"] = (await employee(admin, ids["department"], full_name="Ann Archer", email="ann@example.com"))["id"]
    covers = [{"competency_id": ids["competency"], "level": "basic"}]
    ids["course"] = (await create(admin, "courses", title="Python Primer", covers=covers))["id"]
    body = {"department_id": ids["department"], "competency_id": ids["competency"], "level": "basic", "headcount": 1}
    ids["requirement"] = (await create(admin, "requirements", **body))["id"]
    body = {"employee_id": ids["employee"], "competency_id": ids["competency"], "level": "basic"}
    ids["assessment"] = (await create(admin, "assessments", assessed_on="2024-01-01", **body))["id"]
    ids["enrollment"] = (await create(admin, "enrollments", employee_id=ids["employee"], course_id=ids["course"]))["id"]
    ids["subject"] = (await employee(admin, ids["department"], full_name="Bob Baker", email="bob@example.com"))["id"]
    ids["user"] = (await add_user(admin, "ann@example.com", employee_id=ids["employee"]))["id"]
    aim = {"employee_id": ids["employee"], "competency_id": ids["competency"], "target_level": "expert"}
    ids["plan"] = (await create(admin, "plans", **aim, due_on="2099-01-01"))["id"]
    author = {"Authorization": f"Bearer {await access_token(admin, 'ann@example.com')}"}
    feedback = await admin.post(f"{API}/feedback", json={"subject_id": ids["subject"], "score": 4}, headers=author)
    assert feedback.status_code == 201, feedback.text
    ids["feedback"] = feedback.json()["id"]
    return World(ids, author)


async def fingerprint(database_url: str) -> dict[str, tuple[int, str | None]]:
    """Table → (row count, md5 of all its rows), for every table but `AUTH_TABLES`."""
    conn = await connect(database_url)
    try:
        tables = [
            r["t"]
            for r in await conn.fetch("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'")
            if r["t"] not in AUTH_TABLES
        ]
        result = {}
        for table in tables:
            digest = "md5(string_agg(t::text, '|' ORDER BY t::text))"
            row = await conn.fetchrow(f'SELECT count(*) AS n, {digest} AS h FROM "{table}" t')
            result[table] = (row["n"], row["h"])
        return result
    finally:
        await conn.close()
