"""Assessments through the generic stack, with where each level comes from and its review
(DOMAIN.md, "Where a level comes from, and who vouches for it").

The service, never the body, sets `source` and `status` (`review.provenance`; an admin may
record an `import`), and the reviewer of an assessment validated at once (the caller, today).
`validate` and `reject` review a proposed assessment. Every write that may raise a validated
level achieves the plans it meets, in its own transaction.
"""

from __future__ import annotations

from uuid import UUID

from upskill.domain.errors import Forbidden, InvariantViolation, StaleVersion, TransactionConflict
from upskill.domain.ids import Clock, IdFactory
from upskill.domain.policy import Policy
from upskill.domain.ports import UnitOfWork, UnitOfWorkFactory
from upskill.domain.principal import Principal
from upskill.domain.resource import Resource
from upskill.domain.review import may_review, provenance, reviewed
from upskill.domain.training import Assessment, AssessmentSource, AssessmentStatus
from upskill.services.access import department_of
from upskill.services.crud import CrudService, in_transaction
from upskill.services.plans import PlanService


class AssessmentService(CrudService[Assessment]):
    def __init__(
        self,
        resource: Resource[Assessment],
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdFactory,
        policy: Policy[Assessment],
        *,
        plans: PlanService,
    ) -> None:
        super().__init__(resource, uow, clock, ids, policy)
        self._plans = plans

    async def prepare(self, principal: Principal, values: dict[str, object], *, creating: bool) -> dict[str, object]:
        if not creating:
            if "source" in values:
                raise InvariantViolation(
                    "source cannot change: it says where the level came from.", entity="Assessment", field="source"
                )
            return values
        requested = values.pop("source", None)
        employee_id = values["employee_id"]
        assert isinstance(employee_id, UUID)
        assert requested is None or isinstance(requested, AssessmentSource)
        source, status = provenance(principal, employee_id, requested)
        values |= {"source": source, "status": status}
        if source is AssessmentSource.MANAGER:  # validated at once, by the caller
            values |= {"reviewed_by": principal.employee_id, "reviewed_on": self.today()}
        return values

    async def amend(
        self, uow: UnitOfWork, principal: Principal, before: Assessment | None, values: dict[str, object]
    ) -> dict[str, object]:
        if before is not None:
            values.pop("source", None)  # a full replacement (PUT) names it with its default
        return values

    def action(self, before: Assessment | None, after: Assessment | None) -> str:
        """A review is `validated` or `rejected`."""
        moved = before is not None and after is not None and before.status != after.status
        if moved and after is not None and after.status in (AssessmentStatus.VALIDATED, AssessmentStatus.REJECTED):
            return str(after.status.value)
        return super().action(before, after)

    async def written(
        self, uow: UnitOfWork, principal: Principal, before: Assessment | None, after: Assessment | None
    ) -> None:
        """A validated level that may be new: achieve what it meets."""
        if after is not None and after.is_validated:
            levels = await uow.training.current_levels(after.employee_id, self.today())
            await self._plans.achieve_in(
                uow, principal, after.employee_id, after.competency_id, levels.get(after.competency_id)
            )

    async def validate(
        self, principal: Principal, id: UUID, *, note: str | None = None, expected_version: int | None = None
    ) -> Assessment:
        """Validate a proposed assessment: it now counts (and may achieve plans). Raises
        NotFound for one the caller may not read, Forbidden for one they may not review (their
        own, another department's), InvalidTransition unless it is proposed, StaleVersion when
        `expected_version` is not current (a state check comes first: of two reviewers at once,
        one succeeds, the other gets InvalidTransition)."""
        return await self._review(principal, id, AssessmentStatus.VALIDATED, note, expected_version)

    async def reject(
        self, principal: Principal, id: UUID, *, note: str | None = None, expected_version: int | None = None
    ) -> Assessment:
        """Reject a proposed assessment: it stays in the history and never counts. Raises as
        `validate`."""
        return await self._review(principal, id, AssessmentStatus.REJECTED, note, expected_version)

    async def _review(
        self,
        principal: Principal,
        id: UUID,
        outcome: AssessmentStatus,
        note: str | None,
        expected_version: int | None,
    ) -> Assessment:
        today = self.today()

        async def work(uow: UnitOfWork) -> Assessment:
            current = await self._visible(uow, principal, id)
            if not may_review(principal, current, await department_of(uow, current.employee_id)):
                raise Forbidden(
                    "A proposed assessment is reviewed by a manager of the employee's department or an admin, "
                    "never by the assessed employee.",
                    entity="Assessment",
                    id=id,
                )
            after = reviewed(current, outcome, reviewer=principal.employee_id, on=today, note=note)
            self._check_version(current, expected_version)
            changes = {k: getattr(after, k) for k in ("status", "reviewed_by", "reviewed_on", "review_note")}
            try:
                stored = await self.change_in(uow, principal, current, changes, authorize=False)
                await uow.commit()
            except StaleVersion as exc:  # a concurrent review (or edit) won: look again
                raise TransactionConflict(exc.reason, entity=exc.entity, id=exc.id) from exc
            return stored

        return await in_transaction(self._uow, work)
