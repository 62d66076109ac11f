"""Where a level comes from and who vouches for it (DOMAIN.md, "Where a level comes from").

A manager's or an admin's assessment of someone else is validated at once; what anyone records
about their own employee record is a self-assessment, proposed for review. A proposed
assessment is validated or rejected by a manager of the employee's department or an admin —
never by the assessed employee, whatever their role.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from upskill.domain.errors import InvalidTransition, InvariantViolation
from upskill.domain.principal import Principal, Role
from upskill.domain.training import Assessment, AssessmentSource, AssessmentStatus

REVIEWED = frozenset({AssessmentStatus.VALIDATED, AssessmentStatus.REJECTED})


def provenance(
    principal: Principal, employee_id: UUID, requested: AssessmentSource | None = None
) -> tuple[AssessmentSource, AssessmentStatus]:
    """The source and status of an assessment that `principal` records about `employee_id`.
    `requested` is a source the caller asked for: only `import`, only by an admin (an import
    of existing records is taken as validated); anything else raises InvariantViolation."""
    if requested is not None:
        if requested is not AssessmentSource.IMPORT or not principal.is_admin:
            raise InvariantViolation(
                "source is set by the service; only an admin may record an import.",
                entity="Assessment",
                field="source",
            )
        return AssessmentSource.IMPORT, AssessmentStatus.VALIDATED
    if principal.employee_id is not None and principal.employee_id == employee_id:
        return AssessmentSource.SELF, AssessmentStatus.PROPOSED
    if principal.role in (Role.ADMIN, Role.MANAGER):
        return AssessmentSource.MANAGER, AssessmentStatus.VALIDATED
    return AssessmentSource.SELF, AssessmentStatus.PROPOSED


def may_review(principal: Principal, assessment: Assessment, department_id: UUID | None) -> bool:
    """Whether `principal` may validate or reject `assessment`, whose employee works in
    `department_id`: an admin, or a manager of that department — never the assessed employee."""
    if principal.employee_id is not None and principal.employee_id == assessment.employee_id:
        return False
    if principal.is_admin:
        return True
    return (
        principal.role is Role.MANAGER
        and principal.employee_id is not None
        and department_id is not None
        and principal.department_id == department_id
    )


def reviewed(
    assessment: Assessment, outcome: AssessmentStatus, *, reviewer: UUID | None, on: date, note: str | None
) -> Assessment:
    """`assessment` validated or rejected (`outcome`) by `reviewer` on `on`, with `note`.
    Raises InvalidTransition unless it is proposed (the caller stores it with a new version)."""
    if outcome not in REVIEWED:
        raise ValueError(f"a review validates or rejects, not {outcome}")
    if not assessment.is_proposed:
        raise InvalidTransition(
            f"Only a proposed assessment can be reviewed; this one is {assessment.status}.",
            current=assessment.status.value,
            requested=outcome.value,
            entity="Assessment",
            id=assessment.id,
            field="status",
        )
    return assessment.evolve(status=outcome, reviewed_by=reviewer, reviewed_on=on, review_note=note)
