"""Concurrent writes on PostgreSQL: the database decides, the API answers cleanly."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from adapters.postgres.database import Database
from tests.integration.conftest import API, build_stack, pg_backend, serve

pytestmark = pytest.mark.postgres


async def test_concurrent_duplicate_creates_make_one_record_and_409s(clean_pg: Database) -> None:
    async with serve(build_stack(pg_backend(clean_pg))) as client:
        responses = await asyncio.gather(
            *(client.post(f"{API}/departments", json={"name": "Sales"}) for _ in range(20))
        )
        listed = (await client.get(f"{API}/departments", params={"count": "true"})).json()

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: 19}
    assert all(r.json()["type"] == "/problems/conflict" for r in responses if r.status_code == 409)
    assert listed["total"] == 1


async def test_concurrent_patches_with_the_same_if_match_let_one_win(clean_pg: Database) -> None:
    async with serve(build_stack(pg_backend(clean_pg))) as client:
        created = (await client.post(f"{API}/departments", json={"name": "Sales"})).json()
        url = f"{API}/departments/{created['id']}"
        responses = await asyncio.gather(
            *(client.patch(url, json={"description": f"v{i}"}, headers={"If-Match": 'W/"1"'}) for i in range(10))
        )
        final = (await client.get(url)).json()

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 412: 9}
    winner = next(r.json() for r in responses if r.status_code == 200)
    assert final == winner
    assert final["version"] == 2
