"""The access gate on PostgreSQL: who a token stands for, in one primary-key query on a pool
of its own that fails as Unavailable and recovers like the units of work."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from adapters.postgres.access_gate import SQL
from adapters.postgres.database import Database
from tests.e2e.conftest import CURSOR_SECRET, connect
from tests.factories import BASE_TIME, auth_session, department, employee, persist, user
from upskill.domain.errors import Unavailable
from upskill.domain.identity import AuthSession, User
from upskill.domain.principal import Principal, Role
from upskill.domain.security import AccessTokenClaims

ISSUED = BASE_TIME + timedelta(minutes=10)
NOW = ISSUED + timedelta(minutes=1)


def claims_for(session: AuthSession, *, iat: Any = ISSUED, role: str = "employee") -> AccessTokenClaims:
    return AccessTokenClaims(
        sub=session.user_id,
        sid=session.id,
        jti=uuid4().hex,
        role=role,
        scope="api",
        iat=iat,
        nbf=iat,
        exp=iat + timedelta(minutes=15),
        iss="upskill",
        aud="upskill",
    )


async def _signed_in(db: Database, holder: User, **session_fields: Any) -> AuthSession:
    await persist(db.unit_of_work, holder)
    session = replace(auth_session(user_id=holder.id), **session_fields)
    async with db.unit_of_work() as uow:
        await uow.identity.add_session(session)
        await uow.commit()
    return session


async def test_the_principal_has_the_stored_role_and_the_employees_department(db: Database) -> None:
    sales = department()
    ada = employee(department_id=sales.id)
    await persist(db.unit_of_work, sales, ada)
    session = await _signed_in(db, user(role=Role.MANAGER, employee_id=ada.id))
    principal = await db.access_gate().principal(claims_for(session, role="admin"), NOW)
    assert principal == Principal(session.user_id, Role.MANAGER, ada.id, sales.id, session.id)


async def test_a_user_without_employee_has_no_department(db: Database) -> None:
    session = await _signed_in(db, user(role=Role.ADMIN))
    assert await db.access_gate().principal(claims_for(session), NOW) == Principal(
        session.user_id, Role.ADMIN, None, None, session.id
    )


async def test_a_password_changed_in_the_second_the_token_was_issued_still_admits_it(db: Database) -> None:
    session = await _signed_in(db, user(password_changed_at=ISSUED))
    assert await db.access_gate().principal(claims_for(session), NOW) is not None


@pytest.mark.parametrize(
    ("user_fields", "session_fields"),
    [
        ({"is_active": False}, {}),
        ({"password_changed_at": ISSUED + timedelta(seconds=1)}, {}),
        ({}, {"revoked_at": NOW - timedelta(seconds=1)}),
        ({}, {"idle_expires_at": NOW}),
        ({}, {"expires_at": NOW}),
    ],
    ids=["inactive user", "password changed after", "revoked", "idle expired", "expired"],
)
async def test_no_principal_for_a_token_that_no_longer_counts(
    db: Database, user_fields: dict[str, Any], session_fields: dict[str, Any]
) -> None:
    session = await _signed_in(db, user(**user_fields), **session_fields)
    assert await db.access_gate().principal(claims_for(session), NOW) is None


async def test_no_principal_for_an_unknown_session_or_another_users_session(db: Database) -> None:
    session = await _signed_in(db, user())
    other = await _signed_in(db, user())
    gate = db.access_gate()
    assert await gate.principal(claims_for(replace(session, id=uuid4())), NOW) is None
    assert await gate.principal(claims_for(replace(session, user_id=other.user_id)), NOW) is None


async def test_the_gate_query_finds_the_session_and_its_user_through_indexes(db: Database, module_url: str) -> None:
    session = await _signed_in(db, user())
    conn = await connect(module_url)
    try:
        await conn.execute(
            "INSERT INTO users (id, version, created_at, updated_at, email, role, employee_id, is_active,"
            " password_hash, password_changed_at, oidc_linked)"
            " SELECT gen_random_uuid(), 1, now(), now(), 'u' || n || '@example.com', 'employee',"
            " NULL, true, 'x', NULL, false FROM generate_series(1, 2000) AS n"
        )
        await conn.execute(
            "INSERT INTO auth_sessions (id, user_id, client_id, created_at, last_used_at, idle_expires_at,"
            " expires_at, revoked_at, user_agent, auth_method)"
            " SELECT gen_random_uuid(), id, NULL, now(), now(), now(), now(), NULL, NULL, 'password' FROM users"
        )
        await conn.execute("ANALYZE users; ANALYZE auth_sessions; ANALYZE employees")
        claims = claims_for(session)
        plan = json.loads(await conn.fetchval(f"EXPLAIN (FORMAT JSON) {SQL}", claims.sid, claims.sub, NOW, ISSUED))
    finally:
        await conn.close()
    scans = {n["Relation Name"]: n["Node Type"] for n in _plan_nodes(plan[0]["Plan"]) if "Relation Name" in n}
    assert scans["auth_sessions"] == scans["users"] == "Index Scan"  # (an empty employees table may be scanned)


def _plan_nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("Plans", ()) for n in _plan_nodes(child))]


async def test_a_refused_connection_is_unavailable_at_once() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    db = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/upskill", cursor_secret=CURSOR_SECRET)
    try:
        started = time.monotonic()
        with pytest.raises(Unavailable):
            await db.access_gate().principal(claims_for(auth_session(user_id=uuid4())), NOW)
        assert time.monotonic() - started < 3
    finally:
        await db.dispose()


async def test_a_server_that_never_answers_is_unavailable_after_the_connect_timeout() -> None:
    hung: list[asyncio.StreamWriter] = []
    server = await asyncio.start_server(lambda r, w: hung.append(w), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    db = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/upskill", connect_timeout_s=0.5)
    try:
        started = time.monotonic()
        with pytest.raises(Unavailable):
            await asyncio.wait_for(db.access_gate().principal(claims_for(auth_session(user_id=uuid4())), NOW), 10)
        assert time.monotonic() - started < 2
    finally:
        await db.dispose()
        for writer in hung:
            writer.close()
        server.close()


async def _kill_upskill_connections(url: str) -> int:
    admin = await connect(url)
    try:
        killed: int = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = 'upskill' AND datname = current_database()"
        )
        return killed
    finally:
        await admin.close()


async def test_gate_connections_killed_by_a_restart_are_replaced_unnoticed(module_url: str) -> None:
    db = Database(module_url, pool_size=2, cursor_secret=CURSOR_SECRET)
    try:
        session = await _signed_in(db, user())
        claims = claims_for(session)
        assert await db.access_gate().principal(claims, NOW) is not None  # leaves a connection in the pool
        assert await _kill_upskill_connections(module_url) >= 1
        assert await db.access_gate().principal(claims, NOW) is not None
    finally:
        await db.dispose()


async def test_dispose_closes_the_gates_connections_and_the_gate_reopens(module_url: str) -> None:
    db = Database(module_url, cursor_secret=CURSOR_SECRET)
    try:
        session = await _signed_in(db, user())
        await db.access_gate().principal(claims_for(session), NOW)
        await db.dispose()
        assert await _kill_upskill_connections(module_url) == 0
        assert await db.access_gate().principal(claims_for(session), NOW) is not None
    finally:
        await db.dispose()
