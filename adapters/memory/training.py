"""The TrainingReader port over a unit of work's view of the records (its own writes included)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import TypeVar, cast
from uuid import UUID

from adapters.memory.repository import round_trip
from adapters.memory.view import View
from upskill.domain.competency import Competency, Level
from upskill.domain.coverage import applies_to, claimed_levels, current_levels
from upskill.domain.entity import Entity
from upskill.domain.matrix import MatrixSnapshot, holdings
from upskill.domain.organisation import Department, Employee
from upskill.domain.ports import DepartmentSnapshot, LearningOptions, Standing
from upskill.domain.training import Assessment, Course, Enrollment, Feedback, Requirement

E = TypeVar("E", bound=Entity)


class MemoryTrainingReader:
    """Scans the records; the rules are those of `upskill.domain.coverage`. Each method pays the
    round trips the PostgreSQL reader makes (two, one, one, two), so concurrency tests interleave alike.
    Orders are the PostgreSQL reader's: requirements and employees by id, courses by title then
    id, enrollments and feedback oldest first (created_at, then id)."""

    def __init__(self, view: View) -> None:
        self._view = view

    def _all(self, entity: type[E]) -> list[E]:
        """Every record of `entity`, by id."""
        return sorted(cast(list[E], list(self._view.records(entity))), key=lambda r: r.id)

    def _oldest_first(self, entity: type[E]) -> list[E]:
        return sorted(self._all(entity), key=lambda r: (r.created_at, r.id))

    async def department_snapshot(self, department_id: UUID, today: date) -> DepartmentSnapshot | None:
        await round_trip()
        department = self._view.find(Department, department_id)
        if not isinstance(department, Department):
            return None
        requirements = tuple(r for r in self._all(Requirement) if applies_to(r, department_id))
        employees = tuple(e for e in self._all(Employee) if e.department_id == department_id and e.is_current(today))
        await round_trip()
        staff = {e.id for e in employees}
        needed = {r.competency_id for r in requirements}
        history = (a for a in self._all(Assessment) if a.employee_id in staff and a.competency_id in needed)
        return DepartmentSnapshot(department, requirements, employees, current_levels(history, today))

    async def current_levels(self, employee_id: UUID, today: date) -> Mapping[UUID, Level]:
        await round_trip()
        history = (a for a in self._all(Assessment) if a.employee_id == employee_id)
        return {competency_id: level for (_, competency_id), level in current_levels(history, today).items()}

    async def standing(self, employee_id: UUID, today: date) -> Standing:
        await round_trip()
        history = [a for a in self._all(Assessment) if a.employee_id == employee_id]
        return Standing(
            current={competency_id: level for (_, competency_id), level in current_levels(history, today).items()},
            claimed={competency_id: level for (_, competency_id), level in claimed_levels(history, today).items()},
        )

    async def learning_options(self, employee_id: UUID, competency_ids: Collection[UUID]) -> LearningOptions:
        await round_trip()
        wanted = set(competency_ids)
        taught = (c for c in self._all(Course) if any(cover.competency_id in wanted for cover in c.covers))
        courses = tuple(sorted(taught, key=lambda c: (c.title, c.id)))
        await round_trip()
        enrollments = tuple(e for e in self._oldest_first(Enrollment) if e.employee_id == employee_id)
        feedback = tuple(f for f in self._oldest_first(Feedback) if f.subject_id == employee_id and f.score is not None)
        return LearningOptions(courses, enrollments, feedback)

    async def department_matrix(self, department_id: UUID, today: date) -> MatrixSnapshot | None:
        snapshot = await self.department_snapshot(department_id, today)  # two round trips, as PostgreSQL's
        if snapshot is None:
            return None
        needed = {r.competency_id for r in snapshot.requirements}
        names = {c.id: c.name for c in self._all(Competency) if c.id in needed}
        staff = {e.id for e in snapshot.employees}
        history = (a for a in self._all(Assessment) if a.employee_id in staff and a.competency_id in needed)
        return MatrixSnapshot(
            snapshot.department, snapshot.requirements, names, snapshot.employees, holdings(history, today)
        )
