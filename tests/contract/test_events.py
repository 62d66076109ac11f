"""EventLog port (the outbox): every change through the generic service is recorded in the
transaction of the change, read back as history (newest first) and as the feed (oldest first,
filtered, polled from `next_cursor`); a write that rolls back leaves no event."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import UUID

import pytest

from tests.factories import department, persist
from upskill.domain.errors import Conflict, InvalidQuery
from upskill.domain.events import REQUEST_ID, Change
from upskill.domain.ids import SystemClock, UUIDv7Factory
from upskill.domain.organisation import Department
from upskill.domain.ports import EventQuery, UnitOfWorkFactory
from upskill.domain.principal import Principal, Role
from upskill.domain.resources import DEPARTMENTS
from upskill.services.crud import CrudService

ADMIN = Principal(user_id=UUID("01900000-0000-7000-8000-000000000001"), role=Role.ADMIN, employee_id=None)


def _service(uow_factory: UnitOfWorkFactory) -> CrudService[Department]:
    return CrudService(DEPARTMENTS, uow_factory, SystemClock(), UUIDv7Factory())


async def _feed(uow_factory: UnitOfWorkFactory, *, at_least: int = 1, **query: object) -> list[Change]:
    """The feed, polled for up to 10 s until it has `at_least` events: PostgreSQL holds an event
    back while any older transaction still runs on the server (other test runs share it)."""
    for _ in range(200):
        async with uow_factory() as uow:
            page = await uow.events.feed(EventQuery(**query))  # type: ignore[arg-type]
        if len(page.items) >= at_least:
            break
        await asyncio.sleep(0.05)
    return [e.change for e in page.items]


async def test_create_update_delete_are_recorded_with_actor_request_and_changes(
    uow_factory: UnitOfWorkFactory,
) -> None:
    service = _service(uow_factory)
    token = REQUEST_ID.set("req-42")
    try:
        created = await service.create(ADMIN, {"name": "Sales"})
        await service.update(ADMIN, created.id, {"name": "Sales EU", "description": "EU"})
        await service.update(ADMIN, created.id, {"name": "Sales EU"})  # no change: no event
        await service.delete(ADMIN, created.id)
    finally:
        REQUEST_ID.reset(token)
    async with uow_factory() as uow:
        page = await uow.events.history(f"departments/{created.id}", limit=10)
    changes = [e.change for e in page.items]
    assert [c.type for c in changes] == [
        "upskill.department.deleted",
        "upskill.department.updated",
        "upskill.department.created",
    ]
    deleted, updated, made = changes
    assert [c.record_version for c in changes] == [2, 2, 1]
    assert made.changes == {"name": {"from": None, "to": "Sales"}}
    assert updated.changes == {"name": {"from": "Sales", "to": "Sales EU"}, "description": {"from": None, "to": "EU"}}
    assert deleted.data == {"id": str(created.id), "version": 2}
    assert updated.data["name"] == "Sales EU"
    assert updated.data["version"] == 2
    assert all(c.request_id == "req-42" and c.actor_user_id == ADMIN.user_id for c in changes)
    assert all(e.source == "/upskill" for e in page.items)
    assert page.next_cursor is None


async def test_history_pages_newest_first(uow_factory: UnitOfWorkFactory) -> None:
    service = _service(uow_factory)
    created = await service.create(ADMIN, {"name": "D"})
    for n in range(4):
        await service.update(ADMIN, created.id, {"description": f"v{n}"})
    await service.create(ADMIN, {"name": "Other"})
    versions: list[int] = []
    cursor: str | None = None
    async with uow_factory() as uow:
        while True:
            page = await uow.events.history(f"departments/{created.id}", limit=2, cursor=cursor)
            versions += [e.change.record_version for e in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
    assert versions == [5, 4, 3, 2, 1]


async def test_a_write_that_fails_or_rolls_back_leaves_no_event(uow_factory: UnitOfWorkFactory) -> None:
    service = _service(uow_factory)
    await service.create(ADMIN, {"name": "Taken"})
    with pytest.raises(Conflict):
        await service.create(ADMIN, {"name": "taken"})
    async with uow_factory() as uow:  # recorded, then not committed
        stored = await service.add_in(uow, ADMIN, service.new_record({"name": "Dropped"}))
        assert stored.name == "Dropped"
    async with uow_factory() as uow:
        await service.add_in(uow, ADMIN, service.new_record({"name": "Rolled back"}))
        await uow.rollback()
        await service.add_in(uow, ADMIN, service.new_record({"name": "Kept"}))
        await uow.commit()
    names = [c.data["name"] for c in await _feed(uow_factory, at_least=2)]
    assert names == ["Taken", "Kept"]


async def test_feed_oldest_first_filters_and_polls_from_next_cursor(uow_factory: UnitOfWorkFactory) -> None:
    service = _service(uow_factory)
    first = await service.create(ADMIN, {"name": "A"})
    await service.create(ADMIN, {"name": "B"})
    await service.update(ADMIN, first.id, {"name": "A2"})
    await _feed(uow_factory, at_least=3)
    async with uow_factory() as uow:
        page = await uow.events.feed(EventQuery(limit=2))
        assert [e.change.data["name"] for e in page.items] == ["A", "B"]
        rest = await uow.events.feed(EventQuery(after=page.next_cursor, limit=2))
        assert [e.change.data["name"] for e in rest.items] == ["A2"]
        idle = await uow.events.feed(EventQuery(after=rest.next_cursor))
        assert idle.items == []
        assert idle.next_cursor == rest.next_cursor
    await service.delete(ADMIN, first.id)
    news = await _feed(uow_factory, after=rest.next_cursor)
    assert [c.type for c in news] == ["upskill.department.deleted"]
    updates = await _feed(uow_factory, types=("upskill.department.updated",))
    assert [c.data["name"] for c in updates] == ["A2"]
    about = await _feed(uow_factory, at_least=3, subject=f"departments/{first.id}")
    assert [c.type.rsplit(".", 1)[1] for c in about] == ["created", "updated", "deleted"]


async def test_appended_changes_are_private_until_commit(uow_factory: UnitOfWorkFactory) -> None:
    await persist(uow_factory, department(name="X"))
    change = Change(
        id=UUIDv7Factory().new(),
        type="upskill.department.updated",
        subject="departments/x",
        time=datetime.now(UTC),
        record_id=UUIDv7Factory().new(),
        record_version=2,
        actor_user_id=None,
        actor_employee_id=None,
        request_id=None,
        data={"nested": {"list": [1, "two", None]}},
        changes={"password": {}},
    )
    async with uow_factory() as writer:
        await writer.events.append(change)
        assert await _feed(uow_factory, at_least=0) == []
        await writer.commit()
    (stored,) = await _feed(uow_factory)
    assert stored == change


@pytest.mark.parametrize("cursor", ["", "x", "1.2.3", "-1", "9" * 40, "1." + "9" * 30])
async def test_a_malformed_cursor_is_refused(uow_factory: UnitOfWorkFactory, cursor: str) -> None:
    async with uow_factory() as uow:
        with pytest.raises(InvalidQuery):
            await uow.events.feed(EventQuery(after=cursor))
        with pytest.raises(InvalidQuery):
            await uow.events.history("departments/x", limit=5, cursor=cursor)
