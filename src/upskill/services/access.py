"""Who may do what (DOMAIN.md, "Who may do what"), one policy per resource.

Reads are scopes the store applies in its query, for lists and single records alike; a
record outside the caller's scope answers NotFound (ids cannot be probed). A write to a record
the caller may read but not change is Forbidden. "Own department" is the department of the
employee linked to the caller's user; a caller with no linked employee sees only the catalogue
and their own user.
"""

from __future__ import annotations

from typing import Generic, TypeVar
from uuid import UUID

from upskill.domain.entity import Entity
from upskill.domain.errors import Forbidden
from upskill.domain.identity import User
from upskill.domain.organisation import Department, Employee
from upskill.domain.policy import EVERYTHING, NOTHING, Action, Related, Scope
from upskill.domain.ports import UnitOfWork
from upskill.domain.principal import Principal, Role
from upskill.domain.query import Filter, Op
from upskill.domain.training import Assessment, Enrollment, Feedback, Requirement

E = TypeVar("E", bound=Entity)


def only(field: str, value: UUID | None) -> Scope:
    """Records whose `field` equals `value`; none when there is no value to match."""
    return NOTHING if value is None else Scope(filters=(Filter(field, Op.EQ, value),))


def in_department(field: str, department_id: UUID | None) -> Scope:
    """Records whose employee (`field`) works in the department."""
    if department_id is None:
        return NOTHING
    return Scope(filters=(Related(field, Employee, (Filter("department_id", Op.EQ, department_id),)),))


def forbid(principal: Principal, action: Action, record: Entity | None) -> Forbidden:
    label = record.label if record is not None else "record"
    return Forbidden(f"A {principal.role} may not {action} this {label.lower()}.", entity=label)


def is_manager(principal: Principal) -> bool:
    return principal.role is Role.MANAGER and principal.employee_id is not None


async def department_of(uow: UnitOfWork, employee_id: UUID) -> UUID | None:
    employee = await uow.repository(Employee).find(employee_id)
    return None if employee is None else employee.department_id


class AdminWrites(Generic[E]):
    """Writes are the admin's; subclasses say who reads what."""

    def read_scope(self, principal: Principal) -> Scope:
        return EVERYTHING

    async def authorize(
        self, uow: UnitOfWork, principal: Principal, action: Action, before: E | None, after: E | None
    ) -> None:
        if not principal.is_admin:
            raise forbid(principal, action, before if before is not None else after)


class CataloguePolicy(AdminWrites[E]):
    """Competencies and courses: everyone reads, the admin writes."""


class DepartmentPolicy(AdminWrites[Department]):
    def read_scope(self, principal: Principal) -> Scope:
        if principal.is_admin or is_manager(principal):
            return EVERYTHING
        return only("id", principal.department_id if principal.employee_id else None)


class EmployeePolicy(AdminWrites[Employee]):
    def read_scope(self, principal: Principal) -> Scope:
        if principal.is_admin:
            return EVERYTHING
        if is_manager(principal):
            return only("department_id", principal.department_id)
        return only("id", principal.employee_id)


class UserPolicy(AdminWrites[User]):
    """The admin manages users; everyone else reads their own (and changes their password
    through the authentication routes)."""

    def read_scope(self, principal: Principal) -> Scope:
        return EVERYTHING if principal.is_admin else only("id", principal.user_id)


class RequirementPolicy:
    """Everyone with a department reads its requirements (company-wide ones included);
    managers write their own department's, the admin all."""

    def read_scope(self, principal: Principal) -> Scope:
        if principal.is_admin or is_manager(principal):
            return EVERYTHING
        if principal.employee_id is None or principal.department_id is None:
            return NOTHING
        return Scope(
            either=((Filter("department_id", Op.EQ, principal.department_id),), (Filter("department_id", Op.EQ, None),))
        )

    async def authorize(
        self,
        uow: UnitOfWork,
        principal: Principal,
        action: Action,
        before: Requirement | None,
        after: Requirement | None,
    ) -> None:
        if principal.is_admin:
            return
        own = is_manager(principal) and all(
            r is None or (r.department_id is not None and r.department_id == principal.department_id)
            for r in (before, after)
        )
        if not own:
            raise forbid(principal, action, before if before is not None else after)


class DepartmentRecords(Generic[E]):
    """Records about one employee (`field`): the admin reads and writes all, a manager those of
    their department, an employee reads their own (and writes them if `self_writes`)."""

    field: str = "employee_id"
    self_writes: bool = False

    def read_scope(self, principal: Principal) -> Scope:
        if principal.is_admin:
            return EVERYTHING
        if is_manager(principal):
            return in_department(self.field, principal.department_id)
        return only(self.field, principal.employee_id)

    async def authorize(
        self, uow: UnitOfWork, principal: Principal, action: Action, before: E | None, after: E | None
    ) -> None:
        if principal.is_admin:
            return
        records = [r for r in (before, after) if r is not None]
        subjects = {getattr(r, self.field) for r in records}
        if is_manager(principal):
            allowed = all([await department_of(uow, s) == principal.department_id for s in subjects])
        else:
            allowed = self.self_writes and subjects == {principal.employee_id}
        if not allowed:
            raise forbid(principal, action, records[0] if records else None)


class AssessmentPolicy(DepartmentRecords[Assessment]):
    pass


class EnrollmentPolicy(DepartmentRecords[Enrollment]):
    self_writes = True


class FeedbackPolicy:
    """Anyone linked to an employee gives feedback (as its author). The admin reads all, a
    manager what is about their department, an employee what they received or gave. Only the
    author (or the admin) changes or deletes it."""

    def read_scope(self, principal: Principal) -> Scope:
        if principal.is_admin:
            return EVERYTHING
        if is_manager(principal):
            return in_department("subject_id", principal.department_id)
        if principal.employee_id is None:
            return NOTHING
        mine = principal.employee_id
        return Scope(either=((Filter("subject_id", Op.EQ, mine),), (Filter("author_id", Op.EQ, mine),)))

    async def authorize(
        self,
        uow: UnitOfWork,
        principal: Principal,
        action: Action,
        before: Feedback | None,
        after: Feedback | None,
    ) -> None:
        if principal.is_admin and action is not Action.CREATE:
            return
        authors = {r.author_id for r in (before, after) if r is not None}
        if principal.employee_id is None or authors != {principal.employee_id}:
            raise forbid(principal, action, before if before is not None else after)
