"""The TrainingReader port over a unit of work's view of the records (its own writes included)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import TypeVar, cast
from uuid import UUID

from adapters.memory.levels import LevelProjection, Pair
from adapters.memory.repository import round_trip
from adapters.memory.staging import Staging
from upskill.domain.competency import Competency, Level
from upskill.domain.coverage import applies_to, claimed_levels, current_levels, holders_of
from upskill.domain.entity import Entity
from upskill.domain.matrix import Holding, MatrixSnapshot, holdings
from upskill.domain.organisation import Department, Employee
from upskill.domain.ports import DepartmentSnapshot, LearningOptions, Standing
from upskill.domain.training import Assessment, Course, Enrollment, Feedback, Requirement

E = TypeVar("E", bound=Entity)


class MemoryTrainingReader:
    """Scans the records; the rules are those of `upskill.domain.coverage`. Each method pays the
    round trips the PostgreSQL reader makes (two, one, one, two), so concurrency tests interleave alike.
    Orders are the PostgreSQL reader's: requirements and employees by id, courses by title then
    id, enrollments and feedback oldest first (created_at, then id)."""

    def __init__(self, view: Staging, levels: LevelProjection) -> None:
        self._view = view
        self._levels = levels

    def _projected(self) -> bool:
        """Whether the committed projection answers: not when this unit of work has written
        assessments (its reads see its own writes; the projection is kept on commit)."""
        return not self._view.writes(Assessment)

    def _all(self, entity: type[E]) -> list[E]:
        """Every record of `entity`, by id."""
        return sorted(cast(list[E], list(self._view.records(entity))), key=lambda r: r.id)

    def _oldest_first(self, entity: type[E]) -> list[E]:
        return sorted(self._all(entity), key=lambda r: (r.created_at, r.id))

    async def department_snapshot(
        self, department_id: UUID, today: date, employee_id: UUID | None = None
    ) -> DepartmentSnapshot | None:
        await round_trip()
        department = self._view.find(Department, department_id)
        if not isinstance(department, Department):
            return None
        requirements = tuple(r for r in self._all(Requirement) if applies_to(r, department_id))
        staff = self._staff(department_id, today)
        await round_trip()
        needed = {r.competency_id for r in requirements}
        levels = {key: held.level for key, held in self._holdings(staff, needed, today).items() if held.level}
        own = {competency_id: level for (who, competency_id), level in levels.items() if who == employee_id}
        return DepartmentSnapshot(department, requirements, holders_of(dict.fromkeys(staff, 1), levels), own)

    def _staff(self, department_id: UUID, today: date) -> list[UUID]:
        return [e.id for e in self._all(Employee) if e.department_id == department_id and e.is_current(today)]

    def _holdings(self, staff: Collection[UUID], needed: Collection[UUID], today: date) -> dict[Pair, Holding]:
        """The staff's holdings in the needed competencies: from the projection, or from the
        history when this unit of work wrote assessments."""
        if not self._projected():
            members, wanted = set(staff), set(needed)
            history = (a for a in self._all(Assessment) if a.employee_id in members and a.competency_id in wanted)
            return holdings(history, today)
        found: dict[Pair, Holding] = {}
        for employee_id in staff:
            for competency_id in needed:
                key = (employee_id, competency_id)
                current = self._levels.current(key, today)
                claim = self._levels.claim(key, today, current)
                if current is not None or claim is not None:
                    found[key] = Holding(
                        None if current is None else current.level,
                        None if current is None else current.expires_on,
                        None if claim is None else claim.level,
                    )
        return found

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
        await round_trip()
        department = self._view.find(Department, department_id)
        if not isinstance(department, Department):
            return None
        requirements = tuple(r for r in self._all(Requirement) if applies_to(r, department_id))
        needed = {r.competency_id for r in requirements}
        names = {c.id: c.name for c in self._all(Competency) if c.id in needed}
        await round_trip()
        staff = tuple(e for e in self._all(Employee) if e.department_id == department_id and e.is_current(today))
        found = self._holdings([e.id for e in staff], needed, today)
        return MatrixSnapshot(department, requirements, names, staff, found)
