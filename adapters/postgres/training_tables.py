"""The tables of the training programme: requirements, assessments, feedback, the course
catalogue (with its `course_covers` child table) and enrollments. Conventions: `tables`."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import (
    CheckConstraint,
    Column,
    Computed,
    Double,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy import desc as descending
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlmodel import Field

from adapters.postgres.table_base import TableModel, metadata, one_of, sortable_text
from upskill.domain.competency import Level
from upskill.domain.plans import PlanStatus
from upskill.domain.training import AssessmentSource, AssessmentStatus, EnrollmentStatus

SEARCH_COLUMN = "search_vector"
"""The generated full-text column of a resource with `search` fields."""

SEARCH_VECTOR = (
    "to_tsvector('simple'::regconfig, "
    "regexp_replace((title COLLATE \"default\") || ' ' || coalesce(description, ''), '[^[:alnum:]]+', ' ', 'g'))"
)
"""Words = runs of letters and digits (everything else separates words, `_` included), folded
to lower case by the 'simple' configuration; in the database's collation, so that letters
beyond ASCII count as letters (on a UTF-8 locale)."""

OPEN_STATUSES = (EnrollmentStatus.PLANNED, EnrollmentStatus.IN_PROGRESS)
UNREVIEWED = AssessmentStatus.PROPOSED.value
NO_REVIEW = "reviewed_by IS NULL AND reviewed_on IS NULL AND review_note IS NULL"
"""A proposed assessment has not been reviewed (`Assessment.check`)."""


def _sort_indexes(*columns: str) -> tuple[Index, ...]:
    return tuple(Index(None, column, "id") for column in columns)


class RequirementRow(TableModel, table=True):
    __tablename__ = "requirements"
    __table_args__ = (
        CheckConstraint("headcount >= 1", name="headcount"),
        CheckConstraint(one_of("level", Level), name="level"),
        Index(
            "uq_requirements_department_id_competency_id_level",
            "department_id",
            "competency_id",
            "level",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
        Index(None, "competency_id"),
        *_sort_indexes("headcount", "created_at", "updated_at"),
    )

    department_id: UUID | None = Field(default=None, foreign_key="departments.id", ondelete="RESTRICT")
    competency_id: UUID = Field(foreign_key="competencies.id", ondelete="RESTRICT")
    level: str = Field(sa_type=Text)
    headcount: int


class AssessmentRow(TableModel, table=True):
    __tablename__ = "assessments"
    __table_args__ = (
        CheckConstraint(one_of("level", Level), name="level"),
        CheckConstraint(one_of("source", AssessmentSource), name="source"),
        CheckConstraint(one_of("status", AssessmentStatus), name="status"),
        CheckConstraint("expires_on > assessed_on", name="expires_on"),
        CheckConstraint("assessor_id <> employee_id", name="assessor_id"),
        CheckConstraint("reviewed_by <> employee_id", name="reviewed_by"),
        CheckConstraint(f"status <> '{UNREVIEWED}' OR ({NO_REVIEW})", name="review_note"),
        Index(
            "ix_assessments_employee_id_competency_id_latest",
            "employee_id",
            "competency_id",
            "status",
            descending("assessed_on"),
            descending("created_at"),
            descending("id"),
            postgresql_include=["level", "expires_on"],
        ),
        Index(None, "competency_id"),
        Index(None, "assessor_id"),
        Index(None, "reviewed_by"),
        Index(None, "status", "created_at", "id"),  # the review queue: ?status=proposed, oldest first
        *_sort_indexes("assessed_on", "created_at", "updated_at"),
    )

    employee_id: UUID = Field(foreign_key="employees.id", ondelete="RESTRICT")
    competency_id: UUID = Field(foreign_key="competencies.id", ondelete="RESTRICT")
    level: str = Field(sa_type=Text)
    assessed_on: date
    expires_on: date | None = None
    assessor_id: UUID | None = Field(default=None, foreign_key="employees.id", ondelete="RESTRICT")
    note: str | None = Field(default=None, sa_type=Text)
    source: str = Field(sa_type=Text)
    status: str = Field(sa_type=Text)
    reviewed_by: UUID | None = Field(default=None, foreign_key="employees.id", ondelete="RESTRICT")
    reviewed_on: date | None = None
    review_note: str | None = Field(default=None, sa_type=Text)


class FeedbackRow(TableModel, table=True):
    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("author_id <> subject_id", name="author_id"),
        CheckConstraint("score >= 1 AND score <= 5", name="score"),
        Index(None, "subject_id"),
        Index(None, "author_id"),
        Index(None, "competency_id"),
        *_sort_indexes("created_at", "updated_at"),
    )

    subject_id: UUID = Field(foreign_key="employees.id", ondelete="RESTRICT")
    author_id: UUID = Field(foreign_key="employees.id", ondelete="RESTRICT")
    competency_id: UUID | None = Field(default=None, foreign_key="competencies.id", ondelete="RESTRICT")
    score: int | None = None
    comment: str | None = Field(default=None, sa_type=Text)


class CourseRow(TableModel, table=True):
    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint("duration_hours > 0 AND duration_hours < 'Infinity'::double precision", name="duration_hours"),
        CheckConstraint("rating >= 0 AND rating <= 5", name="rating"),
        CheckConstraint("learners >= 0", name="learners"),
        Index(None, SEARCH_COLUMN, postgresql_using="gin"),
        *_sort_indexes("title", "rating", "learners", "created_at", "updated_at"),
    )

    title: str = Field(sa_type=sortable_text())
    provider: str | None = Field(default=None, sa_type=Text)
    description: str | None = Field(default=None, sa_type=Text)
    url: str | None = Field(default=None, sa_type=Text)
    duration_hours: float | None = Field(default=None, sa_type=Double)
    rating: float = Field(sa_type=Double)
    learners: int
    search_vector: str | None = Field(
        default=None, sa_column=Column(SEARCH_COLUMN, TSVECTOR, Computed(text(SEARCH_VECTOR), persisted=True))
    )


course_covers = Table(
    "course_covers",
    metadata,
    Column("course_id", Uuid, ForeignKey("courses.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("competency_id", Uuid, ForeignKey("competencies.id", ondelete="RESTRICT"), nullable=False, index=True),
    Column("level", Text, nullable=False),
    PrimaryKeyConstraint("course_id", "competency_id"),
    CheckConstraint(one_of("level", Level), name="level"),
)
"""Not a resource: the `covers` of a course, one row per item, `position` = its index."""


class EnrollmentRow(TableModel, table=True):
    __tablename__ = "enrollments"
    __table_args__ = (
        CheckConstraint(one_of("status", EnrollmentStatus), name="status"),
        CheckConstraint("(status = 'completed') = (completed_on IS NOT NULL)", name="completed_on"),
        Index(
            "uq_enrollments_employee_id_course_id_open",
            "employee_id",
            "course_id",
            unique=True,
            postgresql_where=text(one_of("status", OPEN_STATUSES)),
        ),
        Index(None, "employee_id"),
        Index(None, "course_id"),
        Index(None, "assigned_by"),
        *_sort_indexes("due_on", "created_at", "updated_at"),
    )

    employee_id: UUID = Field(foreign_key="employees.id", ondelete="RESTRICT")
    course_id: UUID = Field(foreign_key="courses.id", ondelete="RESTRICT")
    status: str = Field(sa_type=Text)
    completed_on: date | None = None
    due_on: date | None = None
    assigned_by: UUID | None = Field(default=None, foreign_key="employees.id", ondelete="RESTRICT")


class PlanRow(TableModel, table=True):
    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint(one_of("target_level", Level), name="target_level"),
        CheckConstraint(one_of("status", PlanStatus), name="status"),
        CheckConstraint(f"(status = '{PlanStatus.ACHIEVED.value}') = (achieved_on IS NOT NULL)", name="achieved_on"),
        Index(
            "uq_plans_employee_id_competency_id_active",
            "employee_id",
            "competency_id",
            unique=True,
            postgresql_where=text(f"status = '{PlanStatus.ACTIVE.value}'"),
        ),
        Index(None, "employee_id"),
        Index(None, "competency_id"),
        Index(None, "created_by"),
        *_sort_indexes("due_on", "created_at", "updated_at"),
    )

    employee_id: UUID = Field(foreign_key="employees.id", ondelete="RESTRICT")
    competency_id: UUID = Field(foreign_key="competencies.id", ondelete="RESTRICT")
    target_level: str = Field(sa_type=Text)
    due_on: date
    status: str = Field(sa_type=Text)
    note: str | None = Field(default=None, sa_type=Text)
    created_by: UUID | None = Field(default=None, foreign_key="employees.id", ondelete="RESTRICT")
    achieved_on: date | None = None
