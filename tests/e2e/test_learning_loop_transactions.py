"""On PostgreSQL, a write and what it causes are one transaction: when the database refuses
the caused write (a trigger stands in for any failure there), the causing write is gone too —
a validation without its achieved plan, a completion without its evidence never commit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest

from adapters.postgres.database import Database
from tests.e2e.conftest import connect
from tests.factories import course, enrollment
from tests.unit.services.training_world import TODAY, TrainingWorld
from upskill.domain.competency import Level
from upskill.domain.errors import DomainError
from upskill.domain.plans import Plan
from upskill.domain.training import Assessment, Enrollment, EnrollmentStatus

pytestmark = pytest.mark.postgres


@pytest.fixture
async def org(db: Database) -> TrainingWorld:
    return await TrainingWorld(storage=db.unit_of_work).setup()


@pytest.fixture
async def refuse(module_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection to install refusing triggers on (removed afterwards)."""
    conn = await connect(module_url)
    await conn.execute(
        "CREATE OR REPLACE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$"
    )
    try:
        yield conn
    finally:
        await conn.execute("DROP TRIGGER IF EXISTS refuse_plans ON plans")
        await conn.execute("DROP TRIGGER IF EXISTS refuse_evidence ON assessments")
        await conn.close()


async def test_a_validation_does_not_commit_without_the_plan_it_achieves(
    org: TrainingWorld, refuse: asyncpg.Connection
) -> None:
    aim = await org.plans.create(
        org.eng_manager,
        {
            "employee_id": org.alan.id,
            "competency_id": org.python.id,
            "target_level": Level.ADVANCED,
            "due_on": TODAY + timedelta(days=9),
        },
    )
    body = {"employee_id": org.alan.id, "competency_id": org.python.id, "level": Level.EXPERT, "assessed_on": TODAY}
    claim = await org.assessments.create(org.alan_self, body)
    await refuse.execute("CREATE TRIGGER refuse_plans BEFORE UPDATE ON plans FOR EACH ROW EXECUTE FUNCTION refuse()")

    with pytest.raises((DomainError, asyncpg.PostgresError)):
        await org.assessments.validate(org.eng_manager, claim.id)

    assert await org.stored(Assessment) == {claim}
    assert await org.stored(Plan) == {aim}


async def test_a_completion_does_not_commit_without_its_evidence(
    org: TrainingWorld, refuse: asyncpg.Connection
) -> None:
    taught = course((org.python.id, Level.ADVANCED), title="Python Deep Dive")
    started = enrollment(employee_id=org.alan.id, course_id=taught.id, status=EnrollmentStatus.IN_PROGRESS)
    await org.add(taught, started)
    await refuse.execute(
        "CREATE TRIGGER refuse_evidence BEFORE INSERT ON assessments FOR EACH ROW EXECUTE FUNCTION refuse()"
    )

    with pytest.raises((DomainError, asyncpg.PostgresError)):
        await org.enrollments.update(org.alan_self, started.id, {"status": EnrollmentStatus.COMPLETED})

    assert await org.stored(Enrollment) == {started}
    assert await org.stored(Assessment) == set()
