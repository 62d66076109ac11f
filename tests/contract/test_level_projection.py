"""The current-level projection (`competency_levels` on PostgreSQL, `MemoryStore.levels`) always
equals what the assessment history says, after any sequence of assessment writes — created,
re-levelled, re-dated, validated, rejected, moved to another competency, deleted, their employee
moved to another department, several in one transaction or one each — on each storage adapter:

- the projected rows themselves: per (employee, competency), the latest validated and the
  latest proposed assessment of the history (and, on PostgreSQL, the employee's department);
- the reads built on it, on several days around the world's day (expiry and assessments dated
  later are decided by date at read time): the department snapshot's holders against
  `coverage.current_levels` and the matrix's holdings against `matrix.holdings` of the history.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.memory import MemoryStore
from adapters.postgres.database import Database
from tests.conftest import CURSOR_SECRET
from tests.contract.test_training_properties import _persist_world, _truncate
from tests.unit.domain.test_coverage_properties import COMPETENCIES, DEPARTMENTS, World, worlds
from upskill.domain.competency import Level
from upskill.domain.coverage import applies_to, current_levels
from upskill.domain.matrix import holdings
from upskill.domain.organisation import Employee
from upskill.domain.ports import UnitOfWorkFactory
from upskill.domain.training import Assessment, AssessmentStatus

BOUNDED = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
Pair = tuple[UUID, UUID]


@st.composite
def writes(draw: st.DrawFn, world: World) -> list[list[tuple[str, int, object]]]:
    """Batches (one transaction each) of (what, which assessment by position, the new value)."""
    if not world.assessments:
        return []
    change = st.one_of(
        st.tuples(st.just("status"), st.integers(0, 99), st.sampled_from(list(AssessmentStatus))),
        st.tuples(st.just("level"), st.integers(0, 99), st.sampled_from(list(Level))),
        st.tuples(st.just("days"), st.integers(0, 99), st.tuples(st.integers(-6, 6), st.none() | st.integers(1, 9))),
        st.tuples(st.just("competency"), st.integers(0, 99), st.sampled_from(COMPETENCIES)),
        st.tuples(st.just("delete"), st.integers(0, 99), st.none()),
        st.tuples(st.just("move"), st.integers(0, 99), st.sampled_from(DEPARTMENTS)),  # an employee
    )
    return draw(st.lists(st.lists(change, min_size=1, max_size=3), max_size=6))


def _changed(before: Assessment, what: str, value: object) -> Assessment:
    if what == "status":
        return replace(before, status=value)
    if what == "level":
        return replace(before, level=value)
    if what == "competency":
        return replace(before, competency_id=value)
    shift, lasting = value  # type: ignore[misc]
    assessed = before.assessed_on + timedelta(days=shift)
    return replace(before, assessed_on=assessed, expires_on=None if lasting is None else assessed + timedelta(lasting))


async def _apply(
    uow_factory: UnitOfWorkFactory, world: World, batches: list[list[tuple[str, int, object]]]
) -> tuple[list[Assessment], list[Employee]]:
    """Applies the batches through the repositories; the history and the staff as they then are."""
    alive = sorted(a.id for a in world.assessments)
    people = sorted(e.id for e in world.employees)
    for batch in batches:
        async with uow_factory() as uow:
            repository = uow.repository(Assessment)
            for what, position, value in batch:
                if what == "move":
                    employee = await uow.repository(Employee).get(people[position % len(people)])
                    moved = replace(employee, department_id=value)
                    await uow.repository(Employee).update(moved, expected_version=employee.version)
                    continue
                if not alive:
                    break
                target = await repository.get(alive[position % len(alive)])
                if what == "delete":
                    await repository.delete(target.id, expected_version=target.version)
                    alive.remove(target.id)
                else:
                    await repository.update(_changed(target, what, value), expected_version=target.version)
            await uow.commit()
    async with uow_factory() as uow:
        history = [await uow.repository(Assessment).get(id) for id in alive]
        staff = [await uow.repository(Employee).get(id) for id in people]
    return history, staff


def _latest(history: list[Assessment]) -> dict[Pair, tuple[UUID | None, UUID | None]]:
    """Per pair, the ids of the latest validated and the latest proposed assessment (any day)."""
    found: dict[Pair, dict[AssessmentStatus, Assessment]] = {}
    for a in history:
        if a.status is AssessmentStatus.REJECTED:
            continue
        mine = found.setdefault((a.employee_id, a.competency_id), {})
        known = mine.get(a.status)
        if known is None or (a.assessed_on, a.created_at, a.id) > (known.assessed_on, known.created_at, known.id):
            mine[a.status] = a
    return {
        key: tuple(
            None if (x := by.get(s)) is None else x.id for s in (AssessmentStatus.VALIDATED, AssessmentStatus.PROPOSED)
        )
        for key, by in found.items()
    }  # type: ignore[misc]


async def _projected_rows(
    storage: MemoryStore | Database, staff: list[Employee]
) -> dict[Pair, tuple[UUID | None, UUID | None]]:
    if isinstance(storage, MemoryStore):
        return {
            key: (
                None if row.validated is None else row.validated.id,
                None if row.proposed is None else row.proposed.id,
            )
            for key, row in storage.levels.pairs.items()
        }
    async with storage.unit_of_work() as uow:
        connection = (await uow.connection()).connection
        rows = await connection.fetch(
            "SELECT employee_id, competency_id, department_id, assessment_id, claim_id FROM competency_levels"
        )
    departments = {e.id: e.department_id for e in staff}
    assert {r["employee_id"]: r["department_id"] for r in rows} == {
        r["employee_id"]: departments[r["employee_id"]] for r in rows
    }  # kept through moves
    return {(r["employee_id"], r["competency_id"]): (r["assessment_id"], r["claim_id"]) for r in rows}


async def _check(storage: MemoryStore | Database, world: World, batches: list[list[tuple[str, int, object]]]) -> None:
    uow_factory: UnitOfWorkFactory = storage.unit_of_work
    await _persist_world(uow_factory, world)
    history, people = await _apply(uow_factory, world, batches)
    assert await _projected_rows(storage, people) == _latest(history)
    for shift in (-7, -1, 0, 1, 7):
        day = world.today + timedelta(days=shift)
        for department_id in DEPARTMENTS:
            staff = {e.id for e in people if e.department_id == department_id and e.is_current(day)}
            needed = {r.competency_id for r in world.requirements if applies_to(r, department_id)}
            mine = [a for a in history if a.employee_id in staff and a.competency_id in needed]
            async with uow_factory() as uow:
                snapshot = await uow.training.department_snapshot(department_id, day)
                matrix = await uow.training.department_matrix(department_id, day)
            assert snapshot is not None
            assert matrix is not None
            held = {(e, c): lv for c, by_level in snapshot.holders.items() for lv, ids in by_level.items() for e in ids}
            assert held == current_levels(mine, day), (department_id, day)
            assert dict(matrix.holdings) == holdings(mine, day), (department_id, day)


@settings(BOUNDED, max_examples=100)
@given(data=st.data(), world=worlds())
async def test_the_memory_projection_equals_the_history(data: st.DataObject, world: World) -> None:
    await _check(MemoryStore(cursor_secret=CURSOR_SECRET), world, data.draw(writes(world)))


@pytest.mark.postgres
@settings(BOUNDED, max_examples=30)
@given(data=st.data(), world=worlds())
async def test_the_postgres_projection_equals_the_history(pg: Database, data: st.DataObject, world: World) -> None:
    await _truncate(pg)
    await _check(pg, world, data.draw(writes(world)))
