"""Enrollments through the generic stack, with their lifecycle (DOMAIN.md, "Enrollments have
a lifecycle"): status changes follow `lifecycle.ENROLLMENT_TRANSITIONS` for every caller, the
service sets `assigned_by` and the completion day (today unless given; never in the future),
and a completion records its evidence — proposed `course` assessments — in its own transaction.
"""

from __future__ import annotations

from datetime import date

from upskill.domain.errors import InvariantViolation
from upskill.domain.ids import Clock, IdFactory
from upskill.domain.lifecycle import check_enrollment_transition, course_evidence
from upskill.domain.policy import Policy
from upskill.domain.ports import UnitOfWork, UnitOfWorkFactory
from upskill.domain.principal import Principal
from upskill.domain.resource import Resource
from upskill.domain.training import AssessmentSource, AssessmentStatus, Course, Enrollment, EnrollmentStatus
from upskill.services.assessments import AssessmentService
from upskill.services.crud import CrudService


class EnrollmentService(CrudService[Enrollment]):
    def __init__(
        self,
        resource: Resource[Enrollment],
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdFactory,
        policy: Policy[Enrollment],
        *,
        assessments: AssessmentService,
    ) -> None:
        super().__init__(resource, uow, clock, ids, policy)
        self._assessments = assessments

    async def prepare(self, principal: Principal, values: dict[str, object], *, creating: bool) -> dict[str, object]:
        if creating:
            values["assigned_by"] = principal.employee_id
        return values

    async def amend(
        self, uow: UnitOfWork, principal: Principal, before: Enrollment | None, values: dict[str, object]
    ) -> dict[str, object]:
        """A status change must be a transition; becoming completed sets the day (today unless
        given), which is never in the future."""
        status = EnrollmentStatus(str(values.get("status", before.status if before else EnrollmentStatus.PLANNED)))
        if before is not None:
            check_enrollment_transition(before.status, status)
        completing = status is EnrollmentStatus.COMPLETED and (before is None or before.status != status)
        if completing and values.get("completed_on") is None:
            values["completed_on"] = self.today()
        completed_on = values.get("completed_on")
        if isinstance(completed_on, date) and completed_on > self.today():
            raise InvariantViolation(
                "completed_on must not be in the future.", entity="Enrollment", field="completed_on"
            )
        return values

    def action(self, before: Enrollment | None, after: Enrollment | None) -> str:
        """An enrollment becoming completed is `completed`."""
        moved = before is not None and after is not None and before.status != after.status
        if moved and after is not None and after.status is EnrollmentStatus.COMPLETED:
            return "completed"
        return super().action(before, after)

    async def written(
        self, uow: UnitOfWork, principal: Principal, before: Enrollment | None, after: Enrollment | None
    ) -> None:
        """On completion: a proposed `course` assessment, dated the completion day, for each
        competency the course covers above the employee's current level on that day."""
        if after is None or after.status is not EnrollmentStatus.COMPLETED:
            return
        if before is not None and before.status is EnrollmentStatus.COMPLETED:
            return
        assert after.completed_on is not None
        course = await uow.repository(Course).get(after.course_id)
        current = await uow.training.current_levels(after.employee_id, after.completed_on)
        for evidence in course_evidence(course, current, after.completed_on):
            record = self._assessments.new_record(
                {
                    "employee_id": after.employee_id,
                    "competency_id": evidence.competency_id,
                    "level": evidence.level,
                    "assessed_on": after.completed_on,
                    "note": evidence.note,
                    "source": AssessmentSource.COURSE,
                    "status": AssessmentStatus.PROPOSED,
                }
            )
            await self._assessments.add_in(uow, principal, record, authorize=False)
