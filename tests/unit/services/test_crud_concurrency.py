"""CrudService: concurrent use cases on one store behave like concurrent transactions."""

from __future__ import annotations

import asyncio

from upskill.domain.errors import Conflict, StaleVersion
from upskill.domain.organisation import Department
from upskill.domain.principal import SYSTEM
from upskill.domain.query import ListQuery
from upskill.services.crud import CrudService


async def test_of_twenty_concurrent_creates_of_one_name_exactly_one_succeeds(
    departments: CrudService[Department],
) -> None:
    names = [("Sales", "SALES", "sales", "sAlEs")[i % 4] for i in range(20)]
    outcomes = await asyncio.gather(
        *(departments.create(SYSTEM, {"name": name}) for name in names), return_exceptions=True
    )
    created = [o for o in outcomes if isinstance(o, Department)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(created), len(refused)) == (1, 19)
    assert all(error.field == "name" for error in refused)
    page = await departments.list(SYSTEM, ListQuery(with_total=True))
    assert (list(page.items), page.total) == (created, 1)


async def test_of_concurrent_patches_from_one_version_exactly_one_succeeds(
    departments: CrudService[Department],
) -> None:
    original = await departments.create(SYSTEM, {"name": "Sales"})
    outcomes = await asyncio.gather(
        *(departments.update(SYSTEM, original.id, {"description": f"v{i}"}, expected_version=1) for i in range(5)),
        return_exceptions=True,
    )
    updated = [o for o in outcomes if isinstance(o, Department)]
    assert len(updated) == 1
    assert sum(isinstance(o, StaleVersion) for o in outcomes) == 4
    assert await departments.get(SYSTEM, original.id) == updated[0]
    assert updated[0].version == 2
