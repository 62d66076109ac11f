"""Who may do what (DOMAIN.md, "Who may do what"), one policy per resource.

Reads are scopes the store applies in its query, for lists and single records alike; a
record outside the caller's scope answers NotFound (ids cannot be probed). A write to a record
the caller may read but not change is Forbidden. "Own department" is the department of the
employee linked to the caller's user; a caller with no linked employee sees only the catalogue
and their own user.
"""

from __future__ import annotations

import dataclasses
from typing import Generic, TypeVar
from uuid import UUID

from upskill.domain.entity import Entity
from upskill.domain.errors import Forbidden
from upskill.domain.identity import User
from upskill.domain.organisation import Department, Employee
from upskill.domain.plans import Plan
from upskill.domain.policy import EVERYTHING, NOTHING, Action, Related, Scope
from upskill.domain.ports import UnitOfWork
from upskill.domain.principal import Principal, Role
from upskill.domain.query import Filter, Op
from upskill.domain.training import Assessment, Enrollment, EnrollmentStatus, Feedback, Requirement

E = TypeVar("E", bound=Entity)

SELF_ENROLLMENT_FIELDS = frozenset({"status", "completed_on", "version", "updated_at"})
"""What an employee's own change to their enrollment may touch: its status (start, complete,
drop), the completion day that comes with completing, and the bookkeeping of any write."""


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


def changed_fields(before: Entity, after: Entity) -> set[str]:
    return {f.name for f in dataclasses.fields(before) if getattr(before, f.name) != getattr(after, f.name)}


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
    their department, an employee reads their own. What anyone may write about themself is
    `about_self`'s to say."""

    field: str = "employee_id"

    def read_scope(self, principal: Principal) -> Scope:
        if principal.is_admin:
            return EVERYTHING
        if is_manager(principal):
            return in_department(self.field, principal.department_id)
        return only(self.field, principal.employee_id)

    def about_self(self, principal: Principal, action: Action, before: E | None, after: E | None) -> bool:
        """Whether a manager or an employee may make this write to a record about themself
        (asked only then). By default a manager may, as for anyone of their department; an
        employee may not."""
        return is_manager(principal)

    async def authorize(
        self, uow: UnitOfWork, principal: Principal, action: Action, before: E | None, after: E | None
    ) -> None:
        if principal.is_admin:
            return
        records = [r for r in (before, after) if r is not None]
        subjects = {getattr(r, self.field) for r in records}
        others = subjects - {principal.employee_id}
        allowed = True
        if len(others) < len(subjects):  # (also) about the caller themself
            allowed = self.about_self(principal, action, before, after)
        if allowed and others:
            allowed = is_manager(principal) and all(
                [await department_of(uow, s) == principal.department_id for s in others]
            )
        if not allowed:
            raise forbid(principal, action, records[0] if records else None)


class AssessmentPolicy(DepartmentRecords[Assessment]):
    """About themself, anyone linked to an employee records a self-assessment (which the
    service makes proposed) and nothing more: a manager's own level is changed or removed by
    another manager of the department or an admin, like anyone's."""

    def about_self(
        self, principal: Principal, action: Action, before: Assessment | None, after: Assessment | None
    ) -> bool:
        return action is Action.CREATE


class EnrollmentPolicy(DepartmentRecords[Enrollment]):
    """An employee enrols themself (`planned`) and starts, completes or drops their own
    enrollments: a change of status (and of the completion day with it), nothing else."""

    def about_self(
        self, principal: Principal, action: Action, before: Enrollment | None, after: Enrollment | None
    ) -> bool:
        if is_manager(principal):
            return True
        if action is Action.CREATE:
            return after is not None and after.status is EnrollmentStatus.PLANNED
        if action is Action.UPDATE and before is not None and after is not None:
            return before.status != after.status and changed_fields(before, after) <= SELF_ENROLLMENT_FIELDS
        return False


class PlanPolicy(DepartmentRecords[Plan]):
    """Managers (own department) and the admin create, change and cancel plans; employees
    read their own."""


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
