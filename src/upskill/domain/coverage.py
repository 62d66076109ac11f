"""Where a department falls short: current levels, coverage of requirements, employees' gaps.

Pure functions over plain inputs; the caller loads the records and passes `today`. Every
result is in a documented, deterministic order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from upskill.domain.competency import Level
from upskill.domain.organisation import Employee
from upskill.domain.training import Assessment, AssessmentStatus, Requirement

LevelKey = tuple[UUID, UUID]
"""(employee_id, competency_id)."""

Levels = Mapping[LevelKey, Level]
"""Current level per (employee, competency); a missing key means not assessed (below basic)."""


def rank(level: Level | None) -> int:
    """The order of a level; 0 for "not assessed", which is below basic."""
    return 0 if level is None else level.rank


def current_levels(assessments: Iterable[Assessment], today: date) -> dict[LevelKey, Level]:
    """The current level of each assessed (employee, competency): that of the latest
    *validated* assessment valid on `today` (proposed and rejected ones never count). Valid =
    `assessed_on` ≤ today < `expires_on` (the expiry day itself no longer counts; an assessment
    dated after today does not count yet). Latest = greatest `assessed_on`, ties broken by
    `created_at`, then `id`. An expired latest assessment does not hide an older one that is
    still valid; pairs with no valid validated assessment are absent."""
    return {key: a.level for key, a in latest_valid(assessments, today, AssessmentStatus.VALIDATED).items()}


def claimed_levels(assessments: Iterable[Assessment], today: date) -> dict[LevelKey, Level]:
    """The claimed level of each (employee, competency) that has one: that of the latest
    *proposed* assessment valid on `today`, when it is newer (by `assessed_on`, `created_at`,
    `id`) than the assessment behind the current level, or there is no current level. Shown
    beside the current level, never counted."""
    history = list(assessments)
    current = latest_valid(history, today, AssessmentStatus.VALIDATED)
    claims = latest_valid(history, today, AssessmentStatus.PROPOSED)
    return {key: claim.level for key, claim in claims.items() if is_newer(claim, current.get(key))}


def is_newer(assessment: Assessment, than: Assessment | None) -> bool:
    """Later by (`assessed_on`, `created_at`, `id`) than `than`, or `than` is None."""
    return than is None or _recency(assessment) > _recency(than)


def latest_valid(
    assessments: Iterable[Assessment], today: date, status: AssessmentStatus
) -> dict[LevelKey, Assessment]:
    """Per (employee, competency), the latest assessment of `status` valid on `today`."""
    latest: dict[LevelKey, Assessment] = {}
    for assessment in assessments:
        if assessment.status is not status or not assessment.is_valid(today):
            continue
        key = (assessment.employee_id, assessment.competency_id)
        known = latest.get(key)
        if known is None or _recency(assessment) > _recency(known):
            latest[key] = assessment
    return latest


def _recency(assessment: Assessment) -> tuple[date, datetime, UUID]:
    return (assessment.assessed_on, assessment.created_at, assessment.id)


@dataclass(frozen=True, slots=True, kw_only=True)
class RequirementCoverage:
    """How far one requirement is met in one department: `covered` current employees hold the
    level or above (`covered_by`, sorted by id); `gap` = max(0, headcount - covered)."""

    requirement: Requirement
    covered: int
    gap: int
    covered_by: tuple[UUID, ...]

    @property
    def is_open(self) -> bool:
        return self.gap > 0


def applies_to(requirement: Requirement, department_id: UUID) -> bool:
    """A requirement applies to its own department and, when company-wide, to every one."""
    return requirement.department_id is None or requirement.department_id == department_id


def department_coverage(
    department_id: UUID,
    requirements: Iterable[Requirement],
    employees: Iterable[Employee],
    levels: Levels,
    today: date,
) -> list[RequirementCoverage]:
    """Coverage of every requirement that applies to the department, counting its employees
    who are current on `today` (`Employee.is_current`). Inputs may hold other departments'
    records; they are ignored. Ordered by competency id, then required level (lowest first),
    then the department's own before company-wide, then requirement id."""
    applicable = sorted((r for r in requirements if applies_to(r, department_id)), key=_requirement_order)
    staff: dict[UUID, int] = {}  # id → how many times the inputs list the employee
    for e in employees:
        if e.department_id == department_id and e.is_current(today):
            staff[e.id] = staff.get(e.id, 0) + 1
    held = _held(staff, {r.competency_id for r in applicable}, levels)
    result = []
    for requirement in applicable:
        needed = requirement.level.rank
        covered_by = tuple(e for e, level in held[requirement.competency_id] if level >= needed)
        result.append(
            RequirementCoverage(
                requirement=requirement,
                covered=len(covered_by),
                gap=max(0, requirement.headcount - len(covered_by)),
                covered_by=covered_by,
            )
        )
    return result


def _held(staff: Mapping[UUID, int], competencies: set[UUID], levels: Levels) -> dict[UUID, list[tuple[UUID, int]]]:
    """Per competency, the (employee id, rank) of each staff member's current level in it, sorted
    (an employee listed n times is there n times). Not assessed (rank 0) is left out: no required
    level is below basic. Reads `levels` once, or looks each pair up when that is fewer reads."""
    held: dict[UUID, list[tuple[UUID, int]]] = {c: [] for c in competencies}
    if len(levels) <= len(staff) * len(competencies):
        for (employee_id, competency_id), level in levels.items():
            holders = held.get(competency_id)
            if holders is not None and level is not None and employee_id in staff:
                holders.extend([(employee_id, level.rank)] * staff[employee_id])
    else:
        for employee_id, times in staff.items():
            for competency_id in competencies:
                current = levels.get((employee_id, competency_id))
                if current is not None:
                    held[competency_id].extend([(employee_id, current.rank)] * times)
    for holders in held.values():
        holders.sort()
    return held


def _requirement_order(requirement: Requirement) -> tuple[UUID, int, bool, UUID]:
    return (requirement.competency_id, requirement.level.rank, requirement.department_id is None, requirement.id)


@dataclass(frozen=True, slots=True, kw_only=True)
class Gap:
    """An open requirement of the employee's department above the employee's `current` level
    (None = not assessed). `shortfall` is the requirement's department-wide gap (people)."""

    requirement: Requirement
    current: Level | None
    shortfall: int

    @property
    def competency_id(self) -> UUID:
        return self.requirement.competency_id

    @property
    def level(self) -> Level:
        """The level the requirement asks for."""
        return self.requirement.level


def employee_gaps(employee: Employee, coverage: Sequence[RequirementCoverage], levels: Levels) -> list[Gap]:
    """The employee's gaps, in the order of `coverage`, which must be that of the employee's
    department (as `department_coverage` returns it) on the same day as `levels`."""
    gaps = []
    for item in coverage:
        current = levels.get((employee.id, item.requirement.competency_id))
        if item.is_open and item.requirement.level.rank > rank(current):
            gaps.append(Gap(requirement=item.requirement, current=current, shortfall=item.gap))
    return gaps
