"""Where a level comes from and who may vouch for it (DOMAIN.md, "Where a level comes from")."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from upskill.domain.errors import InvalidTransition, InvariantViolation
from upskill.domain.principal import Principal, Role
from upskill.domain.review import may_review, provenance, reviewed
from upskill.domain.training import AssessmentSource, AssessmentStatus

from .factories import assessment

DEPT, OTHER = uuid4(), uuid4()
ANN, BOB = uuid4(), uuid4()


def who(role: Role, employee_id: object = None, department_id: object = DEPT) -> Principal:
    linked = employee_id is not None
    return Principal(
        user_id=uuid4(),
        role=role,
        employee_id=employee_id if linked else None,  # type: ignore[arg-type]
        department_id=department_id if linked else None,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("principal", "subject", "expected"),
    [
        (who(Role.EMPLOYEE, ANN), ANN, (AssessmentSource.SELF, AssessmentStatus.PROPOSED)),
        (who(Role.MANAGER, ANN), ANN, (AssessmentSource.SELF, AssessmentStatus.PROPOSED)),  # a manager about themself
        (who(Role.ADMIN, ANN), ANN, (AssessmentSource.SELF, AssessmentStatus.PROPOSED)),  # even an admin
        (who(Role.MANAGER, ANN), BOB, (AssessmentSource.MANAGER, AssessmentStatus.VALIDATED)),
        (who(Role.ADMIN), BOB, (AssessmentSource.MANAGER, AssessmentStatus.VALIDATED)),
    ],
)
def test_provenance_follows_who_records_about_whom(
    principal: Principal, subject: object, expected: tuple[AssessmentSource, AssessmentStatus]
) -> None:
    assert provenance(principal, subject) == expected  # type: ignore[arg-type]


def test_only_an_admin_imports_and_no_other_source_is_taken_from_the_caller() -> None:
    assert provenance(who(Role.ADMIN), BOB, AssessmentSource.IMPORT) == (
        AssessmentSource.IMPORT,
        AssessmentStatus.VALIDATED,
    )
    for principal, source in [
        (who(Role.MANAGER, ANN), AssessmentSource.IMPORT),
        (who(Role.ADMIN), AssessmentSource.MANAGER),
        (who(Role.ADMIN), AssessmentSource.COURSE),
        (who(Role.EMPLOYEE, ANN), AssessmentSource.SELF),
    ]:
        with pytest.raises(InvariantViolation) as refused:
            provenance(principal, BOB, source)
        assert refused.value.field == "source"


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        (who(Role.ADMIN), True),
        (who(Role.ADMIN, ANN), False),  # never the assessed employee, whatever the role
        (who(Role.MANAGER, BOB, DEPT), True),
        (who(Role.MANAGER, ANN, DEPT), False),
        (who(Role.MANAGER, BOB, OTHER), False),
        (who(Role.EMPLOYEE, BOB, DEPT), False),
        (who(Role.MANAGER), False),  # a manager linked to no employee has no department
    ],
)
def test_who_may_review(principal: Principal, expected: bool) -> None:
    assert may_review(principal, assessment(employee_id=ANN, status=AssessmentStatus.PROPOSED), DEPT) is expected


def test_a_review_records_who_when_and_why_and_happens_once() -> None:
    proposal = assessment(employee_id=ANN, status=AssessmentStatus.PROPOSED, source=AssessmentSource.SELF)
    done = reviewed(proposal, AssessmentStatus.VALIDATED, reviewer=BOB, on=date(2024, 6, 1), note="Seen it")

    assert (done.status, done.reviewed_by, done.reviewed_on, done.review_note) == (
        AssessmentStatus.VALIDATED,
        BOB,
        date(2024, 6, 1),
        "Seen it",
    )
    assert done.source is AssessmentSource.SELF
    for outcome in (AssessmentStatus.VALIDATED, AssessmentStatus.REJECTED):
        with pytest.raises(InvalidTransition) as again:
            reviewed(done, outcome, reviewer=BOB, on=date(2024, 6, 2), note=None)
        assert (again.value.current, again.value.requested) == ("validated", outcome.value)
    with pytest.raises(InvariantViolation):  # the entity refuses a self-review, too
        reviewed(proposal, AssessmentStatus.VALIDATED, reviewer=ANN, on=date(2024, 6, 1), note=None)


def test_a_proposal_carries_no_review() -> None:
    with pytest.raises(InvariantViolation) as refused:
        assessment(employee_id=ANN, status=AssessmentStatus.PROPOSED, reviewed_on=date(2024, 1, 1))
    assert refused.value.field == "status"
