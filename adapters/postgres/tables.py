"""The database tables, one SQLModel table per collection, on one MetaData.

The migrations create exactly these (a test compares them). Conventions the rest of the
adapter relies on:

- every table starts with `id`, `version`, `created_at`, `updated_at`, then the entity's
  fields under the same names (the mapper goes by name);
- sortable text is `COLLATE "C"`, so ORDER BY is code-point order, as in Python;
- case-insensitive uniqueness is a unique index on `lower(col COLLATE "default")` named as
  the resource's `Unique.name`; foreign keys are named as its `Reference.name`;
- a check constraint is named `ck_<table>_<field>` after the field it guards, which is how
  a violation is reported against that field.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import CheckConstraint, Column, DateTime, Index, MetaData, Text, collate, func
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

CASE_FOLDING_COLLATION = "default"
"""The collation `lower()` and ILIKE fold case with: the database's own locale (Unicode-aware
on a UTF-8 locale), where the "C" of the sortable columns would fold ASCII only."""


def sortable_text() -> Text:
    return Text(collation="C")


def timestamp() -> DateTime:
    return DateTime(timezone=True)


def case_insensitive_unique(name: str, column: Column[str]) -> Index:
    """A unique index on the case-folded column, named as the resource's `Unique.name`."""
    return Index(name, func.lower(collate(column, CASE_FOLDING_COLLATION)), unique=True)


class TableModel(SQLModel, registry=registry(metadata=metadata)):
    """Base of the table models: they share `metadata` and its naming convention."""

    id: UUID = Field(primary_key=True)
    version: int
    created_at: datetime = Field(sa_type=timestamp())
    updated_at: datetime = Field(sa_type=timestamp())


class DepartmentRow(TableModel, table=True):
    __tablename__ = "departments"
    __table_args__ = (
        Index(None, "name", "id"),
        Index(None, "created_at", "id"),
        Index(None, "updated_at", "id"),
    )

    name: str = Field(sa_type=sortable_text())
    description: str | None = Field(default=None, sa_type=Text)


class CompetencyRow(TableModel, table=True):
    __tablename__ = "competencies"
    __table_args__ = (
        Index(None, "name", "id"),
        Index(None, "created_at", "id"),
        Index(None, "updated_at", "id"),
    )

    name: str = Field(sa_type=sortable_text())
    description: str | None = Field(default=None, sa_type=Text)
    category: str | None = Field(default=None, sa_type=Text)


class EmployeeRow(TableModel, table=True):
    __tablename__ = "employees"
    __table_args__ = (
        CheckConstraint("manager_id <> id", name="manager_id"),
        CheckConstraint("left_on >= hired_on", name="left_on"),
        Index(None, "department_id"),
        Index(None, "manager_id"),
        Index(None, "full_name", "id"),
        Index(None, "email", "id"),
        Index(None, "hired_on", "id"),
        Index(None, "created_at", "id"),
        Index(None, "updated_at", "id"),
    )

    full_name: str = Field(sa_type=sortable_text())
    email: str = Field(sa_type=sortable_text())
    job_title: str | None = Field(default=None, sa_type=Text)
    department_id: UUID = Field(foreign_key="departments.id", ondelete="RESTRICT")
    manager_id: UUID | None = Field(default=None, foreign_key="employees.id", ondelete="RESTRICT")
    hired_on: date
    left_on: date | None = None


departments = metadata.tables["departments"]
competencies = metadata.tables["competencies"]
employees = metadata.tables["employees"]

case_insensitive_unique("uq_departments_name", departments.c.name)
case_insensitive_unique("uq_competencies_name", competencies.c.name)
case_insensitive_unique("uq_employees_email", employees.c.email)
