"""The current-level projection (`competency_levels`, see `adapters/postgres/level_tables.py`):
per (employee, competency), the latest validated and the latest proposed assessment, kept by row
triggers on `assessments` in the transaction of every write, and built here for existing data.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 00:00:00
"""

# ruff: noqa: S608 - SQL made of this file's own constants, no input
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECENCY = "a.assessed_on DESC, a.created_at DESC, a.id DESC"
FIELDS = "level, assessed_on, expires_on, created_at, assessment_id"
CLAIM_FIELDS = "claim_level, claim_assessed_on, claim_expires_on, claim_created_at, claim_id"
ALL_FIELDS = f"{FIELDS}, {CLAIM_FIELDS}"


def _latest(status: str, where: str) -> str:
    return (
        "SELECT a.level, a.assessed_on, a.expires_on, a.created_at, a.id FROM assessments a "
        f"WHERE {where} AND a.status = '{status}' ORDER BY {RECENCY} LIMIT 1"
    )


def _latest_per_pair(status: str) -> str:
    return (
        "SELECT DISTINCT ON (a.employee_id, a.competency_id) a.employee_id, a.competency_id, "
        "a.level, a.assessed_on, a.expires_on, a.created_at, a.id FROM assessments a "
        f"WHERE a.status = '{status}' ORDER BY a.employee_id, a.competency_id, {RECENCY}"
    )


PAIR = "a.employee_id = emp AND a.competency_id = comp"
COVERING = ["level", "assessed_on", "expires_on", "assessment_id"]
"""What the department index carries besides its key and the employee: what coverage reads."""
WATCHED = ("employee_id", "competency_id", "status", "level", "assessed_on", "expires_on", "created_at")

FUNCTIONS = [
    f"""
CREATE FUNCTION upskill_competency_level(emp uuid, comp uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    dept uuid;
BEGIN
    -- one writer of a pair at a time: its row, made if missing, is locked until the commit
    -- (a row lock, not an advisory one: a bulk write takes as many as it likes); the statements
    -- after the lock see what the writer before committed. The employee's row is share-locked,
    -- so that a move to another department waits for this commit, then updates this row too.
    INSERT INTO competency_levels (employee_id, competency_id, department_id)
    SELECT e.id, comp, e.department_id FROM employees e WHERE e.id = emp
    ON CONFLICT DO NOTHING;
    PERFORM 1 FROM competency_levels WHERE employee_id = emp AND competency_id = comp FOR UPDATE;
    SELECT e.department_id INTO dept FROM employees e WHERE e.id = emp FOR SHARE;
    UPDATE competency_levels AS p SET department_id = dept, ({ALL_FIELDS}) = (
        SELECT v.level, v.assessed_on, v.expires_on, v.created_at, v.id,
               c.level, c.assessed_on, c.expires_on, c.created_at, c.id
        FROM (SELECT 1) AS one
        LEFT JOIN LATERAL ({_latest("validated", PAIR)}) AS v ON true
        LEFT JOIN LATERAL ({_latest("proposed", PAIR)}) AS c ON true
    )
    WHERE p.employee_id = emp AND p.competency_id = comp;
    DELETE FROM competency_levels
    WHERE employee_id = emp AND competency_id = comp AND assessment_id IS NULL AND claim_id IS NULL;
END
$$""",
    """
CREATE FUNCTION upskill_employee_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE competency_levels SET department_id = NEW.department_id WHERE employee_id = NEW.id;
    RETURN NULL;
END
$$""",
    """
CREATE FUNCTION upskill_assessments_levels() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM upskill_competency_level(OLD.employee_id, OLD.competency_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (NEW.employee_id, NEW.competency_id)
                            IS DISTINCT FROM (OLD.employee_id, OLD.competency_id)) THEN
        PERFORM upskill_competency_level(NEW.employee_id, NEW.competency_id);
    END IF;
    RETURN NULL;
END
$$""",
    f"""
CREATE FUNCTION upskill_rebuild_competency_levels() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM competency_levels;
    INSERT INTO competency_levels (employee_id, competency_id, department_id, {ALL_FIELDS})
    SELECT e.id, coalesce(v.competency_id, c.competency_id), e.department_id,
           v.level, v.assessed_on, v.expires_on, v.created_at, v.id,
           c.level, c.assessed_on, c.expires_on, c.created_at, c.id
    FROM ({_latest_per_pair("validated")}) AS v
    FULL JOIN ({_latest_per_pair("proposed")}) AS c
      ON c.employee_id = v.employee_id AND c.competency_id = v.competency_id
    JOIN employees e ON e.id = coalesce(v.employee_id, c.employee_id);
$$""",
]

CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in WATCHED)
TRIGGERS = [
    "CREATE TRIGGER assessments_levels_written AFTER INSERT OR DELETE ON assessments "
    "FOR EACH ROW EXECUTE FUNCTION upskill_assessments_levels()",
    f"CREATE TRIGGER assessments_levels_changed AFTER UPDATE ON assessments "
    f"FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION upskill_assessments_levels()",
    "CREATE TRIGGER employees_levels_moved AFTER UPDATE OF department_id ON employees "
    "FOR EACH ROW WHEN (OLD.department_id IS DISTINCT FROM NEW.department_id) "
    "EXECUTE FUNCTION upskill_employee_moved()",
]


def upgrade() -> None:
    op.create_table(
        "competency_levels",
        sa.Column("employee_id", sa.Uuid(), nullable=False),
        sa.Column("competency_id", sa.Uuid(), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.Text(), nullable=True),
        sa.Column("assessed_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assessment_id", sa.Uuid(), nullable=True),
        sa.Column("claim_level", sa.Text(), nullable=True),
        sa.Column("claim_assessed_on", sa.Date(), nullable=True),
        sa.Column("claim_expires_on", sa.Date(), nullable=True),
        sa.Column("claim_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("employee_id", "competency_id", name=op.f("pk_competency_levels")),
    )
    op.create_index(
        "ix_competency_levels_department",
        "competency_levels",
        ["department_id", "competency_id"],
        postgresql_include=["employee_id", *COVERING],
    )
    for statement in FUNCTIONS + TRIGGERS:
        op.execute(statement)
    op.execute("SELECT upskill_rebuild_competency_levels()")


def downgrade() -> None:
    op.execute("DROP TRIGGER employees_levels_moved ON employees")
    op.execute("DROP TRIGGER assessments_levels_changed ON assessments")
    op.execute("DROP TRIGGER assessments_levels_written ON assessments")
    op.execute("DROP FUNCTION upskill_rebuild_competency_levels()")
    op.execute("DROP FUNCTION upskill_assessments_levels()")
    op.execute("DROP FUNCTION upskill_employee_moved()")
    op.execute("DROP FUNCTION upskill_competency_level(uuid, uuid)")
    op.drop_table("competency_levels")
