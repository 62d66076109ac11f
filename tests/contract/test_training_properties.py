"""TrainingService.coverage, .gaps, .competencies (current and claimed levels) and .matrix, on each
storage adapter, agree with a brute-force oracle on random small organisations persisted
through the repositories: departments, employees hired and leaving on random days, assessment
histories (validated, proposed, rejected) with expiries and same-moment ties, own and
company-wide requirements.

The worlds and the oracle of current levels and coverage are those of the pure-function
properties (tests/unit/domain/test_coverage_properties.py); the gaps oracle below adds the
service's rule that an employee not employed on the day has no gaps.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import text

from adapters.memory import MemoryStore
from adapters.postgres.database import Database
from tests.conftest import CURSOR_SECRET
from tests.unit.domain.factories import T0 as STAMP
from tests.unit.domain.test_coverage_properties import (
    COMPETENCIES,
    DEPARTMENTS,
    World,
    oracle_claim,
    oracle_coverage,
    oracle_level,
    position,
    worlds,
)
from tests.unit.domain.test_matrix_properties import as_oracle, oracle_matrix
from upskill.domain.competency import Competency
from upskill.domain.entity import Entity
from upskill.domain.organisation import Department
from upskill.domain.ports import UnitOfWorkFactory
from upskill.domain.principal import SYSTEM
from upskill.services.access import DepartmentPolicy, EmployeePolicy
from upskill.services.training import TrainingService

WINDOW = 5
BOUNDED = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


def _catalogue() -> list[Entity]:
    departments = [
        Department(id=id, created_at=STAMP, updated_at=STAMP, name=f"D{i}") for i, id in enumerate(DEPARTMENTS)
    ]
    competencies = [
        Competency(id=id, created_at=STAMP, updated_at=STAMP, name=f"C{i}") for i, id in enumerate(COMPETENCIES)
    ]
    return [*departments, *competencies]


async def _persist_world(uow_factory: UnitOfWorkFactory, world: World) -> None:
    async with uow_factory() as uow:
        for record in (*_catalogue(), *world.employees, *world.requirements, *world.assessments):
            await uow.repository(type(record)).add(record)
        await uow.commit()


def oracle_gaps(world: World, employee_id: UUID) -> list[tuple[UUID, int, str | None]]:
    """(requirement id, shortfall, current level) of each gap, in coverage order."""
    employee = next(e for e in world.employees if e.id == employee_id)
    if not (employee.hired_on <= world.today and (employee.left_on is None or world.today < employee.left_on)):
        return []
    by_id = {r.id: r for r in world.requirements}
    gaps = []
    for requirement_id, _covered, gap, _holders in oracle_coverage(world, employee.department_id):
        held = oracle_level(world, employee_id, by_id[requirement_id].competency_id)
        if gap > 0 and position(by_id[requirement_id].level.value) > position(held):
            gaps.append((requirement_id, gap, held))
    return gaps


async def _check(uow_factory: UnitOfWorkFactory, world: World) -> None:
    await _persist_world(uow_factory, world)
    clock = FixedClock(datetime.combine(world.today, time(12), UTC))
    service = TrainingService(uow_factory, clock, departments=DepartmentPolicy(), employees=EmployeePolicy())
    for department_id in DEPARTMENTS:
        coverage = await service.coverage(SYSTEM, department_id)
        got = [(c.requirement.id, c.covered, c.gap, c.covered_by) for c in coverage.requirements]
        assert (coverage.department.id, coverage.on) == (department_id, world.today)
        assert got == oracle_coverage(world, department_id)
        assert {c.requirement for c in coverage.requirements} <= set(world.requirements)
        matrix = await service.matrix(SYSTEM, department_id, expiring_within_days=WINDOW)
        assert as_oracle(matrix) == oracle_matrix(world, department_id, WINDOW)
        covered = {c.requirement.id: (c.covered, c.gap) for c in coverage.requirements}
        for column in matrix.columns:  # the columns agree with coverage on the same day
            assert (column.covered, column.gap) == covered[column.requirement.id]
    for employee in world.employees:
        gaps = await service.gaps(SYSTEM, employee.id)
        got_gaps = [(g.requirement.id, g.shortfall, None if g.current is None else g.current.value) for g in gaps.gaps]
        assert got_gaps == oracle_gaps(world, employee.id)
        standing = await service.competencies(SYSTEM, employee.id)
        assert standing.on == world.today
        assert {c: lvl.value for c, lvl in standing.levels.items()} == {
            c: lvl for c in COMPETENCIES if (lvl := oracle_level(world, employee.id, c)) is not None
        }
        assert {c: lvl.value for c, lvl in standing.claimed.items()} == {
            c: lvl for c in COMPETENCIES if (lvl := oracle_claim(world, employee.id, c)) is not None
        }


@settings(BOUNDED, max_examples=100)
@given(world=worlds())
async def test_memory_coverage_and_gaps_match_the_oracle(world: World) -> None:
    await _check(MemoryStore(cursor_secret=CURSOR_SECRET).unit_of_work, world)


async def _truncate(pg: Database) -> None:
    async with pg.engine.begin() as connection:
        names = (
            await connection.execute(
                text(
                    "SELECT quote_ident(tablename) FROM pg_tables "
                    "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            )
        ).scalars()
        await connection.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))


@pytest.mark.postgres
@settings(BOUNDED, max_examples=30)
@given(world=worlds())
async def test_postgres_coverage_and_gaps_match_the_oracle(pg: Database, world: World) -> None:
    await _truncate(pg)
    await _check(pg.unit_of_work, world)
