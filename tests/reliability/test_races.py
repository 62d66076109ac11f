"""Races on PostgreSQL through the HTTP app: concurrent requests that contend for one unique
name, one version, one refresh token or one account's failure count. The database decides;
every loser gets its documented 4xx, never a 5xx, and the end state is consistent."""

from __future__ import annotations

import asyncio
from collections import Counter

import asyncpg
import httpx
import pytest

from adapters.postgres.database import Database
from adapters.postgres.embedded import connect
from tests.integration.accounts import access_token, add_user
from tests.integration.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    API,
    PASSWORD,
    TOKEN,
    create,
    department,
    employee,
    login,
    make_settings,
    serve,
)
from tests.reliability.conftest import pg_stack

pytestmark = pytest.mark.postgres


async def test_50_concurrent_creates_of_one_name_make_one_record(pg_client: httpx.AsyncClient) -> None:
    responses = await asyncio.gather(*(pg_client.post(f"{API}/departments", json={"name": "Sales"}) for _ in range(50)))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: 49}, statuses
    assert all(r.headers["content-type"] == "application/problem+json" for r in responses if r.status_code == 409)
    listed = (await pg_client.get(f"{API}/departments", params={"count": "true"})).json()
    assert listed["total"] == 1


async def test_50_concurrent_patches_with_one_if_match_let_one_win(pg_client: httpx.AsyncClient) -> None:
    created = (await pg_client.post(f"{API}/departments", json={"name": "Sales"})).json()
    url = f"{API}/departments/{created['id']}"
    responses = await asyncio.gather(
        *(pg_client.patch(url, json={"description": f"v{i}"}, headers={"If-Match": 'W/"1"'}) for i in range(50))
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 412: 49}, statuses
    final = (await pg_client.get(url)).json()
    assert final == next(r.json() for r in responses if r.status_code == 200)
    assert final["version"] == 2


async def test_20_concurrent_refreshes_of_one_token_rotate_once_and_keep_the_session(clean_pg: Database) -> None:
    async with serve(pg_stack(clean_pg)) as client:
        tokens = await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        responses = await asyncio.gather(*(client.post(TOKEN, data=form) for _ in range(20)))

        statuses = Counter(r.status_code for r in responses)
        assert statuses == {200: 1, 400: 19}, statuses
        assert {r.json()["error"] for r in responses if r.status_code == 400} == {"invalid_grant"}
        winner = next(r.json() for r in responses if r.status_code == 200)
        again = await client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": winner["refresh_token"]})
        assert again.status_code == 200, again.text
        me = await client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {again.json()['access_token']}"})
        assert me.status_code == 200


async def _failure_record(database_url: str) -> asyncpg.Record:
    conn = await connect(database_url)
    try:
        row = await conn.fetchrow("SELECT failures, lockouts, locked_until FROM login_attempts")
    finally:
        await conn.close()
    assert row is not None
    return row


async def test_concurrent_wrong_passwords_reach_the_lockout_without_losing_counts(
    clean_pg: Database, database_url: str
) -> None:
    threshold = 5
    stack = pg_stack(clean_pg, settings=make_settings(lockout_threshold=threshold))
    async with serve(stack) as client:
        await add_user(client, "victim@example.com")
        wrong = {"grant_type": "password", "username": "victim@example.com", "password": "not-the-password"}
        responses = await asyncio.gather(*(client.post(TOKEN, data=wrong) for _ in range(3 * threshold)))
        right = await client.post(TOKEN, data={**wrong, "password": PASSWORD})

    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {400, 429}, statuses
    assert statuses[400] >= threshold
    assert right.status_code == 429
    assert int(right.headers["retry-after"]) > 0
    record = await _failure_record(database_url)
    counted = record["lockouts"] * threshold + record["failures"]
    assert counted == statuses[400], (dict(record), statuses)  # every refused attempt counted once, none lost
    assert counted <= 3 * threshold  # overshoot bounded by the concurrency
    assert record["locked_until"] is not None


async def _proposal(client: httpx.AsyncClient) -> tuple[str, list[str]]:
    """A self-assessment by Ann, and the tokens of two managers of her department."""
    dept = (await department(client, "Engineering"))["id"]
    skill = (await create(client, "competencies", name="Python"))["id"]
    people = {
        name: (await employee(client, dept, full_name=name))["id"] for name in ("Ann Archer", "Mo Mills", "Lu Lee")
    }
    await add_user(client, "ann@example.com", employee_id=people["Ann Archer"])
    tokens = []
    for name, email in (("Mo Mills", "mo@example.com"), ("Lu Lee", "lu@example.com")):
        await add_user(client, email, role="manager", employee_id=people[name])
        tokens.append(await access_token(client, email))
    ann = {"Authorization": f"Bearer {await access_token(client, 'ann@example.com')}"}
    body = {
        "employee_id": people["Ann Archer"],
        "competency_id": skill,
        "level": "advanced",
        "assessed_on": "2024-01-01",
    }
    claim = await client.post(f"{API}/assessments", json=body, headers=ann)
    assert claim.status_code == 201, claim.text
    return claim.json()["id"], tokens


async def test_managers_validating_one_proposal_at_once_let_one_win(pg_client: httpx.AsyncClient) -> None:
    claim, tokens = await _proposal(pg_client)
    url = f"{API}/assessments/{claim}"
    responses = await asyncio.gather(
        *(
            pg_client.post(f"{url}/{'validate' if i % 3 else 'reject'}", headers={"Authorization": f"Bearer {token}"})
            for i in range(10)
            for token in tokens
        )
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 409: 19}, statuses
    assert {r.json()["type"] for r in responses if r.status_code == 409} == {"/problems/invalid-transition"}
    final = (await pg_client.get(url)).json()
    assert final == next(r.json() for r in responses if r.status_code == 200)
    assert final["version"] == 2


async def test_completing_one_enrollment_at_once_records_one_set_of_evidence(pg_client: httpx.AsyncClient) -> None:
    dept = (await department(pg_client, "Engineering"))["id"]
    skills = [(await create(pg_client, "competencies", name=name))["id"] for name in ("Python", "SQL")]
    ann = (await employee(pg_client, dept, full_name="Ann Archer"))["id"]
    covers = [{"competency_id": s, "level": "advanced"} for s in skills]
    course = (await create(pg_client, "courses", title="Data Engineering", covers=covers))["id"]
    started = await create(pg_client, "enrollments", employee_id=ann, course_id=course, status="in_progress")
    url = f"{API}/enrollments/{started['id']}"

    responses = await asyncio.gather(*(pg_client.patch(url, json={"status": "completed"}) for _ in range(20)))

    assert Counter(r.status_code for r in responses) == {200: 20}
    assert {r.json()["version"] for r in responses} == {2}
    evidence = (await pg_client.get(f"{API}/assessments", params={"employee_id": ann, "count": "true"})).json()
    assert evidence["total"] == 2
    assert {(a["source"], a["status"]) for a in evidence["items"]} == {("course", "proposed")}
