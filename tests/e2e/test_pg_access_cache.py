"""The access gate remembers a live caller for at most a second and forgets as soon as access
may have changed: at once in the process that committed the change, within milliseconds in
every other (LISTEN/NOTIFY), and within the second for a change made behind the service's
back. While it is not listening it remembers nothing."""

from __future__ import annotations

import asyncio
import importlib
import re
import time
from collections.abc import AsyncIterator

import pytest

from adapters.postgres.access_gate import PostgresAccessGate
from adapters.postgres.database import Database
from adapters.postgres.executor import ACCESS_COLUMNS
from tests.contract.test_access_gate import NOW, Caller, _caller
from tests.e2e.conftest import CURSOR_SECRET, connect
from tests.factories import department, persist
from upskill.domain.ids import SystemClock, UUIDv7Factory
from upskill.domain.organisation import Employee
from upskill.domain.principal import SYSTEM, Principal
from upskill.domain.resources import EMPLOYEES
from upskill.services.crud import CrudService


async def _listening(db: Database, caller: Caller) -> Principal | None:
    """Ask until the gate listens (a request starts listening in the background, at most once
    a second after a failure)."""
    gate = db.access_gate()
    found = await gate.principal(caller.claims(), NOW)
    for _ in range(300):
        if gate._listening:
            break
        await asyncio.sleep(0.01)
        found = await gate.principal(caller.claims(), NOW)
    assert gate._listening
    return found


async def _revoke_by_hand(url: str, caller: Caller, *, announced: bool = True) -> None:
    """What an operator's SQL would do (no unit of work); not `announced`: with the database's
    triggers off, as a replica applying a change would."""
    connection = await connect(url)
    try:
        if not announced:
            await connection.execute("SET session_replication_role = replica")
        await connection.execute("UPDATE auth_sessions SET revoked_at = now() WHERE id = $1", caller.session.id)
    finally:
        await connection.close()


async def _forgotten_within(db: Database, caller: Caller, seconds: float) -> float:
    """How long until the gate answers None (fails after `seconds`)."""
    started = time.monotonic()
    while await db.access_gate().principal(caller.claims(), NOW) is not None:
        assert time.monotonic() - started < seconds
        await asyncio.sleep(0.002)
    return time.monotonic() - started


async def _end_listening(gate: PostgresAccessGate, url: str) -> None:
    """The server ends the gate's listening connection (a restart, a terminated backend)."""
    listener = gate._listener
    assert listener is not None
    admin = await connect(url)
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", listener.get_server_pid())
    finally:
        await admin.close()


@pytest.fixture
async def other(module_url: str) -> AsyncIterator[Database]:
    """A second replica on the same database."""
    replica = Database(module_url, cursor_secret=CURSOR_SECRET)
    try:
        yield replica
    finally:
        await replica.dispose()


async def test_an_unannounced_change_is_seen_within_a_second(db: Database, module_url: str) -> None:
    caller = await _caller(db.unit_of_work)
    live = await _listening(db, caller)
    assert live is not None
    assert await db.access_gate().principal(caller.claims(), NOW) == live  # now remembered
    await _revoke_by_hand(module_url, caller, announced=False)

    assert await db.access_gate().principal(caller.claims(), NOW) == live  # not told: remembered
    await asyncio.sleep(1.05)
    assert await db.access_gate().principal(caller.claims(), NOW) is None


async def test_a_change_made_by_hand_is_announced_too(db: Database, module_url: str) -> None:
    caller = await _caller(db.unit_of_work)
    await _listening(db, caller)
    assert await db.access_gate().principal(caller.claims(), NOW) is not None
    await _revoke_by_hand(module_url, caller)

    assert await _forgotten_within(db, caller, 0.5) < 0.5  # the trigger's notification


