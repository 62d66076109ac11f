"""Faults on a PostgreSQL this module starts and stops itself (an embedded throwaway cluster,
never the shared server): an outage answers 503 problems quickly and the service recovers by
itself, with no write half-applied; a saturated pool and a blocked row answer 503 after a
bounded wait, never an unbounded queue."""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from adapters.postgres.database import Database
from adapters.postgres.embedded import EmbeddedPostgres, connect, create_database
from adapters.postgres.migrate import upgrade
from tests.conftest import CURSOR_SECRET
from tests.integration.conftest import API, serve
from tests.reliability.conftest import pg_stack
from tests.reliability.embedded_control import restart, stop_fast

pytestmark = pytest.mark.postgres

ANSWER_WITHIN_S = 5.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="upskill-faults-")), delete_on_stop=True)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
async def fault_url(cluster: EmbeddedPostgres) -> str:
    await create_database(cluster.url(), "faults")
    url = cluster.url("faults")
    await asyncio.to_thread(upgrade, url)
    return url


@pytest.fixture
async def small_db(fault_url: str) -> AsyncIterator[Database]:
    """A small pool with short timeouts, as an operator would set them."""
    db = Database(
        fault_url,
        pool_size=3,
        max_overflow=0,
        pool_timeout_s=1.0,
        connect_timeout_s=1.0,
        statement_timeout_ms=1500,
        cursor_secret=CURSOR_SECRET,
    )
    try:
        yield db
    finally:
        await db.dispose()


async def _timed(request: asyncio.Future[httpx.Response] | object) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await request  # type: ignore[misc]
    return response, time.monotonic() - started


def _course(name: str, competencies: list[str]) -> dict[str, object]:
    return {"title": name, "covers": [{"competency_id": c, "level": "basic"} for c in competencies]}


async def test_an_outage_answers_503_quickly_and_the_service_recovers_whole(
    cluster: EmbeddedPostgres, small_db: Database
) -> None:
    async with serve(pg_stack(small_db, ready=small_db.ready)) as client:
        competencies = [
            (await client.post(f"{API}/competencies", json={"name": f"C{uuid.uuid4().hex[:8]}"})).json()["id"]
            for _ in range(2)
        ]
        assert (await client.get("/health/ready")).status_code == 200
        outcomes: dict[str, int] = {}

        async def write(name: str) -> httpx.Response:
            response = await client.post(f"{API}/courses", json=_course(name, competencies))
            outcomes[name] = response.status_code
            return response

        in_flight = [asyncio.create_task(write(f"before-{i}")) for i in range(10)]
        await asyncio.to_thread(stop_fast, cluster)
        await asyncio.gather(*in_flight)
        try:
            for i in range(5):
                for request in (write(f"during-{i}"), client.get(f"{API}/courses"), client.get("/health/ready")):
                    response, took = await _timed(request)
                    assert took < ANSWER_WITHIN_S, (response.request.url, took)
                    assert response.status_code == 503, response.text
                    assert response.headers["content-type"] == "application/problem+json"
                    assert int(response.headers["retry-after"]) > 0
                assert (await client.get("/health/live")).status_code == 200
        finally:
            await asyncio.to_thread(restart, cluster)

        deadline = time.monotonic() + 30
        while (await client.get("/health/ready")).status_code != 200:
            assert time.monotonic() < deadline, "not ready again within 30 s"
            await asyncio.sleep(0.2)
        assert (await write("after")).status_code == 201
        stored = (await client.get(f"{API}/courses", params={"limit": "200"})).json()["items"]

    by_title = {c["title"]: c for c in stored}
    assert all(outcomes[name] in {201, 503} for name in outcomes), outcomes
    assert {name for name, status in outcomes.items() if status == 201} <= by_title.keys()
    assert not any(title.startswith("during-") for title in by_title)
    for course in by_title.values():  # all or nothing: never a course without its covers
        assert len(course["covers"]) == 2, course


async def test_a_blocked_row_and_a_saturated_pool_answer_503_after_a_bounded_wait(
    small_db: Database, fault_url: str
) -> None:
    async with serve(pg_stack(small_db)) as client:
        created = (await client.post(f"{API}/departments", json={"name": f"D{uuid.uuid4().hex[:8]}"})).json()
        holder = await connect(fault_url)
        try:
            tx = holder.transaction()
            await tx.start()
            await holder.execute("SELECT 1 FROM departments WHERE id = $1 FOR UPDATE", uuid.UUID(created["id"]))
            url = f"{API}/departments/{created['id']}"
            started = time.monotonic()
            results = await asyncio.gather(
                *(_timed(client.patch(url, json={"description": f"v{i}"})) for i in range(8))
            )
            elapsed = time.monotonic() - started
            listed, _ = await _timed(client.get(f"{API}/departments"))
            await tx.rollback()
        finally:
            await holder.close()
        after = await client.patch(url, json={"description": "free again"})

    statuses = [r.status_code for r, _ in results]
    assert set(statuses) == {503}, [(r.status_code, r.text[:200]) for r, _ in results]
    assert all(r.headers["content-type"] == "application/problem+json" for r, _ in results)
    assert max(took for _, took in results) < 8, [round(t, 2) for _, t in results]
    assert elapsed < 10
    assert listed.status_code in {200, 503}
    assert after.status_code == 200, after.text
    assert after.json()["version"] == 2
