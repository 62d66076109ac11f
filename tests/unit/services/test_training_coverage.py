"""TrainingService: a department's coverage and an employee's gaps, and who may see them."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest

from tests.factories import assessment, employee, requirement
from tests.unit.services.training_world import TODAY, TrainingWorld
from upskill.domain.competency import Level
from upskill.domain.errors import Forbidden, NotFound
from upskill.domain.principal import SYSTEM, Principal


async def _needs(org: TrainingWorld) -> None:
    """Engineering needs two advanced Pythonistas and (company-wide) one SQL expert; Ada is an
    advanced Pythonista, Alan a basic one whose advanced assessment expired."""
    await org.add(
        requirement(competency_id=org.python.id, department_id=org.eng.id, level=Level.ADVANCED, headcount=2),
        requirement(competency_id=org.sql.id, level=Level.EXPERT),
        assessment(employee_id=org.ada.id, competency_id=org.python.id, level=Level.ADVANCED),
        assessment(employee_id=org.alan.id, competency_id=org.python.id, level=Level.BASIC),
        assessment(
            employee_id=org.alan.id,
            competency_id=org.python.id,
            level=Level.ADVANCED,
            assessed_on=date(2024, 1, 1),
            expires_on=TODAY,
        ),
    )


async def test_coverage_counts_current_holders_and_the_gap(org: TrainingWorld) -> None:
    await _needs(org)
    result = await org.training.coverage(org.admin, org.eng.id)
    assert (result.department, result.on) == (org.eng, TODAY)
    rows = [(r.requirement.competency_id, r.covered, r.gap, r.covered_by) for r in result.requirements]
    python_row, sql_row = sorted(rows, key=lambda row: row[0] != org.python.id)
    assert python_row == (org.python.id, 1, 1, (org.ada.id,))
    assert sql_row == (org.sql.id, 0, 1, ())


async def test_the_admin_sees_every_departments_coverage(org: TrainingWorld) -> None:
    await _needs(org)
    ops = await org.training.coverage(org.admin, org.ops.id)
    assert [r.requirement.competency_id for r in ops.requirements] == [org.sql.id]  # the company-wide one
    with pytest.raises(NotFound):
        await org.training.coverage(org.admin, uuid4())


@pytest.mark.parametrize("caller", ["eng_manager", "alan_self"])
async def test_members_see_their_own_departments_coverage(org: TrainingWorld, caller: str) -> None:
    await _needs(org)
    principal: Principal = getattr(org, caller)
    assert len((await org.training.coverage(principal, org.eng.id)).requirements) == 2


async def test_a_manager_may_not_see_another_readable_departments_coverage(org: TrainingWorld) -> None:
    with pytest.raises(Forbidden):
        await org.training.coverage(org.eng_manager, org.ops.id)
    with pytest.raises(NotFound):
        await org.training.coverage(org.eng_manager, uuid4())


async def test_an_employee_does_not_learn_that_another_department_exists(org: TrainingWorld) -> None:
    with pytest.raises(NotFound):
        await org.training.coverage(org.alan_self, org.ops.id)
    with pytest.raises(NotFound):
        await org.training.coverage(org.alan_self, uuid4())


async def test_a_caller_without_an_employee_sees_no_coverage(org: TrainingWorld) -> None:
    for department_id in (org.eng.id, org.ops.id):
        with pytest.raises(NotFound):
            await org.training.coverage(org.unlinked, department_id)


async def test_gaps_are_open_requirements_above_the_employees_level(org: TrainingWorld) -> None:
    await _needs(org)
    alan = await org.training.gaps(org.admin, org.alan.id)
    assert (alan.employee, alan.on) == (org.alan, TODAY)
    assert [(g.competency_id, g.level, g.current, g.shortfall) for g in alan.gaps] == sorted(
        [(org.python.id, Level.ADVANCED, Level.BASIC, 1), (org.sql.id, Level.EXPERT, None, 1)],
        key=lambda gap: gap[0],
    )
    ada = await org.training.gaps(org.admin, org.ada.id)
    assert [(g.competency_id, g.current) for g in ada.gaps] == [(org.sql.id, None)]


async def test_an_employee_not_employed_today_has_no_gaps(org: TrainingWorld) -> None:
    await _needs(org)
    left = employee(department_id=org.eng.id, hired_on=date(2020, 1, 1), left_on=TODAY)
    future = employee(department_id=org.eng.id, hired_on=TODAY + timedelta(days=1))
    await org.add(left, future)
    assert (await org.training.gaps(SYSTEM, left.id)).gaps == []
    assert (await org.training.gaps(SYSTEM, future.id)).gaps == []


async def test_gaps_are_shown_to_whoever_may_read_the_employee(org: TrainingWorld) -> None:
    await _needs(org)
    assert (await org.training.gaps(org.eng_manager, org.alan.id)).employee == org.alan
    assert (await org.training.gaps(org.alan_self, org.alan.id)).employee == org.alan
    for principal, hidden in (
        (org.eng_manager, org.grace.id),
        (org.alan_self, org.ada.id),
        (org.unlinked, org.alan.id),
    ):
        with pytest.raises(NotFound):
            await org.training.gaps(principal, hidden)
    with pytest.raises(NotFound):
        await org.training.gaps(org.admin, uuid4())


async def test_current_competencies_of_an_employee(org: TrainingWorld) -> None:
    await _needs(org)
    seen = await org.training.competencies(org.alan_self, org.alan.id)
    assert (seen.employee, seen.levels) == (org.alan, {org.python.id: Level.BASIC})
    with pytest.raises(NotFound):
        await org.training.competencies(org.alan_self, org.ada.id)
