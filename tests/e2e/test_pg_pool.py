"""The connection pool (`adapters.postgres.pool`): bounded, a waiter gets the next connection
given back or a free place, a dead or old connection is never handed out, a transaction left
open is rolled back, and a closed pool closes what comes back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from adapters.database_url import parse_database_url
from adapters.postgres.pool import ConnectionPool
from tests.e2e.conftest import connect


@pytest.fixture
async def pool(module_url: str) -> AsyncIterator[ConnectionPool]:
    made = ConnectionPool(None, max_size=2, connect_args=parse_database_url(module_url).connect_kwargs(timeout=3))
    try:
        yield made
    finally:
        await made.close()


async def test_a_full_pool_makes_the_next_caller_wait_then_time_out(pool: ConnectionPool) -> None:
    first, second = await pool.acquire(1), await pool.acquire(1)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await pool.acquire(0.2)
    assert 0.15 < time.monotonic() - started < 1.0
    assert pool.stats() == (2, 2, 0)
    await pool.release(first)
    await pool.release(second)
    assert pool.stats() == (2, 2, 2)


async def test_a_waiter_gets_the_connection_given_back(pool: ConnectionPool) -> None:
    first, second = await pool.acquire(1), await pool.acquire(1)
    waiting = asyncio.create_task(pool.acquire(2))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await pool.release(first)
    assert await waiting is first
    await pool.release(second)
    await pool.release(first)


async def test_a_discarded_connection_frees_a_place_for_a_waiter(pool: ConnectionPool) -> None:
    first, second = await pool.acquire(1), await pool.acquire(1)
    waiting = asyncio.create_task(pool.acquire(2))
    await asyncio.sleep(0.05)
    pool.discard(first)
    fresh = await waiting
    assert fresh is not first
    assert first.is_closed()
    assert await fresh.fetchval("SELECT 1") == 1
    await pool.release(fresh)
    await pool.release(second)


async def test_a_connection_the_server_ended_is_not_handed_out(pool: ConnectionPool, module_url: str) -> None:
    connection = await pool.acquire(1)
    pid = connection.get_server_pid()
    await pool.release(connection)
    admin = await connect(module_url)
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    for _ in range(100):
        if connection.is_closed():
            break
        await asyncio.sleep(0.01)

    again = await pool.acquire(1)
    assert again.get_server_pid() != pid
    assert await again.fetchval("SELECT 1") == 1
    await pool.release(again)


async def test_a_transaction_left_open_is_rolled_back(pool: ConnectionPool) -> None:
    connection = await pool.acquire(1)
    await connection.execute("BEGIN")
    await connection.execute("CREATE TEMPORARY TABLE left_open (n int)")
    await pool.release(connection)
    again = await pool.acquire(1)
    assert again is connection
    assert not again.is_in_transaction()
    assert await again.fetchval("SELECT to_regclass('left_open')") is None
    await pool.release(again)


async def test_a_connection_in_use_when_the_pool_closes_is_closed_when_given_back(pool: ConnectionPool) -> None:
    busy, idle = await pool.acquire(1), await pool.acquire(1)
    await pool.release(idle)
    await pool.close()
    assert idle.is_closed()
    await pool.release(busy)
    assert busy.is_closed()
    fresh = await pool.acquire(1)  # a closed pool opens anew
    assert await fresh.fetchval("SELECT 1") == 1
    await pool.release(fresh)


async def test_an_idle_connection_past_its_lifetime_is_closed(module_url: str) -> None:
    pool = ConnectionPool(
        None, max_size=2, connect_args=parse_database_url(module_url).connect_kwargs(), idle_lifetime_s=0.05
    )
    try:
        old = await pool.acquire(1)
        await pool.release(old)
        await asyncio.sleep(0.1)
        young = await pool.acquire(1)
        assert young is not old
        assert old.is_closed()
        await pool.release(young)
    finally:
        await pool.close()
