"""Access changes are announced: `NOTIFY upskill_access` whenever a change may end or alter
what a token's holder may do — a session revoked, expired or removed; a user deactivated,
re-roled, given a new password, relinked or removed; an employee moved to another department
or removed. Every replica's access gate LISTENs and forgets the checks it remembered (see
`adapters/postgres/access_gate.py`). Triggers, so a change made by hand is announced too.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "upskill_access"
FUNCTION = "upskill_notify_access"
TRIGGERS = {
    # table: the condition on a changed row that may change access
    "auth_sessions": (
        "OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR NEW.expires_at < OLD.expires_at "
        "OR NEW.idle_expires_at < OLD.idle_expires_at OR OLD.user_id IS DISTINCT FROM NEW.user_id"
    ),
    "users": (
        "OLD.role IS DISTINCT FROM NEW.role OR OLD.is_active IS DISTINCT FROM NEW.is_active "
        "OR OLD.password_changed_at IS DISTINCT FROM NEW.password_changed_at "
        "OR OLD.employee_id IS DISTINCT FROM NEW.employee_id"
    ),
    "employees": "OLD.department_id IS DISTINCT FROM NEW.department_id",
}


def upgrade() -> None:
    op.execute(
        f"""
        CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME);
            RETURN NULL;
        END
        $$
        """
    )
    for table, changed in TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER {table}_access_changed AFTER UPDATE ON {table} "
            f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {FUNCTION}()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_access_removed AFTER DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
        )


def downgrade() -> None:
    for table in TRIGGERS:
        op.execute(f"DROP TRIGGER {table}_access_removed ON {table}")
        op.execute(f"DROP TRIGGER {table}_access_changed ON {table}")
    op.execute(f"DROP FUNCTION {FUNCTION}()")
