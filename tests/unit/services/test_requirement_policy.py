"""RequirementPolicy through CrudService: who reads and writes which requirements, asserted on
what is stored afterwards."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import requirement
from tests.unit.services.training_world import TrainingWorld, ids
from upskill.domain.competency import Level
from upskill.domain.errors import Forbidden, NotFound
from upskill.domain.principal import Principal
from upskill.domain.query import ListQuery
from upskill.domain.training import Requirement


@dataclass(frozen=True)
class Needs:
    eng: Requirement
    ops: Requirement
    company_wide: Requirement


@pytest.fixture
async def needs(org: TrainingWorld) -> Needs:
    made = Needs(
        requirement(competency_id=org.python.id, department_id=org.eng.id),
        requirement(competency_id=org.python.id, department_id=org.ops.id),
        requirement(competency_id=org.sql.id),
    )
    await org.add(made.eng, made.ops, made.company_wide)
    return made


async def _visible(org: TrainingWorld, principal: Principal) -> set[object]:
    return {r.id for r in (await org.requirements.list(principal, ListQuery(limit=200))).items}


async def test_who_reads_which_requirements(org: TrainingWorld, needs: Needs) -> None:
    everything = ids(needs.eng, needs.ops, needs.company_wide)
    assert await _visible(org, org.admin) == everything
    assert await _visible(org, org.ops_manager) == everything
    assert await _visible(org, org.alan_self) == ids(needs.eng, needs.company_wide)
    assert await _visible(org, org.linus_self) == ids(needs.ops, needs.company_wide)
    assert await _visible(org, org.unlinked) == set()
    with pytest.raises(NotFound):
        await org.requirements.get(org.alan_self, needs.ops.id)
    assert await org.requirements.get(org.alan_self, needs.company_wide.id) == needs.company_wide


async def test_a_manager_writes_their_own_departments_requirements(org: TrainingWorld, needs: Needs) -> None:
    body = {"department_id": org.eng.id, "competency_id": org.sql.id, "level": Level.EXPERT, "headcount": 2}
    created = await org.requirements.create(org.eng_manager, body)
    changed = await org.requirements.update(org.eng_manager, needs.eng.id, {"headcount": 4})
    await org.requirements.delete(org.eng_manager, created.id)
    assert changed.headcount == 4
    assert await org.stored(Requirement) == {changed, needs.ops, needs.company_wide}


async def test_a_manager_may_not_touch_other_or_company_wide_requirements(org: TrainingWorld, needs: Needs) -> None:
    before = await org.stored(Requirement)
    for department_id in (org.ops.id, None):
        body = {"department_id": department_id, "competency_id": org.sql.id, "level": Level.EXPERT, "headcount": 1}
        with pytest.raises(Forbidden):
            await org.requirements.create(org.eng_manager, body)
    for other in (needs.ops, needs.company_wide):
        with pytest.raises(Forbidden):
            await org.requirements.update(org.eng_manager, other.id, {"headcount": 9})
        with pytest.raises(Forbidden):
            await org.requirements.delete(org.eng_manager, other.id)
    with pytest.raises(Forbidden):  # moving one's own requirement away
        await org.requirements.update(org.eng_manager, needs.eng.id, {"department_id": org.ops.id})
    assert await org.stored(Requirement) == before


async def test_employees_only_read_requirements(org: TrainingWorld, needs: Needs) -> None:
    before = await org.stored(Requirement)
    body = {"department_id": org.eng.id, "competency_id": org.sql.id, "level": Level.BASIC, "headcount": 1}
    with pytest.raises(Forbidden):
        await org.requirements.create(org.alan_self, body)
    with pytest.raises(Forbidden):
        await org.requirements.update(org.alan_self, needs.eng.id, {"headcount": 9})
    with pytest.raises(NotFound):
        await org.requirements.delete(org.unlinked, needs.eng.id)
    assert await org.stored(Requirement) == before


async def test_the_admin_writes_every_requirement(org: TrainingWorld, needs: Needs) -> None:
    body = {"department_id": None, "competency_id": org.python.id, "level": Level.EXPERT, "headcount": 1}
    created = await org.requirements.create(org.admin, body)
    await org.requirements.delete(org.admin, needs.ops.id)
    assert await org.stored(Requirement) == {needs.eng, needs.company_wide, created}
