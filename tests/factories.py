"""Typed factories: each returns a valid entity with unique text values; every field can be
overridden by keyword. `persist` commits entities through a unit of work."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from upskill.domain.competency import Competency, Level
from upskill.domain.entity import Entity
from upskill.domain.identity import AuthSession, RefreshToken, User
from upskill.domain.ids import UUIDv7Factory
from upskill.domain.organisation import Department, Employee
from upskill.domain.plans import Plan, PlanStatus
from upskill.domain.ports import UnitOfWorkFactory
from upskill.domain.principal import Role
from upskill.domain.security import hash_refresh_token, new_refresh_token
from upskill.domain.training import (
    Assessment,
    AssessmentSource,
    AssessmentStatus,
    Course,
    CourseCoverage,
    Enrollment,
    EnrollmentStatus,
    Feedback,
    Requirement,
)

BASE_TIME = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
BASE_DATE = date(2020, 1, 1)

UNUSABLE_HASH = "$argon2id$not-a-real-hash"
"""A stored password hash that no password matches (a malformed hash verifies as a mismatch)."""

_ids = UUIDv7Factory()
_serial = itertools.count(1)


def _stamp(n: int) -> datetime:
    return BASE_TIME + timedelta(seconds=n)


def department(
    *,
    name: str | None = None,
    description: str | None = None,
    id: UUID | None = None,
    version: int = 1,
    created_at: datetime | None = None,
    updated_at: datetime | None = None,
) -> Department:
    n = next(_serial)
    created = created_at or _stamp(n)
    return Department(
        id=id or _ids.new(),
        version=version,
        created_at=created,
        updated_at=updated_at or created,
        name=f"Department {n}" if name is None else name,
        description=description,
    )


def competency(
    *,
    name: str | None = None,
    description: str | None = None,
    category: str | None = None,
    id: UUID | None = None,
    version: int = 1,
    created_at: datetime | None = None,
    updated_at: datetime | None = None,
) -> Competency:
    n = next(_serial)
    created = created_at or _stamp(n)
    return Competency(
        id=id or _ids.new(),
        version=version,
        created_at=created,
        updated_at=updated_at or created,
        name=f"Competency {n}" if name is None else name,
        description=description,
        category=category,
    )


def employee(
    *,
    department_id: UUID,
    full_name: str | None = None,
    email: str | None = None,
    job_title: str | None = None,
    manager_id: UUID | None = None,
    hired_on: date | None = None,
    left_on: date | None = None,
    id: UUID | None = None,
    version: int = 1,
    created_at: datetime | None = None,
    updated_at: datetime | None = None,
) -> Employee:
    n = next(_serial)
    created = created_at or _stamp(n)
    return Employee(
        id=id or _ids.new(),
        version=version,
        created_at=created,
        updated_at=updated_at or created,
        full_name=f"Employee {n}" if full_name is None else full_name,
        email=f"employee{n}@example.com" if email is None else email,
        job_title=job_title,
        department_id=department_id,
        manager_id=manager_id,
        hired_on=hired_on or BASE_DATE + timedelta(days=n),
        left_on=left_on,
    )


def user(
    *,
    email: str | None = None,
    role: Role = Role.EMPLOYEE,
    employee_id: UUID | None = None,
    is_active: bool = True,
    password_hash: str = UNUSABLE_HASH,
    password_changed_at: datetime | None = None,
    id: UUID | None = None,
    version: int = 1,
    created_at: datetime | None = None,
    updated_at: datetime | None = None,
) -> User:
    n = next(_serial)
    created = created_at or _stamp(n)
    return User(
        id=id or _ids.new(),
        version=version,
        created_at=created,
        updated_at=updated_at or created,
        email=f"user{n}@example.com" if email is None else email,
        role=role,
        employee_id=employee_id,
        is_active=is_active,
        password_hash=password_hash,
        password_changed_at=password_changed_at,
    )


def auth_session(
    *,
    user_id: UUID,
    created_at: datetime = BASE_TIME,
    idle: timedelta = timedelta(days=14),
    absolute: timedelta = timedelta(days=30),
    client_id: str | None = None,
    revoked_at: datetime | None = None,
    user_agent: str | None = None,
    id: UUID | None = None,
) -> AuthSession:
    """A session opened at `created_at`, idle-expiring after `idle`, expiring after `absolute`."""
    return AuthSession(
        id=id or _ids.new(),
        user_id=user_id,
        client_id=client_id,
        created_at=created_at,
        last_used_at=created_at,
        idle_expires_at=created_at + idle,
        expires_at=created_at + absolute,
        revoked_at=revoked_at,
        user_agent=user_agent,
    )


def refresh_token(
    *, session_id: UUID, issued_at: datetime = BASE_TIME, used_at: datetime | None = None
) -> RefreshToken:
    """A stored refresh token: the digest of a fresh random token."""
    return RefreshToken(hash_refresh_token(new_refresh_token()), session_id, issued_at, used_at)


def _system(id: UUID | None, created_at: datetime | None) -> dict[str, Any]:
    """Identity, version 1 and timestamps of a new record (unique, increasing stamps)."""
    created = created_at or _stamp(next(_serial))
    return {"id": id or _ids.new(), "version": 1, "created_at": created, "updated_at": created}


def requirement(
    *,
    competency_id: UUID,
    department_id: UUID | None = None,
    level: Level = Level.INTERMEDIATE,
    headcount: int = 1,
    id: UUID | None = None,
    created_at: datetime | None = None,
) -> Requirement:
    """Company-wide unless `department_id` is given."""
    return Requirement(
        **_system(id, created_at),
        department_id=department_id,
        competency_id=competency_id,
        level=level,
        headcount=headcount,
    )


def assessment(
    *,
    employee_id: UUID,
    competency_id: UUID,
    level: Level = Level.BASIC,
    assessed_on: date = BASE_DATE,
    expires_on: date | None = None,
    assessor_id: UUID | None = None,
    note: str | None = None,
    status: AssessmentStatus = AssessmentStatus.VALIDATED,
    source: AssessmentSource = AssessmentSource.MANAGER,
    id: UUID | None = None,
    created_at: datetime | None = None,
) -> Assessment:
    return Assessment(
        **_system(id, created_at),
        employee_id=employee_id,
        competency_id=competency_id,
        level=level,
        assessed_on=assessed_on,
        expires_on=expires_on,
        assessor_id=assessor_id,
        note=note,
        status=status,
        source=source,
    )


def feedback(
    *,
    subject_id: UUID,
    author_id: UUID,
    competency_id: UUID | None = None,
    score: int | None = None,
    comment: str | None = None,
    id: UUID | None = None,
) -> Feedback:
    return Feedback(
        **_system(id, None),
        subject_id=subject_id,
        author_id=author_id,
        competency_id=competency_id,
        score=score,
        comment=comment,
    )


def course(
    *covers: tuple[UUID, Level],
    title: str | None = None,
    description: str | None = None,
    rating: float = 0.0,
    learners: int = 0,
    id: UUID | None = None,
) -> Course:
    """A course teaching each (competency id, level) of `covers`, in that order."""
    return Course(
        **_system(id, None),
        title=f"Course {next(_serial)}" if title is None else title,
        description=description,
        rating=rating,
        learners=learners,
        covers=tuple(CourseCoverage(competency_id, level) for competency_id, level in covers),
    )


def enrollment(
    *,
    employee_id: UUID,
    course_id: UUID,
    status: EnrollmentStatus = EnrollmentStatus.PLANNED,
    completed_on: date | None = None,
    due_on: date | None = None,
    id: UUID | None = None,
) -> Enrollment:
    return Enrollment(
        **_system(id, None),
        employee_id=employee_id,
        course_id=course_id,
        status=status,
        completed_on=completed_on,
        due_on=due_on,
    )


def plan(
    *,
    employee_id: UUID,
    competency_id: UUID,
    target_level: Level = Level.ADVANCED,
    due_on: date = BASE_DATE,
    status: PlanStatus = PlanStatus.ACTIVE,
    achieved_on: date | None = None,
    id: UUID | None = None,
) -> Plan:
    return Plan(
        **_system(id, None),
        employee_id=employee_id,
        competency_id=competency_id,
        target_level=target_level,
        due_on=due_on,
        status=status,
        achieved_on=achieved_on,
    )


async def persist(uow_factory: UnitOfWorkFactory, *entities: Entity) -> None:
    """Add `entities` in order (referenced ones first) in one committed unit of work."""
    async with uow_factory() as uow:
        for entity in entities:
            await uow.repository(type(entity)).add(entity)
        await uow.commit()
