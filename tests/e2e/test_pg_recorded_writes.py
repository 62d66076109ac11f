"""A write and the event that records it are one statement on PostgreSQL (the event's INSERT as
a data-modifying WITH of the write): counted with `Database.statements()`, and a lone create is
that one statement with no transaction around it (what asyncpg is asked to send, spied on).
What must stay true around it: events keep their order, a failed write leaves no event, an
event with no write of its record is still sent, and the event stored is the one appended."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from sqlalchemy import text

from adapters.postgres.database import Database
from tests.factories import department, persist
from upskill.domain.errors import Conflict, StaleVersion
from upskill.domain.events import Change, change_of
from upskill.domain.idempotency import CLAIM, Claim
from upskill.domain.ids import SystemClock, UUIDv7Factory
from upskill.domain.organisation import Department
from upskill.domain.ports import Repository
from upskill.domain.principal import Principal, Role
from upskill.domain.resources import DEPARTMENTS
from upskill.services.crud import CrudService

ADMIN = Principal(user_id=UUID("01900000-0000-7000-8000-000000000001"), role=Role.ADMIN, employee_id=None)
IDS, CLOCK = UUIDv7Factory(), SystemClock()


def _change(before: Department | None, after: Department | None) -> Change:
    action = "created" if before is None else "deleted" if after is None else "updated"
    return change_of(DEPARTMENTS, ADMIN, before, after, action, id=IDS.new(), at=CLOCK.now())


async def _recorded(db: Database, change: Change, write: Callable[[Repository[Department]], Awaitable[object]]) -> None:
    """Append `change`, then `write`, in one unit of work, and commit."""
    async with db.unit_of_work() as uow:
        await uow.events.append(change)
        await write(uow.repository(Department))
        await uow.commit()


async def _history(db: Database, id: UUID) -> list[Change]:
    async with db.unit_of_work() as uow:
        page = await uow.events.history(f"departments/{id}", limit=50)
    return [e.change for e in reversed(page.items)]


async def test_create_update_delete_each_send_the_write_with_its_event(db: Database) -> None:
    service = CrudService(DEPARTMENTS, db.unit_of_work, CLOCK, IDS)
    with db.statements() as created_with:
        made = await service.create(ADMIN, {"name": "Sales"})
    with db.statements() as updated_with:
        changed = await service.update(ADMIN, made.id, {"name": "Sales EU"}, expected_version=1)
    with db.statements() as deleted_with:
        await service.delete(ADMIN, made.id)
    # create: the INSERT; update and delete: the read of the record, then the write
    assert [len(created_with), len(updated_with), len(deleted_with)] == [1, 2, 2]
    assert all("INSERT INTO events" in sql for sql, _ in (created_with[0], updated_with[1], deleted_with[1]))
    history = await _history(db, made.id)
    assert [(c.type, c.record_version) for c in history] == [
        ("upskill.department.created", 1),
        ("upskill.department.updated", 2),
        ("upskill.department.deleted", 2),
    ]
    assert history[1].changes == {"name": {"from": "Sales", "to": "Sales EU"}}
    assert history[1].data["name"] == changed.name


async def test_a_write_refused_by_the_database_leaves_no_event(db: Database) -> None:
    taken = department(name="Taken")
    await persist(db.unit_of_work, taken)
    twin = department(name="taken")
    with pytest.raises(Conflict):
        await _recorded(db, _change(None, twin), lambda repo: repo.add(twin))
    assert await _history(db, twin.id) == []


async def test_a_stale_write_raises_and_its_event_is_never_committed(db: Database) -> None:
    stored = department()
    await persist(db.unit_of_work, stored)
    moved = stored.evolve(name="Moved", version=2)
    with pytest.raises(StaleVersion):
        await _recorded(db, _change(stored, moved), lambda repo: repo.update(moved, expected_version=7))
    assert await _history(db, stored.id) == []


async def test_events_about_other_records_go_first_and_in_order(db: Database) -> None:
    one, other = department(), department()
    await persist(db.unit_of_work, one)
    renamed = one.evolve(name="Renamed", version=2)
    async with db.unit_of_work() as uow:
        with db.statements() as seen:
            await uow.events.append(_change(None, other))  # no write of `other` follows
            await uow.events.append(_change(one, renamed))
            await uow.repository(Department).update(renamed, expected_version=1)
        await uow.commit()
    assert len(seen) == 2  # the lone event, then the write with its own
    async with db.unit_of_work() as uow:
        first = (await uow.events.history(f"departments/{other.id}", limit=1)).items[0]
        second = (await uow.events.history(f"departments/{one.id}", limit=1)).items[0]
    assert int(first.position) < int(second.position)


async def test_an_event_with_no_write_is_sent_by_the_commit(db: Database) -> None:
    lone = department()
    async with db.unit_of_work() as uow:
        await uow.events.append(_change(None, lone))
        await uow.commit()
    assert [c.record_id for c in await _history(db, lone.id)] == [lone.id]


async def test_an_event_staged_then_rolled_back_is_never_sent(db: Database) -> None:
    lone = department()
    async with db.unit_of_work() as uow:
        with db.statements() as seen:
            await uow.events.append(_change(None, lone))
            await uow.rollback()
            await uow.commit()
    assert seen == []
    assert await _history(db, lone.id) == []


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The first word of every query asyncpg is asked to send (`execute`: data statements
    without rows, BEGIN, COMMIT, ROLLBACK; `fetch`: the rest)."""
    words: list[str] = []

    def spying(method: Any) -> Any:
        async def spy(self: asyncpg.Connection[Any], query: str, *args: Any, **kwargs: Any) -> Any:
            words.append(query.split(None, 1)[0].upper())
            return await method(self, query, *args, **kwargs)

        return spy

    monkeypatch.setattr(asyncpg.Connection, "execute", spying(asyncpg.Connection.execute))
    monkeypatch.setattr(asyncpg.Connection, "fetch", spying(asyncpg.Connection.fetch))
    return words


async def test_a_lone_create_is_one_statement_without_begin_or_commit(db: Database, sent: list[str]) -> None:
    service = CrudService(DEPARTMENTS, db.unit_of_work, CLOCK, IDS)
    made = await service.create(ADMIN, {"name": "Lone"})
    assert sent == ["WITH"]  # WITH recorded AS (INSERT INTO events ...) INSERT INTO departments ...
    assert [c.type for c in await _history(db, made.id)] == ["upskill.department.created"]


async def test_a_lone_create_the_database_refuses_stores_nothing(db: Database, sent: list[str]) -> None:
    await persist(db.unit_of_work, department(name="Taken"))
    service = CrudService(DEPARTMENTS, db.unit_of_work, CLOCK, IDS)
    sent.clear()
    with pytest.raises(Conflict):
        await service.create(ADMIN, {"name": "TAKEN"})
    assert sent == ["WITH"]
    async with db.unit_of_work() as uow:
        found = await (await uow.connection()).execute(
            text("SELECT count(*) FROM events WHERE data->>'name' = 'TAKEN'")
        )
        assert found.scalar_one() == 0


async def test_a_create_under_an_idempotency_key_commits_with_its_mark(db: Database, sent: list[str]) -> None:
    """The key is marked committed in the write's transaction: no lone write then."""
    claim = Claim(ADMIN.user_id or IDS.new(), "lone-create-key")
    service = CrudService(DEPARTMENTS, db.unit_of_work, CLOCK, IDS)
    token = CLAIM.set(claim)
    try:
        await service.create(ADMIN, {"name": "Keyed"})
    finally:
        CLAIM.reset(token)
    assert sent == ["BEGIN", "WITH", "UPDATE", "COMMIT"]
