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
from adapters.postgres.embedded import dsn
from tests.integration.accounts import add_user
from tests.integration.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, API, PASSWORD, TOKEN, login, serve
from tests.reliability.conftest import pg_stack
from upskill.domain.identity import LockoutPolicy

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
    conn = await asyncpg.connect(dsn(database_url))
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
    stack = pg_stack(clean_pg, lockout=LockoutPolicy(threshold=threshold))
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
