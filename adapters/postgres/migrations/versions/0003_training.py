"""The training programme: requirements, assessments, feedback, courses (and what each
covers), enrollments.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEVELS = "'basic', 'intermediate', 'advanced', 'expert'"
STATUSES = "'planned', 'in_progress', 'completed', 'dropped'"
SEARCH_VECTOR = (
    "to_tsvector('simple'::regconfig, "
    "regexp_replace((title COLLATE \"default\") || ' ' || coalesce(description, ''), '[^[:alnum:]]+', ' ', 'g'))"
)


def _record_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _uuid(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.Uuid(), nullable=nullable)


def _foreign_key(table: str, column: str, target: str, *, ondelete: str = "RESTRICT") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _check(table: str, field: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{field}"))


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def _sort_indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}_id"), table, [column, "id"])


def upgrade() -> None:
    op.create_table(
        "requirements",
        *_record_columns(),
        _uuid("department_id", nullable=True),
        _uuid("competency_id"),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requirements")),
        _check("requirements", "headcount", "headcount >= 1"),
        _check("requirements", "level", f"level IN ({LEVELS})"),
        _foreign_key("requirements", "department_id", "departments"),
        _foreign_key("requirements", "competency_id", "competencies"),
    )
    op.create_index(
        "uq_requirements_department_id_competency_id_level",
        "requirements",
        ["department_id", "competency_id", "level"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    _indexes("requirements", "competency_id")
    _sort_indexes("requirements", "headcount", "created_at", "updated_at")

    op.create_table(
        "assessments",
        *_record_columns(),
        _uuid("employee_id"),
        _uuid("competency_id"),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        _uuid("assessor_id", nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        _check("assessments", "level", f"level IN ({LEVELS})"),
        _check("assessments", "expires_on", "expires_on > assessed_on"),
        _check("assessments", "assessor_id", "assessor_id <> employee_id"),
        _foreign_key("assessments", "employee_id", "employees"),
        _foreign_key("assessments", "competency_id", "competencies"),
        _foreign_key("assessments", "assessor_id", "employees"),
    )
    op.create_index(
        "ix_assessments_employee_id_competency_id_latest",
        "assessments",
        ["employee_id", "competency_id", sa.text("assessed_on DESC"), sa.text("created_at DESC"), sa.text("id DESC")],
        postgresql_include=["level", "expires_on"],
    )
    _indexes("assessments", "competency_id", "assessor_id")
    _sort_indexes("assessments", "assessed_on", "created_at", "updated_at")

    op.create_table(
        "feedback",
        *_record_columns(),
        _uuid("subject_id"),
        _uuid("author_id"),
        _uuid("competency_id", nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        _check("feedback", "author_id", "author_id <> subject_id"),
        _check("feedback", "score", "score >= 1 AND score <= 5"),
        _foreign_key("feedback", "subject_id", "employees"),
        _foreign_key("feedback", "author_id", "employees"),
        _foreign_key("feedback", "competency_id", "competencies"),
    )
    _indexes("feedback", "subject_id", "author_id", "competency_id")
    _sort_indexes("feedback", "created_at", "updated_at")

    op.create_table(
        "courses",
        *_record_columns(),
        sa.Column("title", sa.Text(collation="C"), nullable=False),
        sa.Column("provider", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("duration_hours", sa.Double(), nullable=True),
        sa.Column("rating", sa.Double(), nullable=False),
        sa.Column("learners", sa.Integer(), nullable=False),
        sa.Column("search_vector", postgresql.TSVECTOR(), sa.Computed(sa.text(SEARCH_VECTOR), persisted=True)),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        _check("courses", "duration_hours", "duration_hours > 0 AND duration_hours < 'Infinity'::double precision"),
        _check("courses", "rating", "rating >= 0 AND rating <= 5"),
        _check("courses", "learners", "learners >= 0"),
    )
    op.create_index(op.f("ix_courses_search_vector"), "courses", ["search_vector"], postgresql_using="gin")
    _sort_indexes("courses", "title", "rating", "learners", "created_at", "updated_at")

    op.create_table(
        "course_covers",
        _uuid("course_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        _uuid("competency_id"),
        sa.Column("level", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "competency_id", name=op.f("pk_course_covers")),
        _check("course_covers", "level", f"level IN ({LEVELS})"),
        _foreign_key("course_covers", "course_id", "courses", ondelete="CASCADE"),
        _foreign_key("course_covers", "competency_id", "competencies"),
    )
    _indexes("course_covers", "competency_id")

    op.create_table(
        "enrollments",
        *_record_columns(),
        _uuid("employee_id"),
        _uuid("course_id"),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
        _check("enrollments", "status", f"status IN ({STATUSES})"),
        _check("enrollments", "completed_on", "(status = 'completed') = (completed_on IS NOT NULL)"),
        _foreign_key("enrollments", "employee_id", "employees"),
        _foreign_key("enrollments", "course_id", "courses"),
    )
    op.create_index(
        "uq_enrollments_employee_id_course_id_open",
        "enrollments",
        ["employee_id", "course_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('planned', 'in_progress')"),
    )
    _indexes("enrollments", "employee_id", "course_id")
    _sort_indexes("enrollments", "created_at", "updated_at")


def downgrade() -> None:
    op.drop_table("enrollments")
    op.drop_table("course_covers")
    op.drop_table("courses")
    op.drop_table("feedback")
    op.drop_table("assessments")
    op.drop_table("requirements")
