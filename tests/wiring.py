"""The learning loop's services wired as `adapters/container.py` wires them (plans are achieved
by assessments' writes, whose evidence completed enrollments record), for tests that build
services by hand."""

from __future__ import annotations

from dataclasses import dataclass

from upskill.domain.ids import Clock, IdFactory
from upskill.domain.ports import UnitOfWorkFactory
from upskill.domain.resources import ASSESSMENTS, ENROLLMENTS, PLANS
from upskill.services.access import AssessmentPolicy, EmployeePolicy, EnrollmentPolicy, PlanPolicy
from upskill.services.assessments import AssessmentService
from upskill.services.enrollments import EnrollmentService
from upskill.services.plans import PlanService


@dataclass(frozen=True)
class LearningServices:
    plans: PlanService
    assessments: AssessmentService
    enrollments: EnrollmentService


def learning_services(uow: UnitOfWorkFactory, clock: Clock, ids: IdFactory) -> LearningServices:
    plans = PlanService(PLANS, uow, clock, ids, PlanPolicy(), employees=EmployeePolicy())
    assessments = AssessmentService(ASSESSMENTS, uow, clock, ids, AssessmentPolicy(), plans=plans)
    enrollments = EnrollmentService(ENROLLMENTS, uow, clock, ids, EnrollmentPolicy(), assessments=assessments)
    return LearningServices(plans, assessments, enrollments)
