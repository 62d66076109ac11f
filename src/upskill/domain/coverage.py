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


Holders = Mapping[UUID, Mapping[Level, Sequence[UUID]]]
"""Per competency, per current level, the ids of the employees who hold that level in it."""


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
    staff: dict[UUID, int] = {}  # id → how many times the inputs list the employee
    for e in employees:
        if e.department_id == department_id and e.is_current(today):
            staff[e.id] = staff.get(e.id, 0) + 1
    return holders_coverage(department_id, requirements, holders_of(staff, levels))


def holders_of(staff: Mapping[UUID, int], levels: Levels) -> dict[UUID, dict[Level, list[UUID]]]:
    """`Holders` of `levels` among `staff` (id → how many times to count the employee)."""
    held: dict[UUID, dict[Level, list[UUID]]] = {}
    for (employee_id, competency_id), level in levels.items():
        times = staff.get(employee_id)
        if times and level is not None:
            held.setdefault(competency_id, {}).setdefault(level, []).extend([employee_id] * times)
    return held


def holders_coverage(
    department_id: UUID, requirements: Iterable[Requirement], holders: Holders
) -> list[RequirementCoverage]:
    """Coverage of every requirement that applies to the department, given who of its current
    staff holds which level (`Holders`); ordered as `department_coverage`. `covered_by` is sorted
    by id. Costs what it shows: the holders of the required competencies, not the staff."""
    applicable = sorted((r for r in requirements if applies_to(r, department_id)), key=_requirement_order)
    result = []
    for requirement in applicable:
        needed = requirement.level.rank
        ids: list[UUID] = []
        for level, holding in holders.get(requirement.competency_id, {}).items():
            if level.rank >= needed:
                ids.extend(holding)
        ids.sort()
        result.append(
            RequirementCoverage(
                requirement=requirement,
                covered=len(ids),
                gap=max(0, requirement.headcount - len(ids)),
                covered_by=tuple(ids),
            )
        )
    return result


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
