"""The floor: what the measured endpoints cost with nothing but FastAPI and a raw asyncpg pool.

No authentication, no layers, no unit of work: each route runs the very SQL the app's adapter
sends for it (`bench.floor_sql`), on a pool as large as the app's (pool size + overflow), and
answers JSON made by orjson. A route that runs several statements that must agree runs them
in one transaction (PATCH, refresh); one statement runs on its own (autocommit). Served like the
app (`bench.serve`): uvicorn, one worker, uvloop, httptools.

Endpoints, as the app's (without `/api/v1`): GET/PATCH `/employees/{id}`, GET `/employees`
(`sort=full_name`, `limit`, `cursor`), POST `/competencies`, POST `/token` (the refresh grant =
the token row read FOR UPDATE and marked used; the password grant = the user read, argon2
verify, the session inserted), GET `/departments/{id}/coverage`,
GET `/employees/{id}/recommendations`, POST `/assessments/{id}/validate` (the assessment, the
employee, the update, the current levels and the active plan read in one transaction), PATCH
`/enrollments/{id}` to completed (the course evidence inserted in the same transaction),
GET `/departments/{id}/matrix` (JSON, or CSV with `Accept: text/csv`); `/health`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl
from uuid import UUID

import asyncpg
import orjson
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from fastapi import FastAPI, Header, Request
from fastapi.responses import Response
from pydantic import BaseModel

from bench import floor_sql as sql
from bench.floor_matrix import matrix, matrix_csv
from bench.floor_training import RANK, coverage, recommendations

DSN_VARIABLE = "BENCH_FLOOR_DSN"
POOL_VARIABLE = "BENCH_FLOOR_POOL"


class CompetencyIn(BaseModel):
    name: str
    description: str | None = None
    category: str | None = None


class EnrollmentPatch(BaseModel):
    status: str


class EmployeePatch(BaseModel):
    full_name: str | None = None
    email: str | None = None
    job_title: str | None = None


def uuid7() -> UUID:
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    return UUID(int=(ms << 80) | (0x7 << 76) | ((rand >> 64) & 0xFFF) << 64 | (0b10 << 62) | (rand & ((1 << 62) - 1)))


def json(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body, default=str), status_code=status, headers=headers, media_type="application/json")


def employee_body(row: asyncpg.Record | dict[str, Any]) -> Response:
    return json(dict(row), headers={"ETag": f'W/"{row["version"]}"'})


def build_app() -> FastAPI:
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        size = int(os.environ.get(POOL_VARIABLE, "15"))
        # jit off, as the app sets it
        state["pool"] = await asyncpg.create_pool(
            os.environ[DSN_VARIABLE], min_size=1, max_size=size, server_settings={"jit": "off"}
        )
        state["argon2"] = ThreadPoolExecutor(max_workers=len(os.sched_getaffinity(0)))
        try:
            yield
        finally:
            await state["pool"].close()
            state["argon2"].shutdown(cancel_futures=True)

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    hasher = PasswordHasher()

    def pool() -> asyncpg.Pool[asyncpg.Record]:
        return state["pool"]  # type: ignore[no-any-return]

    @app.get("/health")
    async def health() -> Response:
        return json({"status": "ok"})

    @app.get("/employees/{id}")
    async def employee(id: UUID) -> Response:
        row = await pool().fetchrow(sql.EMPLOYEE, id)
        return json({"detail": "not found"}, 404) if row is None else employee_body(row)

    @app.get("/employees")
    async def employees(sort: str = "full_name", limit: int = 50, cursor: str | None = None) -> Response:
        if sort != "full_name":
            return json({"detail": "the floor sorts by full_name only"}, 400)
        if cursor:
            name, after = orjson.loads(base64.urlsafe_b64decode(cursor))
            rows = await pool().fetch(sql.NEXT_PAGE, name, UUID(after), limit + 1)
        else:
            rows = await pool().fetch(sql.FIRST_PAGE, limit + 1)
        items = [dict(row) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = items[-1]
            next_cursor = base64.urlsafe_b64encode(orjson.dumps([last["full_name"], str(last["id"])])).decode()
        return json({"items": items, "next_cursor": next_cursor, "total": None})

    @app.post("/competencies", status_code=201)
    async def create_competency(body: CompetencyIn) -> Response:
        now, id = datetime.now(UTC), uuid7()
        try:
            await pool().execute(sql.INSERT_COMPETENCY, id, 1, now, now, body.name, body.description, body.category)
        except asyncpg.UniqueViolationError:
            return json({"detail": "exists"}, 409)
        record = {"id": id, "version": 1, "created_at": now, "updated_at": now, **body.model_dump()}
        return json(record, 201, {"ETag": 'W/"1"', "Location": f"/competencies/{id}"})

    @app.patch("/employees/{id}")
    async def patch_employee(id: UUID, body: EmployeePatch, if_match: str | None = Header(None)) -> Response:
        changes = body.model_dump(exclude_unset=True)
        async with pool().acquire() as connection, connection.transaction():
            row = await connection.fetchrow(sql.EMPLOYEE, id)
            if row is None:
                return json({"detail": "not found"}, 404)
            expected = row["version"] if if_match in (None, "*") else int(if_match.strip('W/"'))
            if expected != row["version"]:
                return json({"detail": "stale"}, 412)
            record = {**dict(row), **changes, "version": row["version"] + 1, "updated_at": datetime.now(UTC)}
            status = await connection.execute(
                sql.UPDATE_EMPLOYEE,
                *(record[k] for k in ("version", "created_at", "updated_at", "full_name", "email", "job_title")),
                *(record[k] for k in ("department_id", "manager_id", "hired_on", "left_on")),
                id,
                row["version"],
            )
            if status == "UPDATE 0":
                return json({"detail": "stale"}, 412)
        return employee_body(record)

    @app.post("/token")
    async def token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode()))
        if form.get("grant_type") == "refresh_token":
            digest = hashlib.sha256(form.get("refresh_token", "").encode()).hexdigest()
            async with pool().acquire() as connection, connection.transaction():
                row = await connection.fetchrow(sql.CLAIM_REFRESH, digest)
                if row is None:
                    return json({"error": "invalid_grant"}, 400)
                await connection.execute(sql.MARK_REFRESH_USED, datetime.now(UTC), digest)
            return json({"token_type": "Bearer", "session_id": row["session_id"]})
        user = await pool().fetchrow(sql.USER_BY_EMAIL, form.get("username", "").lower())
        if user is None or not await _verify(form.get("password", ""), user["password_hash"]):
            return json({"error": "invalid_grant"}, 400)
        now, session = datetime.now(UTC), uuid7()
        later = now + timedelta(days=14)
        await pool().execute(sql.ADD_SESSION, session, user["id"], None, now, now, later, later, None, None, "password")
        return json({"token_type": "Bearer", "session_id": session})

    async def _verify(password: str, hashed: str) -> bool:
        def check() -> bool:
            try:
                return hasher.verify(hashed, password)
            except VerificationError:
                return False

        return await asyncio.get_running_loop().run_in_executor(state["argon2"], check)

    @app.get("/departments/{id}/coverage")
    async def department_coverage(id: UUID) -> Response:
        today = datetime.now(UTC).date()
        async with pool().acquire() as connection:
            department = await connection.fetchrow(sql.DEPARTMENT, id)
            if department is None:
                return json({"detail": "not found"}, 404)
            holders = await connection.fetch(sql.HOLDERS, None, today, id)
        return json({"department_id": id, "on": today, "requirements": coverage(department, holders)})

    @app.get("/employees/{id}/recommendations")
    async def employee_recommendations(id: UUID) -> Response:
        today = datetime.now(UTC).date()
        async with pool().acquire() as connection:
            employee = await connection.fetchrow(sql.EMPLOYEE, id)
            if employee is None:
                return json({"detail": "not found"}, 404)
            department = await connection.fetchrow(sql.DEPARTMENT, employee["department_id"])
            holders = await connection.fetch(sql.HOLDERS, id, today, employee["department_id"])
            items = await recommendations(connection, employee, department, holders, today)
        return json({"employee_id": id, "on": today, "items": items})

    @app.post("/assessments/{id}/validate")
    async def validate(id: UUID) -> Response:
        today, now = datetime.now(UTC).date(), datetime.now(UTC)
        async with pool().acquire() as connection, connection.transaction():
            row = await connection.fetchrow(sql.ASSESSMENT, id)
            if row is None:
                return json({"detail": "not found"}, 404)
            if row["status"] != "proposed":
                return json({"detail": "invalid transition", "from": row["status"], "to": "validated"}, 409)
            await connection.fetchrow(sql.EMPLOYEE, row["employee_id"])
            record = {**dict(row), "version": row["version"] + 1, "updated_at": now, "status": "validated",
                      "reviewed_on": today}  # fmt: skip
            status = await connection.execute(sql.UPDATE_ASSESSMENT, *list(record.values())[1:], id, row["version"])
            if status == "UPDATE 0":
                return json({"detail": "stale"}, 412)
            await connection.fetch(sql.CURRENT_LEVELS, row["employee_id"], today)
            await connection.fetch(sql.ACTIVE_PLAN, row["employee_id"], "active", row["competency_id"], 1)
        return json(record, headers={"ETag": f'W/"{record["version"]}"'})

    @app.patch("/enrollments/{id}")
    async def complete(id: UUID, body: EnrollmentPatch) -> Response:
        today, now = datetime.now(UTC).date(), datetime.now(UTC)
        async with pool().acquire() as connection, connection.transaction():
            row = await connection.fetchrow(sql.ENROLLMENT, id)
            if row is None:
                return json({"detail": "not found"}, 404)
            if row["status"] not in ("planned", "in_progress") or body.status != "completed":
                return json({"detail": "invalid transition", "from": row["status"], "to": body.status}, 409)
            record = {**dict(row), "version": row["version"] + 1, "updated_at": now, "status": "completed",
                      "completed_on": today}  # fmt: skip
            status = await connection.execute(sql.UPDATE_ENROLLMENT, *list(record.values())[1:], id, row["version"])
            if status == "UPDATE 0":
                return json({"detail": "stale"}, 412)
            await connection.fetchrow(sql.COURSE, row["course_id"])
            covers = await connection.fetch(sql.COVERS, [row["course_id"]])
            levels = {r[0]: RANK[r[1]] for r in await connection.fetch(sql.CURRENT_LEVELS, row["employee_id"], today)}
            for cover in covers:
                if RANK[cover["level"]] > levels.get(cover["competency_id"], 0):
                    await connection.execute(
                        sql.INSERT_ASSESSMENT, uuid7(), 1, now, now, row["employee_id"], cover["competency_id"],
                        cover["level"], today, None, None, None, "course", "proposed", None, None, None,
                    )  # fmt: skip
        return json(record, headers={"ETag": f'W/"{record["version"]}"'})

    @app.get("/departments/{id}/matrix")
    async def department_matrix(id: UUID, accept: str | None = Header(None)) -> Response:
        today = datetime.now(UTC).date()
        async with pool().acquire() as connection:
            head = await connection.fetchrow(sql.MATRIX_HEAD, id)
            if head is None:
                return json({"detail": "not found"}, 404)
            staff = await connection.fetch(sql.MATRIX_STAFF, today, id)
        body = matrix(head, staff, today)
        if accept == "text/csv":
            return Response(matrix_csv(body), media_type="text/csv")
        return json(body)

    return app
