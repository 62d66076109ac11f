"""Development plans: achievement, overdue, the changes a caller may make, targets from gaps."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from upskill.domain.competency import Level
from upskill.domain.coverage import Gap
from upskill.domain.errors import InvalidTransition, InvariantViolation
from upskill.domain.plans import Plan, PlanStatus, check_plan_transition, targets_from_gaps

from .factories import T0, requirement

TODAY = date(2024, 6, 1)


def plan(**overrides: object) -> Plan:
    values: dict[str, object] = {
        "id": uuid4(),
        "created_at": T0,
        "updated_at": T0,
        "employee_id": uuid4(),
        "competency_id": uuid4(),
        "target_level": Level.ADVANCED,
        "due_on": TODAY,
    }
    return Plan(**(values | overrides))  # type: ignore[arg-type]


def test_a_target_is_met_at_its_level_or_above() -> None:
    aim = plan(target_level=Level.INTERMEDIATE)
    assert [aim.is_met_by(level) for level in (None, *Level)] == [False, False, True, True, True]


def test_overdue_is_an_active_plan_past_its_day() -> None:
    assert not plan(due_on=TODAY).is_overdue(TODAY)
    assert plan(due_on=date(2024, 5, 31)).is_overdue(TODAY)
    assert not plan(due_on=date(2024, 5, 31)).achieve(TODAY).is_overdue(TODAY)
    assert not plan(due_on=date(2024, 5, 31), status=PlanStatus.CANCELLED).is_overdue(TODAY)


def test_achieved_exactly_with_its_day() -> None:
    done = plan().achieve(TODAY)
    assert (done.status, done.achieved_on) == (PlanStatus.ACHIEVED, TODAY)
    with pytest.raises(InvariantViolation):
        plan(status=PlanStatus.ACHIEVED)
    with pytest.raises(InvariantViolation):
        plan(achieved_on=TODAY)


def test_a_caller_cancels_an_active_plan_and_nothing_else() -> None:
    check_plan_transition(PlanStatus.ACTIVE, PlanStatus.CANCELLED)
    check_plan_transition(PlanStatus.CANCELLED, PlanStatus.CANCELLED)  # no change
    for current, requested in [
        (PlanStatus.ACTIVE, PlanStatus.ACHIEVED),
        (PlanStatus.CANCELLED, PlanStatus.ACTIVE),
        (PlanStatus.ACHIEVED, PlanStatus.ACTIVE),
        (PlanStatus.ACHIEVED, PlanStatus.CANCELLED),
    ]:
        with pytest.raises(InvalidTransition):
            check_plan_transition(current, requested)


def test_targets_are_one_per_competency_at_the_highest_level_asked() -> None:
    python, sql, k8s = uuid4(), uuid4(), uuid4()
    gaps = [
        Gap(requirement=requirement(competency_id=python, level=Level.INTERMEDIATE), current=None, shortfall=1),
        Gap(requirement=requirement(competency_id=sql, level=Level.BASIC), current=None, shortfall=2),
        Gap(requirement=requirement(competency_id=python, level=Level.EXPERT), current=None, shortfall=1),
        Gap(requirement=requirement(competency_id=k8s, level=Level.ADVANCED), current=Level.BASIC, shortfall=1),
    ]

    targets = targets_from_gaps(gaps, planned=[sql])

    assert [(t.competency_id, t.level) for t in targets] == [(python, Level.EXPERT), (k8s, Level.ADVANCED)]
    assert targets_from_gaps([], planned=[]) == []
