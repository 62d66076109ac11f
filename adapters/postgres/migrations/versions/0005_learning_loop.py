"""The learning loop: where a level comes from and its review (assessments gain `source`,
`status`, `reviewed_by`, `reviewed_on`, `review_note`; existing ones become `manager` /
`validated`), enrollments' `due_on` and `assigned_by`, and development plans (at most one
active plan per employee and competency, held by a partial unique index).

The covering index behind current levels gains the status after the competency, so reading
the latest validated (or proposed) assessment per competency stays one index scan; the review
queue (`?status=proposed`, oldest first) has an index of its own.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEVELS = "'basic', 'intermediate', 'advanced', 'expert'"
SOURCES = "'manager', 'self', 'course', 'import'"
STATUSES = "'proposed', 'validated', 'rejected'"
PLAN_STATUSES = "'active', 'achieved', 'cancelled'"
LATEST = "ix_assessments_employee_id_competency_id_latest"
LATEST_ORDER = [sa.text("assessed_on DESC"), sa.text("created_at DESC"), sa.text("id DESC")]


def _foreign_key(table: str, column: str, target: str) -> None:
    op.create_foreign_key(op.f(f"fk_{table}_{column}_{target}"), table, target, [column], ["id"], ondelete="RESTRICT")


def _check(table: str, field: str, condition: str) -> None:
    op.create_check_constraint(op.f(f"ck_{table}_{field}"), table, condition)


def _plan_reference(column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_plans_{column}_{target}"), ondelete="RESTRICT"
    )


def upgrade() -> None:
    # Assessments: existing rows were recorded by managers and counted at once.
    op.add_column("assessments", sa.Column("source", sa.Text(), nullable=False, server_default="manager"))
    op.add_column("assessments", sa.Column("status", sa.Text(), nullable=False, server_default="validated"))
    op.alter_column("assessments", "source", server_default=None)
    op.alter_column("assessments", "status", server_default=None)
    op.add_column("assessments", sa.Column("reviewed_by", sa.Uuid(), nullable=True))
    op.add_column("assessments", sa.Column("reviewed_on", sa.Date(), nullable=True))
    op.add_column("assessments", sa.Column("review_note", sa.Text(), nullable=True))
    _check("assessments", "source", f"source IN ({SOURCES})")
    _check("assessments", "status", f"status IN ({STATUSES})")
    _check("assessments", "reviewed_by", "reviewed_by <> employee_id")
    _check(
        "assessments",
        "review_note",
        "status <> 'proposed' OR (reviewed_by IS NULL AND reviewed_on IS NULL AND review_note IS NULL)",
    )
    _foreign_key("assessments", "reviewed_by", "employees")
    op.create_index(op.f("ix_assessments_reviewed_by"), "assessments", ["reviewed_by"])
    op.create_index(op.f("ix_assessments_status_created_at_id"), "assessments", ["status", "created_at", "id"])
    op.drop_index(LATEST, table_name="assessments")
    op.create_index(
        LATEST,
        "assessments",
        ["employee_id", "competency_id", "status", *LATEST_ORDER],
        postgresql_include=["level", "expires_on"],
    )

    # Enrollments: a due day and who assigned it.
    op.add_column("enrollments", sa.Column("due_on", sa.Date(), nullable=True))
    op.add_column("enrollments", sa.Column("assigned_by", sa.Uuid(), nullable=True))
    _foreign_key("enrollments", "assigned_by", "employees")
    op.create_index(op.f("ix_enrollments_assigned_by"), "enrollments", ["assigned_by"])
    op.create_index(op.f("ix_enrollments_due_on_id"), "enrollments", ["due_on", "id"])

    op.create_table(
        "plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=False),
        sa.Column("competency_id", sa.Uuid(), nullable=False),
        sa.Column("target_level", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("achieved_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.CheckConstraint(f"target_level IN ({LEVELS})", name=op.f("ck_plans_target_level")),
        sa.CheckConstraint(f"status IN ({PLAN_STATUSES})", name=op.f("ck_plans_status")),
        sa.CheckConstraint("(status = 'achieved') = (achieved_on IS NOT NULL)", name=op.f("ck_plans_achieved_on")),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_plans_employee_id_employees"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["competency_id"],
            ["competencies.id"],
            name=op.f("fk_plans_competency_id_competencies"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["employees.id"], name=op.f("fk_plans_created_by_employees"), ondelete="RESTRICT"
        ),
    )
    op.create_index(
        "uq_plans_employee_id_competency_id_active",
        "plans",
        ["employee_id", "competency_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
    )
    for column in ("employee_id", "competency_id", "created_by"):
        op.create_index(op.f(f"ix_plans_{column}"), "plans", [column])
    for column in ("due_on", "created_at", "updated_at"):
        op.create_index(op.f(f"ix_plans_{column}_id"), "plans", [column, "id"])


def downgrade() -> None:
    op.drop_table("plans")

    op.drop_index(op.f("ix_enrollments_due_on_id"), table_name="enrollments")
    op.drop_index(op.f("ix_enrollments_assigned_by"), table_name="enrollments")
    op.drop_constraint(op.f("fk_enrollments_assigned_by_employees"), "enrollments", type_="foreignkey")
    op.drop_column("enrollments", "assigned_by")
    op.drop_column("enrollments", "due_on")

    op.drop_index(LATEST, table_name="assessments")
    op.create_index(
        LATEST,
        "assessments",
        ["employee_id", "competency_id", *LATEST_ORDER],
        postgresql_include=["level", "expires_on"],
    )
    op.drop_index(op.f("ix_assessments_status_created_at_id"), table_name="assessments")
    op.drop_index(op.f("ix_assessments_reviewed_by"), table_name="assessments")
    op.drop_constraint(op.f("fk_assessments_reviewed_by_employees"), "assessments", type_="foreignkey")
    for field in ("review_note", "reviewed_by", "status", "source"):
        op.drop_constraint(op.f(f"ck_assessments_{field}"), "assessments", type_="check")
    # Only validated assessments counted as levels: what was never validated leaves with the
    # columns that told it apart, so the old schema's rule (every assessment counts) holds.
    op.execute("DELETE FROM assessments WHERE status <> 'validated'")
    for column in ("review_note", "reviewed_on", "reviewed_by", "status", "source"):
        op.drop_column("assessments", column)
