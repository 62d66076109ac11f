"""The declared resources: what is unique, what references what, what may be filtered and
sorted. Both storage adapters and the HTTP adapter read these; the database constraints named
here are created by the migrations."""

from __future__ import annotations

from typing import Literal

from upskill.domain.competency import Competency
from upskill.domain.identity import User
from upskill.domain.organisation import Department, Employee
from upskill.domain.plans import Plan, PlanStatus
from upskill.domain.query import Filter, Op, SortKey
from upskill.domain.resource import (
    KEY_OPS,
    RANGE_OPS,
    SEARCH_FIELD,
    SEARCH_OPS,
    TEXT_OPS,
    Computed,
    Nested,
    Reference,
    Resource,
    Unique,
)
from upskill.domain.training import (
    Assessment,
    Course,
    CourseCoverage,
    Enrollment,
    EnrollmentStatus,
    Feedback,
    Requirement,
)

_STAMPS = {"created_at": RANGE_OPS, "updated_at": RANGE_OPS}

DEPARTMENTS = Resource(
    entity=Department,
    collection="departments",
    filters={"name": TEXT_OPS, "id": KEY_OPS, **_STAMPS},
    sortable=frozenset({"name", "created_at", "updated_at", "id"}),
    default_sort=(SortKey("name"),),
    unique=(Unique("uq_departments_name", ("name",), case_insensitive=True),),
)

COMPETENCIES = Resource(
    entity=Competency,
    collection="competencies",
    filters={"name": TEXT_OPS, "category": TEXT_OPS, "id": KEY_OPS, **_STAMPS},
    sortable=frozenset({"name", "created_at", "updated_at", "id"}),
    default_sort=(SortKey("name"),),
    unique=(Unique("uq_competencies_name", ("name",), case_insensitive=True),),
)

EMPLOYEES = Resource(
    entity=Employee,
    collection="employees",
    filters={
        "full_name": TEXT_OPS,
        "email": TEXT_OPS,
        "job_title": TEXT_OPS,
        "department_id": KEY_OPS,
        "manager_id": KEY_OPS,
        "hired_on": RANGE_OPS,
        "left_on": RANGE_OPS,
        "id": KEY_OPS,
        **_STAMPS,
    },
    sortable=frozenset({"full_name", "email", "hired_on", "created_at", "updated_at", "id"}),
    default_sort=(SortKey("full_name"),),
    unique=(Unique("uq_employees_email", ("email",), case_insensitive=True),),
    references=(
        Reference("fk_employees_department_id_departments", "department_id", Department),
        Reference("fk_employees_manager_id_employees", "manager_id", Employee),
    ),
)

USERS = Resource(
    entity=User,
    collection="users",
    filters={
        "email": TEXT_OPS,
        "role": KEY_OPS,
        "employee_id": KEY_OPS,
        "is_active": KEY_OPS,
        "id": KEY_OPS,
        **_STAMPS,
    },
    sortable=frozenset({"email", "created_at", "updated_at", "id"}),
    default_sort=(SortKey("email"),),
    unique=(Unique("uq_users_email", ("email",), case_insensitive=True),),
    references=(Reference("fk_users_employee_id_employees", "employee_id", Employee),),
    read_only=frozenset({"password_changed_at"}),
    hidden=frozenset({"password_hash", "oidc_linked"}),
    redacted={"password_hash": "password"},
    write_only=frozenset({"password"}),
    computed=(
        Computed(
            "auth_methods",
            User.auth_methods,
            "How the user signs in: `password`, `oidc` (company sign-in); read-only.",
            annotation=list[Literal["password", "oidc"]],
        ),
    ),
)

REQUIREMENTS = Resource(
    entity=Requirement,
    collection="requirements",
    filters={
        "department_id": KEY_OPS,
        "competency_id": KEY_OPS,
        "level": KEY_OPS,  # no ranges: levels order by rank, not by text
        "headcount": RANGE_OPS,
        "id": KEY_OPS,
        **_STAMPS,
    },
    sortable=frozenset({"headcount", "created_at", "updated_at", "id"}),
    unique=(
        Unique(
            "uq_requirements_department_id_competency_id_level",
            ("department_id", "competency_id", "level"),
            nulls_distinct=False,
        ),
    ),
    references=(
        Reference("fk_requirements_department_id_departments", "department_id", Department),
        Reference("fk_requirements_competency_id_competencies", "competency_id", Competency),
    ),
)

