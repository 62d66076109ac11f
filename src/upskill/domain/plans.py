"""Development plans: a target level in a competency by a date (DOMAIN.md, "Development plans").

A plan is `active` until the employee's current (validated) level reaches its target — then
`achieved`, by the very write that made it so — or until a manager cancels it. At most one
active plan per (employee, competency); `overdue` is a flag of an active plan past its day,
not a status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from upskill.domain.competency import Level
from upskill.domain.coverage import Gap, rank
from upskill.domain.entity import Entity
from upskill.domain.errors import FieldError, InvalidTransition


class PlanStatus(StrEnum):
    ACTIVE = "active"
    ACHIEVED = "achieved"
    CANCELLED = "cancelled"


PLAN_TRANSITIONS: Mapping[PlanStatus, frozenset[PlanStatus]] = {
    PlanStatus.ACTIVE: frozenset({PlanStatus.CANCELLED}),
    PlanStatus.ACHIEVED: frozenset(),
    PlanStatus.CANCELLED: frozenset(),
}
"""The changes a caller may make. `achieved` is never set by hand: the write that makes the
employee's level reach the target sets it (`achieve`)."""


@dataclass(frozen=True, kw_only=True)
class Plan(Entity):
    """`employee_id` should reach `target_level` in `competency_id` by `due_on`. `created_by`
    is the employee who made it (None for a creator linked to no employee); `achieved_on` is
    set exactly when the plan is achieved."""

    label: ClassVar[str] = "Plan"

    employee_id: UUID
    competency_id: UUID
    target_level: Level
    due_on: date
    status: PlanStatus = PlanStatus.ACTIVE
    note: str | None = None
    created_by: UUID | None = None
    achieved_on: date | None = None

    def check(self) -> list[FieldError]:
        if (self.status is PlanStatus.ACHIEVED) != (self.achieved_on is not None):
            return [FieldError("achieved_on", "is set exactly when the plan is achieved")]
        return []

    @property
    def is_active(self) -> bool:
        return self.status is PlanStatus.ACTIVE

    def is_overdue(self, today: date) -> bool:
        """Active after its due day."""
        return self.is_active and self.due_on < today

    def is_met_by(self, level: Level | None) -> bool:
        """Whether a current level of `level` (None = not assessed) reaches the target."""
        return rank(level) >= self.target_level.rank

    def achieve(self, on: date) -> Plan:
        """The plan achieved on `on` (the caller stores it with a new version)."""
        return self.evolve(status=PlanStatus.ACHIEVED, achieved_on=on)


def check_plan_transition(current: PlanStatus, requested: PlanStatus) -> None:
    """Raises InvalidTransition unless a caller may change `current` to `requested`."""
    if requested == current or requested in PLAN_TRANSITIONS[current]:
        return
    if requested is PlanStatus.ACHIEVED:
        reason = "A plan is achieved when the employee's validated level reaches its target, not by hand."
    else:
        reason = f"A plan cannot go from {current} to {requested}."
    raise InvalidTransition(reason, current=current.value, requested=requested.value, entity="Plan", field="status")


@dataclass(frozen=True, slots=True)
class Target:
    competency_id: UUID
    level: Level


def targets_from_gaps(gaps: Iterable[Gap], planned: Iterable[UUID]) -> list[Target]:
    """One target per competency of the employee's `gaps` — the highest level they ask for —
    leaving out the competencies in `planned` (those with an active plan already); in the order
    the gaps first name each competency."""
    skip = set(planned)
    targets: dict[UUID, Level] = {}
    for gap in gaps:
        if gap.competency_id in skip:
            continue
        known = targets.get(gap.competency_id)
        if known is None or gap.level.rank > known.rank:
            targets[gap.competency_id] = gap.level
    return [Target(competency_id, level) for competency_id, level in targets.items()]
