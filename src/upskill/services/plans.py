"""Development plans through the generic stack, with the rules CRUD cannot say: a plan starts
active, in the future and not yet met; its status changes only as `plans.PLAN_TRANSITIONS`
allows; it is achieved by the write that makes the employee's level reach it (`achieve_in`, in
that write's transaction); and one call plans every current gap of an employee (`from_gaps`).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from upskill.domain.competency import Level
from upskill.domain.errors import FieldError, InvariantViolation
from upskill.domain.ids import Clock, IdFactory
from upskill.domain.organisation import Employee
from upskill.domain.plans import Plan, PlanStatus, check_plan_transition, targets_from_gaps
from upskill.domain.policy import EVERYTHING, Action, Policy
from upskill.domain.ports import UnitOfWork, UnitOfWorkFactory
from upskill.domain.principal import Principal
from upskill.domain.query import Filter, ListQuery, Op, SortKey
from upskill.domain.resource import Resource
from upskill.services.crud import CrudService, find_visible, in_transaction
from upskill.services.training import gaps_of

FINAL_FIELDS = frozenset({"employee_id", "competency_id", "target_level", "due_on"})
"""What no longer changes once a plan is achieved or cancelled (its note still may)."""
PAGE = 200


class PlanService(CrudService[Plan]):
    def __init__(
        self,
        resource: Resource[Plan],
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdFactory,
        policy: Policy[Plan],
        *,
        employees: Policy[Employee],
    ) -> None:
        super().__init__(resource, uow, clock, ids, policy)
        self._employees = employees

    async def prepare(self, principal: Principal, values: dict[str, object], *, creating: bool) -> dict[str, object]:
        if creating:
            values["created_by"] = principal.employee_id
        return values

    async def amend(
        self, uow: UnitOfWork, principal: Principal, before: Plan | None, values: dict[str, object]
    ) -> dict[str, object]:
        """A new plan is active and due today or later (a later change may date it back: the
        day it was really due); a status change must be a transition a caller may make; an
        achieved or cancelled plan keeps its aim and day."""
        if before is None:
            if values.get("status", PlanStatus.ACTIVE) is not PlanStatus.ACTIVE:
                raise _invalid("status", "a new plan is active")
            due_on = values.get("due_on")
            if isinstance(due_on, date) and due_on < self.today():
                raise _invalid("due_on", "must not be in the past")
            return values
        check_plan_transition(before.status, PlanStatus(str(values.get("status", before.status))))
        frozen = sorted(k for k in FINAL_FIELDS & values.keys() if values[k] != getattr(before, k))
        if not before.is_active and frozen:
            raise _invalid(frozen[0], f"cannot change once the plan is {before.status}")
        return values

    def action(self, before: Plan | None, after: Plan | None) -> str:
        """A plan becoming achieved is `achieved`."""
        moved = before is not None and after is not None and before.status != after.status
        if moved and after is not None and after.status is PlanStatus.ACHIEVED:
            return "achieved"
        return super().action(before, after)

    async def check(self, uow: UnitOfWork, principal: Principal, before: Plan | None, after: Plan) -> None:
        """A plan cannot be made, or re-aimed, at a target the employee already meets."""
        aimed = before is None or any(
            getattr(before, k) != getattr(after, k) for k in ("employee_id", "competency_id", "target_level")
        )
        if after.is_active and aimed:
            levels = await uow.training.current_levels(after.employee_id, self.today())
            current = levels.get(after.competency_id)
            if after.is_met_by(current):
                raise _invalid(
                    "target_level", f"is already met: the employee's current level in the competency is {current}"
                )

    async def achieve_in(
        self, uow: UnitOfWork, principal: Principal, employee_id: UUID, competency_id: UUID, level: Level | None
    ) -> list[Plan]:
        """In the caller's transaction: the employee's active plans in the competency that a
        current level of `level` meets, achieved today. Called by the writes that may raise a
        validated level; the principal is whoever made that write."""
        achieved = []
        for plan in await self._active(uow, employee_id, competency_id):
            if plan.is_met_by(level):
                achieved.append(
                    await self.change_in(
                        uow,
                        principal,
                        plan,
                        {"status": PlanStatus.ACHIEVED, "achieved_on": self.today()},
                        authorize=False,
                    )
                )
        return achieved

    async def from_gaps(
        self, principal: Principal, employee_id: UUID, *, due_on: date, note: str | None = None
    ) -> list[Plan]:
        """An active plan for each competency of the employee's current gaps (target: the
        highest level a gap asks for), except those with an active plan already; in the order
        of the gaps. Authorized as each plan would be (as a plan for that employee when there is
        nothing to plan). Raises NotFound for an employee the caller may not read."""
        today = self.today()
        if due_on < today:
            raise _invalid("due_on", "must not be in the past")

        async def work(uow: UnitOfWork) -> list[Plan]:
            employee = await find_visible(uow, self._employees, principal, Employee, employee_id)
            gaps = await gaps_of(uow, employee, today)
            planned = {p.competency_id for p in await self._active(uow, employee_id)}
            targets = targets_from_gaps(gaps, planned)
            base: dict[str, object] = {"employee_id": employee_id, "due_on": due_on, "note": note}
            base["created_by"] = principal.employee_id
            if not targets:  # nothing to plan: still only for those who may plan for this employee
                probe = self.new_record({**base, "competency_id": employee_id, "target_level": Level.BASIC})
                await self.policy.authorize(uow, principal, Action.CREATE, None, probe)
                return []
            created = [
                await self.add_in(
                    uow, principal, self.new_record({**base, "competency_id": t.competency_id, "target_level": t.level})
                )
                for t in targets
            ]
            await uow.commit()
            return created

        return await in_transaction(self._uow, work)

    async def _active(self, uow: UnitOfWork, employee_id: UUID, competency_id: UUID | None = None) -> list[Plan]:
        filters = [Filter("employee_id", Op.EQ, employee_id), Filter("status", Op.EQ, PlanStatus.ACTIVE)]
        if competency_id is not None:
            filters.append(Filter("competency_id", Op.EQ, competency_id))
        found: list[Plan] = []
        cursor: str | None = None
        while True:
            query = ListQuery(tuple(filters), (SortKey("id"),), PAGE, cursor)
            page = await uow.repository(Plan).page(query, EVERYTHING)
            found += page.items
            if page.next_cursor is None:
                return found
            cursor = page.next_cursor


def _invalid(field: str, message: str) -> InvariantViolation:
    return InvariantViolation(f"{field} {message}.", entity="Plan", field=field, errors=[FieldError(field, message)])
