"""UnitOfWork port: writes are private until commit, discarded otherwise, and of two units of
work racing for the same record or value exactly one wins."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import pytest

from tests.factories import department, persist
from upskill.domain.errors import Conflict, StaleVersion
from upskill.domain.organisation import Department
from upskill.domain.policy import EVERYTHING
from upskill.domain.ports import UnitOfWorkFactory
from upskill.domain.query import ListQuery, SortKey

_ALL = ListQuery(sort=(SortKey("name"),), limit=200)


async def _names(uow_factory: UnitOfWorkFactory) -> list[str]:
    async with uow_factory() as uow:
        return [d.name for d in (await uow.repository(Department).page(_ALL, EVERYTHING)).items]


async def test_commit_publishes_to_a_new_unit_of_work(uow_factory: UnitOfWorkFactory) -> None:
    await persist(uow_factory, department(name="Sales"), department(name="Ops"))
    assert await _names(uow_factory) == ["Ops", "Sales"]


async def test_leaving_without_commit_discards_every_write(uow_factory: UnitOfWorkFactory) -> None:
    kept, doomed = department(name="Kept"), department(name="Doomed")
    await persist(uow_factory, kept, doomed)
    async with uow_factory() as uow:
        repo = uow.repository(Department)
        await repo.add(department(name="New"))
        await repo.update(kept.evolve(name="Renamed", version=2), expected_version=1)
        await repo.delete(doomed.id)
    assert await _names(uow_factory) == ["Doomed", "Kept"]


async def test_an_exception_inside_the_block_discards_every_write(uow_factory: UnitOfWorkFactory) -> None:
    async def fail_midway() -> None:
        async with uow_factory() as uow:
            await uow.repository(Department).add(department(name="New"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await fail_midway()
    assert await _names(uow_factory) == []


async def test_rollback_discards_and_the_unit_of_work_goes_on(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.repository(Department).add(department(name="Discarded"))
        await uow.rollback()
        assert not await uow.repository(Department).count()
        await uow.repository(Department).add(department(name="Kept"))
        await uow.commit()
    assert await _names(uow_factory) == ["Kept"]


async def test_uncommitted_writes_are_invisible_to_other_units_of_work(uow_factory: UnitOfWorkFactory) -> None:
    private = department(name="Private")
    async with uow_factory() as writer:
        await writer.repository(Department).add(private)
        async with uow_factory() as reader:
            assert not await reader.repository(Department).exists(private.id)
        await writer.commit()
    async with uow_factory() as reader:
        assert await reader.repository(Department).exists(private.id)


async def _race(*contenders: Awaitable[None]) -> list[BaseException | None]:
    return list(await asyncio.gather(*contenders, return_exceptions=True))


async def test_of_two_updates_from_the_same_version_exactly_one_wins(uow_factory: UnitOfWorkFactory) -> None:
    original = department(name="Sales")
    await persist(uow_factory, original)

    async def rename(name: str) -> None:
        async with uow_factory() as uow:
            await uow.repository(Department).update(original.evolve(name=name, version=2), expected_version=1)
            await asyncio.sleep(0.05)
            await uow.commit()

    outcomes = await _race(rename("First"), rename("Second"))
    winners = [name for name, outcome in zip(["First", "Second"], outcomes, strict=True) if outcome is None]
    losers = [outcome for outcome in outcomes if outcome is not None]
    assert len(winners) == 1
    assert len(losers) == 1
    assert isinstance(losers[0], StaleVersion)
    assert await _names(uow_factory) == winners


async def test_of_two_inserts_of_the_same_name_exactly_one_wins(uow_factory: UnitOfWorkFactory) -> None:
    async def create(name: str) -> None:
        async with uow_factory() as uow:
            await uow.repository(Department).add(department(name=name))
            await asyncio.sleep(0.05)
            await uow.commit()

    outcomes = await _race(create("Sales"), create("SALES"))
    losers = [outcome for outcome in outcomes if outcome is not None]
    assert len(losers) == 1
    assert isinstance(losers[0], Conflict)
    assert losers[0].field == "name"
    assert len(await _names(uow_factory)) == 1


async def test_a_unit_of_work_works_only_inside_its_block(uow_factory: UnitOfWorkFactory) -> None:
    uow = uow_factory()
    with pytest.raises(RuntimeError):
        uow.repository(Department)
    async with uow:
        await uow.repository(Department).add(department(name="Sales"))
        await uow.commit()
    with pytest.raises(RuntimeError):
        uow.repository(Department)
    assert await _names(uow_factory) == ["Sales"]
