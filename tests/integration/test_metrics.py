"""`GET /metrics`: request metrics by route template, pool gauges and audit event counts, as the
app is served (the request metrics on both adapters; the container's wiring on both storages)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from dependency_injector import providers
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from adapters.container import Container
from adapters.http.metrics import metrics_router
from adapters.main import build_app
from adapters.settings import Settings
from tests.integration.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    API,
    AUDIENCE,
    BASE_URL,
    ISSUER,
    TOKEN,
    Stack,
    department,
    serve,
)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    """Every sample of a scrape, by name and label set."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


async def scrape(client: httpx.AsyncClient) -> Samples:
    """A scrape without credentials, which must succeed in the 0.0.4 text format."""
    response = await client.get("/metrics", headers={"Authorization": ""})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == CONTENT_TYPE
    return parse(response.text)


async def settled(client: httpx.AsyncClient, *, within_s: float = 2.0) -> Samples:
    """A scrape once no connection is checked out, or the last one after `within_s`. A commit
    that added events wakes the relay with a NOTIFY that borrows a pooled connection ~20 ms
    later (`adapters/postgres/announce.py`), so a scrape right after a login can see it in use;
    a leaked connection stays checked out and fails the caller's assertion."""
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        samples = await scrape(client)
        busy = value(samples, "upskill_db_pool_checked_out")
        if not busy or asyncio.get_running_loop().time() >= deadline:
            return samples
        await asyncio.sleep(0.02)


async def test_requests_are_counted_by_route_template_and_status(stack: Stack) -> None:
    async with serve(stack) as client:
        created = await department(client)
        known = f"{API}/departments/{created['id']}"
        assert (await client.get(known)).status_code == 200
        assert (await client.get(f"{API}/departments/{uuid.uuid4()}")).status_code == 404
        assert (await client.get("/no/such/path")).status_code == 404
        async with stack.client() as anonymous:
            samples = await scrape(anonymous)

    template = f"{API}/departments/{{id}}"
    requests = "upskill_http_requests_total"
    assert value(samples, requests, method="GET", route=template, status="200") == 1
    assert value(samples, requests, method="GET", route=template, status="404") == 1
    assert value(samples, requests, method="POST", route=f"{API}/departments", status="201") == 1
    assert value(samples, requests, method="POST", route=TOKEN, status="200") == 1
    assert value(samples, requests, method="GET", route="<unmatched>", status="404") == 1
    routes = {dict(labels).get("route") for _, labels in samples}
    assert not any(route and created["id"] in route for route in routes)
    assert "/no/such/path" not in routes

    duration = "upskill_http_request_duration_seconds"
    assert value(samples, f"{duration}_count", method="GET", route=template) == 2
    assert value(samples, f"{duration}_bucket", method="GET", route=template, le="+Inf") == 2
    assert value(samples, f"{duration}_bucket", method="GET", route=template, le="0.005") is not None
    assert value(samples, f"{duration}_bucket", method="GET", route=template, le="10.0") == 2
    assert value(samples, "upskill_http_requests_in_flight") == 1  # the scrape itself, nothing left over
    pooled = any(name.startswith("upskill_db_pool") for name, _ in samples)
    assert pooled == (stack.settings.storage == "postgres")  # the container's pool statistics: PostgreSQL's only


async def test_unknown_methods_share_one_label(stack: Stack) -> None:
    async with serve(stack) as client:
        await client.request("BREW", f"{API}/departments")
        samples = await scrape(client)

    methods = {dict(labels).get("method") for name, labels in samples if name == "upskill_http_requests_total"}
    assert "OTHER" in methods
    assert "BREW" not in methods


async def test_pool_gauges_are_read_at_each_scrape_and_a_failing_reader_drops_them() -> None:
    figures: dict[str, float] = {"db_pool_size": 4, "db_pool_checked_out": 1}

    def failing() -> Mapping[str, float]:
        raise RuntimeError("pool gone")

    async def samples_of(stats: Callable[[], Mapping[str, float]]) -> Samples:
        app = FastAPI()
        app.include_router(metrics_router(CollectorRegistry(), stats))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
            return await scrape(client)

    first = await samples_of(lambda: figures)
    figures["db_pool_checked_out"] = 4
    second = await samples_of(lambda: figures)
    failed = await samples_of(failing)

    assert (value(first, "upskill_db_pool_size"), value(first, "upskill_db_pool_checked_out")) == (4, 1)
    assert value(second, "upskill_db_pool_checked_out") == 4
    assert failed == {}


# The composition root: the container's registry, audit counter and pool statistics.


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.postgres)])
def container(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Container:
    """A container configured like a deployment (admin from settings), on the parametrised storage."""
    database_url = None
    if request.param == "postgres":
        request.getfixturevalue("clean_pg")
        database_url = SecretStr(request.getfixturevalue("database_url"))
    settings = Settings(
        _env_file=None,
        env="test",
        storage=request.param,
        database_url=database_url,
        data_dir=tmp_path,
        issuer=ISSUER,
        audience=AUDIENCE,
        token_burst_per_ip=10_000,
        admin_email=ADMIN_EMAIL,
        admin_password=SecretStr(ADMIN_PASSWORD),
        argon2_memory_kib=1024,
        argon2_time_cost=1,
    )
    monkeypatch.setattr("adapters.main.configure_logging", lambda _: None)  # keep the test run's log sinks
    built = Container()
    built.settings.override(providers.Object(settings))
    return built


@asynccontextmanager
async def served(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """The app as `upskill serve` builds it from `container`, with its lifespan run."""
    app = build_app(container)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield client


async def test_audit_events_and_pools_are_exposed_as_wired(container: Container) -> None:
    async with served(container) as client:
        before = await scrape(client)
        form = {"grant_type": "password", "username": ADMIN_EMAIL}
        refused = await client.post(TOKEN, data={**form, "password": "not-the-password"})
        granted = await client.post(TOKEN, data={**form, "password": ADMIN_PASSWORD})
        me = await client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {granted.json()['access_token']}"})
        samples = await settled(client)

    assert (refused.status_code, granted.status_code, me.status_code) == (400, 200, 200)
    events = "upskill_auth_events_total"
    assert value(before, events, event="login.failure") == 0  # known events exist from the start
    assert value(samples, events, event="login.failure") == 1
    assert value(samples, events, event="login.success") == 1
    assert value(samples, events, event="login.lockout") == 0
    assert value(samples, events, event="user.admin_created") == 1
    assert value(samples, "upskill_http_requests_total", method="GET", route=f"{API}/auth/me", status="200") == 1

    pool_names = {name for name, _ in samples if name.startswith("upskill_db_pool")}
    if container.settings().storage == "memory":
        assert pool_names == set()
        return
    settings = container.settings()
    assert value(samples, "upskill_db_pool_size") == settings.db_pool_size + settings.db_max_overflow
    assert value(samples, "upskill_db_pool_checked_out") == 0  # every connection back after the requests
    opened = value(samples, "upskill_db_pool_open")
    assert opened is not None
    assert opened >= 1  # opened by the requests
