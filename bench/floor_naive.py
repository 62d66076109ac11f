"""The naive floor: the FastAPI + asyncpg app a person would write in an afternoon.

Plain FastAPI, one asyncpg pool, no authentication, no layers, no orjson: routes return
dicts and pydantic models the ordinary way (`response_model`, FastAPI's default
`JSONResponse`), the SQL is `SELECT *` by primary key, the first page
`SELECT * … ORDER BY full_name, id LIMIT 50`, the next ones by keyset, POST an
`INSERT … RETURNING *` of a pydantic body, PATCH the record read and then
`UPDATE … RETURNING *` (no If-Match, no transaction, no events: what the tutorial does).
The pool is as large as the tuned floor's (the app's pool + overflow), so pool size is not
what differs. Served like the app and the tuned floor (`bench.serve`): uvicorn, one worker,
uvloop, httptools.

Endpoints (without `/api/v1`): GET/PATCH `/employees/{id}`, GET `/employees` (`limit`,
`cursor`: the base64 of `[full_name, id]` of the last row, as the tuned floor's), POST
`/competencies`, `/health`. Nothing else: the other benches have no naive equivalent.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from bench.floor import DSN_VARIABLE, POOL_VARIABLE


class Employee(BaseModel):
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
    full_name: str
    email: str
    job_title: str | None
    department_id: uuid.UUID
    manager_id: uuid.UUID | None
    hired_on: date
    left_on: date | None


class Page(BaseModel):
    items: list[Employee]
    next_cursor: str | None


class CompetencyIn(BaseModel):
    name: str
    description: str | None = None
    category: str | None = None


class Competency(CompetencyIn):
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime


class EmployeeChanges(BaseModel):
    full_name: str | None = None
    email: str | None = None
    job_title: str | None = None


def build_app() -> FastAPI:
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        size = int(os.environ.get(POOL_VARIABLE, "10"))
        state["pool"] = await asyncpg.create_pool(os.environ[DSN_VARIABLE], min_size=1, max_size=size)
        try:
            yield
        finally:
            await state["pool"].close()

    app = FastAPI(lifespan=lifespan)

    def pool() -> asyncpg.Pool[asyncpg.Record]:
        return state["pool"]  # type: ignore[no-any-return]

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/employees/{id}", response_model=Employee)
    async def get_employee(id: uuid.UUID) -> Any:
        row = await pool().fetchrow("SELECT * FROM employees WHERE id = $1", id)
        if row is None:
            raise HTTPException(status_code=404, detail="Employee not found")
        return dict(row)

    @app.get("/employees", response_model=Page)
    async def list_employees(limit: int = 50, cursor: str | None = None) -> Any:
        if cursor:
            name, after = json.loads(base64.urlsafe_b64decode(cursor))
            rows = await pool().fetch(
                "SELECT * FROM employees WHERE (full_name, id) > ($1, $2) ORDER BY full_name, id LIMIT $3",
                name,
                uuid.UUID(after),
                limit,
            )
        else:
            rows = await pool().fetch("SELECT * FROM employees ORDER BY full_name, id LIMIT $1", limit)
        items = [dict(row) for row in rows]
        next_cursor = None
        if len(items) == limit:
            last = items[-1]
            next_cursor = base64.urlsafe_b64encode(json.dumps([last["full_name"], str(last["id"])]).encode()).decode()
        return {"items": items, "next_cursor": next_cursor}

    @app.post("/competencies", response_model=Competency, status_code=201)
    async def create_competency(body: CompetencyIn) -> Any:
        now = datetime.now(UTC)
        try:
            row = await pool().fetchrow(
                "INSERT INTO competencies (id, version, created_at, updated_at, name, description, category) "
                "VALUES ($1, 1, $2, $2, $3, $4, $5) RETURNING *",
                uuid.uuid4(),
                now,
                body.name,
                body.description,
                body.category,
            )
        except asyncpg.UniqueViolationError:
            raise HTTPException(status_code=409, detail="Competency exists") from None
        return dict(row)  # type: ignore[arg-type]

    @app.patch("/employees/{id}", response_model=Employee)
    async def update_employee(id: uuid.UUID, changes: EmployeeChanges) -> Any:
        row = await pool().fetchrow("SELECT * FROM employees WHERE id = $1", id)
        if row is None:
            raise HTTPException(status_code=404, detail="Employee not found")
        employee = {**dict(row), **changes.model_dump(exclude_unset=True)}
        return dict(
            await pool().fetchrow(  # type: ignore[arg-type]
                "UPDATE employees SET full_name = $2, email = $3, job_title = $4, version = version + 1, "
                "updated_at = now() WHERE id = $1 RETURNING *",
                id,
                employee["full_name"],
                employee["email"],
                employee["job_title"],
            )
        )

    return app
