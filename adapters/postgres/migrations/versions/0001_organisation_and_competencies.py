"""Departments, employees and competencies.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _record_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _sort_indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}_id"), table, [column, "id"])


def _case_insensitive_unique(name: str, table: str, column: str) -> None:
    op.create_index(name, table, [sa.text(f'lower(({column} COLLATE "default"))')], unique=True)


def upgrade() -> None:
    op.create_table(
        "departments",
        *_record_columns(),
        sa.Column("name", sa.Text(collation="C"), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
    )
    _sort_indexes("departments", "name", "created_at", "updated_at")
    _case_insensitive_unique("uq_departments_name", "departments", "name")

    op.create_table(
        "competencies",
        *_record_columns(),
        sa.Column("name", sa.Text(collation="C"), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("category", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competencies")),
    )
    _sort_indexes("competencies", "name", "created_at", "updated_at")
    _case_insensitive_unique("uq_competencies_name", "competencies", "name")

    op.create_table(
        "employees",
        *_record_columns(),
        sa.Column("full_name", sa.Text(collation="C"), nullable=False),
        sa.Column("email", sa.Text(collation="C"), nullable=False),
        sa.Column("job_title", sa.Text(), nullable=True),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("manager_id", sa.Uuid(), nullable=True),
        sa.Column("hired_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employees")),
        sa.CheckConstraint("manager_id <> id", name=op.f("ck_employees_manager_id")),
        sa.CheckConstraint("left_on >= hired_on", name=op.f("ck_employees_left_on")),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_employees_department_id_departments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["employees.id"], name=op.f("fk_employees_manager_id_employees"), ondelete="RESTRICT"
        ),
    )
    op.create_index(op.f("ix_employees_department_id"), "employees", ["department_id"])
    op.create_index(op.f("ix_employees_manager_id"), "employees", ["manager_id"])
    _sort_indexes("employees", "full_name", "email", "hired_on", "created_at", "updated_at")
    _case_insensitive_unique("uq_employees_email", "employees", "email")


def downgrade() -> None:
    op.drop_table("employees")
    op.drop_table("competencies")
    op.drop_table("departments")