ASSESSMENTS = Resource(
    entity=Assessment,
    collection="assessments",
    filters={
        "employee_id": KEY_OPS,
        "competency_id": KEY_OPS,
        "assessor_id": KEY_OPS,
        "level": KEY_OPS,
        "assessed_on": RANGE_OPS,
        "expires_on": RANGE_OPS,
        "source": KEY_OPS,
        "status": KEY_OPS,
        "reviewed_by": KEY_OPS,
        "reviewed_on": RANGE_OPS,
        "id": KEY_OPS,
        **_STAMPS,
    },
    sortable=frozenset({"assessed_on", "created_at", "updated_at", "id"}),
    default_sort=(SortKey("created_at"),),  # oldest first: `?status=proposed` is a review queue
    references=(
        Reference("fk_assessments_employee_id_employees", "employee_id", Employee),
        Reference("fk_assessments_competency_id_competencies", "competency_id", Competency),
        Reference("fk_assessments_assessor_id_employees", "assessor_id", Employee),
        Reference("fk_assessments_reviewed_by_employees", "reviewed_by", Employee),
    ),
    read_only=frozenset({"status", "reviewed_by", "reviewed_on", "review_note"}),
)

FEEDBACK = Resource(
    entity=Feedback,
    collection="feedback",
    filters={
        "subject_id": KEY_OPS,
        "author_id": KEY_OPS,
        "competency_id": KEY_OPS,
        "score": RANGE_OPS,
        "id": KEY_OPS,
        **_STAMPS,
    },
    sortable=frozenset({"created_at", "updated_at", "id"}),
    default_sort=(SortKey("created_at", descending=True),),
    references=(
        Reference("fk_feedback_subject_id_employees", "subject_id", Employee),
        Reference("fk_feedback_author_id_employees", "author_id", Employee),
        Reference("fk_feedback_competency_id_competencies", "competency_id", Competency),
    ),
    read_only=frozenset({"author_id"}),
)

COURSES = Resource(
    entity=Course,
    collection="courses",
    filters={
        SEARCH_FIELD: SEARCH_OPS,
        "title": TEXT_OPS,
        "provider": TEXT_OPS,
        "duration_hours": RANGE_OPS,
        "rating": RANGE_OPS,
        "learners": RANGE_OPS,
        "covers.competency_id": KEY_OPS,
        "covers.level": KEY_OPS,
        "id": KEY_OPS,
        **_STAMPS,
    },
    sortable=frozenset({"title", "rating", "learners", "created_at", "updated_at", "id"}),
    default_sort=(SortKey("title"),),
    references=(Reference("fk_course_covers_competency_id_competencies", "covers.competency_id", Competency),),
    nested=(Nested("covers", CourseCoverage, "course_covers"),),
    search=("title", "description"),
)

_OVERDUE = "Open (not yet completed, dropped or achieved) after its due day."

ENROLLMENTS = Resource(
    entity=Enrollment,
    collection="enrollments",
    filters={
        "employee_id": KEY_OPS,
        "course_id": KEY_OPS,
        "status": KEY_OPS,
        "completed_on": RANGE_OPS,
        "due_on": RANGE_OPS,
        "assigned_by": KEY_OPS,
        "id": KEY_OPS,
        **_STAMPS,
    },
    sortable=frozenset({"due_on", "created_at", "updated_at", "id"}),
    unique=(
        Unique(
            "uq_enrollments_employee_id_course_id_open",
            ("employee_id", "course_id"),
            where=(Filter("status", Op.IN, (EnrollmentStatus.PLANNED, EnrollmentStatus.IN_PROGRESS)),),
        ),
    ),
    references=(
        Reference("fk_enrollments_employee_id_employees", "employee_id", Employee),
        Reference("fk_enrollments_course_id_courses", "course_id", Course),
        Reference("fk_enrollments_assigned_by_employees", "assigned_by", Employee),
    ),
    read_only=frozenset({"assigned_by"}),
    computed=(Computed("overdue", Enrollment.is_overdue, _OVERDUE),),
)

PLANS = Resource(
    entity=Plan,
    collection="plans",
    filters={
        "employee_id": KEY_OPS,
        "competency_id": KEY_OPS,
        "target_level": KEY_OPS,
        "status": KEY_OPS,
        "due_on": RANGE_OPS,
        "achieved_on": RANGE_OPS,
        "created_by": KEY_OPS,
        "id": KEY_OPS,
        **_STAMPS,
    },
    sortable=frozenset({"due_on", "created_at", "updated_at", "id"}),
    default_sort=(SortKey("due_on"),),
    unique=(
        Unique(
            "uq_plans_employee_id_competency_id_active",
            ("employee_id", "competency_id"),
            where=(Filter("status", Op.EQ, PlanStatus.ACTIVE),),
        ),
    ),
    references=(
        Reference("fk_plans_employee_id_employees", "employee_id", Employee),
        Reference("fk_plans_competency_id_competencies", "competency_id", Competency),
        Reference("fk_plans_created_by_employees", "created_by", Employee),
    ),
    read_only=frozenset({"created_by", "achieved_on"}),
    computed=(Computed("overdue", Plan.is_overdue, _OVERDUE),),
)

ALL = (
    DEPARTMENTS,
    COMPETENCIES,
    EMPLOYEES,
    USERS,
    REQUIREMENTS,
    ASSESSMENTS,
    FEEDBACK,
    COURSES,
    ENROLLMENTS,
    PLANS,
)
"""Every resource, in dependency order (a resource only references those before it or itself)."""