async def test_a_revocation_committed_here_is_seen_at_once(db: Database) -> None:
    caller = await _caller(db.unit_of_work)
    await _listening(db, caller)
    await db.access_gate().principal(caller.claims(), NOW)
    async with db.unit_of_work() as uow:
        await uow.identity.revoke_session(caller.session.id, NOW)
        await uow.commit()

    assert await db.access_gate().principal(caller.claims(), NOW) is None


async def test_a_move_to_another_department_is_seen_at_once(db: Database) -> None:
    caller = await _caller(db.unit_of_work)
    await _listening(db, caller)
    await db.access_gate().principal(caller.claims(), NOW)
    elsewhere = department(name="Elsewhere")
    async with db.unit_of_work() as uow:
        await uow.repository(type(elsewhere)).add(elsewhere)
        moved = caller.employee.evolve(department_id=elsewhere.id, version=2)
        await uow.repository(Employee).update(moved, expected_version=1)
        await uow.commit()

    found = await db.access_gate().principal(caller.claims(), NOW)
    assert found is not None
    assert found.department_id == elsewhere.id


async def test_through_the_service_a_move_is_forgotten_at_once_and_a_rename_is_not(db: Database) -> None:
    """An update that records its event knows which fields it changed: only one that changes
    a watched column (`ACCESS_COLUMNS`) makes the gate forget."""
    caller = await _caller(db.unit_of_work)
    await _listening(db, caller)
    gate, service = db.access_gate(), CrudService(EMPLOYEES, db.unit_of_work, SystemClock(), UUIDv7Factory())
    await gate.principal(caller.claims(), NOW)
    remembered = gate._generation

    await service.update(SYSTEM, caller.employee.id, {"full_name": "Renamed", "job_title": "Lead"})
    await asyncio.sleep(0.05)  # nor does a notification come
    assert gate._generation == remembered

    elsewhere = department(name="Elsewhere")
    await persist(db.unit_of_work, elsewhere)
    await service.update(SYSTEM, caller.employee.id, {"department_id": elsewhere.id})
    assert gate._generation > remembered
    found = await gate.principal(caller.claims(), NOW)
    assert found is not None
    assert found.department_id == elsewhere.id


def test_the_watched_columns_are_the_ones_the_triggers_watch() -> None:
    triggers = importlib.import_module("adapters.postgres.migrations.versions.0004_access_notifications").TRIGGERS
    watched = {table: frozenset(re.findall(r"(?:OLD|NEW)\.(\w+)", condition)) for table, condition in triggers.items()}
    assert watched == ACCESS_COLUMNS


async def test_a_revocation_on_another_replica_is_seen_within_milliseconds(db: Database, other: Database) -> None:
    caller = await _caller(db.unit_of_work)
    await _listening(other, caller)
    assert await other.access_gate().principal(caller.claims(), NOW) is not None  # remembered there
    async with db.unit_of_work() as uow:
        await uow.identity.revoke_session(caller.session.id, NOW)
        await uow.commit()

    assert await _forgotten_within(other, caller, 0.5) < 0.5  # the notification, not the second's end


async def test_nothing_is_remembered_while_the_gate_is_not_listening(db: Database, module_url: str) -> None:
    caller = await _caller(db.unit_of_work)
    await _listening(db, caller)
    gate = db.access_gate()
    await _end_listening(gate, module_url)
    for _ in range(200):
        if not gate._listening:
            break
        await asyncio.sleep(0.01)
    assert not gate._listening

    await gate.principal(caller.claims(), NOW)
    await _revoke_by_hand(module_url, caller)
    assert await gate.principal(caller.claims(), NOW) is None  # asked the database


async def test_the_gate_listens_again_after_losing_its_connection(db: Database, module_url: str) -> None:
    caller = await _caller(db.unit_of_work)
    await _listening(db, caller)
    gate = db.access_gate()
    await _end_listening(gate, module_url)
    await asyncio.sleep(1.1)  # the retry pause

    assert await _listening(db, caller) is not None
