"""The use cases that make the service worth calling: a department's coverage, an employee's
current competencies, gaps and explained course recommendations (DOMAIN.md, "Business rules").

Each is one read-only unit of work with a fixed number of store round trips; the rules
themselves are the pure functions of `upskill.domain.coverage` and `upskill.domain.recommend`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from upskill.domain.competency import Level
from upskill.domain.coverage import Gap, RequirementCoverage, employee_gaps, holders_coverage
from upskill.domain.errors import Forbidden, NotFound
from upskill.domain.ids import Clock
from upskill.domain.matrix import DEFAULT_WINDOW_DAYS, Matrix, check_window, skills_matrix
from upskill.domain.organisation import Department, Employee
from upskill.domain.policy import Policy
from upskill.domain.ports import DepartmentSnapshot, UnitOfWork, UnitOfWorkFactory
from upskill.domain.principal import Principal, Role
from upskill.domain.recommend import DEFAULT_LIMIT, DEFAULT_WEIGHTS, Recommendation, Weights, recommend
from upskill.services.crud import find_visible


@dataclass(frozen=True, slots=True)
class DepartmentCoverage:
    department: Department
    on: date
    requirements: list[RequirementCoverage]


@dataclass(frozen=True, slots=True)
class EmployeeCompetencies:
    """`levels`: the current (validated) level per competency; `claimed`: the level of a
    proposed assessment newer than that, per competency that has one."""

    employee: Employee
    on: date
    levels: dict[UUID, Level]
    claimed: dict[UUID, Level]


@dataclass(frozen=True, slots=True)
class EmployeeGaps:
    employee: Employee
    on: date
    gaps: list[Gap]


@dataclass(frozen=True, slots=True)
class Recommendations:
    employee: Employee
    on: date
    weights: Weights
    items: list[Recommendation]


class TrainingService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        departments: Policy[Department],
        employees: Policy[Employee],
    ) -> None:
        self._uow, self._clock = uow, clock
        self._departments, self._employees = departments, employees

    async def coverage(self, principal: Principal, department_id: UUID) -> DepartmentCoverage:
        """The admin sees every department's coverage, others their own department's only:
        Forbidden for another department they may read, NotFound for one they may not."""
        today = self._today()
        async with self._uow() as uow:
            if not principal.is_admin and principal.department_id != department_id:
                await find_visible(uow, self._departments, principal, Department, department_id)
                raise Forbidden("Coverage is shown for your own department only.", entity="Department")
            snapshot = await uow.training.department_snapshot(department_id, today)
        if snapshot is None:
            raise NotFound(f"Department {department_id} does not exist.", entity="Department", id=department_id)
        return DepartmentCoverage(snapshot.department, today, _coverage(snapshot))

    async def competencies(self, principal: Principal, employee_id: UUID) -> EmployeeCompetencies:
        today = self._today()
        async with self._uow() as uow:
            employee = await find_visible(uow, self._employees, principal, Employee, employee_id)
            standing = await uow.training.standing(employee_id, today)
        return EmployeeCompetencies(employee, today, dict(standing.current), dict(standing.claimed))

    async def gaps(self, principal: Principal, employee_id: UUID) -> EmployeeGaps:
        today = self._today()
        async with self._uow() as uow:
            employee, gaps = await self._gaps(uow, principal, employee_id, today)
        return EmployeeGaps(employee, today, gaps)

    async def recommendations(
        self,
        principal: Principal,
        employee_id: UUID,
        *,
        weights: Weights = DEFAULT_WEIGHTS,
        limit: int = DEFAULT_LIMIT,
    ) -> Recommendations:
        """Raises InvariantViolation for bad weights (negative, all zero) or limit."""
        weights.normalised()  # validates before any I/O
        today = self._today()
        async with self._uow() as uow:
            employee, gaps = await self._gaps(uow, principal, employee_id, today)
            options = await uow.training.learning_options(employee_id, {g.competency_id for g in gaps})
        levels = {(employee.id, g.competency_id): g.current for g in gaps if g.current is not None}
        items = recommend(
            employee, gaps, levels, options.courses, options.enrollments, options.feedback, weights, limit
        )
        return Recommendations(employee, today, weights, items)

    async def _gaps(
        self, uow: UnitOfWork, principal: Principal, employee_id: UUID, today: date
    ) -> tuple[Employee, list[Gap]]:
        employee = await find_visible(uow, self._employees, principal, Employee, employee_id)
        return employee, await gaps_of(uow, employee, today)

    async def matrix(
        self,
        principal: Principal,
        department_id: UUID,
        *,
        on: date | None = None,
        expiring_within_days: int = DEFAULT_WINDOW_DAYS,
    ) -> Matrix:
        """The department's skills matrix on `on` (today when None). The admin sees any
        department's, a manager their own department's: Forbidden for another department the
        caller may read (an employee's own too), NotFound for one they may not. Raises
        InvariantViolation for a window outside 0…365 days (before any I/O)."""
        check_window(expiring_within_days)
        day = on if on is not None else self._today()
        async with self._uow().for_reading() as uow:
            own = principal.role is Role.MANAGER and principal.employee_id is not None
            if not principal.is_admin and not (own and principal.department_id == department_id):
                await find_visible(uow, self._departments, principal, Department, department_id)
                raise Forbidden("The skills matrix is shown to managers for their own department.", entity="Department")
            snapshot = await uow.training.department_matrix(department_id, day)
        if snapshot is None:
            raise NotFound(f"Department {department_id} does not exist.", entity="Department", id=department_id)
        return skills_matrix(snapshot, day, expiring_within_days)

    def _today(self) -> date:
        return self._clock.now().date()


async def gaps_of(uow: UnitOfWork, employee: Employee, today: date) -> list[Gap]:
    """The employee's gaps on `today` (none once they have left), read in `uow`: the snapshot
    of their department (two statements)."""
    if not employee.is_current(today):
        return []
    snapshot = await uow.training.department_snapshot(employee.department_id, today, employee.id)
    if snapshot is None:
        return []
    levels = {(employee.id, competency_id): level for competency_id, level in snapshot.own.items()}
    return employee_gaps(employee, _coverage(snapshot), levels)


def _coverage(snapshot: DepartmentSnapshot) -> list[RequirementCoverage]:
    return holders_coverage(snapshot.department.id, snapshot.requirements, snapshot.holders)
