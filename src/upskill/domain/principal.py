"""Who is acting: every service call receives the acting principal."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    EMPLOYEE = "employee"


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: a user with a role, optionally linked to an employee (and through it a
    department). `user_id` is None only for the system principal."""

    user_id: UUID | None
    role: Role
    employee_id: UUID | None = None
    department_id: UUID | None = None
    session_id: UUID | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


SYSTEM = Principal(user_id=None, role=Role.ADMIN)
"""The service itself (start-up tasks, seeding, the CLI): may do everything."""
