"""Typed factories: each returns a valid entity with unique text values; every field can be
overridden by keyword. `persist` commits entities through a unit of work."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from upskill.domain.competency import Competency
from upskill.domain.entity import Entity
from upskill.domain.ids import UUIDv7Factory
from upskill.domain.organisation import Department, Employee
from upskill.domain.ports import UnitOfWorkFactory

BASE_TIME = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
BASE_DATE = date(2020, 1, 1)

_ids = UUIDv7Factory()
_serial = itertools.count(1)


def _stamp(n: int) -> datetime:
    return BASE_TIME + timedelta(seconds=n)


def department(
    *,
    name: str | None = None,
    description: str | None = None,
    id: UUID | None = None,
    version: int = 1,
    created_at: datetime | None = None,
    updated_at: datetime | None = None,
) -> Department:
    n = next(_serial)
    created = created_at or _stamp(n)
    return Department(
        id=id or _ids.new(),
        version=version,
        created_at=created,
        updated_at=updated_at or created,
        name=f"Department {n}" if name is None else name,
        description=description,
    )


def competency(
    *,
    name: str | None = None,
    description: str | None = None,
    category: str | None = None,
    id: UUID | None = None,
    version: int = 1,
    created_at: datetime | None = None,
    updated_at: datetime | None = None,
) -> Competency:
    n = next(_serial)
    created = created_at or _stamp(n)
    return Competency(
        id=id or _ids.new(),
        version=version,
        created_at=created,
        updated_at=updated_at or created,
        name=f"Competency {n}" if name is None else name,
        description=description,
        category=category,
    )


def employee(
    *,
    department_id: UUID,
    full_name: str | None = None,
    email: str | None = None,
    job_title: str | None = None,
    manager_id: UUID | None = None,
    hired_on: date | None = None,
    left_on: date | None = None,
    id: UUID | None = None,
    version: int = 1,
    created_at: datetime | None = None,
    updated_at: datetime | None = None,
) -> Employee:
    n = next(_serial)
    created = created_at or _stamp(n)
    return Employee(
        id=id or _ids.new(),
        version=version,
        created_at=created,
        updated_at=updated_at or created,
        full_name=f"Employee {n}" if full_name is None else full_name,
        email=f"employee{n}@example.com" if email is None else email,
        job_title=job_title,
        department_id=department_id,
        manager_id=manager_id,
        hired_on=hired_on or BASE_DATE + timedelta(days=n),
        left_on=left_on,
    )


async def persist(uow_factory: UnitOfWorkFactory, *entities: Entity) -> None:
    """Add `entities` in order (referenced ones first) in one committed unit of work."""
    async with uow_factory() as uow:
        for entity in entities:
            await uow.repository(type(entity)).add(entity)
        await uow.commit()
