"""The current-level projection: one row per (employee, competency) with an assessment in it,
holding the latest *validated* assessment of the pair (`level`, `assessed_on`, `expires_on`,
`created_at`, `assessment_id`; NULL when there is none) and the latest *proposed* one (`claim_*`),
and the employee's department (`department_id`, kept when the employee moves: a department's
holders of a competency are one index range).

Latest = greatest (`assessed_on`, `created_at`, `id`), the order of `coverage.current_levels`,
whatever the day. Whether a level counts on a day is decided at read time, by date: the row's
assessment is the current level on day D when it is valid on D (`assessed_on` ≤ D <
`expires_on`); otherwise (it expired, or D is before it) the pair's history answers — an older
assessment may still be valid (`adapters/postgres/training.py`).

Kept by the database in the transaction of every assessment write (migration 0008: the row
triggers on `assessments` recompute the pair from its history with the pair's row locked, so that
concurrent writers of one pair leave the row of the last to commit), including writes made
with psql, and by a trigger on `employees` when one moves to another department (the pair's writer
share-locks the employee's row, so a move waits for it or it for the move);
`upskill_rebuild_competency_levels()` rebuilds the whole table (the migration, bulk
loads that bypass the triggers)."""

from __future__ import annotations

from sqlalchemy import Column, Date, Index, PrimaryKeyConstraint, Table, Text, Uuid

from adapters.postgres.table_base import metadata, timestamp

REBUILD = "SELECT upskill_rebuild_competency_levels()"
"""Rebuilds the projection from `assessments` (after a bulk load with triggers off)."""

COVERING = ["level", "assessed_on", "expires_on", "assessment_id"]
"""Columns the department index carries besides its key and the employee: what coverage reads."""

competency_levels = Table(
    "competency_levels",
    metadata,
    Column("employee_id", Uuid, nullable=False),
    Column("competency_id", Uuid, nullable=False),
    Column("department_id", Uuid, nullable=False),
    Column("level", Text, nullable=True),
    Column("assessed_on", Date, nullable=True),
    Column("expires_on", Date, nullable=True),
    Column("created_at", timestamp(), nullable=True),
    Column("assessment_id", Uuid, nullable=True),
    Column("claim_level", Text, nullable=True),
    Column("claim_assessed_on", Date, nullable=True),
    Column("claim_expires_on", Date, nullable=True),
    Column("claim_created_at", timestamp(), nullable=True),
    Column("claim_id", Uuid, nullable=True),
    PrimaryKeyConstraint("employee_id", "competency_id"),
    # a department's holders of its required competencies, index-only (coverage, gaps)
    Index(
        "ix_competency_levels_department",
        "department_id",
        "competency_id",
        postgresql_include=["employee_id", *COVERING],
    ),
)
