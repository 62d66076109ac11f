"""The database tables, one SQLModel table per collection, on one MetaData.

The migrations create exactly these (a test compares them). Conventions the rest of the
adapter relies on:

- every table starts with `id`, `version`, `created_at`, `updated_at`, then the entity's
  fields under the same names (the mapper goes by name);
- sortable text is `COLLATE "C"`, so ORDER BY is code-point order, as in Python;
- case-insensitive uniqueness is a unique index on `lower(col COLLATE "default")` named as
  the resource's `Unique.name`; foreign keys are named as its `Reference.name`;
- a check constraint is named `ck_<table>_<field>` after the field it guards, which is how
  a violation is reported against that field;
- a `Nested` field is a child table named as `Nested.table`: a foreign key to the parent's
  `id` (ON DELETE CASCADE), `position` (the item's index) and one column per item field;
- a resource with `search` fields has a generated `search_vector` column (not a field).

The training tables are in `training_tables`, the current-level projection in `level_tables`;
every table is on `metadata`.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, Table, Text, Uuid
from sqlmodel import Field

from adapters.postgres.event_tables import events
from adapters.postgres.idempotency_tables import idempotency_keys
from adapters.postgres.level_tables import competency_levels
from adapters.postgres.table_base import (
    CASE_FOLDING_COLLATION,
    NAMING_CONVENTION,
    TableModel,
    case_insensitive_unique,
    metadata,
    one_of,
    sortable_text,
    timestamp,
)
from adapters.postgres.training_tables import (
    SEARCH_COLUMN,
    AssessmentRow,
    CourseRow,
    EnrollmentRow,
    FeedbackRow,
    PlanRow,
    RequirementRow,
    course_covers,
)
from upskill.domain.principal import Role

__all__ = [
    "CASE_FOLDING_COLLATION",
    "NAMING_CONVENTION",
    "SEARCH_COLUMN",
    "AssessmentRow",
    "CourseRow",
    "EnrollmentRow",
    "FeedbackRow",
    "PlanRow",
    "RequirementRow",
    "TableModel",
    "competency_levels",
    "course_covers",
    "events",
    "idempotency_keys",
    "metadata",
]


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


class UserRow(TableModel, table=True):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(one_of("role", Role), name="role"),
        Index(None, "role"),
        Index(None, "employee_id"),
        Index(None, "email", "id"),
        Index(None, "created_at", "id"),
        Index(None, "updated_at", "id"),
    )

    email: str = Field(sa_type=sortable_text())
    role: str = Field(sa_type=Text)
    employee_id: UUID | None = Field(default=None, foreign_key="employees.id", ondelete="RESTRICT")
    is_active: bool
    password_hash: str = Field(sa_type=Text)
    password_changed_at: datetime | None = Field(default=None, sa_type=timestamp())
    oidc_linked: bool


# What authentication stores besides users: plain Core tables (no resource, no generic
# repository), columns in the order of the domain dataclass each row becomes.

auth_sessions = Table(
    "auth_sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("client_id", Text, nullable=True),
    Column("created_at", timestamp(), nullable=False),
    Column("last_used_at", timestamp(), nullable=False),
    Column("idle_expires_at", timestamp(), nullable=False),
    Column("expires_at", timestamp(), nullable=False),
    Column("revoked_at", timestamp(), nullable=True),
    Column("user_agent", Text, nullable=True),
    Column("auth_method", Text, nullable=False),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("digest", Text, primary_key=True),
    Column("session_id", Uuid, ForeignKey("auth_sessions.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("issued_at", timestamp(), nullable=False),
    Column("used_at", timestamp(), nullable=True),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("key", Text, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("locked_until", timestamp(), nullable=True),
    Column("lockouts", Integer, nullable=False),
)

# Company sign-in (OpenID Connect): pending logins (by the digest of the state sent to the
# provider), the one-time codes handed to apps (by digest) and the identity links.

oidc_pending_logins = Table(
    "oidc_pending_logins",
    metadata,
    Column("state_digest", Text, primary_key=True),
    Column("nonce", Text, nullable=False),
    Column("code_verifier", Text, nullable=False),
    Column("client_id", Text, nullable=False),
    Column("redirect_uri", Text, nullable=False),
    Column("code_challenge", Text, nullable=False),
    Column("app_state", Text, nullable=True),
    Column("created_at", timestamp(), nullable=False),
    Column("expires_at", timestamp(), nullable=False, index=True),
)

authorization_codes = Table(
    "authorization_codes",
    metadata,
    Column("digest", Text, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("client_id", Text, nullable=False),
    Column("redirect_uri", Text, nullable=False),
    Column("code_challenge", Text, nullable=False),
    Column("created_at", timestamp(), nullable=False),
    Column("expires_at", timestamp(), nullable=False, index=True),
    Column("used_at", timestamp(), nullable=True),
    Column("session_id", Uuid, ForeignKey("auth_sessions.id", ondelete="SET NULL"), nullable=True),
)

identity_links = Table(
    "identity_links",
    metadata,
    Column("issuer", Text, primary_key=True),
    Column("subject", Text, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", timestamp(), nullable=False),
    Column("email", Text, nullable=True),
)

departments = metadata.tables["departments"]
competencies = metadata.tables["competencies"]
employees = metadata.tables["employees"]
users = metadata.tables["users"]
requirements = metadata.tables["requirements"]
assessments = metadata.tables["assessments"]
feedback = metadata.tables["feedback"]
courses = metadata.tables["courses"]
enrollments = metadata.tables["enrollments"]

case_insensitive_unique("uq_departments_name", departments.c.name)
case_insensitive_unique("uq_competencies_name", competencies.c.name)
case_insensitive_unique("uq_employees_email", employees.c.email)
case_insensitive_unique("uq_users_email", users.c.email)
