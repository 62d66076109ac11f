"""CrudService: what a policy hides and what it forbids leaves the store untouched."""

from __future__ import annotations

import pytest

from adapters.memory import MemoryStore
from upskill.domain.errors import Forbidden, NotFound
from upskill.domain.ids import Clock, UUIDv7Factory
from upskill.domain.organisation import Department
from upskill.domain.policy import NOTHING, Action, AllowAll, Policy, Scope
from upskill.domain.ports import UnitOfWork
from upskill.domain.principal import SYSTEM, Principal
from upskill.domain.query import Filter, ListQuery, Op
from upskill.domain.resources import DEPARTMENTS
from upskill.services.crud import CrudService


class SeesOnly(AllowAll[Department]):
    """Sees the department called `name`, and may do anything to it."""

    def __init__(self, name: str) -> None:
        self.name = name

    def read_scope(self, principal: Principal) -> Scope:
        return Scope(filters=(Filter("name", Op.EQ, self.name),))


class SeesNothing(AllowAll[Department]):
    def read_scope(self, principal: Principal) -> Scope:
        return NOTHING


class ReadOnly(AllowAll[Department]):
    async def authorize(
        self,
        uow: UnitOfWork,
        principal: Principal,
        action: Action,
        before: Department | None,
        after: Department | None,
    ) -> None:
        raise Forbidden(f"May not {action} departments.", entity="Department")


def _service(store: MemoryStore, clock: Clock, policy: Policy[Department]) -> CrudService[Department]:
    return CrudService(DEPARTMENTS, store.unit_of_work, clock, UUIDv7Factory(), policy)


async def test_records_outside_the_scope_do_not_exist_for_the_principal(
    departments: CrudService[Department], memory_store: MemoryStore, clock: Clock
) -> None:
    visible = await departments.create(SYSTEM, {"name": "Visible"})
    hidden = await departments.create(SYSTEM, {"name": "Hidden"})
    limited = _service(memory_store, clock, SeesOnly("Visible"))

    page = await limited.list(SYSTEM, ListQuery(with_total=True))
    assert ([d.id for d in page.items], page.total) == ([visible.id], 1)
    assert await limited.get(SYSTEM, visible.id) == visible
    with pytest.raises(NotFound):
        await limited.get(SYSTEM, hidden.id)
    with pytest.raises(NotFound):
        await limited.update(SYSTEM, hidden.id, {"description": "changed"})
    with pytest.raises(NotFound):
        await limited.delete(SYSTEM, hidden.id)
    assert await departments.get(SYSTEM, hidden.id) == hidden


async def test_the_nothing_scope_lists_nothing(
    departments: CrudService[Department], memory_store: MemoryStore, clock: Clock
) -> None:
    await departments.create(SYSTEM, {"name": "Sales"})
    page = await _service(memory_store, clock, SeesNothing()).list(SYSTEM, ListQuery(with_total=True))
    assert (list(page.items), page.next_cursor, page.total) == ([], None, 0)


async def test_forbidden_writes_change_nothing(
    departments: CrudService[Department], memory_store: MemoryStore, clock: Clock
) -> None:
    existing = await departments.create(SYSTEM, {"name": "Sales"})
    read_only = _service(memory_store, clock, ReadOnly())

    with pytest.raises(Forbidden):
        await read_only.create(SYSTEM, {"name": "Ops"})
    with pytest.raises(Forbidden):
        await read_only.update(SYSTEM, existing.id, {"name": "Revenue"})
    with pytest.raises(Forbidden):
        await read_only.delete(SYSTEM, existing.id)

    page = await departments.list(SYSTEM, ListQuery(with_total=True))
    assert (list(page.items), page.total) == ([existing], 1)
    assert await read_only.get(SYSTEM, existing.id) == existing
