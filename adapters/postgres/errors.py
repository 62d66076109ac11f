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
from upskill.domain.resource import Resource, Unique

_UNAVAILABLE_CLASSES = ("08", "53", "57")  # connection, insufficient resources, operator intervention
_UNAVAILABLE_STATES = frozenset({"25P03", "55P03", "3D000", "28000", "28P01"})  # idle/lock timeout, no db, auth
_RETRYABLE_STATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock
_LOST = (
    asyncpg.exceptions.ConnectionDoesNotExistError,  # the server closed it (restart, terminated backend)
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.InternalClientError,  # the server's farewell raced a query
    ConnectionResetError,
)
"""Failures of a connection the server ended (not timeouts: those are never retried)."""


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


@dataclass(frozen=True, slots=True)
class Link:
    """A foreign key as errors describe it: `collection.field` (records labelled `label`)
    holds the id of a `target` record."""

    collection: str
    label: str
    field: str
    target: str


class ConstraintCatalogue:
    """Which resource and field each named constraint belongs to, across every resource, and
    the foreign keys of tables that are not resources (`link`)."""

    def __init__(self, resources: Iterable[Resource[Any]] = ()) -> None:
        self._tables: dict[str, tuple[Resource[Any], str | None]] = {}
        self._unique: dict[str, tuple[Resource[Any], Unique]] = {}
        self._references: dict[str, Link] = {}
        for resource in resources:
            self.add(resource)

    def add(self, resource: Resource[Any]) -> None:
        """The resource's table, its nested fields' child tables (a child row's error is
        reported on the nested field), unique rules and references."""
        self._tables[resource.collection] = (resource, None)
        keys = [Unique(f"pk_{resource.collection}", ("id",))]  # named by the tables' convention
        for nested in resource.nested:
            self._tables[nested.table] = (resource, nested.field)
            keys.append(Unique(f"pk_{nested.table}", (nested.field,)))
        self._unique.update({u.name: (resource, u) for u in (*keys, *resource.unique)})
        for r in resource.references:
            self.link(r.name, Link(resource.collection, resource.label, r.field, r.target.label))

    def link(self, name: str, link: Link) -> None:
        self._references[name] = link

    def table(self, name: str | None) -> tuple[Resource[Any] | None, str | None]:
        """The resource a table stores, and the nested field when it is a child table."""
        return self._tables.get(name or "", (None, None))

    def unique(self, name: str | None) -> tuple[Resource[Any], Unique] | None:
        return self._unique.get(name or "")

    def reference(self, name: str | None) -> Link | None:
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


def _article(label: str) -> str:
    return f"{'An' if label[:1].lower() in 'aeiou' else 'A'} {label.lower()}"


def _unique_conflict(found: tuple[Resource[Any], Unique] | None, attempt: Attempt) -> Conflict:
    if found is None:
        return Conflict("A record with these values already exists.")
    resource, unique = found
    field = ", ".join(unique.fields)
    value = _subject(attempt, unique.fields[0])
    scalar = value is not None and not isinstance(value, tuple | list)
    shown = f" '{value}'" if scalar and len(unique.fields) == 1 else ""
    return Conflict(
        f"{_article(resource.label)} with {field}{shown} already exists.",
        entity=resource.label,
        id=_id(attempt),
        field=unique.fields[0],
        errors=[FieldError(f, "already exists") for f in unique.fields],
    )


def _missing_item(link: Link, attempt: Attempt, detail: str) -> tuple[str, object]:
    """The field and value of the nested item whose reference is missing: `covers.<i>.<field>`
    for the item whose value the error's detail names (values are located, wording is not
    read), else the nested field itself."""
    nested, _, item_field = link.field.partition(".")
    items = _subject(attempt, nested)
    for i, item in enumerate(items if isinstance(items, tuple | list) else ()):
        value = getattr(item, item_field, None)
        if value is not None and str(value) in detail:
            return f"{nested}.{i}.{item_field}", value
    return nested, None


def _reference_error(found: Link | None, attempt: Attempt, detail: str) -> DomainError:
    if attempt.action is Action.DELETE:
        if found is None:
            return Conflict("The record is still referenced.", id=attempt.id)
        message = f"{found.target} {attempt.id} is still referenced by {found.collection}."
        return Conflict(message, entity=found.target, id=attempt.id)
    if found is None:
        return InvalidReference("A referenced record does not exist.")
    if "." in found.field:
        field, value = _missing_item(found, attempt, detail)
    else:
        field, value = found.field, _subject(attempt, found.field)
    shown = f" {value}" if value is not None else ""
    return InvalidReference(
        f"{found.target}{shown} does not exist.",
        entity=found.label,
        id=_id(attempt),
        field=field,
        errors=[FieldError(field, "does not exist")],
    )


def _invalid_value(
    pg: asyncpg.PostgresError | asyncpg.InterfaceError, catalogue: ConstraintCatalogue, attempt: Attempt
) -> DomainError:
    state = getattr(pg, "sqlstate", None) or ""
    table = getattr(pg, "table_name", None)
    resource, nested = catalogue.table(table)
    field: str | None = getattr(pg, "column_name", None)
    if state == "23514":
        constraint = getattr(pg, "constraint_name", None) or ""
        prefix = f"ck_{table}_"
        field = constraint.removeprefix(prefix) if constraint.startswith(prefix) else None
    if nested is not None:  # a child row's value: reported on the nested field
        field = nested
    message = "is required" if state == "23502" else "is not an acceptable value"
    return InvariantViolation(
        f"{field} {message}." if field else "A value is not acceptable.",
        entity=_label(resource, attempt),
        id=_id(attempt),
        field=field,
        errors=[FieldError(field, message)] if field else (),
    )


def lost_connection(error: BaseException) -> bool:
    """A connection the server ended: asyncpg's own errors for it, or its refusal to use a
    connection it saw closed."""
    return isinstance(error, _LOST) or (
        isinstance(error, asyncpg.InterfaceError) and "connection is closed" in str(error)
    )


def translate(error: BaseException, catalogue: ConstraintCatalogue, attempt: Attempt = READING) -> DomainError | None:
    """The core error `error` stands for, or None when it is not one the core knows (a bug)."""
    if isinstance(error, DomainError):
        return error
    if isinstance(error, PoolTimeout | OSError):  # pool exhausted, refused, unreachable, timed out
        return Unavailable("The database is unavailable.")
    pg = _postgres_error(error)
    state = getattr(pg, "sqlstate", None) or ""
    if (isinstance(error, DBAPIError) and error.connection_invalidated) or lost_connection(error):
        return Unavailable("The connection to the database was lost.")
    if state in _RETRYABLE_STATES:
        return TransactionConflict("A concurrent transaction won; retry.")
    if state.startswith(_UNAVAILABLE_CLASSES) or state in _UNAVAILABLE_STATES:
        return Unavailable("The database is unavailable.")
    constraint = getattr(pg, "constraint_name", None)
    if state == "23505":
        return _unique_conflict(catalogue.unique(constraint), attempt)
    if state in ("23503", "23001"):
        return _reference_error(catalogue.reference(constraint), attempt, getattr(pg, "detail", None) or "")
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
