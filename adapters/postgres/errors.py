"""The one translation of database failures into core errors.

Decided by SQLSTATE and the constraint, table and column names PostgreSQL reports with the
error — never by message text. Constraint names are the ones the resources declare
(`Unique.name`, `Reference.name`); primary keys are `pk_<table>`, check constraints
`ck_<table>_<field>` (see `tables`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any
from uuid import UUID

import asyncpg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from upskill.domain.entity import Entity
from upskill.domain.errors import (
    Conflict,
    DomainError,
    FieldError,
    InvalidQuery,
    InvalidReference,
    InvariantViolation,
    TransactionConflict,
    Unavailable,
)
from upskill.domain.resource import Reference, Resource, Unique

_UNAVAILABLE_CLASSES = ("08", "53", "57")  # connection, insufficient resources, operator intervention
_UNAVAILABLE_STATES = frozenset({"25P03", "55P03", "3D000", "28000", "28P01"})  # idle/lock timeout, no db, auth
_RETRYABLE_STATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock


class Action(Enum):
    """What the failed statement was doing: the same SQLSTATE means different things."""

    READ = "read"
    WRITE = "write"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class Attempt:
    """The operation that failed, for the error's wording (`entity` being written, `id` deleted)."""

    action: Action = Action.READ
    entity: Entity | None = None
    id: UUID | None = None


READING = Attempt()


class ConstraintCatalogue:
    """Which resource and field each named constraint belongs to, across every resource."""

    def __init__(self, resources: Iterable[Resource[Any]] = ()) -> None:
        self._tables: dict[str, Resource[Any]] = {}
        self._unique: dict[str, tuple[Resource[Any], Unique]] = {}
        self._references: dict[str, tuple[Resource[Any], Reference]] = {}
        for resource in resources:
            self.add(resource)

    def add(self, resource: Resource[Any]) -> None:
        self._tables[resource.collection] = resource
        primary_key = Unique(f"pk_{resource.collection}", ("id",))  # named by the tables' convention
        self._unique.update({u.name: (resource, u) for u in (primary_key, *resource.unique)})
        self._references.update({r.name: (resource, r) for r in resource.references})

    def table(self, name: str | None) -> Resource[Any] | None:
        return self._tables.get(name or "")

    def unique(self, name: str | None) -> tuple[Resource[Any], Unique] | None:
        return self._unique.get(name or "")

    def reference(self, name: str | None) -> tuple[Resource[Any], Reference] | None:
        return self._references.get(name or "")


def _postgres_error(error: BaseException) -> asyncpg.PostgresError | asyncpg.InterfaceError | None:
    """The asyncpg exception inside SQLAlchemy's wrapping (`orig`, then its `__cause__`)."""
    seen: BaseException | None = error.orig if isinstance(error, DBAPIError) else error
    while seen is not None:
        if isinstance(seen, asyncpg.PostgresError | asyncpg.InterfaceError):
            return seen
        seen = seen.__cause__
    return None


def _label(resource: Resource[Any] | None, attempt: Attempt) -> str | None:
    if resource is not None:
        return resource.label
    return attempt.entity.label if attempt.entity is not None else None


def _id(attempt: Attempt) -> UUID | None:
    return attempt.entity.id if attempt.entity is not None else attempt.id


def _subject(attempt: Attempt, field: str) -> object:
    return getattr(attempt.entity, field, None) if attempt.entity is not None else None


def _unique_conflict(found: tuple[Resource[Any], Unique] | None, attempt: Attempt) -> Conflict:
    if found is None:
        return Conflict("A record with these values already exists.")
    resource, unique = found
    field = ", ".join(unique.fields)
    value = _subject(attempt, unique.fields[0])
    shown = f" '{value}'" if value is not None and len(unique.fields) == 1 else ""
    return Conflict(
        f"A {resource.label.lower()} with {field}{shown} already exists.",
        entity=resource.label,
        id=_id(attempt),
        field=unique.fields[0],
        errors=[FieldError(f, "already exists") for f in unique.fields],
    )


def _reference_error(found: tuple[Resource[Any], Reference] | None, attempt: Attempt) -> DomainError:
    if attempt.action is Action.DELETE:
        referrer = f" by {found[0].collection}" if found is not None else ""
        label = found[1].target.label if found is not None else None
        what = f"{label} {attempt.id}" if label is not None else "The record"
        return Conflict(f"{what} is still referenced{referrer}.", entity=label, id=attempt.id)
    if found is None:
        return InvalidReference("A referenced record does not exist.")
    resource, reference = found
    value = _subject(attempt, reference.field)
    return InvalidReference(
        f"{reference.target.label} {value} does not exist.",
        entity=resource.label,
        id=_id(attempt),
        field=reference.field,
        errors=[FieldError(reference.field, "does not exist")],
    )


def _invalid_value(
    pg: asyncpg.PostgresError | asyncpg.InterfaceError, catalogue: ConstraintCatalogue, attempt: Attempt
) -> DomainError:
    state = getattr(pg, "sqlstate", None) or ""
    table = getattr(pg, "table_name", None)
    resource = catalogue.table(table)
    field: str | None = getattr(pg, "column_name", None)
    if state == "23514":
        constraint = getattr(pg, "constraint_name", None) or ""
        prefix = f"ck_{table}_"
        field = constraint.removeprefix(prefix) if constraint.startswith(prefix) else None
    message = "is required" if state == "23502" else "is not an acceptable value"
    return InvariantViolation(
        f"{field} {message}." if field else "A value is not acceptable.",
        entity=_label(resource, attempt),
        id=_id(attempt),
        field=field,
        errors=[FieldError(field, message)] if field else (),
    )


def translate(error: BaseException, catalogue: ConstraintCatalogue, attempt: Attempt = READING) -> DomainError | None:
    """The core error `error` stands for, or None when it is not one the core knows (a bug)."""
    if isinstance(error, DomainError):
        return error
    if isinstance(error, PoolTimeout | OSError):  # pool exhausted, refused, unreachable, timed out
        return Unavailable("The database is unavailable.")
    pg = _postgres_error(error)
    state = getattr(pg, "sqlstate", None) or ""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return Unavailable("The connection to the database was lost.")
    if state in _RETRYABLE_STATES:
        return TransactionConflict("A concurrent transaction won; retry.")
    if state.startswith(_UNAVAILABLE_CLASSES) or state in _UNAVAILABLE_STATES:
        return Unavailable("The database is unavailable.")
    constraint = getattr(pg, "constraint_name", None)
    if state == "23505":
        return _unique_conflict(catalogue.unique(constraint), attempt)
    if state in ("23503", "23001"):
        return _reference_error(catalogue.reference(constraint), attempt)
    if pg is not None and (state in ("23502", "23514") or state.startswith("22") or isinstance(pg, asyncpg.DataError)):
        if attempt.action is Action.READ:
            return InvalidQuery("A filter or cursor value is not acceptable.")
        return _invalid_value(pg, catalogue, attempt)
    return None


@contextmanager
def translated(catalogue: ConstraintCatalogue, attempt: Attempt = READING) -> Iterator[None]:
    """Re-raises what happens inside as the core error it stands for (chained), if any."""
    try:
        yield
    except Exception as error:
        domain = translate(error, catalogue, attempt)
        if domain is None or domain is error:
            raise
        raise domain from error
