"""The organisation: departments and the employees who work in them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar
from uuid import UUID

from upskill.domain.entity import Entity
from upskill.domain.errors import FieldError
from upskill.domain.text import check_email, check_name


@dataclass(frozen=True, kw_only=True)
class Department(Entity):
    """Its name is unique, compared case-insensitively; it cannot be deleted while employees
    are assigned to it."""

    label: ClassVar[str] = "Department"

    name: str
    description: str | None = None

    def check(self) -> list[FieldError]:
        return check_name("name", self.name)


@dataclass(frozen=True, kw_only=True)
class Employee(Entity):
    """Email unique (case-insensitive); never their own manager; `left_on` ≥ `hired_on`.
    A left employee no longer counts for coverage."""

    label: ClassVar[str] = "Employee"

    full_name: str
    email: str
    job_title: str | None = None
    department_id: UUID
    manager_id: UUID | None = None
    hired_on: date
    left_on: date | None = None

    def check(self) -> list[FieldError]:
        problems = check_name("full_name", self.full_name) + check_email("email", self.email)
        if self.manager_id is not None and self.manager_id == self.id:
            problems.append(FieldError("manager_id", "an employee cannot be their own manager"))
        if self.left_on is not None and self.left_on < self.hired_on:
            problems.append(FieldError("left_on", "must not be before hired_on"))
        return problems

    def is_current(self, on: date) -> bool:
        """Employed on `on`: hired by then and not yet left (the leaving day no longer counts)."""
        return self.hired_on <= on and (self.left_on is None or self.left_on > on)
